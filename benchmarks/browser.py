"""Real-browser benchmark: stroke release → updated answer, cold start, 10 sessions at once.

Run ``python -m benchmarks browser [--json] [--write-readme] [--launches N]``
(``make bench-browser``).
It serves the app with ``streamlit run`` on a free port (the shipped models of ``models/``,
or ``--models DIR``) and drives Debian's Chromium through Playwright, replaying real
pen-written digits (UCI pendigits) as mouse strokes on the canvas.

Latencies are measured in the page's own clock: a recorder installed in every page notes
``performance.now()`` at the pen's release (``pointerup``), and a MutationObserver notes
when the chart of the new drawing and the matching big answer are in the DOM; the next
animation frame is when the page shows them.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import json
import os
import pathlib
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

from benchmarks import speed
from digitpad import config, pendigits, preprocess
from ui.messages import BLANK_HINT

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
VIEWPORT = {"width": 1280, "height": 900}
PEN_WIDTH = 18  # the app's default pen width: the replays are drawn with it
DIGIT_COUNT = 20
SESSION_COUNT = 10
LAUNCH_COUNT = 3
TARGET_P50_MS = 300.0
SERVER_START_SECONDS = 180.0
HEALTH_POLL_SECONDS = 0.05
ANSWER_TIMEOUT_MS = 60_000
INK_TIMEOUT_MS = 1_000  # a cold start: a stroke not on the canvas by then was not taken
LOADED_INK_TIMEOUT_MS = 3_000  # a busy browser may be slow to paint a stroke
UNCHANGED_GRACE_MS = 500  # a stroke that changes nothing: idle this long after its rerun
README_START = "<!-- browser-bench:start -->"
README_END = "<!-- browser-bench:end -->"
CANVAS = "canvas.upper-canvas"
DRAWN_CANVAS = "canvas.dc-canvas.lower-canvas"
RESET_BUTTON = "Reset canvas & history"

INK_JS = """canvas => {
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let index = 0; index < pixels.length; index += 4) {
    if (pixels[index + 3] > 128 && pixels[index] < 128) count += 1;
  }
  return count;
}"""
RECORDER_JS = """
(() => {
  const state = {armed: false, done: false};
  window.__digitpad = state;
  state.scriptState = () =>
    document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state');
  state.view = () => {
    const bars = [...document.querySelectorAll(
      '[data-testid="stVegaLiteChart"] path[aria-roledescription="bar"]')];
    const top = bars.find((bar) => (bar.getAttribute('fill') || '').toLowerCase() === '#2563eb');
    return {
      chart: bars.map((bar) => bar.getAttribute('aria-label')).join('|'),
      chartDigit: (top?.getAttribute('aria-label') || '').match(/digit: (\\d)/)?.[1] ?? null,
      digit: document.querySelector('.dp-digit')?.textContent ?? null,
      verdict: document.querySelector('.dp-digit + div')?.textContent ?? null,
      preview: document.querySelector('[data-testid="stImage"] img')?.getAttribute('src') ?? null,
    };
  };
  state.arm = () => Object.assign(state, {
    armed: true, done: false, baseline: state.view().chart, upAt: null, sentAt: null,
    domAt: null, shownAt: null, runningSeen: false, finishedAt: null, answer: null,
  });
  // Idle long enough after the stroke's rerun, and nothing changed: the answer stayed the same.
  state.settledUnchanged = (graceMs) => state.finishedAt !== null
    && state.scriptState() === 'notRunning' && performance.now() - state.finishedAt >= graceMs;
  window.addEventListener('pointerup', () => {
    if (state.armed && state.upAt === null) state.upAt = performance.now();
  }, true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) {
    if (state.upAt !== null && state.sentAt === null) state.sentAt = performance.now();
    return send.apply(this, args);
  };
  const noteScriptState = (records, now) => {
    if (state.sentAt === null) return;  // only the reruns that the stroke's value started
    const running = state.scriptState() === 'running';
    if (running || records.some((record) => record.attributeName === 'data-test-script-state'
                                           && record.oldValue === 'running')) {
      state.runningSeen = true;
    }
    if (running) state.finishedAt = null;
    else if (state.runningSeen && state.finishedAt === null) state.finishedAt = now;
  };
  const check = (records) => {
    if (!state.armed || state.upAt === null) return;
    const now = performance.now();
    noteScriptState(records, now);
    if (state.domAt !== null) return;
    const current = state.view();
    if (current.chart && current.chart !== state.baseline && current.chartDigit === current.digit) {
      state.domAt = now;
      state.answer = current;
      requestAnimationFrame(() => { state.shownAt = performance.now(); state.done = true; });
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
    attributeOldValue: true,
  });
})();
"""


@dataclasses.dataclass(frozen=True)
class Sample:
    """One drawing's final stroke: the answer shown, and how long it took (page clock)."""

    label: int
    answer: int | None
    verdict: str
    latency_ms: float
    sent_ms: float | None  # release → the canvas's value leaves the page
    finished_ms: float | None  # release → the page hears that the app's rerun ended
    unchanged: bool  # the last stroke left the answer and chart as they were
    preview: str | None  # the URL of "what the model sees": the same image, the same URL

    @property
    def right(self) -> bool:
        """Whether the big answer is the drawn digit."""
        return self.answer == self.label


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_models(models_dir: pathlib.Path) -> list[str]:
    """The model files (``mlp.keras``, ``cnn.keras``) that `models_dir` lacks."""
    names = [f"{name}.keras" for name in config.MODEL_NAMES]
    return [name for name in names if not (models_dir / name).is_file()]


