"""Real-browser benchmark: stroke release → updated answer, cold start, 10 sessions at once,
an idle server's cost, and the same command with the file watcher on (as before) and off.

Run ``python -m benchmarks browser [--json] [--write-readme] [--launches N] [--digits N]
[--idle-seconds S]`` (``make bench-browser``).
It serves the app with ``streamlit run`` on a free port, started as `make run` starts it
(the shipped models of ``models/``, or ``--models DIR``), and drives Debian's Chromium
through Playwright, replaying real pen-written digits (UCI pendigits) as mouse strokes on
the canvas. The page is driven by `benchmarks.page`, the server started by
`benchmarks.server`, the idle cost read by `benchmarks.idle`; `benchmarks.browser_report`
makes the tables.
"""

import argparse
import asyncio
import json
import os
import pathlib
import sys
import time

from benchmarks import speed
from benchmarks.browser_report import results, table
from benchmarks.idle import IDLE_SECONDS, idle_cost
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
    stroke_times_ms,
    wait_until_healthy,
)
from digitpad import config, pendigits

DIGIT_COUNT = 20
SESSION_COUNT = 10
# One round of ten gave p50s of 227-474 ms a minute apart on the same server: the steady figure
# pools several rounds.
STEADY_ROUNDS = 3
LAUNCH_COUNT = 3
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


async def paired_sessions(browser, urls: tuple[str, str], replays: list) -> tuple[list, list]:
    """One session on each of two servers, drawing the replays in turns (each digit on one and
    then on the other, who goes first swapped every digit): both are timed through the same
    moments of a machine whose speed drifts. Each server's samples."""
    pages = [await open_session(browser, url) for url in urls]
    warm_up, *_ = replays
    for page in pages:
        await draw_digit(page, *warm_up)  # loads the models: not counted
    samples = ([], [])
    for index, (digit, placement) in enumerate(replays):
        for side in (0, 1) if index % 2 == 0 else (1, 0):
            await clear_canvas(pages[side])
            samples[side].append(await draw_digit(pages[side], digit, placement))
    await asyncio.gather(*(page.context.close() for page in pages))
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


async def concurrent_sessions(browser, url: str, replays: list) -> tuple[list, list, float]:
    """Each replay drawn in its own new session, all at once; then again on cleared canvases,
    STEADY_ROUNDS times, the samples pooled; and when the steady rounds began
    (`time.perf_counter()`, the server trace's clock).

    The first round includes what a new session does once (its first chart loads the chart
    library); the rounds after it are the steady state under the same load.
    """
    pages = await open_sessions(browser, url, len(replays))
    try:
        first, steady = await draw_in_parallel(pages, replays), []
        steady_since = time.perf_counter()
        for _ in range(STEADY_ROUNDS):
            await asyncio.gather(*(clear_canvas(page) for page in pages))
            steady += await draw_in_parallel(pages, replays)
        return first, steady, steady_since
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


def trace_path(home: pathlib.Path) -> pathlib.Path:
    """A new file for a server's stroke times (`server.stroke_times_ms`)."""
    return home / f"trace-{time.monotonic_ns()}.txt"


async def make_run_phases(browser, home: pathlib.Path, replays: list, idle_seconds: float) -> dict:
    """The server as `make run` starts it: idle with a session open; one session, in turns with
    the same command with the watcher turned off on the command line; then 10 sessions at once."""
    trace = trace_path(home)
    with served_app(home, trace=trace) as server:
        idle = await idle_cost(browser, server, idle_seconds)
        # Traced like `make run`'s server, so that the comparison is like with like.
        with served_app(home, watcher="none", trace=trace_path(home)) as watcher_off_server:
            urls = (server.url, watcher_off_server.url)
            alone, watcher_off = await paired_sessions(browser, urls, replays)
        server_ms = stroke_times_ms(trace)  # one session's strokes, timed in the server
        chosen = distinct_labels(replays, alone, SESSION_COUNT)
        *loaded, steady_since = await concurrent_sessions(
            browser, server.url, [replays[i] for i in chosen]
        )
        loaded_server_ms = stroke_times_ms(trace, since=steady_since)
    own = [alone[index].answer for index in chosen]
    return {"idle": idle, "alone": alone, "watcher_off": watcher_off, "loaded": tuple(loaded),
            "own": own, "server_ms": server_ms, "loaded_server_ms": loaded_server_ms}  # fmt: skip


async def watcher_on_phases(
    browser, home: pathlib.Path, replays: list, idle_seconds: float
) -> dict:
    """The same command with the file watcher on, as before the fix: idle, then one session."""
    with served_app(home, watcher="auto", trace=trace_path(home)) as server:
        idle = await idle_cost(browser, server, idle_seconds)
        watcher_on = await one_session(browser, server.url, replays)
    return {"idle_watcher_on": idle, "watcher_on": watcher_on}


async def measure_async(arguments: argparse.Namespace) -> dict:
    """Cold starts, then the `make run` server's phases, then the same with the watcher on."""
    from playwright.async_api import async_playwright

    replays = pendigits.replay_set(arguments.digits)
    load_before = os.getloadavg()
    with app_home(arguments.models or config.MODELS_DIR) as home:
        async with async_playwright() as playwright:
            browser = await launch_browser(playwright, arguments.chromium)
            replay = single_stroke(replays)
            cold = [await cold_start(browser, home, replay) for _ in range(arguments.launches)]
            phases = await make_run_phases(browser, home, replays, arguments.idle_seconds)
            phases |= await watcher_on_phases(browser, home, replays, arguments.idle_seconds)
            await browser.close()
    return results(phases, cold, arguments.models, load_before)


def write_readme(text: str, path: pathlib.Path = config.README_PATH) -> bool:
    """Replace the text between the README's browser-bench markers; False if it has none."""
    return speed.write_readme(text, path, README_START, README_END)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line of `python -m benchmarks browser`."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks browser", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write-readme", action="store_true", help="write the README table")
    parser.add_argument(
        "--models",
        type=pathlib.Path,
        help="serve the models of this folder instead of the shipped ones",
    )
    parser.add_argument("--chromium", type=pathlib.Path, default=CHROMIUM,
                        help=f"the Chromium executable (default {CHROMIUM})")  # fmt: skip
    add_size_arguments(parser)
    return parser.parse_args(argv)


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """--launches, --digits and --idle-seconds: how much the benchmark measures."""
    parser.add_argument("--launches", type=int, default=LAUNCH_COUNT,
                        help=f"cold starts to time (default {LAUNCH_COUNT})")  # fmt: skip
    parser.add_argument("--digits", type=int, default=DIGIT_COUNT,
                        help=f"digits per one-session phase (default {DIGIT_COUNT})")  # fmt: skip
    parser.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS,
                        help=f"idle CPU window (default {IDLE_SECONDS:.0f} s)")  # fmt: skip


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
    if arguments.digits < SESSION_COUNT:
        return f"--digits must be at least {SESSION_COUNT} (one for each session at once)"
    if arguments.idle_seconds <= 0:
        return "--idle-seconds must be more than 0"
    return None


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and (with --write-readme, shipped models only) write the README."""
    arguments = parse_arguments(argv)
    problem = problem_with(arguments)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    figures = asyncio.run(measure_async(arguments))
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
