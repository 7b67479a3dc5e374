"""Random changes to MNIST digits that make them look more like canvas drawings."""

import cv2
import numpy as np

from digitpad import config

ROTATION_DEGREES = 12.0
SCALE_RANGE = (0.85, 1.1)
SHEAR = 0.2
SHIFT_PIXELS = 1.5
THICKER_CHANCE = 0.3  # share of digits drawn with a heavier pen
THINNER_CHANCE = 0.15  # share of digits drawn with a lighter pen
ELASTIC_POINTS = 4  # control points per side of the smooth elastic field
ELASTIC_PIXELS = 2.0  # largest displacement of a control point

_SIZE = config.IMAGE_SIZE
_CENTER = _SIZE / 2 - 0.5
_GRID_Y, _GRID_X = np.indices((_SIZE, _SIZE), dtype=np.float32) - _CENTER
# Columns interpolate control points smoothly onto the 28 pixels (cubic, like cv2.resize).
_UPSAMPLE = cv2.resize(
    np.eye(ELASTIC_POINTS, dtype=np.float32), (ELASTIC_POINTS, _SIZE), interpolation=cv2.INTER_CUBIC
)


def augment_images(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Distort float32 (N, 28, 28[, 1]) digits at random; returns the same shape."""
    flat = _vary_pen(images.reshape(-1, _SIZE, _SIZE), rng)
    maps_x, maps_y = _distortion_maps(len(flat), rng)
    distorted = np.empty_like(flat)
    for index, image in enumerate(flat):
        distorted[index] = cv2.remap(image, maps_x[index], maps_y[index], cv2.INTER_LINEAR)
    return distorted.reshape(images.shape)


def _vary_pen(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thicken some digits and thin others by one pixel (a 2 x 2 max or min filter)."""
    pen = rng.random(len(images))
    thicker, thinner = pen < THICKER_CHANCE, pen > 1 - THINNER_CHANCE
    padded = np.pad(images, ((0, 0), (0, 1), (0, 1)))
    neighbours = np.stack(
        [padded[:, :-1, :-1], padded[:, 1:, :-1], padded[:, :-1, 1:], padded[:, 1:, 1:]]
    )
    result = images.copy()
    result[thicker] = neighbours[:, thicker].max(axis=0)
    eroded = neighbours[:, thinner].min(axis=0)
    result[thinner] = np.maximum(eroded, (images[thinner] > 0.5) * 0.5)  # keep thin strokes
    return result


def _distortion_maps(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel samples from: random affine maps plus smooth elastic fields."""
    angle = np.radians(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES, count))
    scale = rng.uniform(*SCALE_RANGE, count)
    shear = rng.uniform(-SHEAR, SHEAR, count)
    shift = rng.uniform(-SHIFT_PIXELS, SHIFT_PIXELS, (2, count))
    cosine, sine = (
        (np.cos(angle) / scale).astype(np.float32),
        (np.sin(angle) / scale).astype(np.float32),
    )
    shear, shift = shear.astype(np.float32), shift.astype(np.float32)
    column = (slice(None), np.newaxis, np.newaxis)
    map_x = cosine[column] * (_GRID_X + shear[column] * _GRID_Y) - sine[column] * _GRID_Y
    map_y = sine[column] * (_GRID_X + shear[column] * _GRID_Y) + cosine[column] * _GRID_Y
    elastic = rng.uniform(
        -ELASTIC_PIXELS, ELASTIC_PIXELS, (2, count, ELASTIC_POINTS, ELASTIC_POINTS)
    )
    fields = _UPSAMPLE @ elastic.astype(np.float32) @ _UPSAMPLE.T
    map_x += _CENTER + shift[0][column] + fields[0]
    map_y += _CENTER + shift[1][column] + fields[1]
    return map_x.astype(np.float32), map_y.astype(np.float32)
