"""Reading multi-digit numbers: segmentation, reading with the shipped CNN, the CLI."""

import itertools
import json

import cv2
import numpy as np
import pytest

from digitpad import cli, config, pendigits, preprocess, segment, verdict
from digitpad.inference import Predictor

WIDTH, HEIGHT = config.NUMBER_CANVAS
PEN = 12.0
FIVE_BAR = [[(70, 60), (130, 60)]]  # the bar lifted off the body
FIVE_BODY = [[(70, 82), (65, 140), (110, 140), (125, 180), (110, 215), (60, 215)]]
FOUR = [[(290, 60), (250, 160), (345, 160)], [(320, 60), (320, 140)]]  # two strokes, apart
SEVEN = [[(450, 60), (540, 60), (480, 220)]]


def draw(strokes: list) -> np.ndarray:
    """A wide white RGBA canvas with `strokes` (lists of x, y points) in black."""
    arrays = [np.array(stroke, dtype=np.float64) for stroke in strokes]
    gray = pendigits.render_gray(arrays, PEN, canvas_size=WIDTH)[:HEIGHT]
    return np.stack([gray, gray, gray, np.full_like(gray, 255)], axis=-1)


def test_detached_bar_and_two_stroke_four_are_one_digit_each():
    pieces = segment.segment(draw(FIVE_BAR + FIVE_BODY + FOUR + SEVEN))
    assert len(pieces) == 3
    lefts = [piece.box[0] for piece in pieces]
    assert lefts == sorted(lefts)
    assert pieces[0].box[0] < 70 and pieces[0].box[1] < 60 < pieces[0].box[1] + pieces[0].box[3]
    assert pieces[1].box[0] < 250 and pieces[1].box[0] + pieces[1].box[2] > 345
    assert pieces[2].box[0] < 450 < 540 < pieces[2].box[0] + pieces[2].box[2]


def test_segment_image_holds_only_its_own_ink():
    # A long crossbar reaches into the 7's box: the 7's image must not carry it.
    cross = [[(380, 60), (380, 220)], [(300, 150), (470, 150)]]
    pieces = segment.segment(draw(cross + SEVEN))
    assert len(pieces) == 2
    left, top, width, height = pieces[1].box
    margin = segment.SEGMENT_MARGIN
    assert pieces[1].image.shape == (height + 2 * margin, width + 2 * margin)
    assert left < 460
    row = 150 - top + margin
    assert pieces[1].image[row - 3 : row + 4, margin : 460 - left + margin].max() == 0
    assert pieces[1].image.max() == 255


def test_specks_are_dropped():
    speck = [[(650, 250), (651, 250)]]
    pieces = segment.segment(draw(SEVEN + speck))
    assert len(pieces) == 1


def test_touching_digits_stay_one_segment():
    """Documented limit: touching digits no wider together than 1.5 x their height stay one."""
    seven = [[(100, 60), (200, 60), (130, 220)]]
    one_touching_the_seven = [[(200, 60), (200, 220)]]
    assert len(segment.segment(draw(seven + one_touching_the_seven))) == 1


def test_a_blob_much_wider_than_tall_is_cut_into_digits():
    canvas = np.full((HEIGHT, WIDTH), 255, np.uint8)
    for center_x in (100, 180, 260, 340):  # four touching zeros
        cv2.ellipse(canvas, (center_x, 140), (40, 60), 0, 0, 360, 0, 12)
    pieces = segment.segment(canvas)
    assert len(pieces) >= 2
    for first, second in itertools.pairwise(pieces):
        assert first.box[0] + first.box[2] <= second.box[0]
    assert pieces[0].box[0] <= 60 and pieces[-1].box[0] + pieces[-1].box[2] >= 380


def test_a_four_whose_bar_stops_short_of_its_stick_is_one_digit():
    bar_end = 320 - PEN - 3  # the bar's ink ends 3 px, a quarter pen, before the stick's
    four = [[(290, 60), (250, 160), (bar_end, 160)], [(320, 60), (320, 220)]]
    pieces = segment.segment(draw(four + SEVEN))
    assert len(pieces) == 2
    assert pieces[0].box[0] < 250 and pieces[0].box[0] + pieces[0].box[2] > 320


