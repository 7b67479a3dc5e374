"""Reading a number from its pen strokes: parsing, grouping, reading with the shipped CNN."""

import itertools
import json

import numpy as np
import pytest

from digitpad import cli, config, preprocess, strokes, verdict
from digitpad.inference import Predictor

PEN = 14.0
# Strokes in canvas pixels (y down), each digit about 160 px tall, written left to right.
FOUR_BODY = [(140, 60), (100, 160), (185, 160)]  # down-left, then the bar
FOUR_STICK = [(160, 60), (160, 220)]  # drawn after the body, crossing the bar
SEVEN_BODY = [(260, 60), (350, 60), (290, 220)]
SEVEN_BAR = [(270, 140), (335, 140)]  # the crossbar
ONE = [(420, 60), (420, 220)]
ZERO = [(500 + 40 * np.sin(angle), 140 - 75 * np.cos(angle)) for angle in np.linspace(0, 6.4, 40)]


def drawing(*strokes_px) -> strokes.StrokeDrawing:
    """A StrokeDrawing of the given point lists, with the test pen."""
    return strokes.StrokeDrawing(tuple(np.array(stroke, float) for stroke in strokes_px), PEN)


def path_object(points, **properties) -> dict:
    """A fabric.js 7 freehand path object as the canvas returns it (origin at its centre)."""
    points = np.array(points, float)
    commands = [["M", *points[0]]]
    commands += [
        ["Q", *point, *(point + after) / 2] for point, after in itertools.pairwise(points[1:])
    ]
    commands.append(["L", *points[-1]])
    low, high = points.min(axis=0), points.max(axis=0)
    center = (low + high) / 2
    item = {"type": "Path", "originX": "center", "originY": "center", "left": center[0],
            "top": center[1], "width": high[0] - low[0], "height": high[1] - low[1],
            "strokeWidth": PEN, "scaleX": 1, "scaleY": 1, "angle": 0, "path": commands}  # fmt: skip
    return {**item, **properties}


# ------------------------------------------------------------------------------ parsing


def test_a_bare_list_of_strokes_is_read_as_canvas_pixels():
    parsed = strokes.parse_strokes([[[1, 2], [3, 4]], [[5, 6]]])
    assert len(parsed.strokes) == 2 and parsed.pen_width == strokes.DEFAULT_PEN_WIDTH
    assert np.array_equal(parsed.strokes[0], [[1, 2], [3, 4]])
    assert parsed.strokes[1].shape == (1, 2)


def test_canvas_paths_land_where_they_were_drawn():
    straight = [(10, 20), (50, 20), (90, 100)]
    parsed = strokes.parse_strokes({"version": "7.4.0", "objects": [path_object(straight)]})
    stroke = parsed.strokes[0]
    assert parsed.pen_width == PEN
    assert np.allclose(stroke[0], (10, 20)) and np.allclose(stroke[-1], (90, 100))
    assert np.allclose(stroke.min(axis=0), (10, 20), atol=1) and stroke[:, 0].max() <= 90


def test_a_moved_and_scaled_path_is_placed_by_its_object():
    item = path_object([(0, 0), (100, 0)], left=300, top=200, scaleX=2, originX="left")
    stroke = strokes.parse_strokes({"objects": [item]}).strokes[0]
    pen_reach = PEN * 2 / 2  # the object's box holds the pen, scaled
    assert np.allclose(stroke[0], (300 + pen_reach, 200)) and np.allclose(
        stroke[-1][0], 500 + pen_reach
    )


