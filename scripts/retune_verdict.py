"""Retune the "not a digit" threshold in the sidecars of saved models, weights untouched.

    python scripts/retune_verdict.py models models/heldout

For models saved before a change of the rule (`digitpad/verdict.py`): each sidecar gets the
threshold that `python -m digitpad train` would have given the same weights (the same tuning
digits and seed), and loses the key of the rule before it.
"""

import pathlib
import sys

from digitpad import config, training, verdict
from digitpad.inference import Predictor, load_model, model_path, read_sidecar

OLD_KEYS = ("not_digit_threshold",)  # the top-probability rule's key, before 2026-11-30


def retune(models_dir: pathlib.Path) -> dict[str, float]:
    """Rewrite the sidecar of each model in `models_dir`; the new thresholds by model name."""
    thresholds = {}
    for name in config.MODEL_NAMES:
        path = model_path(name, models_dir)
        if not path.is_file():
            continue
        info = {key: value for key, value in read_sidecar(path).items() if key not in OLD_KEYS}
        info = verdict.with_threshold(
            {**info, "model": name}, Predictor(load_model(path)).probabilities
        )
        if verdict.THRESHOLD_KEY not in info:
            raise ValueError("No pendigits file to tune on: set DIGITPAD_PENDIGITS.")
        training.save_sidecar(path, info)
        thresholds[name] = info[verdict.THRESHOLD_KEY]
    return thresholds


def main(argv: list[str]) -> int:
    for folder in argv or [str(config.MODELS_DIR)]:
        print(folder, retune(pathlib.Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