def test_nearly_touching_digits_side_by_side_stay_apart():
    canvas = np.full((HEIGHT, WIDTH), 255, np.uint8)
    for center_x in (200, 200 + 80 + int(PEN) + 3):  # two zeros whose ink is 3 px apart
        cv2.ellipse(canvas, (center_x, 140), (40, 60), 0, 0, 360, 0, int(PEN))
    assert len(segment.segment(canvas)) == 2


def test_a_wide_zero_is_not_cut_through_its_loop():
    canvas = np.full((HEIGHT, WIDTH), 255, np.uint8)
    cv2.ellipse(canvas, (300, 140), (150, 60), 0, 0, 360, 0, int(PEN))
    pieces = segment.segment(canvas)
    assert len(pieces) == 1 and pieces[0].box[2] > segment.WIDE_RATIO * pieces[0].box[3]


def test_a_two_with_a_long_tail_is_not_cut_off_its_tail():
    two = [[(100, 90), (130, 60), (170, 70), (180, 100), (100, 200), (360, 200)]]
    pieces = segment.segment(draw(two))
    assert len(pieces) == 1 and pieces[0].box[2] > segment.WIDE_RATIO * pieces[0].box[3]


def test_blank_canvas_is_refused(cnn):
    blank = draw([])
    assert segment.segment(blank) == []
    with pytest.raises(preprocess.BlankDrawingError):
        segment.read_number(blank, cnn)


def lenient(cnn) -> Predictor:
    """The CNN with no "not a digit" threshold: every piece is read as a digit."""
    return Predictor(cnn.model, {verdict.THRESHOLD_KEY: 0.0})


def test_reading_gives_one_answer_per_segment(cnn):
    reading = segment.read_number(draw(FIVE_BAR + FIVE_BODY + FOUR + SEVEN), lenient(cnn))
    assert len(reading.digits) == 3 and len(reading.boxes) == 3
    assert reading.images.shape == (3, 28, 28)
    assert reading.probabilities.shape == (3, 10)
    assert np.allclose(reading.probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert reading.number == "".join(map(str, reading.digits))
    assert reading.digits[0] == 5 and reading.digits[2] == 7


def test_cli_predict_number(tmp_path, capsys):
    path = tmp_path / "number.png"
    # A 5 and a 7 the shipped CNN is sure of (the crude two-stroke 4 may be refused).
    cv2.imwrite(str(path), cv2.cvtColor(draw(FIVE_BAR + FIVE_BODY + SEVEN), cv2.COLOR_RGBA2GRAY))
    assert cli.main(["predict", "--number", "--json", str(path)]) == cli.EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert len(result["number"]) == 2 and len(result["digits"]) == 2
    assert [digit["digit"] for digit in result["digits"]] == [int(d) for d in result["number"]]
    assert all(len(digit["box"]) == 4 for digit in result["digits"])
    assert cli.main(["predict", "--number", str(path)]) == cli.EXIT_OK
    assert capsys.readouterr().out.strip() == f"{path}: {result['number']}"


def test_a_piece_that_is_not_a_digit_is_marked(cnn, monkeypatch):
    monkeypatch.setattr(config, "NUMBER_REFUSAL_SHARE", 1.0)  # the full threshold in a number
    canvas = draw(FIVE_BAR + FIVE_BODY + FOUR + SEVEN)
    sure = segment.read_number(canvas, lenient(cnn))
    assert sure.is_digit == (True, True, True) and "?" not in sure.number
    strict = Predictor(cnn.model, {verdict.THRESHOLD_KEY: 1000.0})  # refuses every piece
    refused = segment.read_number(canvas, strict)
    assert refused.is_digit == (False, False, False) and refused.number == "???"
    assert refused.digits == sure.digits  # the best guesses stay, for the page to show muted