def test_other_canvas_objects_are_ignored_and_an_empty_canvas_is_blank(cnn):
    parsed = strokes.parse_strokes({"objects": [{"type": "rect", "left": 3}]})
    assert parsed.strokes == ()
    for nothing_drawn in ({"objects": []}, None, [[[5, 5]]]):
        with pytest.raises(preprocess.BlankDrawingError):
            strokes.read_canvas(nothing_drawn, cnn)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("1 2 3", "got str"),
        ({"version": "7"}, 'no "objects" list'),
        ([[[1, 2, 3]]], "not a list of \\[x, y\\] numbers"),
        ([[["a", 2]]], "not a list of \\[x, y\\] numbers"),
        ([[]], "not a list of \\[x, y\\] numbers"),
        ([[[1, float("nan")]]], "not a finite number"),
        ({"objects": [{"type": "path", "path": [["A", 1, 2]]}]}, "not M, L, Q or C"),
        ({"objects": [{"type": "path", "path": []}]}, "no drawing commands"),
        ({"objects": [path_object([(0, 0), (9, 9)], scaleX="big")]}, "'scaleX' is not a number"),
    ],
)
def test_bad_input_says_what_a_drawing_must_be(data, problem):
    with pytest.raises(ValueError, match=problem) as caught:
        strokes.parse_strokes(data)
    assert "list of strokes" in str(caught.value)


# ----------------------------------------------------------------------------- grouping


def test_a_stroke_going_back_joins_the_digit_it_overlaps():
    parts = drawing(SEVEN_BODY, ONE, SEVEN_BAR).strokes
    assert strokes.writing_order(parts) == [0, 2, 1]
    assert strokes.writing_order(drawing(SEVEN_BODY, SEVEN_BAR, ONE).strokes) == [0, 1, 2]


