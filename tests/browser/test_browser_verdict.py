"""Real-browser tests with the shipped models (models/): a drawn letter gets "That doesn't look
like a digit". Tiny models refuse almost nothing, so these tests serve the shipped ones.
"""
# ruff: noqa: F811 (pytest fixtures imported from test_browser are used as parameters)

import types

import numpy as np
import pytest
from helpers import artifacts_on_failure, install_models, streamlit_server
from test_browser import WAIT_MS, browser, canvas, draw, page  # noqa: F401 (fixtures)

from digitpad import config, inference, pendigits, preprocess, verdict

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium_path fixture skips the tests (fails them under CI)
    expect = None

pytestmark = pytest.mark.browser

PEN_WIDTH = 18  # the app's default pen width
POINTS_PER_LINE = 12


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
    install_models(shipped_models, home / "models")
    environment = {
        config.HOME_ENV_VAR: str(home),
        config.MNIST_ENV_VAR: str(mnist_source),
        config.PENDIGITS_ENV_VAR: str(pendigits_path),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    log_path = home / "server.log"
    with streamlit_server(environment, log_path) as url:
        yield types.SimpleNamespace(url=url, log=log_path)


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
        expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()  # the bars stay
