"""Report "not a digit" rates: non-digits answered per family, unseen writers' digits kept.

    python scripts/nondigit_rates.py [--models-dir DIR] [--tune-fold 3] [--digits 1000]

Digits: replays of the report fold's writers (writers.report_writers(), never tuned on).
Non-digits: every family on held-out seeds (nondigits.EVALUATION_SEED). The threshold is
the model's sidecar one, or with --tune-fold, tuned on that fold's writers (for models that
trained on the other tuning folds and have none).
"""

import argparse
import json

import numpy as np

from digitpad import config, inference, nondigits, verdict, writers


def rates(predictor, threshold: float, digits: tuple, non_digits: dict) -> dict:
    """Shares kept, read right with and without the rule, and answered per non-digit family."""
    probabilities = predictor.probabilities(digits[0])
    kept = verdict.is_digit(probabilities, threshold)
    right = probabilities.argmax(axis=1) == digits[1]
    answered = {
        family: round(float(verdict.is_digit(predictor.probabilities(images), threshold).mean()), 3)
        for family, images in non_digits.items()
    }
    return {
        "threshold": round(threshold, 4),
        "digits_kept": round(float(kept.mean()), 4),
        "right_without_rule": round(float(right.mean()), 4),
        "right_with_rule": round(float((right & kept).mean()), 4),
        "non_digits_answered": answered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", default=str(config.MODELS_DIR))
    parser.add_argument("--tune-fold", type=int, default=None)
    parser.add_argument("--digits", type=int, default=1000)
    parser.add_argument("--non-digits", type=int, default=300)
    arguments = parser.parse_args()
    digits = verdict.replayed_digits(arguments.digits, seed=12, held_out=writers.report_writers())
    non_digits = {
        family: nondigits.evaluation_images(family, arguments.non_digits).astype(np.float32) / 255
        for family in nondigits.FAMILIES
    }
    for name in config.MODEL_NAMES:
        predictor = inference.Predictor.load(name, arguments.models_dir)
        threshold = predictor.threshold
        if arguments.tune_fold is not None:
            tuning = writers.fold_writers(arguments.tune_fold)
            threshold = verdict.threshold_for(predictor.probabilities, held_out=tuning)
        print(json.dumps({"model": name, **rates(predictor, threshold, digits, non_digits)}))


if __name__ == "__main__":
    main()