@contextlib.contextmanager
def app_home(models_dir: pathlib.Path):
    """A fresh DIGITPAD_HOME holding a copy of the models in `models_dir`, which the app then
    uses: no model of the user's gets in, and a retraining meanwhile changes nothing."""
    with tempfile.TemporaryDirectory(prefix="digitpad-bench-") as directory:
        home = pathlib.Path(directory)
        (home / "models").mkdir()
        for name in config.MODEL_NAMES:
            for suffix in (".keras", ".json"):
                source = models_dir / f"{name}{suffix}"
                if source.is_file():
                    shutil.copy2(source, home / "models" / source.name)
        yield home


def server_command(port: int) -> list[str]:
    """`make run`'s command and `.streamlit/config.toml`; only the port and address differ."""
    return [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip


def start_server(home: pathlib.Path, log) -> tuple[subprocess.Popen, str]:
    """Launch ``streamlit run streamlit_app.py`` on a free port; return it and its URL."""
    port = free_port()
    command = server_command(port)
    environment = {**os.environ, config.HOME_ENV_VAR: str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        command, cwd=config.PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen) -> None:
    """Terminate the server, killing it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: pathlib.Path) -> None:
    """Poll the health endpoint until it answers; RuntimeError if the server dies or is late."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(HEALTH_POLL_SECONDS)  # polling with a deadline
    raise RuntimeError(f"streamlit did not become healthy in time:\n{log_path.read_text()}")


@contextlib.contextmanager
def served_app(home: pathlib.Path):
    """The app served from `home`; yield its URL once healthy (the log stays in `home`)."""
    log_path = home / f"server-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        process, url = start_server(home, log)
        try:
            wait_until_healthy(url, process, log_path)
            yield url
        finally:
            stop_server(process)


# ---------------------------------------------------------------------- page driving


async def open_session(browser, url: str, wait_for_hint: bool = True):
    """A new browser context (a new Streamlit session) on the app, its canvas on screen."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(RECORDER_JS)
    page = await context.new_page()
    await page.goto(url)
    await page.locator(CANVAS).wait_for(timeout=ANSWER_TIMEOUT_MS)
    if wait_for_hint:
        await page.get_by_text(BLANK_HINT).wait_for(timeout=ANSWER_TIMEOUT_MS)
        await wait_until_idle(page)
    await page.evaluate("document.fonts.ready.then(() => true)")  # no layout shift to come
    return page


async def draw_stroke(page, box: dict, stroke: np.ndarray) -> None:
    """One stroke (canvas pixels) as a mouse drag: down, a move per pen sample, up."""
    points = [(box["x"] + float(x), box["y"] + float(y)) for x, y in stroke]
    await page.mouse.move(*points[0])
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*point)
    await page.mouse.up()


async def ink(page) -> int:
    """How many dark pixels the canvas shows."""
    return await page.locator(DRAWN_CANVAS).evaluate(INK_JS)


async def kept_stroke(page, stroke: np.ndarray, ink_timeout_ms: float, seconds: float) -> float:
    """Draw `stroke` until the canvas shows it; the monotonic time of the press that worked.

    A canvas may drop a press (one on screen before it takes strokes, or under heavy load
    a press that reaches the page without its mouse event): then nothing was drawn or sent.
    """
    deadline = time.monotonic() + seconds
    before = await ink(page)
    while time.monotonic() < deadline:
        box = await page.locator(CANVAS).bounding_box()
        pressed = time.monotonic()
        await page.evaluate("window.__digitpad.arm()")
        await draw_stroke(page, box, stroke)
        canvas = await page.locator(DRAWN_CANVAS).element_handle()
        with contextlib.suppress(playwright_timeout_error()):
            await page.wait_for_function(
                f"canvas => ({INK_JS})(canvas) !== {before}", arg=canvas, timeout=ink_timeout_ms
            )
            return pressed
    raise RuntimeError(f"the canvas took no stroke in {seconds:.0f} s")


def strokes_of(digit: pendigits.PenDigit, placement: pendigits.Placement) -> list[np.ndarray]:
    """The digit's strokes in canvas pixels, placed as in the replay set, with the app's pen."""
    placement = dataclasses.replace(placement, pen_width=PEN_WIDTH)
    return pendigits.place_strokes(digit, placement)


async def draw_digit(page, digit, placement, barrier: asyncio.Barrier | None = None) -> Sample:
    """Draw the digit stroke by stroke, each time until the page answers; time the last one.

    With a `barrier`, the last stroke waits for the other sessions' last strokes: all at once.
    """
    strokes = strokes_of(digit, placement)
    changes = answer_changes(strokes)
    for index, stroke in enumerate(strokes):
        await wait_until_idle(page)
        if barrier is not None and index == len(strokes) - 1:
            async with asyncio.timeout(ANSWER_TIMEOUT_MS / 1000):
                await barrier.wait()
        await kept_stroke(page, stroke, LOADED_INK_TIMEOUT_MS, ANSWER_TIMEOUT_MS / 1000)
        record = await wait_for_answer(page, changes[index])
    await wait_until_idle(page)  # the rerun's end, for the server's share of the time
    record["finishedAt"] = await page.evaluate("window.__digitpad.finishedAt")
    return sample_from(digit.label, record)


def answer_changes(strokes: list[np.ndarray]) -> list[bool]:
    """For each stroke, whether it changes what the app answers (drawn offline, as the app sees).

    A stroke that leaves the drawing blank, or that the app drops as a speck, changes nothing:
    the page then only shows that the rerun ended. Knowing this beforehand lets each wait look
    for the content it expects, not for a quiet moment that a busy browser can fake.
    """
    changes, previous = [], None
    for count in range(1, len(strokes) + 1):
        try:
            image = preprocess.to_mnist(pendigits.render(strokes[:count], PEN_WIDTH))
        except preprocess.BlankDrawingError:
            image = None
        changed = image is not None and (previous is None or not np.array_equal(image, previous))
        changes.append(changed)
        previous = image
    return changes


async def wait_for_answer(page, changes: bool = True) -> dict:
    """The recorder's state once the page shows the new chart (or, if `changes` is false, once
    the stroke's rerun has ended and the page stayed idle a moment)."""
    condition = "window.__digitpad.done" if changes else "window.__digitpad.settledUnchanged(grace)"
    await page.wait_for_function(
        f"grace => {condition}", arg=UNCHANGED_GRACE_MS, timeout=ANSWER_TIMEOUT_MS
    )
    return await page.evaluate(
        "({...window.__digitpad, answer: window.__digitpad.answer || window.__digitpad.view()})"
    )


async def wait_until_idle(page) -> None:
    """Until no script run of this session is under way."""
    await page.wait_for_function(
        "window.__digitpad.scriptState() === 'notRunning'", timeout=ANSWER_TIMEOUT_MS
    )


def playwright_timeout_error() -> type[Exception]:
    """Playwright's TimeoutError (imported lazily: the module loads without Playwright)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    return PlaywrightTimeoutError


def sample_from(label: int, record: dict) -> Sample:
    """A Sample from the recorder's state after the last stroke."""
    unchanged = not record["done"]
    shown_at = record["finishedAt"] if unchanged else record["shownAt"]
    answer = record["answer"]
    sent_ms = None if record["sentAt"] is None else record["sentAt"] - record["upAt"]
    finished_at = record["finishedAt"]
    finished_ms = None if finished_at is None else finished_at - record["upAt"]
    return Sample(
        label=label, answer=None if answer["digit"] is None else int(answer["digit"]),
        verdict=answer["verdict"] or "", latency_ms=shown_at - record["upAt"],
        sent_ms=sent_ms, finished_ms=finished_ms, unchanged=unchanged, preview=answer["preview"],
    )  # fmt: skip


async def clear_canvas(page) -> None:
    """The canvas toolbar's bin; wait until the app shows the hint again and is idle."""
    await page.locator(CANVAS).hover()
    await page.get_by_role("button", name=RESET_BUTTON).click()
    await page.wait_for_function(
        """!document.querySelector('.dp-digit')
           && document.querySelector('[data-testid="stApp"]')
                ?.getAttribute('data-test-script-state') === 'notRunning'""",
        timeout=ANSWER_TIMEOUT_MS,
    )
    await page.get_by_text(BLANK_HINT).wait_for(timeout=ANSWER_TIMEOUT_MS)


async def launch_browser(playwright, chromium: pathlib.Path):
    """Headless Chromium from `chromium`, with the switches a container needs."""
    return await playwright.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))


# ---------------------------------------------------------------------------- phases


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


# --------------------------------------------------------------------------- measure


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


# ---------------------------------------------------------------------------- report


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
