"""The Draw tab's Number mode and the "What the model looked at" heat map, through AppTest."""

import cv2
import numpy as np
import test_app
from test_app import markdown_text, run_app, seven

from digitpad import inference, saliency, segment
from ui import state
from ui.messages import NUMBER_HINT

WIDE_SHAPE = (280, 700, 4)

# The page's fixtures, shared with test_app.py.
tiny_model_files, app_home, canvas = test_app.tiny_model_files, test_app.app_home, test_app.canvas


def wide_number() -> np.ndarray:
    """A wide RGBA drawing of 1, 7 and 1, well apart."""
    drawing = np.full(WIDE_SHAPE, 255, np.uint8)
    ink = (0, 0, 0, 255)
    cv2.line(drawing, (100, 50), (100, 230), ink, 16, cv2.LINE_AA)
    cv2.line(drawing, (250, 60), (380, 60), ink, 16, cv2.LINE_AA)
    cv2.line(drawing, (380, 60), (290, 230), ink, 16, cv2.LINE_AA)
    cv2.line(drawing, (550, 50), (550, 230), ink, 16, cv2.LINE_AA)
    return drawing


def test_number_mode_is_off_by_default(app_home, canvas):
    canvas.drawing = seven()
    app = run_app()
    assert app.toggle(key=state.NUMBER_KEY).value is False
    assert canvas.options["key"] == "canvas" and canvas.options["width"] == 280


def test_number_mode_reads_every_digit(app_home, canvas):
    app = run_app()
    canvas.drawing = wide_number()
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    assert not app.exception, app.exception
    assert canvas.options["key"] == "number_canvas"
    assert (canvas.options["width"], canvas.options["height"]) == (700, 280)
    predictor = inference.Predictor.load("cnn", app_home.shipped)
    expected = segment.read_number(canvas.drawing, predictor)
    assert len(expected.digits) == 3
    assert f"The number: {expected.number}" in markdown_text(app)
    assert len(app.image) == 1 + 3  # the boxed drawing and each digit's 28 x 28


def test_number_mode_on_a_blank_canvas_gives_a_hint(app_home, canvas):
    app = run_app()
    canvas.drawing = np.full(WIDE_SHAPE, 255, np.uint8)
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    assert [info.value for info in app.info] == [NUMBER_HINT]


def test_heat_map_is_computed_only_when_asked(app_home, canvas, monkeypatch):
    calls = []
    original = saliency.occlusion_map
    monkeypatch.setattr(
        saliency, "occlusion_map", lambda *arguments: calls.append(1) or original(*arguments)
    )
    canvas.drawing = seven()
    app = run_app()
    images_before = len(app.image)
    assert app.toggle(key=state.SALIENCY_KEY).value is False and not calls
    app.toggle(key=state.SALIENCY_KEY).set_value(True).run()
    assert not app.exception, app.exception
    assert len(calls) == 1
    assert len(app.image) > images_before


def test_the_heat_map_stays_on_when_the_canvas_is_cleared(app_home, canvas):
    canvas.drawing = seven()
    app = run_app()
    app.toggle(key=state.SALIENCY_KEY).set_value(True).run()
    canvas.drawing = None
    app.run()
    canvas.drawing = seven()
    app.run()
    assert not app.exception
    assert app.toggle(key=state.SALIENCY_KEY).value is True


def test_the_heat_map_stays_on_through_number_mode(app_home, canvas):
    canvas.drawing = seven()
    app = run_app()
    app.toggle(key=state.SALIENCY_KEY).set_value(True).run()
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    app.toggle(key=state.NUMBER_KEY).set_value(False).run()
    assert not app.exception
    assert app.toggle(key=state.SALIENCY_KEY).value is True
