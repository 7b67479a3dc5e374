"""`python -m benchmarks folds`: people it never saw, one writer fold at a time.

For each of the five writer folds, the model trained with `make models`' recipe without that
fold's six writers reads their digits (2 replays of each, seed 1234, as `bench`): fold 4's
models are the twins in `models/heldout/`, folds 0-3's come from `make fold-models`
(`FOLDS_DIR/foldK/`, not in the repository: 8 trainings, about 1.5 hours on two CPU cores).
Folds 0-3 also guided design choices (thresholds, styles, recipe), so only fold 4 is free of
tuning; the mean over the five folds is the cross-validated figure, the spread says how much
one fold's figure can be trusted. With --verdict: the "not a digit" rule of each fold's models
(`benchmarks.nondigits.rates`) on 1,000 drawings of that fold's writers and the held-out
non-digits, fold by fold.
"""

import argparse
import json
import pathlib
import statistics

from benchmarks import nondigits as nondigit_bench
from benchmarks.speed import write_readme
from digitpad import config, evaluation, verdict, writers
from digitpad.inference import Predictor
from ui.formatting import MODEL_LABELS

README_START = "<!-- folds:start -->"
README_END = "<!-- folds:end -->"
VERDICT_START = "<!-- folds-verdict:start -->"
VERDICT_END = "<!-- folds-verdict:end -->"
VERDICT_DIGITS = 1000
DEFAULT_FOLDS_DIR = config.PROJECT_DIR / "folds"


def fold_dir(fold: int, root: pathlib.Path) -> pathlib.Path:
    """Where the models trained without fold `fold` are."""
    return config.TWINS_DIR if fold == writers.REPORT_FOLD else root / f"fold{fold}"


def measure(root: pathlib.Path) -> dict:
    """For each model, `evaluation.writer_accuracy` on each fold whose model is there."""
    figures = {}
    for name in config.MODEL_NAMES:
        per_fold = {}
        for fold in range(len(writers.FOLDS)):
            folder = fold_dir(fold, root)
            if (folder / f"{name}.keras").is_file():
                predictor = Predictor.load(name, folder, with_judge=False)  # accuracy only
                per_fold[fold] = evaluation.writer_accuracy(predictor, writers.fold_writers(fold))
        figures[name] = per_fold
    return figures


def summary(per_fold: dict) -> dict | None:
    """The mean accuracy over the folds, its lowest and highest fold, the worst writer of
    all and the mean calibration error; None without any fold."""
    if not per_fold:
        return None
    accuracies = [figures["accuracy"] for figures in per_fold.values()]
    worst = min(per_fold.values(), key=lambda figures: figures["worst_writer_accuracy"])
    return {
        "folds": sorted(per_fold), "mean": statistics.mean(accuracies),
        "lowest": min(accuracies), "highest": max(accuracies),
        "worst_writer": worst["worst_writer"],
        "worst_writer_accuracy": worst["worst_writer_accuracy"],
        "ece_mean": statistics.mean(figures["ece"] for figures in per_fold.values()),
        "drawings": sum(figures["drawings"] for figures in per_fold.values()),
    }  # fmt: skip


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def table(figures: dict) -> str:
    """The README table: a row per fold, then the mean, the worst writer and the ECE."""
    lines = ["| writers never seen | MLP | CNN |", "|---|---|---|"]
    for fold in range(len(writers.FOLDS)):
        cells = [_percent(figures[name].get(fold, {}).get("accuracy")) for name in MODEL_LABELS]
        role = "report fold" if fold == writers.REPORT_FOLD else "tuning fold"
        who = ", ".join(map(str, writers.fold_writers(fold)))
        lines.append(f"| fold {fold} ({role}): writers {who} | {' | '.join(cells)} |")
    summaries = {name: summary(figures[name]) for name in MODEL_LABELS}
    rows = [
        ("**mean over the folds**", lambda s: f"**{_percent(s['mean'])}**"),
        ("lowest – highest fold", lambda s: f"{_percent(s['lowest'])} – {_percent(s['highest'])}"),
        ("worst writer of all", lambda s: f"{_percent(s['worst_writer_accuracy'])} "
                                          f"(writer {s['worst_writer']})"),
        ("expected calibration error, mean", lambda s: _percent(s["ece_mean"])),
        ("drawings (folds)", lambda s: f"{s['drawings']:,} ({len(s['folds'])})"),
    ]  # fmt: skip
    for label, cell in rows:
        values = ["—" if s is None else cell(s) for s in summaries.values()]
        lines.append(f"| {label} | {' | '.join(values)} |")
    return "\n".join(lines)


