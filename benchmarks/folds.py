"""`python -m benchmarks folds`: people it never saw, one writer fold at a time.

For each of the five writer folds, the model trained with `make models`' recipe without that
fold's six writers reads their digits (2 replays of each, seed 1234, as `bench`): fold 4's
models are the twins in `models/heldout/`, folds 0-3's come from `make fold-models`
(`FOLDS_DIR/foldK/`, not in the repository: 8 trainings, about 1.5 hours on two CPU cores).
Folds 0-3 also guided design choices (thresholds, styles, recipe), so only fold 4 is free of
tuning; the mean over the five folds is the cross-validated figure, the spread says how much
one fold's figure can be trusted.
"""

import argparse
import json
import pathlib
import statistics

from benchmarks.speed import write_readme
from digitpad import config, evaluation, writers
from digitpad.inference import Predictor

README_START = "<!-- folds:start -->"
README_END = "<!-- folds:end -->"
TWINS_DIR = config.MODELS_DIR / "heldout"
DEFAULT_FOLDS_DIR = config.PROJECT_DIR / "folds"
LABELS = {"mlp": "MLP", "cnn": "CNN"}


def fold_dir(fold: int, root: pathlib.Path) -> pathlib.Path:
    """Where the models trained without fold `fold` are."""
    return TWINS_DIR if fold == writers.REPORT_FOLD else root / f"fold{fold}"


def measure(root: pathlib.Path) -> dict:
    """For each model, `evaluation.writer_accuracy` on each fold whose model is there."""
    figures = {}
    for name in config.MODEL_NAMES:
        per_fold = {}
        for fold in range(len(writers.FOLDS)):
            folder = fold_dir(fold, root)
            if (folder / f"{name}.keras").is_file():
                predictor = Predictor.load(name, folder)
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
        cells = [_percent(figures[name].get(fold, {}).get("accuracy")) for name in LABELS]
        role = "report fold" if fold == writers.REPORT_FOLD else "tuning fold"
        who = ", ".join(map(str, writers.fold_writers(fold)))
        lines.append(f"| fold {fold} ({role}): writers {who} | {' | '.join(cells)} |")
    summaries = {name: summary(figures[name]) for name in LABELS}
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


def main(argv: list[str] | None = None) -> int:
    """Measure the fold models, print the table (or JSON), write it into the README."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks folds",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--dir", type=pathlib.Path, default=DEFAULT_FOLDS_DIR,
                        help="where `make fold-models` put fold0-3 (default: folds/)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write-readme", action="store_true", help="write the README table")
    arguments = parser.parse_args(argv)
    figures = measure(arguments.dir)
    text = table(figures)
    print(json.dumps(figures, indent=1) if arguments.json else text)
    if arguments.write_readme and not write_readme(text, start=README_START, end=README_END):
        print(f"note: the README has no {README_START} marker; table not written")
    return 0
