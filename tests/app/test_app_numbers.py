"""The Draw tab's Number mode (read from the canvas's strokes) and the "What the model
looked at" heat map, through AppTest."""

import cv2
import numpy as np
from app_helpers import markdown_text, run_app, seven

from digitpad import inference, saliency, segment, strokes
from ui import state
from ui.messages import NUMBER_HINT

WIDE_SHAPE = (280, 700, 4)


NUMBER_STROKES = [  # 1, 7 and 1, well apart, as strokes in canvas pixels
    [[100, 50], [100, 230]],
    [[250, 60], [380, 60], [290, 230]],
    [[550, 50], [550, 230]],
]
TOUCHING_STROKES = [  # 1, 7 and 1 whose inks touch: image segmentation sees one piece
    [[300, 50], [300, 230]],
    [[310, 60], [420, 60], [340, 230]],
    [[430, 50], [430, 230]],
]


def rendered(strokes: list) -> np.ndarray:
    """The strokes drawn with the app's default pen on the wide canvas, as RGBA pixels."""
    drawing = np.full(WIDE_SHAPE, 255, np.uint8)
    for stroke in strokes:
        points = np.array(stroke, np.int32)
        cv2.polylines(drawing, [points], False, (0, 0, 0, 255), 18, cv2.LINE_AA)
    return drawing


def draw_number(canvas, strokes: list) -> None:
    """Put `strokes` on the stand-in canvas: its pixels and its json_data."""
    canvas.strokes, canvas.drawing = strokes, rendered(strokes)


def test_number_mode_is_off_by_default(app_home, canvas):
    canvas.drawing = seven()
    app = run_app()
    assert app.toggle(key=state.NUMBER_KEY).value is False
    assert canvas.options["key"] == "canvas" and canvas.options["width"] == 280


def test_number_mode_reads_every_digit_from_the_strokes(app_home, canvas):
    app = run_app()
    draw_number(canvas, NUMBER_STROKES)
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    assert not app.exception, app.exception
    assert canvas.options["key"] == "number_canvas"
    assert (canvas.options["width"], canvas.options["height"]) == (700, 280)
    predictor = inference.Predictor.load("cnn", app_home.shipped)
    expected = strokes.read_canvas(canvas.strokes, predictor)
    assert len(expected.digits) == 3
    assert f"The number: {expected.number}" in markdown_text(app)
    assert len(app.image) == 1 + 3  # the boxed drawing and each digit's 28 x 28


def test_touching_digits_are_told_apart_by_their_strokes(app_home, canvas):
    predictor = inference.Predictor.load("cnn", app_home.shipped)
    assert len(segment.read_number(rendered(TOUCHING_STROKES), predictor).digits) < 3
    app = run_app()
    draw_number(canvas, TOUCHING_STROKES)
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    expected = strokes.read_canvas(TOUCHING_STROKES, predictor)
    assert len(expected.digits) == 3
    assert f"The number: {expected.number}" in markdown_text(app)
    assert len(app.image) == 1 + 3


def test_undoing_a_stroke_reads_the_number_again_at_once(app_home, canvas):
    app = run_app()
    draw_number(canvas, NUMBER_STROKES)
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    draw_number(canvas, NUMBER_STROKES[:-1])  # the canvas's undo: one stroke fewer
    app.run()
    assert not app.exception, app.exception
    assert len(app.image) == 1 + 2


def test_strokes_that_are_not_strokes_say_so(app_home, canvas):
    app = run_app()
    canvas.strokes = {"objects": "not a list"}
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    assert not app.exception, app.exception
    [error] = app.error
    assert error.value.startswith("Cannot read the drawing")


def test_number_mode_on_a_blank_canvas_gives_a_hint(app_home, canvas):
    app = run_app()
    canvas.drawing, canvas.strokes = np.full(WIDE_SHAPE, 255, np.uint8), {"objects": []}
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    assert [info.value for info in app.info] == [NUMBER_HINT]
    canvas.strokes = [[[300, 140], [302, 141]]]  # a dot
    app.run()
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


def test_a_digit_can_be_corrected_and_the_number_shows_it(app_home, canvas):
    app = run_app()
    draw_number(canvas, NUMBER_STROKES)
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    predictor = inference.Predictor.load("cnn", app_home.shipped)
    reading = strokes.read_canvas(NUMBER_STROKES, predictor)
    fixed = (reading.digits[1] + 1) % 10
    app.selectbox(key=state.number_fix_key(reading.boxes[1])).set_value(fixed).run()
    assert not app.exception, app.exception
    corrected = reading.number[0] + str(fixed) + reading.number[2]
    assert f"The number: {corrected}" in markdown_text(app)
    draw_number(canvas, NUMBER_STROKES[:-1])  # the last digit undone: the correction stays
    app.run()
    assert f"The number: {corrected[:2]}" in markdown_text(app)


def test_an_unsure_digit_names_its_alternative_and_a_refused_one_shows_a_mark(
    app_home, canvas, monkeypatch
):
    unsure = np.full(10, 0.02, np.float32)
    unsure[[4, 9]] = 0.55, 0.29
    refused = np.full(10, 0.1, np.float32)
    monkeypatch.setattr(
        inference.Predictor, "probabilities", lambda self, images: np.stack(
            [unsure if index % 2 == 0 else refused for index in range(len(images))]
        ),
    )  # fmt: skip
    app = run_app()
    draw_number(canvas, NUMBER_STROKES[:1])  # one stroke: one candidate, unsure
    app.toggle(key=state.NUMBER_KEY).set_value(True).run()
    assert "not sure: 4 or 9?" in markdown_text(app)
    assert "The number: 4" in markdown_text(app)
    monkeypatch.setattr(inference.Predictor, "probabilities", lambda self, images: np.stack(
        [refused] * len(images)))  # fmt: skip
    app.run()
    assert "The number: ?" in markdown_text(app)
    assert "best guess 0 · 10.0%" in markdown_text(app)