def test_candidates_are_runs_of_up_to_three_strokes():
    assert strokes.candidate_spans(3) == [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
    assert len(strokes.candidate_spans(10)) == 10 * 3 - 3


def test_best_split_takes_the_highest_total():
    spans = [(0, 1), (1, 2), (0, 2), (2, 3)]
    assert strokes.best_split(spans, np.array([-1.0, -1.0, -0.5, -0.1]), 3) == [2, 3]
    assert strokes.best_split(spans, np.array([-0.1, -0.1, -0.5, -0.1]), 3) == [0, 1, 3]
    with pytest.raises(preprocess.BlankDrawingError):
        strokes.best_split([(0, 1)], np.array([0.0]), 2)


def test_geometry_favours_a_stick_over_its_body_and_refuses_far_strokes():
    parts = list(drawing(FOUR_BODY, FOUR_STICK, ZERO).strokes)
    together = strokes.geometry_score(parts, (0, 2), 160.0, PEN)
    split_off = strokes.geometry_score(parts, (1, 2), 160.0, PEN)
    assert together == 0.0 and split_off < -1.0
    assert strokes.geometry_score(parts, (0, 3), 160.0, PEN) == -np.inf


def test_geometry_counts_a_piece_much_shorter_than_the_number_as_part_of_a_digit():
    """A 4's body (to its bar, 100 of 160 px) alone is no digit: it would read as a 1."""
    parts = list(drawing(FOUR_BODY, FOUR_STICK).strokes)
    body_alone = strokes.geometry_score(parts, (0, 1), 160.0, PEN)
    stick_alone = strokes.geometry_score(parts, (1, 2), 160.0, PEN)
    assert body_alone <= -strokes.SHORT_PENALTY * (strokes.MIN_HEIGHT_RATIO - 100 / 160) < -1.0
    assert stick_alone < -1.0  # it overlaps the body: the body's digit


def test_a_four_with_a_late_stick_is_one_digit(cnn):
    reading = strokes.read_strokes(drawing(FOUR_BODY, FOUR_STICK, ZERO), cnn)
    assert reading.number == "40"
    left, top, width, _ = reading.boxes[0]
    assert left <= 100 - PEN / 2 and left + width >= 185 and top <= 60 - PEN / 2


def test_a_seven_with_its_crossbar_added_last_is_one_digit(cnn):
    reading = strokes.read_strokes(drawing(SEVEN_BODY, ONE, SEVEN_BAR), cnn)
    assert reading.number == "71"
    assert reading.images.shape == (2, 28, 28) and reading.probabilities.shape == (2, 10)


def test_a_group_the_model_refuses_is_marked_not_a_digit(cnn, monkeypatch):
    monkeypatch.setattr(config, "NUMBER_REFUSAL_SHARE", 1.0)  # the full threshold in a number
    strict = Predictor(cnn.model, {**cnn.info, verdict.THRESHOLD_KEY: 1000.0})  # refuses all
    reading = strokes.read_strokes(drawing(SEVEN_BODY, ONE, SEVEN_BAR), strict)
    assert reading.is_digit and not any(reading.is_digit)
    assert set(reading.number) == {verdict.NOT_A_DIGIT_MARK}
    assert strokes.read_strokes(drawing(SEVEN_BODY, ONE, SEVEN_BAR), cnn).is_digit == (True, True)


def test_a_cross_written_inside_a_number_still_reads_not_a_digit(cnn):
    cross = [[(440, 60), (520, 220)], [(520, 60), (440, 220)]]
    reading = strokes.read_strokes(
        drawing(SEVEN_BODY, SEVEN_BAR, *cross, [(620, 60), (620, 220)]), cnn
    )
    assert reading.number == f"7{verdict.NOT_A_DIGIT_MARK}1"  # at half the model's threshold


def test_touching_digits_written_as_separate_strokes_are_read_apart(cnn):
    one = [(440, 60), (440, 220)]  # its ink meets the zero's: one blob on the canvas
    reading = strokes.read_strokes(
        drawing(FOUR_BODY, FOUR_STICK, one, [(x + 440 + PEN - 460, y) for x, y in ZERO]), cnn
    )
    assert reading.number == "410"


# ---------------------------------------------------------------------------------- CLI


def test_cli_reads_both_stroke_formats(tmp_path, capsys):
    canvas = tmp_path / "canvas.json"
    canvas.write_text(
        json.dumps({"objects": [path_object(SEVEN_BODY), path_object(ONE), path_object(SEVEN_BAR)]})
    )
    bare = tmp_path / "bare.JSON"
    bare.write_text(json.dumps([SEVEN_BODY, ONE, SEVEN_BAR]))
    assert cli.main(["predict", "--number", "--json", str(canvas), str(bare)]) == cli.EXIT_OK
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [result["number"] for result in results] == ["71", "71"]
    first = results[0]["digits"][0]
    assert set(first) == {"digit", "probabilities", "box"} and first["digit"] == 7
    assert len(first["probabilities"]) == 10 and len(first["box"]) == 4


def test_cli_reports_bad_json_like_other_unreadable_input(tmp_path, capsys):
    broken, wrong = tmp_path / "broken.json", tmp_path / "wrong.json"
    broken.write_text("[[1, 2], ")
    wrong.write_text('{"strokes": []}')
    assert cli.main(["predict", "--number", "--json", str(broken), str(wrong)]) == cli.EXIT_FAILED
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert results[0]["number"] is None and "not valid JSON (line 1" in results[0]["error"]
    assert "json_data" in results[1]["error"]
    assert cli.main(["predict", "--number", str(broken)]) == cli.EXIT_FAILED
    assert capsys.readouterr().out.startswith(f"{broken}: error: not valid JSON")


def test_cli_marks_a_refused_stroke_digit_like_an_image_piece(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(config, "NUMBER_REFUSAL_SHARE", 1.0)
    folder = tmp_path / "strict"
    folder.mkdir()
    (folder / "cnn.keras").write_bytes((config.MODELS_DIR / "cnn.keras").read_bytes())
    info = json.loads((config.MODELS_DIR / "cnn.json").read_text())
    (folder / "cnn.json").write_text(json.dumps({**info, verdict.THRESHOLD_KEY: 1000.0}))
    path = tmp_path / "one.json"
    path.write_text(json.dumps([ONE]))
    arguments = ["predict", "--number", "--json", "--models-dir", str(folder), str(path)]
    assert cli.main(arguments) == cli.EXIT_FAILED
    result = json.loads(capsys.readouterr().out)
    assert result["number"] == "?" and result["digits"][0]["digit"] is None
    assert len(result["digits"][0]["probabilities"]) == 10
    assert result["error"] == "not a digit: piece 1 of 1"
