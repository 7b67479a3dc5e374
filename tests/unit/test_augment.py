"""Tests for the training-time distortions."""

import dataclasses

import numpy as np

from digitpad import augment


def vertical_bar():
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:15] = 1.0
    return image


def test_shape_range_and_determinism():
    images = np.stack([vertical_bar()] * 8)[..., np.newaxis]
    first = augment.augment_images(images, np.random.default_rng(1))
    again = augment.augment_images(images, np.random.default_rng(1))
    assert first.shape == images.shape and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0 + 1e-6
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1])  # each image gets its own distortion
    assert np.abs(first - images).max() > 0.1


def test_distortions_keep_the_digit_mostly_intact():
    images = np.stack([vertical_bar()] * 50)
    augmented = augment.augment_images(images, np.random.default_rng(2))
    ink_ratio = augmented.sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert ink_ratio.min() > 0.5 and ink_ratio.max() < 3.0  # a 2 px bar may become 3 px


def test_styles_add_a_stroke_to_their_digit_only():
    flag = dataclasses.replace(augment.STYLES[0], chance=1.0)
    assert flag.digit == 1 and flag.at_top
    flagged = augment._add_stroke(vertical_bar(), flag, np.random.default_rng(3))
    added = (flagged > 0.5) & (vertical_bar() < 0.5)
    rows, columns = np.nonzero(added)
    assert added.sum() >= 4
    assert columns.mean() < 12 and rows.min() >= 3  # goes left and down from the top
    restyled = augment._restyle(
        np.stack([vertical_bar()] * 20), np.full(20, 7), np.random.default_rng(4)
    )
    np.testing.assert_array_equal(restyled, np.stack([vertical_bar()] * 20))  # 7s untouched
