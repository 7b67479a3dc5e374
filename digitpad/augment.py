"""Random changes to MNIST digits that make them look more like canvas drawings."""

import dataclasses

import cv2
import numpy as np

from digitpad import config

ROTATION_DEGREES = 5.0  # small: a rotated 7 starts to look like a 1 with a flag
SCALE_RANGE = (0.85, 1.1)
SHEAR = 0.35  # slant varies more between writers than rotation
SHIFT_PIXELS = 1.5
THICKER_CHANCE = 0.3  # share of digits drawn with a heavier pen
THINNER_CHANCE = 0.15  # share of digits drawn with a lighter pen
ELASTIC_POINTS = 4  # control points per side of the smooth elastic field
ELASTIC_PIXELS = 2.0  # largest displacement of a control point


@dataclasses.dataclass(frozen=True)
class Style:
    """A way of writing a digit that people use but MNIST rarely shows: one extra stroke."""

    digit: int
    chance: float  # share of this digit's images redrawn in the style
    at_top: bool  # the stroke starts at the digit's top (else its bottom) and goes left
    angle_degrees: tuple[float, float]  # below (top) or above (bottom) the horizontal
    length: tuple[float, float]  # share of the digit's height


STYLES = (
    Style(digit=1, chance=0.7, at_top=True, angle_degrees=(20.0, 50.0), length=(0.35, 0.7)),
    Style(digit=9, chance=0.6, at_top=False, angle_degrees=(0.0, 40.0), length=(0.2, 0.45)),
)

_SIZE = config.IMAGE_SIZE
_CENTER = _SIZE / 2 - 0.5
_GRID_Y, _GRID_X = np.indices((_SIZE, _SIZE), dtype=np.float32) - _CENTER
# Columns interpolate control points smoothly onto the 28 pixels (cubic, like cv2.resize).
_UPSAMPLE = cv2.resize(
    np.eye(ELASTIC_POINTS, dtype=np.float32), (ELASTIC_POINTS, _SIZE), interpolation=cv2.INTER_CUBIC
)


def augment_images(
    images: np.ndarray, rng: np.random.Generator, labels: np.ndarray | None = None,
    catalogue: bool = False,
) -> np.ndarray:  # fmt: skip
    """Distort float32 (N, 28, 28[, 1]) digits at random; returns the same shape.

    With `labels`, some digits are redrawn in `STYLES`; with `catalogue` also in the
    styles of `CATALOGUE` (`digitpad.styles`).
    """
    flat = images.reshape(-1, _SIZE, _SIZE)
    if labels is not None:
        flat = _restyle(flat, np.asarray(labels), rng)
        if catalogue:
            from digitpad import styles

            flat = styles.restyle(flat, np.asarray(labels), rng)
    flat = _vary_pen(flat, rng)
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


def _restyle(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a share of 1s with a flag and of 9s with a hooked tail, as many people write them."""
    images = images.copy()
    for style in STYLES:
        chosen = (labels == style.digit) & (rng.random(len(images)) < style.chance)
        for index in np.flatnonzero(chosen):
            images[index] = _add_stroke(images[index], style, rng)
    return images


def _add_stroke(image: np.ndarray, style: Style, rng: np.random.Generator) -> np.ndarray:
    """Add a short stroke going left from the digit's top (a flag) or bottom (a hook)."""
    rows, columns = np.nonzero(image > 0.5)
    if len(rows) == 0:
        return image
    row = rows.min() if style.at_top else rows.max()
    start = np.array([columns[rows == row].mean(), row], dtype=np.float64)
    angle = np.radians(rng.uniform(*style.angle_degrees))
    length = rng.uniform(*style.length) * (rows.max() - rows.min() + 1)
    direction = np.array([-np.cos(angle), np.sin(angle) if style.at_top else -np.sin(angle)])
    points = [
        tuple(np.rint(point * 16).astype(int)) for point in (start, start + length * direction)
    ]
    stroked = image.copy()
    cv2.line(stroked, points[0], points[1], 1.0, 2, cv2.LINE_AA, 4)  # 2 px: MNIST's pen
    return stroked
