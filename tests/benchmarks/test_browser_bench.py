"""The browser benchmark's own logic, without a browser: expectations, choices, report."""

import argparse
import asyncio
import os
import pathlib
import subprocess
import sys

import numpy as np

from benchmarks import browser as browser_bench
from benchmarks import browser_report as report
from benchmarks import page as page_driver
from benchmarks import server
from digitpad import config, pendigits

DOT = np.array([[140.0, 140.0], [140.5, 140.0]])  # a press with hardly a move


def sample(label: int, answer: int, latency_ms: float = 400.0, heard_ms: float | None = 20.0):
    return page_driver.Sample(
        label=label, answer=answer, verdict="99.0% sure", latency_ms=latency_ms, sent_ms=205.0,
        finished_ms=500.0, heard_ms=heard_ms, unchanged=False, preview=None,
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


def test_the_steady_rounds_are_pooled_and_each_checked_against_its_own_answer():
    own = [0, 1, 2]
    first = [sample(0, 0), sample(1, 1), sample(2, 2)]
    steady = [sample(d, d) for d in own] + [sample(0, 0), sample(1, 7), sample(2, 2)]
    first_summary, steady_summary = report.concurrent_summaries((first, steady), own)
    assert (first_summary["own_answer"], first_summary["count"]) == (3, 3)
    assert (steady_summary["own_answer"], steady_summary["count"]) == (5, 6)


def figures_of(alone_ms: float = 300.0, loaded_ms: float = 2000.0) -> dict:
    """Figures as `browser_report.results` makes them, from made-up samples."""
    server_ms = [18.0, 20.0, 22.0]  # as the server timed the strokes
    alone = report.latency_summary([sample(d, d, alone_ms + 10 * d) for d in range(10)], server_ms)
    loaded_server_ms = [40.0, 44.0, 60.0]
    loaded = report.latency_summary([sample(d, d, loaded_ms) for d in range(10)], loaded_server_ms)
    loaded["own_answer"] = 10
    figures = {
        "one_session": alone, "concurrent": loaded, "concurrent_first_answer": loaded,
        "cold_start": {"launches": 3, "interactive_s": 7.3, "first_answer_s": 8.8},
        "load_average": {"before": [0.5, 0.4, 0.3]}, "date": "2026-01-02",
        "machine": "x86_64, 2 cores", "models": "models/ (shipped)",
        "idle": {"make_run": {"seconds": 20.0, "cpu_percent": 0.4, "watcher_lines": 0},
                 "watcher_on": {"seconds": 20.0, "cpu_percent": 103.0, "watcher_lines": 157}},
        "watcher_off": report.latency_summary([sample(d, d, 330.0) for d in range(10)]),
        "watcher_on": report.latency_summary([sample(d, d, 690.0) for d in range(10)]),
    }  # fmt: skip
    figures["ratios"] = report.ratios(figures)
    return figures


def test_the_table_goes_between_the_readme_markers_and_nowhere_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{browser_bench.README_START}\nold\n{browser_bench.README_END}\nend\n")
    assert browser_bench.write_readme(report.table(figures_of()), readme)
    text = readme.read_text()
    assert "\nold\n" not in text and text.startswith("# x\n") and text.endswith("end\n")
    assert "| 345 ms / 386 ms | 2000 ms / 2000 ms |" in text
    assert "timed in the server, p50 | 20 ms | 44 ms |" in text
    assert "10 / 10" in text and "7.3 s" in text and "2026-01-02" in text
    assert "load average 0.50 at the start" in text
    assert "its Python environment outside the checkout" in text


def test_the_report_says_whether_the_environment_is_inside_the_checkout(tmp_path):
    checkout = tmp_path / "digitpad"
    (checkout / ".venv").mkdir(parents=True)
    assert report.environment_in_checkout(str(checkout / ".venv"), checkout)
    assert not report.environment_in_checkout(str(tmp_path / "elsewhere"), checkout)


def test_the_ratios_compare_p50s_of_the_same_run():
    ratios = report.ratios(figures_of(alone_ms=300.0, loaded_ms=1000.0))
    alone_p50 = 345.0  # 300, 310, … 390: the median of ten
    assert ratios["make_run_over_watcher_off"] == alone_p50 / 330.0
    assert ratios["make_run_over_watcher_on"] == alone_p50 / 690.0
    assert ratios["concurrent_over_one_session"] == 1000.0 / alone_p50
    assert report.ratio(None, 300.0) is None and report.ratio(300.0, 0.0) is None


def test_the_targets_table_says_each_figure_its_goal_and_whether_it_is_met():
    rows = {row[0]: row[1:] for row in report.idle_rows(figures_of())}
    rows |= {row[0]: row[1:] for row in report.latency_target_rows(figures_of(loaded_ms=2000.0))}
    cpu, lines, off, on, server, loaded, loaded_server = rows.values()
    assert cpu == ("0.4 % of a core (watcher on as before the fix: 103.0 %)", "< 2 %", "yes")
    assert lines == ("0 (watcher on: 157)", "0", "yes")
    assert off == ("345 ms / 330 ms = 1.05×", "≤ 1.10×", "yes")
    assert on == ("345 ms / 690 ms = 0.50×", "—", "—")
    assert server == ("20 ms", "≤ 30 ms", "yes")
    assert loaded == ("2000 ms / 345 ms = 5.80×", "≤ 3×", "no")
    assert loaded_server == ("44 ms / 20 ms = 2.20×", "—", "—")  # no goal: the row explains


def test_an_unknown_server_share_is_a_dash_not_a_pass():
    unmeasured = [sample(d, d, 300.0, heard_ms=None) for d in range(10)]
    figures = figures_of()
    figures["one_session"] = report.latency_summary(unmeasured)
    server_row = report.latency_target_rows(figures)[2]
    assert server_row[1:] == ("—", "≤ 30 ms", "—")
    assert report.latency_summary(unmeasured)["server_p50_ms"] is None


def test_the_page_hears_the_answer_from_the_drawing_sent_to_the_last_message():
    record = {"sentAt": 1000.0, "messageAt": 1023.5}
    assert page_driver.heard_ms(record) == 23.5
    assert page_driver.heard_ms({"sentAt": 1000.0, "messageAt": None}) is None
    assert page_driver.heard_ms({"sentAt": None, "messageAt": 1023.5}) is None


def test_without_models_the_benchmark_says_which_files_are_missing(tmp_path):
    arguments = argparse.Namespace(
        models=tmp_path, chromium=pathlib.Path("/bin/sh"), launches=3, digits=20, idle_seconds=20
    )
    problem = browser_bench.problem_with(arguments)
    assert problem is not None and "mlp.keras" in problem and "cnn.keras" in problem


def test_the_server_times_each_stroke_from_its_arrival_to_its_answer(tmp_path):
    trace = tmp_path / "trace.txt"
    trace.write_text(
        "10.000 stroke a\n10.004 stroke b\n10.020 finished a\n"
        "10.030 stroke b\n10.041 finished b\n10.050 finished a\n"
    )
    times = server.stroke_times_ms(trace)
    assert [round(value, 3) for value in times] == [20.0, 37.0]  # b counts from its first stroke
    later = server.stroke_times_ms(trace, since=10.010)
    assert [round(value, 3) for value in later] == [11.0]  # only b's stroke at 10.030


def test_the_trace_module_patches_the_server_only_when_asked(tmp_path):
    trace = tmp_path / "trace.txt"
    check = (
        "from streamlit.runtime import runtime; "
        "print(runtime.Runtime.handle_backmsg.__name__, runtime.Runtime._send_message.__name__)"
    )
    environment = {**os.environ, "PYTHONPATH": str(server.TRACE_MODULE_DIR)}
    plain = subprocess.run([sys.executable, "-c", check], env=environment, capture_output=True,
                           text=True, check=True)  # fmt: skip
    environment[server.TRACE_ENV_VAR] = str(trace)
    traced = subprocess.run([sys.executable, "-c", check], env=environment, capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert plain.stdout.split() == ["handle_backmsg", "_send_message"]
    assert traced.stdout.split() == ["traced_backmsg", "traced_send"]


def test_the_shipped_models_are_served_as_a_new_user_gets_them_other_models_as_trained(tmp_path):
    with server.app_home(config.MODELS_DIR) as home:
        assert not any((home / "models").iterdir())  # the page says "shipped model"
    (tmp_path / "cnn.keras").write_bytes(b"weights")
    with server.app_home(tmp_path) as home:
        assert [path.name for path in (home / "models").iterdir()] == ["cnn.keras"]


class FakeContext:
    async def close(self):
        return None


class FakePage:
    def __init__(self, url: str):
        self.url, self.context = url, FakeContext()


def test_two_servers_are_timed_in_turns_who_goes_first_swapped_every_digit(monkeypatch):
    drawn = []

    async def open_fake(browser, url):
        return FakePage(url)

    async def draw_fake(page, digit, placement):
        drawn.append((page.url, digit))
        return sample(digit, digit)

    async def clear_fake(page):
        return None

    monkeypatch.setattr(browser_bench, "open_session", open_fake)
    monkeypatch.setattr(browser_bench, "draw_digit", draw_fake)
    monkeypatch.setattr(browser_bench, "clear_canvas", clear_fake)
    replays = [(digit, None) for digit in (4, 7, 1)]
    make_run, watcher_off = asyncio.run(browser_bench.paired_sessions(None, ("a", "b"), replays))
    assert drawn == [("a", 4), ("b", 4),  # the warm-up on each: not counted
                     ("a", 4), ("b", 4), ("b", 7), ("a", 7), ("a", 1), ("b", 1)]  # fmt: skip
    assert [s.label for s in make_run] == [4, 7, 1] == [s.label for s in watcher_off]
