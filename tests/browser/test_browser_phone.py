"""Real-browser tests on a phone: 390 x 844, touch. Drawing with a finger, the canvas toolbar
without hover, a Number canvas that fits the screen, and the answer in the first screen.

Fixtures (server, browser, the replayed digit) come from test_browser.
"""
# ruff: noqa: F811 (pytest fixtures imported from test_browser are used as parameters)

import re

import numpy as np
import pytest
from helpers import artifacts_on_failure, expect
from test_browser import (  # noqa: F401 (fixtures)
    COUNT_SEND_CLICKS,
    PEN_WIDTH,
    WAIT_MS,
    browser,
    canvas,
    clear_digit,
    expect_answer,
    number_strokes,
    server,
    tiny_model_files,
)

from digitpad import config, pendigits
from ui.messages import BLANK_HINT, NUMBER_HINT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SMALL_PLACEMENT = pendigits.Placement(0.5, 0.4, 0.4, PEN_WIDTH)  # room for a stray tap
STRAY_TAP = np.array([(262.0, 262.0), (263.0, 263.0)])  # over 3 pen widths from the digit
TOOLBAR_SHOWN = """() => {
  const canvasElement = [...document.querySelectorAll('[class*="st-key-"] div')]
    .find((element) => element.shadowRoot?.querySelector('.dc-toolbar'));
  const toolbar = canvasElement?.shadowRoot.querySelector('.dc-toolbar');
  return toolbar !== undefined && getComputedStyle(toolbar).opacity === '1';
}"""


@pytest.fixture
def phone(browser, server):
    """A fresh session on the app in a phone's browser: small screen, touch, no hover."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    new_page = context.new_page()
    new_page.goto(server.url)
    expect(canvas(new_page)).to_be_visible(timeout=WAIT_MS)
    yield new_page
    context.close()


def touch_draw(page, strokes: list[np.ndarray], canvas_width: int) -> None:
    """Replay strokes (canvas pixels) as finger moves over the canvas, scaled as shown."""
    box = canvas(page).bounding_box()
    scale = box["width"] / canvas_width
    session = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [{"x": box["x"] + x * scale, "y": box["y"] + y * scale} for x, y in stroke]
        session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def in_first_screen(page, locator) -> bool:
    """Whether the element lies wholly inside the viewport, the page not scrolled."""
    box = locator.bounding_box()
    scrolled = page.evaluate("window.scrollY")
    return scrolled == 0 and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_on_a_phone_the_answer_the_bars_and_the_other_model_share_the_first_screen(
    phone, server, clear_digit, request
):
    digit, placement = clear_digit
    with artifacts_on_failure(phone, request.node.name, server.log):
        touch_draw(phone, pendigits.place_strokes(digit, placement), config.CANVAS_SIZE)
        expect_answer(phone, "CNN says", digit.label)
        chart = phone.locator(".dp-bars")
        expect(chart).to_be_visible(timeout=WAIT_MS)
        other = phone.locator(".dp-other")
        expect(other).to_have_text(str(digit.label), timeout=WAIT_MS)
        for element in (phone.locator(".dp-digit"), other, chart):
            assert in_first_screen(phone, element), element.bounding_box()


def test_on_a_phone_the_canvas_tools_show_without_hover_and_clear_it(
    phone, server, clear_digit, request
):
    digit, placement = clear_digit
    with artifacts_on_failure(phone, request.node.name, server.log):
        expect(phone.get_by_text(re.compile("hover", re.IGNORECASE))).to_have_count(0)
        phone.wait_for_function(TOOLBAR_SHOWN, timeout=WAIT_MS)
        touch_draw(phone, pendigits.place_strokes(digit, placement), config.CANVAS_SIZE)
        expect_answer(phone, "CNN says", digit.label)
        phone.wait_for_function(TOOLBAR_SHOWN, timeout=WAIT_MS)
        phone.get_by_role("button", name="Reset canvas & history").tap()
        expect(phone.get_by_text(BLANK_HINT)).to_be_visible(timeout=WAIT_MS)


def test_on_a_phone_the_number_canvas_fits_the_screen_and_reads_a_number(phone, server, request):
    with artifacts_on_failure(phone, request.node.name, server.log):
        phone.get_by_text("Number", exact=True).tap()
        expect(phone.get_by_text(NUMBER_HINT)).to_be_visible(timeout=WAIT_MS)
        box = canvas(phone).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        touch_draw(phone, number_strokes(), config.NUMBER_CANVAS[0])
        heading = phone.get_by_role("heading", name=re.compile(r"^The number: \d{3}$"))
        expect(heading).to_be_visible(timeout=WAIT_MS)


def test_on_a_phone_a_stray_tap_does_not_change_what_the_model_sees(
    browser, server, clear_digit, request
):
    """One phone draws the digit; another taps a corner first, then draws the same digit."""
    digit, _ = clear_digit
    strokes = pendigits.place_strokes(digit, SMALL_PLACEMENT)
    previews = []
    for tap_first in (False, True):
        context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
        page = context.new_page()
        page.goto(server.url)
        with artifacts_on_failure(page, f"{request.node.name}-{tap_first}", server.log):
            expect(canvas(page)).to_be_visible(timeout=WAIT_MS)
            page.evaluate(COUNT_SEND_CLICKS)
            taps = [STRAY_TAP] if tap_first else []  # a finger moves a pixel as it taps
            touch_draw(page, taps + strokes, config.CANVAS_SIZE)
            page.wait_for_function(f"window.sendClicks === {len(strokes) + tap_first}")
            shown = page.get_by_test_id("stImage").filter(has_text="What the model sees")
            preview = shown.locator("img")
            if previews:
                expect(preview).to_have_attribute("src", previews[0], timeout=WAIT_MS)
            else:
                expect(page.locator(".dp-digit")).to_have_count(1, timeout=WAIT_MS)
                previews.append(preview.get_attribute("src"))
        context.close()
