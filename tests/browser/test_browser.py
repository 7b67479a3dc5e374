"""Real-browser tests: a pen-written digit drawn with the mouse, the answers, and training.

`streamlit run` serves the app from a temporary DIGITPAD_HOME that holds tiny throwaway
models; DIGITPAD_TRAIN_LIMIT keeps the training run small. Screenshots of failures go to
test-artifacts/.
"""

import itertools
import re

import numpy as np
import pytest
from helpers import (
    TINY_TRAINING_IMAGES,
    app_server,
    artifacts_on_failure,
    expect,
    sync_playwright,
    tiny_models,
)

from digitpad import config, inference, pendigits, preprocess
from ui.messages import BLANK_HINT
from ui.train import LIMIT_SHARE

pytestmark = pytest.mark.browser

TRAIN_LIMIT = 500
PEN_WIDTH = 18  # the app's default pen width
CONFIDENT = 0.9  # the replayed digit must be an easy read for both tiny models
CANDIDATES = 200
WAIT_MS = 30_000
TRAINING_MS = 180_000
SEND_BUTTON = "Update the app with this drawing"
# Counts the clicks on the canvas's send button, which the app makes on every pen release.
COUNT_SEND_CLICKS = """
window.sendClicks = 0;
document.addEventListener('click', (event) => {
  if (event.composedPath().some((node) => node.getAttribute?.('aria-label') === 'SEND')) {
    window.sendClicks += 1;
  }
}, true);
""".replace("SEND", SEND_BUTTON)


@pytest.fixture(scope="module")
def tiny_model_files(mnist_source, tmp_path_factory):
    return tiny_models(mnist_source, tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="module")
def clear_digit(tiny_model_files, pendigits_path) -> tuple[pendigits.PenDigit, pendigits.Placement]:
    """A pen-written digit (not a 1) that both tiny models read right and confidently."""
    directory = tiny_model_files["cnn"].parent
    predictors = [inference.Predictor.load(name, directory) for name in config.MODEL_NAMES]
    placement = pendigits.Placement(0.7, 0.5, 0.5, PEN_WIDTH)
    for digit, _ in pendigits.replay_set(CANDIDATES, path=pendigits_path):
        image = preprocess.to_mnist(pendigits.render_replay(digit, placement))
        answers = [predictor.probabilities(image) for predictor in predictors]
        if digit.label != 1 and all(
            np.argmax(answer) == digit.label and answer.max() >= CONFIDENT for answer in answers
        ):
            return digit, placement
    pytest.fail("no replayed digit is read confidently by both tiny models")


@pytest.fixture(scope="module")
def server(tiny_model_files, mnist_source, pendigits_path, tmp_path_factory):
    """The app, served by `streamlit run` with its own DIGITPAD_HOME."""
    home = tmp_path_factory.mktemp("digitpad-home")
    with app_server(
        tiny_model_files,
        home,
        mnist_source,
        pendigits_path,
        {"DIGITPAD_TRAIN_LIMIT": str(TRAIN_LIMIT)},
    ) as served:
        yield served


@pytest.fixture(scope="module")
def browser(chromium_path, chromium_args):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), args=list(chromium_args)
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser session on the app, its canvas ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    new_page = context.new_page()
    new_page.goto(server.url)
    yield new_page
    context.close()


def canvas(page):
    return page.locator("canvas.upper-canvas")


def draw(page, strokes: list[np.ndarray]) -> None:
    """Replay strokes (canvas pixels) as mouse drags over the canvas."""
    box = canvas(page).bounding_box()
    for stroke in strokes:
        points = [(box["x"] + float(x), box["y"] + float(y)) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=3)
        page.mouse.up()


def expect_answer(page, label: str, digit: int) -> None:
    """The main answer says `label` (e.g. "CNN says") and shows `digit`."""
    expect(page.locator(".dp-label").first).to_have_text(label, timeout=WAIT_MS)
    expect(page.locator(".dp-digit")).to_have_text(str(digit), timeout=WAIT_MS)


def test_a_pen_written_digit_is_read_and_charted_and_clearing_shows_the_hint(
    page, server, clear_digit, request
):
    digit, placement = clear_digit
    with artifacts_on_failure(page, request.node.name, server.log):
        expect(canvas(page)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text(BLANK_HINT)).to_be_visible(timeout=WAIT_MS)
        draw(page, pendigits.place_strokes(digit, placement))
        expect_answer(page, "CNN says", digit.label)
        expect(page.locator(".dp-bars")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("What the model sees")).to_be_visible()
        expect(page.locator(".dp-label").nth(1)).to_have_text("MLP says")
        canvas(page).hover()
        page.get_by_role("button", name="Reset canvas & history").click()
        expect(page.get_by_text(BLANK_HINT)).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".dp-digit")).to_have_count(0)
        expect(page.locator(".dp-bars")).to_have_count(0)


def test_the_server_started_as_make_run_watches_no_files(page, server, clear_digit, request):
    """`make run`'s config turns the file watcher off: no inotify overflow, no reload loop."""
    digit, placement = clear_digit
    with artifacts_on_failure(page, request.node.name, server.log):
        draw(page, pendigits.place_strokes(digit, placement))
        expect_answer(page, "CNN says", digit.label)
    log = server.log.read_text(errors="replace")
    assert "Inotify" not in log and "watch" not in log.lower(), log[-2000:]


