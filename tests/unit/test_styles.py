"""Tests of digitpad.styles: each catalogue style changes its digit the way it says."""

import dataclasses

import cv2
import numpy as np
import pytest

from digitpad import augment, styles


def drawn(*polylines) -> np.ndarray:
    """A 28 x 28 float digit drawn with MNIST's 2 px pen through the given points."""
    image = np.zeros((28, 28), np.float32)
    for points in polylines:
        cv2.polylines(image, [np.array(points, np.int32)], False, 1.0, 2)
    return image


SEVEN = drawn([(8, 5), (20, 5), (13, 23)])
ZERO = drawn([(14, 4), (20, 9), (20, 19), (14, 24), (8, 19), (8, 9), (14, 4)])
ONE = drawn([(14, 4), (14, 23)])
FIVE = drawn([(19, 5), (10, 5), (9, 13), (17, 13), (18, 21), (9, 23)])
THREE = drawn([(9, 6), (14, 4), (18, 8), (13, 13), (19, 18), (14, 23), (8, 21)])
TWO = drawn([(8, 8), (14, 4), (19, 9), (8, 23), (20, 23)])
NINE = drawn([(18, 8), (13, 4), (9, 8), (13, 12), (18, 8), (16, 23)])
FOUR = drawn([(16, 4), (7, 17), (22, 17)], [(16, 4), (16, 24)])  # closed top, bar crossing
SIX = drawn([(17, 4), (11, 11), (9, 18), (13, 23), (18, 20), (16, 15), (10, 17)])
RNG_SEED = 3


def styled(name: str, image: np.ndarray) -> np.ndarray:
    [style] = [style for style in styles.CATALOGUE if style.name == name]
    return style.draw(image, styles.ink_box(image), np.random.default_rng(RNG_SEED))


def test_crossed_seven_has_ink_left_of_its_stem_at_mid_height():
    before, after = SEVEN, styled("crossed 7", SEVEN)
    assert before[13:18, :12].max() < 0.5 <= after[13:18, :12].max()


def test_slashed_zero_has_ink_in_its_middle():
    assert ZERO[12:17, 12:17].max() < 0.5 <= styled("slashed 0", ZERO)[12:17, 12:17].max()


def test_serif_one_is_wider_at_its_foot():
    after = styled("1 with a base serif", ONE)
    assert (after[23] > 0.5).sum() >= (ONE[23] > 0.5).sum() + 4


def test_floating_five_bar_rises_and_leaves_a_gap():
    after = styled("5 with a floating bar", FIVE)
    assert styles.ink_box(after).top < styles.ink_box(FIVE).top
    assert after[:, 20:].max() > 0.5 > FIVE[:, 21:].max()  # pushed right


def test_flat_three_top_row_spans_the_digit():
    after = styled("flat-topped 3", THREE)
    top = styles.ink_box(after).top
    assert (after[top : top + 2] > 0.5).any(axis=0).sum() > (THREE[3:5] > 0.5).any(axis=0).sum()


def test_looped_two_has_a_loop_at_its_foot():
    after = styled("looped 2", TWO)
    assert (after[15:25, 5:13] > 0.5).sum() > (TWO[15:25, 5:13] > 0.5).sum() + 6


def test_long_tail_nine_has_a_shorter_head_and_a_straight_tail():
    after = styled("9 with a long straight tail", NINE)
    assert styles.ink_box(after).bottom >= styles.ink_box(NINE).bottom - 1
    assert (after[18:24] > 0.5).sum(axis=1).max() <= 3  # one thin stroke at the bottom
    assert (after[:18] > 0.5).sum() < (NINE[:18] > 0.5).sum() + 8  # the head only got smaller


def test_open_four_has_no_ink_where_the_arm_met_the_upright():
    after = styled("open-top 4", FOUR)
    assert FOUR[5:9, 11:14].max() > 0.5 > after[5:9, 11:14].max()
    assert np.array_equal(after[12:], FOUR[12:])  # bar and upright untouched


def test_short_bar_four_ends_its_bar_at_the_upright():
    after = styled("4 with a short bar", FOUR)
    assert FOUR[15:19, 19:].max() > 0.5 > after[15:19, 19:].max()
    assert after[20:24, 15:18].max() > 0.5  # the upright stays


def test_detached_bar_four_leaves_a_gap_beside_the_upright():
    after = styled("4 with a detached bar", FOUR)
    assert FOUR[16:18, 11:14].max() > 0.5 > after[16:18, 11:14].max()
    assert after[16:18, 6:12].max() > 0.5 and after[20:24, 15:18].max() > 0.5


def test_a_four_without_a_clear_upright_is_left_as_it_is():
    curled = drawn([(16, 4), (7, 17), (22, 17)], [(16, 4), (16, 20), (8, 24)])
    for name in ("open-top 4", "4 with a short bar", "4 with a detached bar"):
        assert np.array_equal(styled(name, curled), curled), name


@pytest.mark.parametrize(
    ("name", "digit"), [("6 with a small loop", SIX), ("9 with a small loop", NINE)]
)
def test_small_loop_styles_shrink_the_loop_and_keep_the_stroke(name, digit):
    after = styled(name, digit)
    assert styles.ink_box(after).height < styles.ink_box(digit).height
    assert 0.4 * (digit > 0.5).sum() < (after > 0.5).sum() < (digit > 0.5).sum()


def test_strong_slant_moves_the_top_sideways_more_than_augment_does():
    after = styled("strong slant, either way", ONE)
    top, bottom = np.flatnonzero(after[5] > 0.5).mean(), np.flatnonzero(after[22] > 0.5).mean()
    assert abs(top - bottom) > augment.SHEAR * 17


def test_restyle_touches_only_the_styles_digits():
    everything = tuple(dataclasses.replace(style, chance=1.0) for style in styles.CATALOGUE[:-1])
    images = np.stack([SEVEN, ONE, ONE])
    labels = np.array([7, 4, 1])
    out = styles.restyle(images, labels, np.random.default_rng(0), everything)
    assert not np.array_equal(out[0], SEVEN) and np.array_equal(out[1], ONE)
    assert not np.array_equal(out[2], ONE) and out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("catalogue", [False, True])
def test_augment_keeps_the_shape_with_or_without_the_catalogue(catalogue):
    images = np.stack([SEVEN, ZERO] * 20)[..., np.newaxis]
    labels = np.array([7, 0] * 20)
    out = augment.augment_images(images, np.random.default_rng(1), labels, catalogue)
    assert out.shape == images.shape and out.dtype == images.dtype
