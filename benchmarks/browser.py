"""Real-browser benchmark: stroke release → updated answer, cold start, 10 sessions at once.

Run ``python -m benchmarks browser [--json] [--write-readme] [--launches N]``
(``make bench-browser``).
It serves the app with ``streamlit run`` on a free port (the shipped models of ``models/``,
or ``--models DIR``) and drives Debian's Chromium through Playwright, replaying real
pen-written digits (UCI pendigits) as mouse strokes on the canvas.
The page is driven by `benchmarks.page`; the server is started by `benchmarks.server`.
"""

import argparse
import asyncio
import dataclasses
import datetime
import json
import os
import pathlib
import platform
import sys
import time

import numpy as np

from benchmarks import speed
from benchmarks.page import (
    INK_TIMEOUT_MS,
    Sample,
    clear_canvas,
    draw_digit,
    kept_stroke,
    open_session,
    sample_from,
    strokes_of,
    wait_for_answer,
)
from benchmarks.server import (
    CHROMIUM,
    SERVER_START_SECONDS,
    app_home,
    launch_browser,
    missing_models,
    served_app,
    start_server,
    stop_server,
    wait_until_healthy,
)
from digitpad import config, pendigits

DIGIT_COUNT = 20
SESSION_COUNT = 10
LAUNCH_COUNT = 3
TARGET_P50_MS = 300.0
README_START = "<!-- browser-bench:start -->"
README_END = "<!-- browser-bench:end -->"


async def one_session(browser, url: str, replays: list) -> list[Sample]:
    """One session draws the replays one after another, clearing the canvas in between."""
    page = await open_session(browser, url)
    warm_up, *_ = replays
    await draw_digit(page, *warm_up)  # loads the models: not counted
    samples = []
    for digit, placement in replays:
        await clear_canvas(page)
        samples.append(await draw_digit(page, digit, placement))
    await page.context.close()
    return samples


async def open_sessions(browser, url: str, count: int) -> list:
    """`count` sessions on the app, opened side by side, each in its own browser context."""
    return list(await asyncio.gather(*(open_session(browser, url) for _ in range(count))))


async def draw_in_parallel(pages: list, replays: list) -> list[Sample]:
    """Each page draws its own replay, all at the same time; their samples, in order."""
    barrier = asyncio.Barrier(len(pages))
    drawings = (
        draw_digit(page, *replay, barrier) for page, replay in zip(pages, replays, strict=True)
    )
    return list(await asyncio.gather(*drawings))


async def concurrent_sessions(browser, url: str, replays: list) -> tuple[list, list]:
    """Each replay drawn in its own new session, all at once; then again on cleared canvases.

    The first round includes what a new session does once (its first chart loads the chart
    library); the second is the steady state under the same load.
    """
    pages = await open_sessions(browser, url, len(replays))
    try:
        first = await draw_in_parallel(pages, replays)
        await asyncio.gather(*(clear_canvas(page) for page in pages))
        return first, await draw_in_parallel(pages, replays)
    finally:
        await asyncio.gather(*(page.context.close() for page in pages))


def distinct_labels(replays: list, samples: list[Sample], count: int) -> list[int]:
    """Indices of `count` replays, different labels first, those read right alone first."""
    order = sorted(range(len(replays)), key=lambda index: not samples[index].right)
    chosen, labels = [], set()
    for index in order:
        if replays[index][0].label not in labels:
            chosen.append(index)
            labels.add(replays[index][0].label)
    return (chosen + [index for index in order if index not in chosen])[:count]


