"""Real-browser tests on a desktop (1280 x 900): settings that stay, drawings saved once,
photos, and the layout of the answer. Fixtures come from test_browser.
"""
# ruff: noqa: F811 (pytest fixtures imported from test_browser are used as parameters)

import re

import pytest
from helpers import artifacts_on_failure
from test_browser import (  # noqa: F401 (fixtures)
    WAIT_MS,
    browser,
    canvas,
    clear_digit,
    draw,
    expect_answer,
    page,
    server,
    tiny_model_files,
)

from digitpad import pendigits
from ui import state
from ui.messages import BLANK_HINT

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_path fixture skips the tests (fails them under CI)
    expect = None

pytestmark = pytest.mark.browser

DRAWINGS_LABEL = re.compile(r"Your drawings \((\d+)\)")


def drawings_count(page) -> int:
    """The count in the "Your drawings (N)" label."""
    label = page.get_by_text(DRAWINGS_LABEL)
    expect(label).to_be_visible(timeout=WAIT_MS)
    return int(DRAWINGS_LABEL.search(label.inner_text()).group(1))


def expect_drawings_count(page, count: int) -> None:
    expect(page.get_by_text(f"Your drawings ({count})")).to_be_visible(timeout=WAIT_MS)


def pill(page, digit: int):
    pills = page.locator(f".st-key-{state.CORRECTION_KEY}")
    return pills.get_by_role("radio", name=str(digit), exact=True)


def test_the_heat_map_stays_on_when_the_canvas_is_cleared(page, server, clear_digit, request):
    digit, placement = clear_digit
    strokes = pendigits.place_strokes(digit, placement)
    with artifacts_on_failure(page, request.node.name, server.log):
        draw(page, strokes)
        expect_answer(page, "CNN says", digit.label)
        page.get_by_text("Heat map", exact=True).click()
        expect(page.get_by_text("Red: hiding this spot")).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("button", name="Reset canvas & history").click()
        expect(page.get_by_text(BLANK_HINT)).to_be_visible(timeout=WAIT_MS)
        draw(page, strokes)
        expect_answer(page, "CNN says", digit.label)
        expect(page.get_by_text("Red: hiding this spot")).to_be_visible(timeout=WAIT_MS)


def test_one_drawing_is_saved_once_with_an_undo_and_the_gallery_stays_open(
    page, server, clear_digit, request
):
    digit, placement = clear_digit
    wrong = (digit.label + 1) % 10
    with artifacts_on_failure(page, request.node.name, server.log):
        before = drawings_count(page)
        draw(page, pendigits.place_strokes(digit, placement))
        expect_answer(page, "CNN says", digit.label)
        pill(page, wrong).click()
        expect(page.get_by_text(f"Saved as a {wrong}")).to_be_visible(timeout=WAIT_MS)
        expect_drawings_count(page, before + 1)
        pill(page, wrong).click()
        pill(page, digit.label).click()
        expect(page.get_by_text(f"Saved as a {digit.label}")).to_be_visible(timeout=WAIT_MS)
        expect_drawings_count(page, before + 1)
        page.get_by_role("button", name="Undo save").click()
        expect(page.get_by_text("Undone")).to_be_visible(timeout=WAIT_MS)
        expect_drawings_count(page, before)
        pill(page, digit.label).click()
        expect_drawings_count(page, before + 1)
        page.get_by_text(DRAWINGS_LABEL).click()
        delete = page.get_by_role("button", name="Delete")
        expect(delete.first).to_be_visible(timeout=WAIT_MS)
        delete.first.click()
        expect_drawings_count(page, before)
        if before:
            expect(delete.first).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_test_id("stExpander").locator("details")).to_have_attribute(
            "open", "", timeout=WAIT_MS
        )
