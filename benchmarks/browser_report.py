"""The browser benchmark's figures: summaries, ratios, and the README's tables (no browser)."""

import dataclasses
import datetime
import os
import pathlib
import sys

import numpy as np

from benchmarks.common import machine_description
from digitpad import config

TARGET_P50_MS = 300.0
# Issue 14's targets, all measured within one run (these shared machines vary day to day).
IDLE_CPU_TARGET_PERCENT = 2.0
WATCHER_OFF_RATIO_TARGET = 1.10
SERVER_SHARE_TARGET_MS = 30.0
CONCURRENT_RATIO_TARGET = 3.0


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (0-100) of `values`, interpolated linearly."""
    return float(np.percentile(values, share))


def p50_of(values: list[float | None]) -> float | None:
    """The median of the values that are known, or None when none is."""
    known = [value for value in values if value is not None]
    return percentile(known, 50) if known else None


def latency_summary(samples: list, server_ms: list[float] | None = None) -> dict:
    """p50 and p95 of release → answer, the canvas's and the server's shares, how many right.

    `server_ms`: the strokes as the server timed them (`server.stroke_times_ms`); the
    page's own view of that span (drawing sent → it hears the last message) is `heard_p50_ms`.
    """
    latencies = [sample.latency_ms for sample in samples]
    return {
        "count": len(samples), "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "sent_p50_ms": p50_of([sample.sent_ms for sample in samples]),
        "server_p50_ms": p50_of(server_ms) if server_ms else None,
        "server_strokes": len(server_ms or []),
        "heard_p50_ms": p50_of([sample.heard_ms for sample in samples]),
        "finished_p50_ms": p50_of([sample.finished_ms for sample in samples]),
        "right": sum(sample.right for sample in samples),
        "unchanged": sum(sample.unchanged for sample in samples),
        "samples": [dataclasses.asdict(sample) for sample in samples],
    }  # fmt: skip


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """`numerator / denominator`, or None when either is unknown or the denominator is not > 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def ratios(figures: dict) -> dict:
    """The issue's p50 ratios: `make run`'s server against the watcher off and on, 10 against 1."""
    alone = figures["one_session"]["p50_ms"]
    return {
        "make_run_over_watcher_off": ratio(alone, figures["watcher_off"]["p50_ms"]),
        "make_run_over_watcher_on": ratio(alone, figures["watcher_on"]["p50_ms"]),
        "concurrent_over_one_session": ratio(figures["concurrent"]["p50_ms"], alone),
        "server_concurrent_over_one_session": ratio(
            figures["concurrent"].get("server_p50_ms"), figures["one_session"].get("server_p50_ms")
        ),
    }


def cold_summary(cold: list[dict]) -> dict:
    """Medians of the cold starts' times, and the runs themselves."""
    return {
        "launches": len(cold),
        "interactive_s": float(np.median([run["interactive_s"] for run in cold])),
        "first_answer_s": float(np.median([run["first_answer_s"] for run in cold])),
        "runs": cold,
    }