async def cold_start(browser, home: pathlib.Path, replay: tuple) -> dict:
    """Seconds from launching `streamlit run` to a canvas that takes a stroke, and to an answer."""
    digit, placement = replay
    (stroke,) = strokes_of(digit, placement)
    log_path = home / f"cold-start-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        launched = time.monotonic()
        process, url = start_server(home, log)
        try:
            await asyncio.to_thread(wait_until_healthy, url, process, log_path)
            page = await open_session(browser, url, wait_for_hint=False)
            pressed = await kept_stroke(page, stroke, INK_TIMEOUT_MS, SERVER_START_SECONDS)
            sample = sample_from(digit.label, await wait_for_answer(page))
            answered = time.monotonic()
            await page.context.close()
        finally:
            stop_server(process)
    return {"interactive_s": pressed - launched, "first_answer_s": answered - launched,
            "right": sample.right}  # fmt: skip


def single_stroke(replays: list) -> tuple:
    """The first replay drawn in one stroke (cold starts draw one stroke)."""
    return next(replay for replay in replays if len(replay[0].strokes) == 1)


async def measure_async(models_dir: pathlib.Path | None, chromium: pathlib.Path,
                        launches: int) -> dict:  # fmt: skip
    """Cold starts, then one session drawing 20 digits, then 10 sessions drawing at once."""
    from playwright.async_api import async_playwright

    replays = pendigits.replay_set(DIGIT_COUNT)
    load_before = os.getloadavg()
    with app_home(models_dir or config.MODELS_DIR) as home:
        async with async_playwright() as playwright:
            browser = await launch_browser(playwright, chromium)
            cold = [
                await cold_start(browser, home, single_stroke(replays)) for _ in range(launches)
            ]
            with served_app(home) as url:
                alone = await one_session(browser, url, replays)
                chosen = distinct_labels(replays, alone, SESSION_COUNT)
                loaded = await concurrent_sessions(browser, url, [replays[i] for i in chosen])
            await browser.close()
    own = [alone[index].answer for index in chosen]
    return results(alone, loaded, own, cold, models_dir, load_before)


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (0-100) of `values`, interpolated linearly."""
    return float(np.percentile(values, share))


def latency_summary(samples: list[Sample]) -> dict:
    """p50 and p95 of release → answer, the canvas's own share, and how many read right."""
    latencies = [sample.latency_ms for sample in samples]
    sent = [sample.sent_ms for sample in samples if sample.sent_ms is not None]
    finished = [sample.finished_ms for sample in samples if sample.finished_ms is not None]
    return {
        "count": len(samples), "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "sent_p50_ms": percentile(sent, 50) if sent else None,
        "finished_p50_ms": percentile(finished, 50) if finished else None,
        "right": sum(sample.right for sample in samples),
        "unchanged": sum(sample.unchanged for sample in samples),
        "samples": [dataclasses.asdict(sample) for sample in samples],
    }  # fmt: skip


