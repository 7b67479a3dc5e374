"""Real-browser tests with the shipped models (models/): a drawn letter gets "That doesn't look
like a digit" (tiny models refuse almost nothing), and a number whose digits touch, drawn
stroke by stroke in Number mode, is read right from its strokes.
"""
# ruff: noqa: F811 (pytest fixtures imported from test_browser are used as parameters)

import dataclasses

import numpy as np
import pytest
from helpers import app_server, artifacts_on_failure, expect
from test_browser import WAIT_MS, browser, canvas, draw, page  # noqa: F401 (fixtures)

from benchmarks import numbers
from digitpad import config, inference, pendigits, preprocess, segment, strokes, verdict
from ui.messages import NUMBER_HINT

pytestmark = pytest.mark.browser

PEN_WIDTH = 18  # the app's default pen width
POINTS_PER_LINE = 12
WRITER = 1  # pendigits writer whose digits make the touching number
NUMBER_LENGTH = 4
NUMBER_CANDIDATES = 200
SURE = 0.9  # each digit read surely: the browser's own strokes read the same


def line(start: tuple[float, float], end: tuple[float, float]) -> np.ndarray:
    """A straight stroke from `start` to `end` (canvas pixels), as the mouse draws it."""
    return np.linspace(start, end, POINTS_PER_LINE)


def letter_x() -> list[np.ndarray]:
    """An X, two strokes across the canvas: no digit."""
    return [line((70, 60), (210, 220)), line((210, 60), (70, 220))]


@pytest.fixture(scope="module")
def shipped_models() -> dict:
    """The shipped models' files; both must refuse the X (else they predate issue #13)."""
    paths = {name: inference.model_path(name) for name in config.MODEL_NAMES}
    image = preprocess.to_mnist(pendigits.render_gray(letter_x(), PEN_WIDTH))
    for name, path in paths.items():
        predictor = inference.Predictor.load(name, path.parent)
        probabilities = predictor.probabilities(image)
        if predictor.is_digit(probabilities):
            pytest.fail(f"the shipped {name} reads the X as a {probabilities.argmax()}: retrain it")
    return paths


@pytest.fixture(scope="module")
def server(shipped_models, mnist_source, pendigits_path, tmp_path_factory):
    """The app with the shipped models, served by `streamlit run` with its own DIGITPAD_HOME."""
    home = tmp_path_factory.mktemp("digitpad-home")
    with app_server(shipped_models, home, mnist_source, pendigits_path) as served:
        yield served


def test_a_drawn_letter_is_not_a_digit_for_either_model(page, server, request):
    with artifacts_on_failure(page, request.node.name, server.log):
        expect(canvas(page)).to_be_visible(timeout=WAIT_MS)
        draw(page, letter_x())
        expect(page.locator(".dp-refused")).to_have_text(
            verdict.NOT_A_DIGIT_HEADLINE, timeout=WAIT_MS
        )
        expect(page.locator(".dp-guess").first).to_contain_text("Best guess")
        expect(page.locator(".dp-other-refused")).to_have_text(verdict.NOT_A_DIGIT)
        expect(page.locator(".dp-digit")).to_have_count(0)
        expect(page.locator(".dp-bars")).to_be_visible()  # the bars stay


@pytest.fixture(scope="module")
def touching_number(shipped_models, pendigits_path) -> tuple[str, list[np.ndarray]]:
    """A number of one writer's pen digits whose inks touch, with the app's pen: its digits
    and strokes. The shipped CNN reads it right, surely, from the strokes; image
    segmentation (the page before issue #16) merges touching digits and reads fewer."""
    predictor = inference.Predictor.load("cnn", shipped_models["cnn"].parent)
    writer_digits = [d for d in pendigits.load_pendigits(pendigits_path) if d.writer == WRITER]
    for seed in range(NUMBER_CANDIDATES):
        rng = np.random.default_rng(seed)
        chosen = [writer_digits[i] for i in rng.integers(0, len(writer_digits), NUMBER_LENGTH)]
        composed = dataclasses.replace(
            numbers.compose_strokes(chosen, "touching", rng), pen_width=float(PEN_WIDTH)
        )
        expected = "".join(str(digit.label) for digit in chosen)
        read = strokes.read_strokes(strokes.StrokeDrawing(composed.strokes, PEN_WIDTH), predictor)
        by_image = segment.read_number(composed.render(), predictor)
        if (
            read.number == expected
            and read.probabilities.max(axis=1).min() >= SURE
            and len(by_image.digits) < NUMBER_LENGTH
        ):
            return expected, list(composed.strokes)
    pytest.fail("no composed touching number is read right from its strokes only")


def test_a_touching_number_drawn_stroke_by_stroke_is_read_right(
    page, server, touching_number, request
):
    expected, number_strokes = touching_number
    with artifacts_on_failure(page, request.node.name, server.log):
        page.get_by_text("Number", exact=True).click()
        expect(page.get_by_text(NUMBER_HINT)).to_be_visible(timeout=WAIT_MS)
        draw(page, number_strokes)
        heading = page.get_by_role("heading", name=f"The number: {expected}", exact=True)
        expect(heading).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Where each digit is")).to_be_visible()