def concurrent_summaries(
    loaded: tuple[list, list], own: list, server_ms: list[float] | None = None
) -> tuple[dict, dict]:
    """The first round of the sessions at once and the steady rounds after it (pooled), each
    with its own-answer count (every steady round draws the same digits in the same order);
    `server_ms`: the steady rounds' strokes as the server timed them."""
    first_samples, steady_samples = loaded
    first, again = latency_summary(first_samples), latency_summary(steady_samples, server_ms)
    for summary, samples in zip((first, again), loaded, strict=True):
        expected = own * (len(samples) // len(own))
        summary["own_answer"] = sum(s.answer == a for s, a in zip(samples, expected, strict=True))
    return first, again


def results(phases: dict, cold: list, models_dir, load_before) -> dict:
    """All figures as one JSON-ready dict (`phases`: what `browser.measure_async` measured)."""
    first, again = concurrent_summaries(
        phases["loaded"], phases["own"], phases.get("loaded_server_ms")
    )
    figures = {
        "machine": machine_description(),
        "date": datetime.date.today().isoformat(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "models": str(models_dir) if models_dir else "models/ (shipped)",
        "one_session": latency_summary(phases["alone"], phases.get("server_ms")),
        "concurrent": again,
        "concurrent_first_answer": first,
        "cold_start": cold_summary(cold),
        "idle": {"make_run": phases["idle"], "watcher_on": phases["idle_watcher_on"]},
        "watcher_on": latency_summary(phases["watcher_on"]),
        "watcher_off": latency_summary(phases["watcher_off"]),
    }
    figures["ratios"] = ratios(figures)
    figures["environment_in_checkout"] = environment_in_checkout()
    return figures


def environment_in_checkout(prefix: str = sys.prefix, checkout=config.PROJECT_DIR) -> bool:
    """Whether the Python environment lies inside the checkout, as `make run` makes it (.venv):
    only then does the watcher, when on, have what it had to watch before the fix."""
    return pathlib.Path(prefix).resolve().is_relative_to(pathlib.Path(checkout).resolve())


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _met(value: float | None, met: bool) -> str:
    return "—" if value is None else ("yes" if met else "no")


LATENCY_ROWS = (
    ("Pen release → new answer and chart, p50 / p95",
     lambda f: f"{_ms(f['p50_ms'])} / {_ms(f['p95_ms'])}"),
    ("… release → drawing sent to the server, p50",
     lambda f: _ms(f["sent_p50_ms"])),
    ("… the server's share: stroke received → answer sent, timed in the server, p50",
     lambda f: _ms(f.get("server_p50_ms"))),
    ("… drawing sent → the page hears the answer's last message, p50",
     lambda f: _ms(f.get("heard_p50_ms"))),
    ("Pen-written digits read right (CNN)", lambda f: f"{f['right']} / {f['count']}"),
    ("Each session got its own answer", lambda f: f"{f['own_answer']} / {f['count']}"
     if "own_answer" in f else "—"),
)  # fmt: skip


def idle_rows(figures: dict) -> list[tuple[str, str, str, str]]:
    """The idle server's rows of the targets table: CPU share and watcher lines."""
    idle, before = figures["idle"]["make_run"], figures["idle"]["watcher_on"]
    cpu = idle["cpu_percent"]
    return [
        (f"Idle, one session open, nobody drawing: the server's CPU over {idle['seconds']:.0f} s",
         f"{cpu:.1f} % of a core (watcher on as before the fix: "
         f"{before['cpu_percent']:.1f} %)",
         f"< {IDLE_CPU_TARGET_PERCENT:.0f} %", _met(cpu, cpu < IDLE_CPU_TARGET_PERCENT)),
        ("… file watcher (inotify) lines in the server's log by then",
         f"{idle['watcher_lines']} (watcher on: {before['watcher_lines']})",
         "0", _met(idle["watcher_lines"], idle["watcher_lines"] == 0)),
    ]  # fmt: skip


def latency_target_rows(figures: dict) -> list[tuple[str, str, str, str]]:
    """The targets table's rows on pen release → answer: watcher off/on, server, 10 sessions."""
    alone, shares = figures["one_session"], figures["ratios"]
    off, on = shares["make_run_over_watcher_off"], shares["make_run_over_watcher_on"]
    server, loaded = alone.get("server_p50_ms"), shares["concurrent_over_one_session"]
    return [
        ("Release → answer p50: `make run`'s server / watcher off (`fileWatcherType none`), "
         "the same digits drawn on both in turns",
         f"{_ms(alone['p50_ms'])} / {_ms(figures['watcher_off']['p50_ms'])} = {_times(off)}",
         f"≤ {WATCHER_OFF_RATIO_TARGET:.2f}×", _met(off, off is not None
                                                    and off <= WATCHER_OFF_RATIO_TARGET)),
        ("Release → answer p50: `make run`'s server / watcher on as before (`auto`)",
         f"{_ms(alone['p50_ms'])} / {_ms(figures['watcher_on']['p50_ms'])} = {_times(on)}",
         "—", "—"),
        ("The server's share (stroke received → answer sent, timed in the server), p50, "
         "one session",
         _ms(server), f"≤ {SERVER_SHARE_TARGET_MS:.0f} ms",
         _met(server, server is not None and server <= SERVER_SHARE_TARGET_MS)),
        (f"{figures['concurrent_first_answer']['count']} sessions drawing at once / one "
         "session, p50",
         f"{_ms(figures['concurrent']['p50_ms'])} / {_ms(alone['p50_ms'])} = {_times(loaded)}",
         f"≤ {CONCURRENT_RATIO_TARGET:.0f}×",
         _met(loaded, loaded is not None and loaded <= CONCURRENT_RATIO_TARGET)),
        ("… the server's share alone (timed in the server), the same sessions / one session, p50",
         f"{_ms(figures['concurrent'].get('server_p50_ms'))} / {_ms(server)} = "
         f"{_times(shares['server_concurrent_over_one_session'])}", "—", "—"),
    ]  # fmt: skip


def targets_table(figures: dict) -> list[str]:
    """Issue 14's targets, each measured in this run, as Markdown lines."""
    lines = ["| target (issue 14) | measured | goal | met |", "|---|---|---|---|"]
    rows = idle_rows(figures) + latency_target_rows(figures)
    return lines + [
        f"| {label} | {measured} | {goal} | {met} |" for label, measured, goal, met in rows
    ]


def latency_table(figures: dict) -> list[str]:
    """One session against the sessions at once, as Markdown lines."""
    alone, concurrent = figures["one_session"], figures["concurrent"]
    sessions = figures["concurrent_first_answer"]["count"]
    rounds = concurrent["count"] // sessions
    lines = [f"| browser figure | one session | {sessions} sessions at once ({rounds} rounds) |"]
    lines.append("|---|---|---|")
    for label, cell in LATENCY_ROWS:
        lines.append(f"| {label} | {cell(alone)} | {cell(concurrent)} |")
    return lines


def first_and_cold_lines(figures: dict) -> list[str]:
    """The lines on new sessions' first digits at once and on cold starts."""
    cold, first = figures["cold_start"], figures["concurrent_first_answer"]
    runs = f"median of {cold['launches']} launches" if cold["launches"] > 1 else "one launch"
    return [
        f"{first['count']} new sessions drawing their first digit at once (each builds its "
        f"page for the first time): p50 / p95 {_ms(first['p50_ms'])} / "
        f"{_ms(first['p95_ms'])}, {first['own_answer']} / {first['count']} got their own answer.",
        f"Cold start ({runs}): `streamlit run` → canvas takes a stroke "
        f"{cold['interactive_s']:.1f} s, → first answer {cold['first_answer_s']:.1f} s.",
    ]


def measured_by(figures: dict) -> str:
    """The line saying how, when and where the figures were measured."""
    load = figures["load_average"]["before"][0]
    inside = figures.get("environment_in_checkout")
    where = "inside the checkout, as `make run` makes it" if inside else "outside the checkout"
    return (
        f"Measured by `python -m benchmarks browser` on {figures['date']}: "
        f"{figures['machine']}, load average {load:.2f} at the start, headless Chromium on "
        f"the same machine as the server; the server started as `make run` starts it (only "
        f"port and address differ) unless a row says otherwise, its Python environment "
        f"{where}; models: {figures['models']}; "
        f"goal p50 ≤ {TARGET_P50_MS:.0f} ms in one session."
    )


def table(figures: dict) -> str:
    """The README's browser tables, in Markdown, with lines on cold starts, machine and date."""
    lines = [
        *latency_table(figures), "", *first_and_cold_lines(figures), "",
        *targets_table(figures), "", measured_by(figures),
    ]  # fmt: skip
    return "\n".join(lines)