def verdict_figures(root: pathlib.Path) -> dict:
    """For each model, `nondigits.rates` on each fold whose two models are there."""
    non_digits = nondigit_bench.non_digit_images(nondigit_bench.NON_DIGIT_COUNT)
    figures = {name: {} for name in config.MODEL_NAMES}
    for fold in range(len(writers.FOLDS)):
        folder = fold_dir(fold, root)
        if not all((folder / f"{name}.keras").is_file() for name in config.MODEL_NAMES):
            continue
        held_out = list(writers.fold_writers(fold))
        digits = verdict.replayed_digits(VERDICT_DIGITS, nondigit_bench.DIGIT_SEED, held_out)
        for name, predictor in Predictor.load_all(folder).items():
            figures[name][fold] = nondigit_bench.rates(predictor, digits, non_digits)
    return figures


def _verdict_cell(rates: list[dict]) -> str:
    """Digits answered, points of right answers lost, pen letters given a digit (means)."""
    kept = statistics.mean(figures["digits_kept"] for figures in rates)
    lost = statistics.mean(f["right_without_rule"] - f["right_with_rule"] for f in rates)
    letters = statistics.mean(f["non_digits_answered"]["pen_letters"] for f in rates)
    return f"{kept:.1%} · {lost * 100:.1f} · {letters:.1%}"


def verdict_table(figures: dict) -> str:
    """The README table: per fold, digits answered · points lost · pen letters answered."""
    lines = ["| fold (its writers' digits) | MLP | CNN |", "|---|---|---|"]
    if not all(figures[name] for name in MODEL_LABELS):
        return "\n".join([*lines, "| no fold's models found | — | — |"])
    for fold in sorted(set.intersection(*(set(figures[name]) for name in MODEL_LABELS))):
        cells = [_verdict_cell([figures[name][fold]]) for name in MODEL_LABELS]
        lines.append(f"| fold {fold} | {' | '.join(cells)} |")
    means = [_verdict_cell(list(figures[name].values())) for name in MODEL_LABELS]
    lines.append(f"| **mean** | **{means[0]}** | **{means[1]}** |")
    return "\n".join(lines)


def _write(text: str, start: str, end: str) -> None:
    if not write_readme(text, start=start, end=end):
        print(f"note: the README has no {start} marker; table not written")


def main(argv: list[str] | None = None) -> int:
    """Measure the fold models, print the table (or JSON), write it into the README."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks folds",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--dir", type=pathlib.Path, default=DEFAULT_FOLDS_DIR,
                        help="where `make fold-models` put fold0-3 (default: folds/)")  # fmt: skip
    parser.add_argument("--verdict", action="store_true",
                        help="the not-a-digit rule fold by fold instead")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write-readme", action="store_true", help="write the README table")
    arguments = parser.parse_args(argv)
    measured, make_table = (verdict_figures, verdict_table) if arguments.verdict else (
        measure, table)  # fmt: skip
    figures = measured(arguments.dir)
    text = make_table(figures)
    print(json.dumps(figures, indent=1) if arguments.json else text)
    if arguments.write_readme:
        _write(text, *((VERDICT_START, VERDICT_END) if arguments.verdict else
                       (README_START, README_END)))  # fmt: skip
    return 0