def test_switching_to_the_mlp_shows_its_answer(page, server, clear_digit, request):
    digit, placement = clear_digit
    with artifacts_on_failure(page, request.node.name, server.log):
        expect(canvas(page)).to_be_visible(timeout=WAIT_MS)
        draw(page, pendigits.place_strokes(digit, placement))
        expect_answer(page, "CNN says", digit.label)
        page.get_by_role("radio", name="MLP").click()
        expect_answer(page, "MLP says", digit.label)
        expect(page.locator(".dp-label").nth(1)).to_have_text("CNN says")
        expect(page.get_by_text("407,050 parameters")).to_be_visible()


def test_every_pen_release_sends_the_drawing_at_once(page, server, clear_digit, request):
    digit, placement = clear_digit
    strokes = pendigits.place_strokes(digit, placement)
    with artifacts_on_failure(page, request.node.name, server.log):
        expect(page.get_by_text(BLANK_HINT)).to_be_visible(timeout=WAIT_MS)
        page.evaluate(COUNT_SEND_CLICKS)
        draw(page, strokes)
        expect_answer(page, "CNN says", digit.label)
        expect(page.get_by_role("button", name=SEND_BUTTON)).to_have_count(1)
        page.wait_for_function(f"window.sendClicks === {len(strokes)}", timeout=WAIT_MS)


def start_one_epoch_training(page) -> None:
    """Set one epoch and press the sidebar's Train button; the Train tab opens."""
    expect(canvas(page)).to_be_visible(timeout=WAIT_MS)
    epochs = page.get_by_label("Epochs")
    epochs.fill("1")
    epochs.press("Enter")
    expect(epochs).to_have_value("1")
    page.locator(".st-key-train button").click()
    expect(page.get_by_role("tab", name="Train")).to_have_attribute("aria-selected", "true")


def test_a_short_training_asks_before_replacing_the_model_and_restore_asks_first(
    page, server, request
):
    with artifacts_on_failure(page, request.node.name, server.log):
        start_one_epoch_training(page)
        progress = page.get_by_test_id("stMain").get_by_test_id("stProgress")
        expect(progress).to_be_visible(timeout=WAIT_MS)
        expect(progress).to_contain_text(re.compile(r"CNN: epoch 1 / 1|Testing the CNN"))
        use_new = page.get_by_role("button", name="Use the new model")
        expect(use_new).to_be_visible(timeout=TRAINING_MS)
        expect(page.get_by_role("button", name="Keep the current one")).to_be_visible()
        expect(page.get_by_text("drawn digits of writers the new model never saw")).to_be_visible()
        expect(page.get_by_text("MNIST test images right")).to_have_count(0)
        tiny = int(TINY_TRAINING_IMAGES * (1 - config.TrainingConfig().validation_split))
        expect(page.get_by_text(f"on {tiny:,} images · your training")).to_be_visible()
        use_new.click()
        expect(page.get_by_text("MNIST test images right")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Confusion matrix")).to_have_count(1, timeout=WAIT_MS)
        total = TRAIN_LIMIT + 2 * (TRAIN_LIMIT // LIMIT_SHARE)  # + pen replays and non-digits
        images = total - int(total * config.TrainingConfig().validation_split)
        expect(page.get_by_text(f"on {images} images · your training")).to_be_visible()
        restore_asks_then_no_message_claims_the_model(page)


def restore_asks_then_no_message_claims_the_model(page) -> None:
    """Restore shows a confirmation; once confirmed, nothing says the trained model is in use."""
    page.get_by_role("button", name="Restore shipped model").click()
    expect(page.get_by_text("Delete your trained CNN")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("· your training")).to_be_visible()  # nothing deleted yet
    page.get_by_role("button", name="Delete it").click()
    expect(page.get_by_text("· shipped model")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("no longer in use")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("The Draw tab uses it now")).to_have_count(0)


def polyline(*points: tuple[float, float], step: float = 4.0) -> np.ndarray:
    """The points of a stroke through `points`, every `step` pixels or so, as a hand moves."""
    corners = np.array(points, dtype=np.float64)
    pieces = [corners[:1]]
    for start, end in itertools.pairwise(corners):
        count = max(int(np.linalg.norm(end - start) / step), 1)
        pieces.append(start + (end - start) * np.linspace(0, 1, count + 1)[1:, None])
    return np.concatenate(pieces)


def number_strokes() -> list[np.ndarray]:
    """A 4 whose bar stops short of its stick, a wide 0 and a 2 with a long tail (canvas px)."""
    angles = np.linspace(0, 2 * np.pi, 60)
    return [  # in writing order, left to right: Number mode reads the strokes
        polyline((40, 100), (70, 62), (110, 66), (125, 100), (45, 200), (260, 200)),
        polyline((330, 60), (290, 160), (338, 160)),  # the bar's ink ends 4 px from the stick's
        polyline((360, 60), (360, 225)),
        np.stack([560 + 110 * np.cos(angles), 140 - 55 * np.sin(angles)], axis=1),
    ]


def test_number_mode_finds_every_digit_of_a_drawn_number(page, server, request):
    """A 2 with a long tail, a 4 whose bar stops short of its stick and a wide 0: 3 digits.

    The tiny test models may refuse a piece ("?"); three pieces is what is checked here.
    """
    with artifacts_on_failure(page, request.node.name, server.log):
        page.get_by_text("Number", exact=True).click()
        expect(page.get_by_text("Write a number on the wide canvas")).to_be_visible(timeout=WAIT_MS)
        draw(page, number_strokes())
        heading = page.get_by_role("heading", name=re.compile(r"^The number: [\d?]{3}$"))
        expect(heading).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Where each digit is")).to_be_visible()
