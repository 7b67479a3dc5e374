"""The browser benchmark's own logic, without a browser: expectations, choices, report."""

import argparse
import pathlib

import numpy as np

from benchmarks import browser as browser_bench
from benchmarks import page as page_driver
from digitpad import pendigits

DOT = np.array([[140.0, 140.0], [140.5, 140.0]])  # a press with hardly a move


def sample(label: int, answer: int, latency_ms: float = 400.0) -> page_driver.Sample:
    return page_driver.Sample(
        label=label, answer=answer, verdict="99.0% sure", latency_ms=latency_ms, sent_ms=205.0,
        finished_ms=500.0, unchanged=False, preview=None,
    )  # fmt: skip


def test_a_lone_dot_changes_no_answer_but_a_digit_stroke_does(pendigits_path):
    digit, placement = pendigits.replay_set(1, path=pendigits_path)[0]
    strokes = page_driver.strokes_of(digit, placement)
    assert page_driver.answer_changes([DOT]) == [False]
    assert page_driver.answer_changes([DOT, *strokes]) == [False, True]


def test_replays_are_drawn_with_the_apps_pen_where_the_replay_set_puts_them(pendigits_path):
    digit, placement = pendigits.replay_set(1, path=pendigits_path)[0]
    strokes = page_driver.strokes_of(digit, placement)
    points = np.concatenate(strokes)
    margin = page_driver.PEN_WIDTH / 2
    assert points.min() >= margin and points.max() <= 280 - 1 - margin
    assert len(strokes) == len(digit.strokes)


def test_concurrent_sessions_get_different_digits_read_right_alone_first():
    labels = [2, 2, 0, 7, 0, 1]
    replays = [(pendigits.PenDigit(label, (), None), None) for label in labels]
    samples = [sample(2, 3), sample(2, 2), sample(0, 0), sample(7, 7), sample(0, 0), sample(1, 4)]
    chosen = browser_bench.distinct_labels(replays, samples, 4)
    assert [labels[index] for index in chosen] == [2, 0, 7, 1]
    assert chosen[0] == 1  # the 2 read right, not the one read as 3


def test_the_table_goes_between_the_readme_markers_and_nowhere_else(tmp_path):
    alone = browser_bench.latency_summary([sample(d, d, 300.0 + 10 * d) for d in range(10)])
    loaded = browser_bench.latency_summary([sample(d, d, 2000.0) for d in range(10)])
    loaded["own_answer"] = 10
    figures = {
        "one_session": alone, "concurrent": loaded, "concurrent_first_answer": loaded,
        "cold_start": {"launches": 3, "interactive_s": 7.3, "first_answer_s": 8.8},
        "load_average": {"before": [0.5, 0.4, 0.3]}, "date": "2026-01-02",
        "machine": "x86_64, 2 cores", "models": "models/ (shipped)",
    }  # fmt: skip
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{browser_bench.README_START}\nold\n{browser_bench.README_END}\nend\n")
    assert browser_bench.write_readme(browser_bench.table(figures), readme)
    text = readme.read_text()
    assert "\nold\n" not in text and text.startswith("# x\n") and text.endswith("end\n")
    assert "| 345 ms / 386 ms | 2000 ms / 2000 ms |" in text
    assert "10 / 10" in text and "7.3 s" in text and "2026-01-02" in text


def test_without_models_the_benchmark_says_which_files_are_missing(tmp_path):
    arguments = argparse.Namespace(models=tmp_path, chromium=pathlib.Path("/bin/sh"), launches=3)
    problem = browser_bench.problem_with(arguments)
    assert problem is not None and "mlp.keras" in problem and "cnn.keras" in problem
