"""Occlusion sensitivity and first-layer feature maps of the shipped models."""

import numpy as np
import pytest

from digitpad import pendigits, preprocess, saliency
from digitpad.inference import Predictor

PATCH = 8


@pytest.fixture(scope="module")
def drawn_images(pendigits_path) -> list[np.ndarray]:
    return [
        preprocess.to_mnist(canvas) for canvas, _ in pendigits.iter_replays(6, path=pendigits_path)
    ]


def test_map_shape_and_range(cnn, drawn_images):
    heat = saliency.occlusion_map(drawn_images[0], cnn)
    assert heat.shape == (28, 28)
    assert heat.min() >= 0.0 and heat.max() == pytest.approx(1.0)


def test_hiding_the_salient_spot_hurts_more_than_a_random_one(cnn, drawn_images):
    rng = np.random.default_rng(0)
    for image in drawn_images:
        heat = saliency.occlusion_map(image, cnn)
        digit = int(cnn.probabilities(image).argmax())
        row, column = np.unravel_index(np.argmax(heat), heat.shape)
        salient = hidden(image, row, column)
        random_drops = [
            cnn.probabilities(hidden(image, *rng.integers(0, 28, 2)))[digit] for _ in range(5)
        ]
        assert cnn.probabilities(salient)[digit] < np.mean(random_drops)


def hidden(image: np.ndarray, row: int, column: int) -> np.ndarray:
    """`image` with a PATCH-sided square around (row, column) set to background."""
    copy = image.copy()
    top, left = max(row - PATCH // 2, 0), max(column - PATCH // 2, 0)
    copy[top : top + PATCH, left : left + PATCH] = 0.0
    return copy


def test_wrong_shape_is_refused(cnn):
    with pytest.raises(ValueError, match="28x28"):
        saliency.occlusion_map(np.zeros((20, 20), np.float32), cnn)


def test_first_conv_maps(cnn, drawn_images):
    maps = saliency.first_conv_maps(drawn_images[0], cnn.model)
    assert maps.shape[0] == 32 and maps.shape[1:] in ((28, 28), (26, 26))
    assert maps.min() >= 0.0 and maps.max() <= 1.0


def test_mlp_has_no_feature_maps(drawn_images):
    with pytest.raises(ValueError, match="no convolution"):
        saliency.first_conv_maps(drawn_images[0], Predictor.load("mlp").model)
