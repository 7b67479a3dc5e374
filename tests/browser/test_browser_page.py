"""Real-browser tests on a desktop (1280 x 900): settings that stay, drawings saved once,
photos, and the layout of the answer. Fixtures come from test_browser.
"""
# ruff: noqa: F811 (pytest fixtures imported from test_browser are used as parameters)

import io
import re

import cv2
import numpy as np
import pytest
from helpers import artifacts_on_failure, expect
from PIL import Image
from test_browser import (  # noqa: F401 (fixtures)
    PEN_WIDTH,
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

from digitpad import inference, pendigits, preprocess
from ui import state
from ui.messages import BLANK_HINT, PHOTO_BLANK

pytestmark = pytest.mark.browser

DESKTOP_HEIGHT = 900  # the page fixture's viewport
FEATURE_MAPS = 32  # the CNN's first convolution
MIN_FEATURE_MAP_WIDTH = 80  # readable: each 28 x 28 map about 3x
CANDIDATES = 1000
SURE = 0.8  # both models sure of their different reads: the browser's drawing reads the same
DRAWINGS_LABEL = re.compile(r"Your drawings \((\d+)\)")


def drawings_count(page) -> int:
    """The count in the "Your drawings (N)" label."""
    label = page.get_by_text(DRAWINGS_LABEL)
    expect(label).to_be_visible(timeout=WAIT_MS)
    return int(DRAWINGS_LABEL.search(label.inner_text()).group(1))


def expect_drawings_count(page, count: int) -> None:
    expect(page.get_by_text(f"Your drawings ({count})")).to_be_visible(timeout=WAIT_MS)


def test_the_heat_map_keeps_the_bars_in_view_and_shows_even_feature_maps(
    page, server, clear_digit, request
):
    digit, placement = clear_digit
    with artifacts_on_failure(page, request.node.name, server.log):
        draw(page, pendigits.place_strokes(digit, placement))
        expect_answer(page, "CNN says", digit.label)
        page.get_by_text("Heat map", exact=True).click()
        expect(page.get_by_text("Red: hiding this spot")).to_be_visible(timeout=WAIT_MS)
        chart = page.locator(".dp-bars").first.bounding_box()
        assert chart["y"] + chart["height"] <= DESKTOP_HEIGHT, chart
        page.get_by_text("First-layer feature maps").click()
        maps = page.get_by_test_id("stExpander").filter(has_text="feature maps").locator("img")
        expect(maps).to_have_count(FEATURE_MAPS, timeout=WAIT_MS)
        widths = {round(maps.nth(index).bounding_box()["width"]) for index in range(FEATURE_MAPS)}
        assert len(widths) == 1 and widths.pop() >= MIN_FEATURE_MAP_WIDTH


def pill(page, digit: int):
    pills = page.locator(f".st-key-{state.CORRECTION_KEY}")
    return pills.get_by_role("radio", name=str(digit), exact=True)


@pytest.fixture(scope="module")
def disputed_digit(tiny_model_files, pendigits_path):
    """A pen-written digit the two tiny models read as two different digits, both sure."""
    directory = tiny_model_files["cnn"].parent
    cnn, mlp = (inference.Predictor.load(name, directory) for name in ("cnn", "mlp"))
    placement = pendigits.Placement(0.7, 0.5, 0.5, PEN_WIDTH)
    for digit, _ in pendigits.replay_set(CANDIDATES, path=pendigits_path):
        image = preprocess.to_mnist(pendigits.render_replay(digit, placement))
        reads = [predictor.probabilities(image) for predictor in (cnn, mlp)]
        digits = [int(np.argmax(read)) for read in reads]
        if digits[0] != digits[1] and min(read.max() for read in reads) >= SURE:
            return pendigits.place_strokes(digit, placement), digits
    pytest.fail("no replayed digit that the tiny models read differently, both sure")


def test_the_answer_says_when_the_two_models_disagree(page, server, disputed_digit, request):
    strokes, (cnn_digit, mlp_digit) = disputed_digit
    with artifacts_on_failure(page, request.node.name, server.log):
        draw(page, strokes)
        expect_answer(page, "CNN says", cnn_digit)
        expect(page.locator(".dp-disagree")).to_have_text(
            f"The MLP reads {mlp_digit}", timeout=WAIT_MS
        )


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


def test_one_drawing_is_saved_once_with_an_undo(page, server, clear_digit, request):
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


def test_your_drawings_stays_open_after_a_delete(page, server, clear_digit, request):
    digit, placement = clear_digit
    with artifacts_on_failure(page, request.node.name, server.log):
        before = drawings_count(page)
        draw(page, pendigits.place_strokes(digit, placement))
        expect_answer(page, "CNN says", digit.label)
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


def photo_file(path, drawn: bool, side: int = 3024) -> None:
    """A noisy JPEG of a 7 on grey paper (or of blank paper), the size of a phone's photo."""
    paper = np.full((side, side * 4 // 3), 190.0)
    if drawn:
        corners = np.array([(0.35, 0.25), (0.65, 0.25), (0.45, 0.8)]) * side
        cv2.polylines(paper, [(corners + side // 6).astype(np.int32)], False, 50.0, side // 25)
    paper += np.random.default_rng(0).normal(0, 12, paper.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=92)
    path.write_bytes(buffer.getvalue())


def test_a_phone_photo_is_read_and_refusals_say_why(page, server, tmp_path, request):
    seven, blank, huge = tmp_path / "seven.jpg", tmp_path / "blank.jpg", tmp_path / "huge.jpg"
    photo_file(seven, drawn=True)
    photo_file(blank, drawn=False)
    huge.write_bytes(b"\xff\xd8\xff" + bytes(12 * 1024 * 1024))
    assert seven.stat().st_size > 3 * 1024 * 1024
    upload = page.locator(f".st-key-{state.PHOTO_KEY} input[type=file]")
    errors = page.get_by_test_id("stMain").get_by_test_id("stAlertContentError")
    with artifacts_on_failure(page, request.node.name, server.log):
        expect(canvas(page)).to_be_visible(timeout=WAIT_MS)
        upload.set_input_files(huge)
        expect(errors).to_contain_text("huge.jpg is too big (12.0 MB)", timeout=WAIT_MS)
        upload.set_input_files(seven)
        expect(page.get_by_text("The photo, cleaned")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".dp-digit")).to_have_count(1, timeout=WAIT_MS)
        expect(errors).to_have_count(0)
        upload.set_input_files(blank)
        expect(page.get_by_text(PHOTO_BLANK)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("on the canvas")).to_have_count(1)  # the canvas's own hint only
