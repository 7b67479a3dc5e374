"""Ways of writing digits that MNIST's writers rarely used, drawn onto MNIST images.

Each style of `CATALOGUE` redraws a share of one digit's 28 x 28 images with an extra or
changed stroke, in MNIST's 2 px pen: the crossed (continental) 7, the slashed 0, the 1
with a base serif, the 5 whose top bar floats, the flat-topped 3, the 2 with a loop at its
foot, the 9 with a long straight tail, and a strong slant either way (any digit). They
extend `augment.STYLES` (flagged 1, hooked 9); `augment.augment_images(..., catalogue=True)`
applies them. `docs/styles.png` shows examples (`python scripts/style_examples.py`).
"""

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

PEN = 2  # MNIST's pen width in pixels
SLANT = (0.45, 0.75)  # strong slant: the shear, either way (augment's own is at most 0.35)
_SHIFT = 4  # cv2 sub-pixel bits


@dataclasses.dataclass(frozen=True)
class CatalogueStyle:
    """A style: its name, the digit it applies to (None: any), how often, and how to draw it."""

    name: str
    digit: int | None
    chance: float
    draw: Callable[[np.ndarray, "InkBox", np.random.Generator], np.ndarray]


@dataclasses.dataclass(frozen=True)
class InkBox:
    """Where a digit's ink is: top, bottom, left, right rows/columns (inclusive)."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1


def ink_box(image: np.ndarray) -> InkBox | None:
    """The box around the pixels brighter than 0.5, or None for an empty image."""
    rows, columns = np.nonzero(image > 0.5)
    if len(rows) == 0:
        return None
    return InkBox(int(rows.min()), int(rows.max()), int(columns.min()), int(columns.max()))


def line(image: np.ndarray, start, end) -> np.ndarray:
    """`image` with a 2 px anti-aliased stroke from `start` to `end` (x, y floats)."""
    points = [
        tuple(np.rint(np.asarray(point) * (1 << _SHIFT)).astype(int)) for point in (start, end)
    ]
    stroked = image.copy()
    cv2.line(stroked, points[0], points[1], 1.0, PEN, cv2.LINE_AA, _SHIFT)
    return stroked


def _ink_columns(image: np.ndarray, row: int) -> np.ndarray:
    return np.flatnonzero(image[int(np.clip(row, 0, image.shape[0] - 1))] > 0.5)


def crossed_seven(image, box, rng):
    """A short bar across the 7's stem, a little below the middle."""
    row = box.top + rng.uniform(0.5, 0.62) * box.height
    columns = _ink_columns(image, round(row))
    center = columns.mean() if len(columns) else (box.left + box.right) / 2
    half = rng.uniform(0.25, 0.4) * max(box.width, box.height * 0.6)
    tilt = rng.uniform(-1.0, 1.0)
    return line(image, (center - half, row + tilt), (center + half, row - tilt))


def slashed_zero(image, box, rng):
    """A slash through the 0, from its bottom left to its top right."""
    inset = rng.uniform(0.0, 0.15)
    start = (box.left + inset * box.width, box.bottom - inset * box.height)
    end = (box.right - inset * box.width, box.top + inset * box.height)
    return line(image, start, end)


def serif_one(image, box, rng):
    """A base (a foot) under the 1, about centred on its bottom."""
    columns = _ink_columns(image, box.bottom)
    center = columns.mean() if len(columns) else (box.left + box.right) / 2
    half = rng.uniform(0.15, 0.28) * box.height
    row = box.bottom + rng.uniform(-0.5, 0.5)
    return line(image, (center - half, row), (center + half, row))


def floating_five(image, box, rng):
    """The 5's top bar lifted and pushed right, so it floats free of the body."""
    cut = box.top + max(2, round(0.25 * box.height))
    lifted = image.copy()
    bar = image[box.top : cut].copy()
    lifted[box.top : cut] = 0.0
    up, right = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    shifted = np.zeros_like(bar)
    shifted[:, right:] = bar[:, :-right]
    top = max(box.top - up, 0)
    lifted[top : top + len(shifted)] = np.maximum(lifted[top : top + len(shifted)], shifted)
    return lifted


def flat_three(image, box, rng):
    """A flat top on the 3: the top row of ink drawn straight across."""
    row = box.top + rng.uniform(0.0, 1.0)
    return line(image, (box.left + 0.1 * box.width, row), (box.right, row))


def looped_two(image, box, rng):
    """A small loop where the 2's diagonal meets its base."""
    radius = rng.uniform(0.18, 0.24) * box.height
    center = (box.left + radius + 1, box.bottom - radius - 0.5)
    points = np.rint(np.array(center) * (1 << _SHIFT)).astype(int)
    looped = image.copy()
    cv2.circle(looped, tuple(points), round(radius * (1 << _SHIFT)), 1.0, PEN, cv2.LINE_AA, _SHIFT)
    return looped


def long_tail_nine(image, box, rng):
    """The 9 squeezed up to 75 % height, its tail then carried straight on down."""
    squeeze = rng.uniform(0.7, 0.8)
    matrix = np.float32([[1.0, 0.0, 0.0], [0.0, squeeze, box.top * (1 - squeeze)]])
    short = cv2.warpAffine(image, matrix, image.shape[::-1], flags=cv2.INTER_LINEAR)
    bottom = box.top + (box.bottom - box.top) * squeeze
    columns = _ink_columns(short, round(bottom))
    x = columns.mean() if len(columns) else (box.left + box.right) / 2
    lean = rng.uniform(-0.12, 0.04) * box.height
    return line(short, (x, bottom - 1), (x + lean, box.bottom))


def strong_slant(image, box, rng):
    """The whole digit sheared hard to the right or to the left (about its centre)."""
    shear = rng.uniform(*SLANT) * rng.choice((-1.0, 1.0))
    center = image.shape[0] / 2
    matrix = np.float32([[1.0, -shear, shear * center], [0.0, 1.0, 0.0]])
    return cv2.warpAffine(image, matrix, image.shape[::-1], flags=cv2.INTER_LINEAR)


CATALOGUE = (
    CatalogueStyle("crossed 7", 7, 0.3, crossed_seven),
    CatalogueStyle("slashed 0", 0, 0.2, slashed_zero),
    CatalogueStyle("1 with a base serif", 1, 0.3, serif_one),
    CatalogueStyle("5 with a floating bar", 5, 0.3, floating_five),
    CatalogueStyle("flat-topped 3", 3, 0.2, flat_three),
    CatalogueStyle("looped 2", 2, 0.2, looped_two),
    CatalogueStyle("9 with a long straight tail", 9, 0.3, long_tail_nine),
    CatalogueStyle("strong slant, either way", None, 0.08, strong_slant),
)


def restyle(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
            catalogue=CATALOGUE) -> np.ndarray:  # fmt: skip
    """Redraw a share of the images (N, 28, 28) float in [0, 1] in the catalogue's styles."""
    styled = images.copy()
    for style in catalogue:
        matches = np.ones(len(images), bool) if style.digit is None else labels == style.digit
        chosen = np.flatnonzero(matches & (rng.random(len(images)) < style.chance))
        for index in chosen:
            box = ink_box(styled[index])
            if box is not None:
                styled[index] = np.clip(style.draw(styled[index], box, rng), 0.0, 1.0)
    return styled
