"""`python -m benchmarks nondigits`: how often each model refuses what is not a digit.

Digits: pen digits of the report fold's writers (`writers.report_writers()`, never trained
on by the twins in `models/heldout/` and never tuned on), replayed on the canvas. Non-digits:
every synthetic family on held-out seeds (`nondigits.EVALUATION_SEED`); `pen_letters` is
never trained on at all. Each model decides with the threshold its sidecar carries; the MLP
also with its judge's refusals (`verdict.JUDGE`, the CNN of the same folder), and its figures
without them are measured too ("alone").
"""

import argparse
import json
import pathlib

import numpy as np

from benchmarks.speed import write_readme
from digitpad import config, inference, nondigits, verdict, writers
from ui.formatting import MODEL_LABELS

README_START = "<!-- nondigits:start -->"
README_END = "<!-- nondigits:end -->"
DIGIT_COUNT = 1000
NON_DIGIT_COUNT = 300
DIGIT_SEED = 12


def rates(predictor: inference.Predictor, digits: tuple, non_digits: dict) -> dict:
    """Digits kept, read right with and without the rule, and non-digits answered per family
    (the model's verdicts: its judge's refusals included)."""
    probabilities = predictor.probabilities(digits[0])
    kept = predictor.verdicts(digits[0], probabilities)
    right = probabilities.argmax(axis=1) == digits[1]
    answered = {
        family: float(predictor.verdicts(images, predictor.probabilities(images)).mean())
        for family, images in non_digits.items()
    }
    return {
        "threshold": predictor.threshold, "digits_kept": float(kept.mean()),
        "right_without_rule": float(right.mean()), "right_with_rule": float((right & kept).mean()),
        "non_digits_answered": answered,
    }  # fmt: skip


def measure(models_dir: pathlib.Path, digit_count: int, non_digit_count: int) -> dict:
    """Rates of both models of `models_dir` on the same digits and non-digits; a model with
    a judge also without it ("alone")."""
    digits = verdict.replayed_digits(digit_count, DIGIT_SEED, held_out=writers.report_writers())
    non_digits = non_digit_images(non_digit_count)
    figures = {}
    for name, predictor in inference.Predictor.load_all(models_dir).items():
        figures[name] = rates(predictor, digits, non_digits)
        if predictor.judge is not None:
            figures[name]["alone"] = rates(predictor.judged_by(None), digits, non_digits)
    return figures


def non_digit_images(count: int) -> dict[str, np.ndarray]:
    """`count` held-out images of each non-digit family, as the models read them (0-1 floats)."""
    return {
        family: nondigits.evaluation_images(family, count).astype(np.float32) / 255
        for family in nondigits.FAMILIES
    }


def _percent(value: float) -> str:
    return f"{value:.1%}"


def table(figures: dict, models_dir: pathlib.Path, counts: tuple[int, int]) -> str:
    """The README table: one column per model, and one for a model without its judge."""
    columns = [(MODEL_LABELS[name], figures[name]) for name in config.MODEL_NAMES]
    columns[1:1] = [(f"{MODEL_LABELS[name]} alone", figures[name]["alone"])
                    for name in config.MODEL_NAMES if "alone" in figures[name]]  # fmt: skip
    rows = [
        ("Threshold on the digit score", lambda f: f"{f['threshold']:.2f}"),
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
    lines = ["| figure | " + " | ".join(label for label, _ in columns) + " |"]
    lines.append("|---" * (len(columns) + 1) + "|")
    lines += [f"| {label} | " + " | ".join(cell(figure) for _, figure in columns) + " |"
              for label, cell in rows]  # fmt: skip
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
    parser.add_argument("--models-dir", type=pathlib.Path, default=config.TWINS_DIR,
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
