"""`python -m benchmarks nondigits`: how often each model refuses what is not a digit.

Digits: pen digits of the report fold's writers (`writers.report_writers()`, never trained
on by the twins in `models/heldout/` and never tuned on), replayed on the canvas. Non-digits:
every synthetic family on held-out seeds (`nondigits.EVALUATION_SEED`); `pen_letters` is
never trained on at all. Each model decides with the threshold its sidecar carries.
"""

import argparse
import json
import pathlib

import numpy as np

from benchmarks.speed import write_readme
from digitpad import config, inference, nondigits, verdict, writers

README_START = "<!-- nondigits:start -->"
README_END = "<!-- nondigits:end -->"
TWINS_DIR = config.MODELS_DIR / "heldout"
DIGIT_COUNT = 1000
NON_DIGIT_COUNT = 300
DIGIT_SEED = 12


def rates(predictor: inference.Predictor, digits: tuple, non_digits: dict) -> dict:
    """Digits kept, read right with and without the rule, and non-digits answered per family."""
    probabilities = predictor.probabilities(digits[0])
    kept = predictor.is_digit(probabilities)
    right = probabilities.argmax(axis=1) == digits[1]
    answered = {
        family: float(predictor.is_digit(predictor.probabilities(images)).mean())
        for family, images in non_digits.items()
    }
    return {
        "threshold": predictor.threshold, "digits_kept": float(kept.mean()),
        "right_without_rule": float(right.mean()), "right_with_rule": float((right & kept).mean()),
        "non_digits_answered": answered,
    }  # fmt: skip


def measure(models_dir: pathlib.Path, digit_count: int, non_digit_count: int) -> dict:
    """Rates of both models of `models_dir` on the same digits and non-digits."""
    digits = verdict.replayed_digits(digit_count, DIGIT_SEED, held_out=writers.report_writers())
    non_digits = non_digit_images(non_digit_count)
    return {
        name: rates(inference.Predictor.load(name, models_dir), digits, non_digits)
        for name in config.MODEL_NAMES
    }


def non_digit_images(count: int) -> dict[str, np.ndarray]:
    """`count` held-out images of each non-digit family, as the models read them (0-1 floats)."""
    return {
        family: nondigits.evaluation_images(family, count).astype(np.float32) / 255
        for family in nondigits.FAMILIES
    }


def _percent(value: float) -> str:
    return f"{value:.1%}"


def table(figures: dict, models_dir: pathlib.Path, counts: tuple[int, int]) -> str:
    """The README table: one column per model."""
    mlp, cnn = figures["mlp"], figures["cnn"]
    rows = [
        ("Threshold on the top probability", lambda f: f"{f['threshold']:.3f}"),
        ("Unseen writers' digits answered", lambda f: _percent(f["digits_kept"])),
        (
            "… read right, no rule → with the rule",
            lambda f: f"{_percent(f['right_without_rule'])} → {_percent(f['right_with_rule'])}",
        ),
    ]
    rows += [(f"`{family}` given a digit" + (" (never trained on)" if family ==
              nondigits.HELD_OUT_FAMILY else ""),
              lambda f, family=family: _percent(f["non_digits_answered"][family]))
             for family in nondigits.FAMILIES]  # fmt: skip
    lines = ["| figure | MLP | CNN |", "|---|---|---|"]
    lines += [f"| {label} | {cell(mlp)} | {cell(cnn)} |" for label, cell in rows]
    if models_dir.is_relative_to(config.PROJECT_DIR):
        models_dir = models_dir.relative_to(config.PROJECT_DIR)
    lines.append(
        f"\nModels: `{models_dir}`. Digits: {counts[0]:,} replays of report-fold writers "
        f"{', '.join(map(str, writers.report_writers()))} (seed {DIGIT_SEED}); non-digits: "
        f"{counts[1]} per family (seed {nondigits.EVALUATION_SEED}). "
        "Measured by `python -m benchmarks nondigits`."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and (with --write-readme) write the README table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks nondigits",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--models-dir", type=pathlib.Path, default=TWINS_DIR,
                        help="default: the twins that never saw the report writers")  # fmt: skip
    parser.add_argument("--digits", type=int, default=DIGIT_COUNT)
    parser.add_argument("--non-digits", type=int, default=NON_DIGIT_COUNT)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write-readme", action="store_true", help="write the README table")
    arguments = parser.parse_args(argv)
    figures = measure(arguments.models_dir, arguments.digits, arguments.non_digits)
    text = table(figures, arguments.models_dir, (arguments.digits, arguments.non_digits))
    print(json.dumps(figures, indent=2) if arguments.json else text)
    if arguments.write_readme and not write_readme(text, start=README_START, end=README_END):
        print(f"note: the README has no {README_START} marker; table not written")
    return 0
