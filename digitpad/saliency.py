"""What a model looked at: occlusion sensitivity and the CNN's first-layer feature maps."""

import keras
import numpy as np

from digitpad import config
from digitpad.inference import Predictor

PATCH = 6  # side of the grey square that hides part of the image, in pixels
STRIDE = 2  # the square moves this many pixels at a time
FILL = 0.0  # hidden pixels become background


def occlusion_map(image: np.ndarray, predictor: Predictor) -> np.ndarray:
    """(28, 28) map in [0, 1]: how much hiding each spot lowers the predicted digit's probability.

    All occluded copies go through the model in one batch.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (config.IMAGE_SIZE, config.IMAGE_SIZE):
        raise ValueError(f"Expected a 28x28 image, got shape {image.shape}.")
    base = predictor.probabilities(image)
    digit = int(base.argmax())
    corners = [(row, column) for row in range(0, config.IMAGE_SIZE - PATCH + 1, STRIDE)
               for column in range(0, config.IMAGE_SIZE - PATCH + 1, STRIDE)]  # fmt: skip
    batch = np.repeat(image[np.newaxis], len(corners), axis=0)
    for index, (row, column) in enumerate(corners):
        batch[index, row : row + PATCH, column : column + PATCH] = FILL
    drops = np.maximum(base[digit] - predictor.probabilities(batch)[:, digit], 0.0)
    total = np.zeros_like(image)
    covered = np.zeros_like(image)
    for drop, (row, column) in zip(drops, corners, strict=True):
        total[row : row + PATCH, column : column + PATCH] += drop
        covered[row : row + PATCH, column : column + PATCH] += 1.0
    heat = total / np.maximum(covered, 1.0)
    peak = float(heat.max())
    return heat / peak if peak > 0 else heat


def first_conv_maps(image: np.ndarray, model: keras.Model) -> np.ndarray:
    """The first convolution layer's output for one 28 x 28 image: (maps, H, W) in [0, 1].

    Raises ValueError when the model has no convolution layer (the MLP).
    """
    output = np.asarray(image, dtype=np.float32).reshape(1, *config.INPUT_SHAPE)
    for layer in model.layers:
        output = layer(output)
        if isinstance(layer, keras.layers.Conv2D):
            maps = np.moveaxis(keras.ops.convert_to_numpy(output)[0], -1, 0)
            low = maps.min(axis=(1, 2), keepdims=True)
            spread = maps.max(axis=(1, 2), keepdims=True) - low
            return (maps - low) / np.where(spread > 0, spread, 1.0)
    raise ValueError("This model has no convolution layer: feature maps exist only for the CNN.")
