"""Tests of digitpad.pendigits: parsing real pen trajectories and replaying them on a canvas."""

import collections
import os

import numpy as np
import pytest

from digitpad import config, pendigits

SIZE = config.CANVAS_SIZE
INK_LEVEL = 128  # a pixel darker than this counts as ink

SMALL_FILE = """.INCLUDE dene.doc
.SEGMENT DIGIT    0 ? "1"
.COMMENT 1  7  12
.PEN_DOWN
 250  400
 250  100
.PEN_UP
.DT 100

.SEGMENT DIGIT    1 ? "7"
.PEN_DOWN
 100  400
 300  400
 200  100
.PEN_UP
.PEN_DOWN
 150  250
.PEN_UP
"""


def data_path_or_skip():
    """The real data file; skip when absent, except on CI where its absence is a failure."""
    path = pendigits.resolve_path()
    if not path.is_file():
        message = f"pendigits data not found at {path} (set {config.PENDIGITS_ENV_VAR})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def digits():
    return pendigits.load_pendigits(data_path_or_skip())


def ink_mask(image):
    """Boolean mask of the ink of a gray (H, W) or RGBA (H, W, 4) canvas."""
    gray = image[..., 0] if image.ndim == 3 else image
    return gray < INK_LEVEL


def ink_box(image):
    """(top, bottom, left, right) rows and columns holding ink, inclusive."""
    rows = np.flatnonzero(ink_mask(image).any(axis=1))
    columns = np.flatnonzero(ink_mask(image).any(axis=0))
    return rows[0], rows[-1], columns[0], columns[-1]


def border_is_white(image):
    gray = image[..., 0] if image.ndim == 3 else image
    return all((edge == 255).all() for edge in (gray[0], gray[-1], gray[:, 0], gray[:, -1]))


def tall_digit(digits, label):
    """The first digit with this label that is clearly taller than wide."""
    for digit in digits:
        points = np.concatenate(digit.strokes)
        width, height = np.ptp(points, axis=0)
        if digit.label == label and height > 1.2 * width:
            return digit
    raise LookupError(f"no tall {label}")


def test_parses_all_digits_with_balanced_labels_and_writers(digits):
    assert len(digits) == 7494
    counts = collections.Counter(digit.label for digit in digits)
    assert sorted(counts) == list(range(10))
    assert all(0.08 < count / len(digits) < 0.12 for count in counts.values())
    assert {digit.writer for digit in digits} == set(range(1, 31))
    for digit in digits[:50]:
        assert digit.strokes and all(s.ndim == 2 and s.shape[1] == 2 for s in digit.strokes)
        points = np.concatenate(digit.strokes)
        assert points.min() >= 0 and points.max() <= 500


def test_loading_twice_uses_the_cache(digits):
    again = pendigits.load_pendigits(data_path_or_skip())
    assert again[0] is digits[0] and again is not digits


def test_small_file_parses_labels_writers_and_strokes(tmp_path):
    path = tmp_path / "small.tra"
    path.write_text(SMALL_FILE)
    first, second = pendigits.load_pendigits(path)
    assert (first.label, first.writer, len(first.strokes)) == (1, 7, 1)
    assert (second.label, second.writer, len(second.strokes)) == (7, None, 2)
    np.testing.assert_array_equal(second.strokes[1], [[150, 250]])


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "from-env.tra"
    path.write_text(SMALL_FILE)
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(path))
    assert [digit.label for digit in pendigits.load_pendigits()] == [1, 7]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "no .SEGMENT"),
        ('.SEGMENT DIGIT 0 ? "3"\n 1 2\n', "outside"),
        (".SEGMENT DIGIT 0 ? 3\n.PEN_DOWN\n 1 2\n.PEN_UP\n", "label"),
        ('.SEGMENT DIGIT 0 ? "3"\n.PEN_DOWN\n 1 2 3\n.PEN_UP\n', "two numbers"),
        ('.SEGMENT DIGIT 0 ? "3"\n.PEN_DOWN\n 1 x\n.PEN_UP\n', "not a number"),
        ('.SEGMENT DIGIT 0 ? "3"\n.PEN_DOWN\n 1 2\n', "missing .PEN_UP"),
        ('.SEGMENT DIGIT 0 ? "3"\n.PEN_UP\n', "without a matching"),
        ('.SEGMENT DIGIT 0 ? "3"\n.SEGMENT DIGIT 1 ? "4"\n', "no stroke"),
    ],
)
def test_malformed_file_raises_value_error_naming_it(tmp_path, content, problem):
    path = tmp_path / "broken.tra"
    path.write_text(content)
    with pytest.raises(ValueError, match=r"broken\.tra") as caught:
        pendigits.load_pendigits(path)
    assert problem in str(caught.value)


def test_missing_file_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"absent\.tra"):
        pendigits.load_pendigits(tmp_path / "absent.tra")
    with pytest.raises(ValueError, match="not a file"):
        pendigits.load_pendigits(tmp_path)


