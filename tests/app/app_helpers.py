"""The page's test helpers: a stand-in for the canvas, the app's folders, running the page.

The canvas needs a browser, so a FakeCanvas returns the drawing each test sets. Models are tiny
throwaway ones; `config.MODELS_DIR` and `config.USER_MODELS_DIR` point into tmp_path.
"""

import sys
import types

import cv2
import numpy as np
import streamlit as st
from helpers import REPO_ROOT, install_models
from streamlit.testing.v1 import AppTest

from digitpad import config, inference, jobs
from ui import state

APP_FILE = str(REPO_ROOT / "streamlit_app.py")
RUN_SECONDS = 60
JOIN_SECONDS = 120.0
TRAIN_COUNT = 300
TEST_COUNT = 200


class FakeCanvas:
    """Stands in for `st_canvas`: returns `drawing` as the canvas's RGBA pixels and `strokes`
    (a bare list of strokes, as `digitpad.strokes` reads them) as its `json_data`."""

    def __init__(self):
        self.drawing: np.ndarray | None = None
        self.strokes: list | None = None
        self.options: dict = {}

    def __call__(self, **options):
        self.options = options
        return types.SimpleNamespace(image_data=self.drawing, json_data=self.strokes)


def app_homes(model_files, tmp_path, monkeypatch):
    """Shipped models in tmp_path, an empty user folder, fresh caches; jobs stopped at the end."""
    shipped, user = tmp_path / "shipped", tmp_path / "home" / "models"
    install_models(model_files, shipped)
    monkeypatch.setattr(config, "MODELS_DIR", shipped)
    monkeypatch.setattr(config, "USER_MODELS_DIR", user)
    monkeypatch.setattr(config, "USER_DIR", user.parent)
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(tmp_path / "no-pendigits"))
    monkeypatch.setenv("DIGITPAD_TRAIN_LIMIT", str(TRAIN_COUNT))  # caps the non-digits mixed in
    started: list[jobs.TrainingJob] = []
    original_start = jobs.JobRegistry.start

    def recording_start(self, *arguments, **options):
        started.append(original_start(self, *arguments, **options))
        return started[-1]

    monkeypatch.setattr(jobs.JobRegistry, "start", recording_start)
    st.cache_resource.clear()
    yield types.SimpleNamespace(shipped=shipped, user=user, jobs=started)
    for job in started:
        job.stop()
        assert job.join(JOIN_SECONDS)
    st.cache_resource.clear()


def fake_canvas(monkeypatch) -> FakeCanvas:
    """Replace the drawing canvas with a FakeCanvas, and return it."""
    if "streamlit_drawable_canvas" not in sys.modules:
        # The package registers its component on import, which works only inside a run.
        AppTest.from_string("import streamlit_drawable_canvas").run(timeout=RUN_SECONDS)
    fake = FakeCanvas()
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas", fake)
    return fake


def seven(pen_width: int = 18) -> np.ndarray:
    """A canvas-like RGBA drawing of a 7."""
    drawing = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE, 4), 255, np.uint8)
    ink = (0, 0, 0, 255)
    cv2.line(drawing, (70, 60), (210, 60), ink, pen_width, cv2.LINE_AA)
    cv2.line(drawing, (210, 60), (120, 230), ink, pen_width, cv2.LINE_AA)
    return drawing


def run_app(view: str | None = None) -> AppTest:
    """Run the page once, on the Draw tab or the tab named `view`."""
    app = AppTest.from_file(APP_FILE, default_timeout=RUN_SECONDS)
    if view:
        app.session_state[state.TAB_KEY] = view
    app.run()
    assert not app.exception, app.exception
    return app


def expected_digit(name: str, models_dir, drawing: np.ndarray) -> int:
    _, probabilities = inference.Predictor.load(name, models_dir).predict_drawing(drawing)
    return int(np.argmax(probabilities))


def markdown_text(app: AppTest) -> str:
    """The page's Markdown and HTML (the answers are HTML blocks), as one text."""
    html = [element.proto.body for element in app.get("html")]
    return "\n".join([*(element.value for element in app.markdown), *html])


def sidebar_caption(app: AppTest) -> str:
    return " ".join(caption.value for caption in app.sidebar.caption)


def charts(app: AppTest) -> list:
    """The Vega-Lite charts (training) and the probability bars (HTML) on the page."""
    bars = [element for element in app.get("html") if 'class="dp-bars"' in element.proto.body]
    return [*app.get("vega_lite_chart"), *bars]