def results(alone, loaded, own, cold, models_dir, load_before) -> dict:
    """All figures as one JSON-ready dict."""
    first, again = (latency_summary(samples) for samples in loaded)
    for summary, samples in zip((first, again), loaded, strict=True):
        summary["own_answer"] = sum(s.answer == a for s, a in zip(samples, own, strict=True))
    return {
        "machine": machine_description(),
        "date": datetime.date.today().isoformat(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "models": str(models_dir) if models_dir else "models/ (shipped)",
        "one_session": latency_summary(alone),
        "concurrent": again,
        "concurrent_first_answer": first,
        "cold_start": {
            "launches": len(cold),
            "interactive_s": float(np.median([run["interactive_s"] for run in cold])),
            "first_answer_s": float(np.median([run["first_answer_s"] for run in cold])),
            "runs": cold,
        },
    }


def machine_description() -> str:
    """A short description of where the figures were measured."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


LATENCY_ROWS = (
    ("Pen release → new answer and chart, p50 / p95",
     lambda f: f"{_ms(f['p50_ms'])} / {_ms(f['p95_ms'])}"),
    ("… release → drawing sent to the server, p50",
     lambda f: _ms(f["sent_p50_ms"])),
    ("Pen-written digits read right (CNN)", lambda f: f"{f['right']} / {f['count']}"),
    ("Each session got its own answer", lambda f: f"{f['own_answer']} / {f['count']}"
     if "own_answer" in f else "—"),
)  # fmt: skip


def table(figures: dict) -> str:
    """The README's browser table, in Markdown, with lines on cold starts, machine and date."""
    alone, concurrent, cold = figures["one_session"], figures["concurrent"], figures["cold_start"]
    lines = [f"| browser figure | one session | {concurrent['count']} sessions at once |"]
    lines.append("|---|---|---|")
    for label, cell in LATENCY_ROWS:
        lines.append(f"| {label} | {cell(alone)} | {cell(concurrent)} |")
    runs = f"median of {cold['launches']} launches" if cold["launches"] > 1 else "one launch"
    load = figures["load_average"]["before"][0]
    first = figures["concurrent_first_answer"]
    lines += [
        "",
        f"{first['count']} new sessions drawing their first digit at once (each loads ~1 MB "
        f"of chart code for its first chart): p50 / p95 {_ms(first['p50_ms'])} / "
        f"{_ms(first['p95_ms'])}, "
        f"{first['own_answer']} / {first['count']} got their own answer.",
        f"Cold start ({runs}): `streamlit run` → canvas takes a stroke "
        f"{cold['interactive_s']:.1f} s, → first answer {cold['first_answer_s']:.1f} s.",
        f"Measured by `python -m benchmarks browser` on {figures['date']}: "
        f"{figures['machine']}, load average {load:.2f} at the start, headless Chromium on "
        f"the same machine as the server; models: {figures['models']}; goal p50 ≤ "
        f"{TARGET_P50_MS:.0f} ms in one session.",
    ]
    return "\n".join(lines)


def write_readme(text: str, path: pathlib.Path = config.README_PATH) -> bool:
    """Replace the text between the README's browser-bench markers; False if it has none."""
    return speed.write_readme(text, path, README_START, README_END)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line of `python -m benchmarks browser`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks browser",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write-readme", action="store_true", help="write the README table")
    parser.add_argument(
        "--models",
        type=pathlib.Path,
        help="serve the models of this folder instead of the shipped ones",
    )
    parser.add_argument(
        "--launches",
        type=int,
        default=LAUNCH_COUNT,
        help=f"cold starts to time (default {LAUNCH_COUNT})",
    )
    parser.add_argument("--chromium", type=pathlib.Path, default=CHROMIUM,
                        help=f"the Chromium executable (default {CHROMIUM})")  # fmt: skip
    return parser.parse_args(argv)


def problem_with(arguments: argparse.Namespace) -> str | None:
    """Why the benchmark cannot run as asked, or None."""
    models_dir = arguments.models or config.MODELS_DIR
    missing = missing_models(models_dir)
    if missing:
        hint = "" if arguments.models else " (run `make models`, or pass --models DIR)"
        return f"no model to serve: {models_dir} lacks {', '.join(missing)}{hint}"
    if not os.access(arguments.chromium, os.X_OK):
        return f"{arguments.chromium} not found (apt-get install chromium, or --chromium PATH)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Python package playwright is not installed (pip install -r requirements-dev.txt)"
    if arguments.launches < 1:
        return "--launches must be at least 1"
    return None


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and (with --write-readme, shipped models only) write the README."""
    arguments = parse_arguments(argv)
    problem = problem_with(arguments)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    figures = asyncio.run(measure_async(arguments.models, arguments.chromium, arguments.launches))
    text = table(figures)
    print(json.dumps(figures, indent=2) if arguments.json else text)
    if arguments.write_readme and arguments.models:
        print("note: README not written: these figures are not the shipped models'")
    elif arguments.write_readme and not write_readme(text):
        print(f"note: {config.README_PATH} has no {README_START} marker; table not written")
    rounds = (figures["concurrent"], figures["concurrent_first_answer"])
    return 0 if all(round_["own_answer"] == round_["count"] for round_ in rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