def test_rendered_canvas_looks_like_the_app_canvas(digits):
    placement = pendigits.Placement(0.6, 0.5, 0.5, 16.0)
    image = pendigits.render_replay(digits[0], placement)
    assert image.shape == (SIZE, SIZE, 4) and image.dtype == np.uint8
    assert (image[..., 3] == 255).all()
    assert (image[0, 0] == 255).all() and border_is_white(image)
    assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()
    assert ink_mask(image).mean() > 0.01
    assert image[..., :3].min() == 0


@pytest.mark.parametrize("height_fraction", [0.35, 0.6, 0.9])
def test_ink_height_matches_the_placement(digits, height_fraction):
    pen_width = 12.0
    placement = pendigits.Placement(height_fraction, 0.5, 0.5, pen_width)
    top, bottom, _, _ = ink_box(pendigits.render_replay(tall_digit(digits, 1), placement))
    target = height_fraction * SIZE
    assert target - 3 <= bottom - top + 1 <= target + pen_width + 2


def test_digit_is_upright_and_not_mirrored(digits):
    digit = tall_digit(digits, 7)
    placed = np.concatenate(pendigits.place_strokes(digit, pendigits.Placement(0.7, 0.5, 0.5, 10)))
    source = np.concatenate(digit.strokes)
    assert np.argmax(source[:, 1]) == np.argmin(placed[:, 1])  # top of the digit is at the top
    assert np.argmin(source[:, 0]) == np.argmin(placed[:, 0])  # left stays left


@pytest.mark.parametrize(("center_x", "center_y"), [(0.0, 0.0), (1.0, 1.0), (0.0, 1.0)])
def test_ink_stays_inside_the_canvas_at_the_edges(digits, center_x, center_y):
    placement = pendigits.Placement(0.9, center_x, center_y, 30.0)
    for digit in digits[:20]:
        image = pendigits.render_replay(digit, placement)
        assert border_is_white(image) and ink_mask(image).any()


def test_random_replays_stay_inside_the_canvas():
    images, labels = pendigits.replay_images(40, seed=3, path=data_path_or_skip())
    assert images.shape == (40, SIZE, SIZE) and images.dtype == np.uint8
    assert labels.shape == (40,) and set(labels) <= set(range(10))
    for image in images:
        assert border_is_white(image) and ink_mask(image).any()


def test_replays_are_deterministic_and_seed_dependent():
    path = data_path_or_skip()
    first, first_labels = pendigits.replay_images(12, seed=5, path=path, mode="rgba")
    again, again_labels = pendigits.replay_images(12, seed=5, path=path, mode="rgba")
    other, _ = pendigits.replay_images(12, seed=6, path=path, mode="rgba")
    assert first.shape == (12, SIZE, SIZE, 4)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first_labels, again_labels)
    assert not np.array_equal(first, other)


def test_replay_set_is_class_balanced():
    pairs = pendigits.replay_set(100, seed=1, path=data_path_or_skip())
    counts = collections.Counter(digit.label for digit, _ in pairs)
    assert counts == {label: 10 for label in range(10)}
    assert len({id(digit) for digit, _ in pairs}) == 100


def test_thicker_pen_draws_thicker_strokes(digits):
    strokes = pendigits.place_strokes(digits[0], pendigits.Placement(0.6, 0.5, 0.5, 8.0))
    thin = ink_mask(pendigits.render(strokes, 8.0)).sum()
    thick = ink_mask(pendigits.render(strokes, 24.0)).sum()
    assert 2.0 < thick / thin < 3.5


def test_single_point_stroke_draws_a_round_dot():
    dot = pendigits.PenDigit(label=0, strokes=(np.array([[100.0, 100.0]]),), writer=None)
    image = pendigits.render_replay(dot, pendigits.Placement(0.5, 0.5, 0.5, 20.0))
    top, bottom, left, right = ink_box(image)
    assert 18 <= bottom - top + 1 <= 22 and 18 <= right - left + 1 <= 22
    assert ink_mask(image).sum() == pytest.approx(np.pi * 10**2, rel=0.15)


@pytest.mark.parametrize(
    "arguments",
    [(0.0, 0.5, 0.5, 10.0), (1.5, 0.5, 0.5, 10.0), (0.5, -0.1, 0.5, 10.0), (0.5, 0.5, 0.5, 0.0)],
)
def test_bad_placement_raises_value_error(arguments):
    with pytest.raises(ValueError):
        pendigits.Placement(*arguments)


def test_bad_requests_raise_value_error(tmp_path):
    path = tmp_path / "small.tra"
    path.write_text(SMALL_FILE)
    with pytest.raises(ValueError, match="count"):
        pendigits.replay_set(3, path=path)
    with pytest.raises(ValueError, match="mode"):
        pendigits.replay_images(1, path=path, mode="color")
