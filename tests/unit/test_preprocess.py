"""Tests for turning drawings into MNIST-style images."""

import cv2
import numpy as np
import pytest

from digitpad import config, preprocess

SEVEN = np.array([[100, 60], [180, 60], [130, 220]])


def canvas(pen_width=16, points=SEVEN, size=config.CANVAS_SIZE):
    """A white RGBA canvas with a black polyline, as streamlit-drawable-canvas returns it."""
    image = np.full((size, size, 4), 255, np.uint8)
    cv2.polylines(image, [points.reshape(-1, 1, 2)], False, (0, 0, 0, 255), pen_width, cv2.LINE_AA)
    return image


def check_mnist_like(image):
    assert image.shape == (28, 28)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0


def test_canvas_becomes_centred_white_on_black_digit():
    image = preprocess.to_mnist(canvas())
    check_mnist_like(image)
    assert image.max() == pytest.approx(1.0)
    rows, columns = np.nonzero(image > 0.1)
    assert max(np.ptp(rows), np.ptp(columns)) + 1 in range(19, 23)  # longer side about 20 px
    center = np.array(np.indices(image.shape)).reshape(2, -1) @ image.ravel() / image.sum()
    assert np.allclose(center, 13.5, atol=1.0)  # centre of mass in the middle
    assert image[0].max() == 0 and image[:, 0].max() == 0  # black border


def test_pen_width_does_not_change_the_digit():
    thin, thick = preprocess.to_mnist(canvas(6)), preprocess.to_mnist(canvas(30))
    assert np.corrcoef(thin.ravel(), thick.ravel())[0, 1] > 0.8
    assert abs(thin.sum() - thick.sum()) / thick.sum() < 0.25


def test_size_and_position_do_not_change_the_digit():
    big = preprocess.to_mnist(canvas(16))
    small_in_corner = preprocess.to_mnist(canvas(6, SEVEN // 3 + 5))
    assert np.corrcoef(big.ravel(), small_in_corner.ravel())[0, 1] > 0.8


def test_tiny_specks_of_noise_are_ignored():
    clean = canvas()
    noisy = clean.copy()
    for x, y in [(10, 10), (270, 15), (20, 260), (250, 250)]:
        noisy[y : y + 2, x : x + 2, :3] = 0
    assert np.abs(preprocess.to_mnist(noisy) - preprocess.to_mnist(clean)).max() < 0.05


@pytest.mark.parametrize(
    "image",
    [
        np.full((280, 280, 4), 255, np.uint8),
        np.zeros((280, 280, 4), np.uint8),  # fully transparent: no ink
        np.full((280, 280), 255, np.uint8),
    ],
    ids=["white", "transparent", "gray-white"],
)
def test_blank_drawing_is_reported_not_predicted(image):
    with pytest.raises(preprocess.BlankDrawingError, match="blank"):
        preprocess.to_mnist(image)


def test_a_single_dot_is_reported():
    image = np.full((280, 280, 4), 255, np.uint8)
    cv2.circle(image, (140, 140), 12, (0, 0, 0, 255), -1)
    with pytest.raises(preprocess.BlankDrawingError, match="dot"):
        preprocess.to_mnist(image)


def test_transparent_background_uses_alpha_as_ink():
    drawn = canvas()
    transparent = np.zeros_like(drawn)
    transparent[..., 3] = 255 - drawn[..., 0]  # ink only in alpha
    assert np.allclose(preprocess.to_mnist(transparent), preprocess.to_mnist(drawn), atol=0.05)


def test_rgb_grayscale_and_float_inputs_agree():
    drawn = canvas()
    expected = preprocess.to_mnist(drawn)
    rgb, gray = drawn[..., :3], drawn[..., 0]
    for image in (rgb, gray, gray[..., np.newaxis], gray.astype(np.float32) / 255.0):
        assert np.allclose(preprocess.to_mnist(image), expected, atol=0.02)


def test_mnist_style_input_white_on_black_is_understood():
    drawn = canvas()[..., 0]
    assert np.allclose(preprocess.to_mnist(255 - drawn), preprocess.to_mnist(drawn), atol=0.02)


def test_any_size_works():
    for size in (56, 1000):
        scaled = (SEVEN * size / config.CANVAS_SIZE).astype(int)
        check_mnist_like(preprocess.to_mnist(canvas(max(size // 20, 1), scaled, size)))


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((280, 280, 2), np.uint8), "shape"),
        (np.zeros((4, 280, 280, 4), np.uint8), "shape"),
        (np.zeros((0, 0), np.uint8), "too small"),
        (np.full((50, 50), np.nan, np.float32), "NaN"),
        (np.full((50, 50), 2.0), "between 0 and 1"),
        (np.zeros((50, 50), np.int64), "Unsupported"),
        ([[0, 1], [1, 0]], "image array"),
    ],
)
def test_bad_input_raises_a_clear_value_error(image, message):
    with pytest.raises(ValueError, match=message):
        preprocess.to_mnist(image)


def test_huge_image_is_refused_before_work():
    huge = np.broadcast_to(np.uint8(255), (8000, 8000))  # no 64 MB allocation
    with pytest.raises(ValueError, match="too large"):
        preprocess.to_mnist(huge)


def with_dot(image, center, pen_width=16):
    """`image` with a round dot of the pen's width at `center`, as a stray tap leaves."""
    dotted = image.copy()
    cv2.circle(dotted, center, pen_width // 2, (0, 0, 0, 255), -1, cv2.LINE_AA)
    return dotted


def test_a_stray_tap_far_from_the_digit_does_not_shrink_it():
    clean = preprocess.to_mnist(canvas())
    tapped = preprocess.to_mnist(with_dot(canvas(), (260, 260)))
    np.testing.assert_array_equal(tapped, clean)


def test_a_dot_close_to_the_digit_stays_part_of_it():
    clean = preprocess.to_mnist(canvas())
    near = preprocess.to_mnist(with_dot(canvas(), (200, 60)))  # 20 px right of the 7's bar
    assert not np.array_equal(near, clean)


def test_a_lone_tap_on_an_empty_canvas_is_still_only_a_dot():
    empty = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE, 4), 255, np.uint8)
    with pytest.raises(preprocess.BlankDrawingError, match="only a dot"):
        preprocess.to_mnist(with_dot(empty, (140, 140), pen_width=18))
