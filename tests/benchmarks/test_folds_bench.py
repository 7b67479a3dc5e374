"""The folds benchmark: which models it reads, and how it sums up the folds."""

import pathlib

from benchmarks import folds
from digitpad import config, writers


def fold_figures(accuracy: float, worst_writer: int, worst: float) -> dict:
    return {"accuracy": accuracy, "worst_writer": worst_writer, "worst_writer_accuracy": worst,
            "ece": 0.01, "drawings": 1000}  # fmt: skip


def test_the_report_fold_is_read_from_the_twins_and_the_others_from_the_folder():
    root = pathlib.Path("somewhere")
    assert folds.fold_dir(writers.REPORT_FOLD, root) == config.TWINS_DIR
    assert folds.fold_dir(0, root) == root / "fold0"


def test_the_summary_is_the_mean_over_folds_and_the_worst_writer_of_all():
    per_fold = {0: fold_figures(0.98, 7, 0.95), 4: fold_figures(0.99, 20, 0.93)}
    summary = folds.summary(per_fold)
    assert summary["mean"] == 0.985 and (summary["lowest"], summary["highest"]) == (0.98, 0.99)
    assert (summary["worst_writer"], summary["worst_writer_accuracy"]) == (20, 0.93)
    assert summary["drawings"] == 2000 and summary["folds"] == [0, 4]
    assert folds.summary({}) is None


def test_the_table_has_a_row_per_fold_and_dashes_for_missing_models():
    figures = {"mlp": {4: fold_figures(0.97, 20, 0.9)}, "cnn": {}}
    text = folds.table(figures)
    assert text.count("| fold ") == len(writers.FOLDS)
    assert "| fold 4 (report fold): writers 5, 6, 8, 11, 20, 30 | 97.00% | — |" in text
    assert "| **mean over the folds** | **97.00%** | — |" in text


def rates(kept: float, lost: float, letters: float) -> dict:
    return {"digits_kept": kept, "right_without_rule": 0.98, "right_with_rule": 0.98 - lost,
            "non_digits_answered": {"pen_letters": letters}}  # fmt: skip


def test_the_verdict_table_gives_each_fold_and_the_mean():
    figures = {"mlp": {0: rates(0.99, 0.006, 0.05), 4: rates(0.98, 0.002, 0.03)},
               "cnn": {0: rates(0.995, 0.004, 0.08), 4: rates(0.99, 0.004, 0.04)}}  # fmt: skip
    text = folds.verdict_table(figures)
    assert "| fold 0 | 99.0% · 0.6 · 5.0% | 99.5% · 0.4 · 8.0% |" in text
    assert "| **mean** | **98.5% · 0.4 · 4.0%** | **99.2% · 0.4 · 6.0%** |" in text
    assert "no fold's models" in folds.verdict_table({"mlp": {}, "cnn": {}})
