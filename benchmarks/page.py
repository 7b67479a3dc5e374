"""Driving the app's page in Chromium: draw replayed pen strokes, wait for and read the answer.

Latencies are measured in the page's own clock: a recorder installed in every page notes
``performance.now()`` at the pen's release (``pointerup``), and a MutationObserver notes
when the chart of the new drawing and the matching big answer are in the DOM; the next
animation frame is when the page shows them. It also notes when the drawing leaves on the
WebSocket and when the page hears the last message before the answer: the server's share
plus however long the page's main thread was busy (the server's own share is timed inside
the server, `benchmarks/server_trace/`).
"""

import asyncio
import contextlib
import dataclasses
import time

import numpy as np

from digitpad import pendigits, preprocess
from ui.messages import BLANK_HINT

VIEWPORT = {"width": 1280, "height": 900}
PEN_WIDTH = 18  # the app's default pen width: the replays are drawn with it
ANSWER_TIMEOUT_MS = 60_000
INK_TIMEOUT_MS = 1_000  # a cold start: a stroke not on the canvas by then was not taken
LOADED_INK_TIMEOUT_MS = 3_000  # a busy browser may be slow to paint a stroke
UNCHANGED_GRACE_MS = 500  # a stroke that changes nothing: idle this long after its rerun
# The waits look every 50 ms, not every frame: ten pages each polling every frame kept a
# quarter of a core busy, the harness's cost and not the app's. The times are noted by the
# page itself when things happen, so how often the harness looks does not change them.
POLL_MS = 50
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
    const bars = [...document.querySelectorAll('.dp-bars .dp-bar')];
    const top = document.querySelector('.dp-bars .dp-bar-top');
    return {
      chart: bars.map((bar) => bar.getAttribute('data-probability')).join('|'),
      chartDigit: (top?.getAttribute('aria-label') || '').match(/digit: (\\d)/)?.[1] ?? null,
      digit: document.querySelector('.dp-digit')?.textContent ?? null,
      refused: document.querySelector('.dp-answer .dp-refused') !== null,
      verdict: document.querySelector('.dp-digit + div')?.textContent ?? null,
      preview: document.querySelector('[data-testid="stImage"] img')?.getAttribute('src') ?? null,
    };
  };
  state.arm = () => Object.assign(state, {
    armed: true, done: false, baseline: state.view().chart, upAt: null, sentAt: null,
    domAt: null, shownAt: null, runningSeen: false, finishedAt: null, answer: null,
    messageAt: null,
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
  // The last server message before the answer is in the DOM. Listening from the constructor
  // puts this listener before the page's own, so it notes the message's arrival, not its use.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => {
        if (state.sentAt !== null && state.domAt === null) state.messageAt = performance.now();
      });
    }
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
    // The answer is in: the big digit matches the chart's top bar, or "not a digit" is shown.
    const answered = current.chartDigit === current.digit || current.refused;
    if (current.chart && current.chart !== state.baseline && answered) {
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
    heard_ms: float | None  # drawing sent → the page hears the last message before the answer
    unchanged: bool  # the last stroke left the answer and chart as they were
    preview: str | None  # the URL of "what the model sees": the same image, the same URL

    @property
    def right(self) -> bool:
        """Whether the big answer is the drawn digit."""
        return self.answer == self.label


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
                f"canvas => ({INK_JS})(canvas) !== {before}",
                arg=canvas,
                timeout=ink_timeout_ms,
                polling=POLL_MS,
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
    await wait_until_idle(page)  # the rerun's end, for the page's timings
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
        f"grace => {condition}",
        arg=UNCHANGED_GRACE_MS,
        timeout=ANSWER_TIMEOUT_MS,
        polling=POLL_MS,
    )
    return await page.evaluate(
        "({...window.__digitpad, answer: window.__digitpad.answer || window.__digitpad.view()})"
    )


async def wait_until_idle(page) -> None:
    """Until no script run of this session is under way."""
    await page.wait_for_function(
        "window.__digitpad.scriptState() === 'notRunning'",
        timeout=ANSWER_TIMEOUT_MS,
        polling=POLL_MS,
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
        sent_ms=sent_ms, finished_ms=finished_ms,
        heard_ms=None if unchanged else heard_ms(record), unchanged=unchanged,
        preview=answer["preview"],
    )  # fmt: skip


def heard_ms(record: dict) -> float | None:
    """Drawing sent → the page hears the last server message before the answer appeared: the
    server's share plus however long the page's main thread was busy (the benchmark times the
    server's own share inside the server, `server.stroke_times_ms`).
    """
    if record.get("messageAt") is None or record["sentAt"] is None:
        return None
    return record["messageAt"] - record["sentAt"]


async def clear_canvas(page) -> None:
    """The canvas toolbar's bin; wait until the app shows the hint again and is idle."""
    await page.locator(CANVAS).hover()
    await page.get_by_role("button", name=RESET_BUTTON).click()
    await page.wait_for_function(
        """!document.querySelector('.dp-digit, .dp-refused')
           && document.querySelector('[data-testid="stApp"]')
                ?.getAttribute('data-test-script-state') === 'notRunning'""",
        timeout=ANSWER_TIMEOUT_MS,
        polling=POLL_MS,
    )
    await page.get_by_text(BLANK_HINT).wait_for(timeout=ANSWER_TIMEOUT_MS)
