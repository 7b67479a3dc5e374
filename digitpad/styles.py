"""Ways of writing digits that MNIST's writers rarely used, drawn onto MNIST images.

Each style of `CATALOGUE` redraws a share of one digit's 28 x 28 images with an extra or
changed stroke, in MNIST's 2 px pen: the crossed (continental) 7, the slashed 0, the 1
with a base serif, the 5 whose top bar floats, the flat-topped 3, the 2 with a loop at its
foot, the 9 with a long straight tail, the open-top 4, the 4 whose bar is short or detached
from its upright, the 6 and the 9 with a small loop, and a strong slant either way (any
digit). They extend `augment.STYLES` (flagged 1, hooked 9);
`augment.augment_images(..., catalogue=True)` applies them. `docs/styles.png` shows examples
(`python scripts/style_examples.py`).
"""

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

PEN = 2  # MNIST's pen width in pixels
MAX_STEM_WIDTH = 6  # pixels: wider ink under a 4's bar is not a lone upright
MAX_STEM_SLANT = 0.6  # columns per row: a steeper-leaning 'upright' is something else
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


def _upright(image: np.ndarray, box: InkBox) -> tuple[Callable[[int], int], int] | None:
    """Where a 4's upright is: its centre column in each row (a line through the ink of the
    rows under the bar, where the upright is alone) and its half width. None when those rows
    do not look like one straight, steep upright (a curled foot, a broken stroke)."""
    rows = np.arange(box.bottom - max(2, box.height // 3), box.bottom + 1)
    inks = [(row, _ink_columns(image, row)) for row in rows]
    lone = [(row, ink) for row, ink in inks if 0 < len(ink) <= MAX_STEM_WIDTH]
    if len(lone) < len(rows) - 1:
        return None
    centers = np.array([(row, ink.mean()) for row, ink in lone])
    slope, intercept = np.polyfit(*centers.T, 1)
    if (
        abs(slope) > MAX_STEM_SLANT
        or np.abs(np.polyval((slope, intercept), centers[:, 0]) - centers[:, 1]).max() > 1.5
    ):
        return None
    half_width = int(np.median([len(ink) for _, ink in lone]) // 2)
    return (
        lambda row: int(np.clip(round(slope * row + intercept), 0, image.shape[1] - 1))
    ), half_width


def _upright_rows(image, box, first: float, last: float) -> list[tuple[int, int, int]]:
    """(row, upright's first column, its last column) for the rows from `first` to `last`
    (shares of the height); none when the upright cannot be found."""
    upright = _upright(image, box)
    if upright is None:
        return []
    center, half = upright
    rows = range(box.top + round(first * box.height), box.top + round(last * box.height))
    return [(row, center(row) - half, center(row) + half) for row in rows]


def open_four(image, box, rng):
    """The 4's top opened: the arm no longer meets the upright where they join at the top."""
    opened = image.copy()
    for row, start, _ in _upright_rows(image, box, 0.0, rng.uniform(0.3, 0.4)):
        reach = round(rng.uniform(0.35, 0.5) * max(start - box.left, 1))
        opened[row, max(start - reach, 0) : max(start - 1, 0)] = 0.0
    return opened


def short_bar_four(image, box, rng):
    """The 4's bar stops at the upright instead of crossing it."""
    short = image.copy()
    for row, _, end in _upright_rows(image, box, 0.3, 0.85):
        short[row, end + 2 :] = 0.0
    return short


def detached_bar_four(image, box, rng):
    """The 4's arm and bar pulled away from the upright: a gap where the bar should meet it."""
    gap = int(rng.integers(2, 4))
    detached = image.copy()
    for row, start, _ in _upright_rows(image, box, 0.0, 1.0):
        cut = max(start - 1, 0)
        left_part = image[row, :cut].copy()
        detached[row, :cut] = 0.0
        detached[row, : max(cut - gap, 0)] = left_part[gap:]
    return detached


def _shrunk(image, anchor, scale: float) -> np.ndarray:
    """`image` scaled by `scale` about `anchor` (x, y)."""
    x, y = anchor
    matrix = np.float32([[scale, 0.0, x * (1 - scale)], [0.0, scale, y * (1 - scale)]])
    return cv2.warpAffine(image, matrix, image.shape[::-1], flags=cv2.INTER_LINEAR)


def small_loop_nine(image, box, rng):
    """The 9's head shrunk towards where its tail starts: a small loop on a long tail."""
    return _shrunk_half(image, box, rng, upper=True)


def small_loop_six(image, box, rng):
    """The 6's loop shrunk towards where its stem comes down: a small loop under a long stem."""
    return _shrunk_half(image, box, rng, upper=False)


def _shrunk_half(image, box, rng, upper: bool) -> np.ndarray:
    """The digit's upper (or lower) half shrunk towards where its ink crosses into the other
    half, the other half left as it is."""
    cut = box.top + round(0.5 * box.height)
    part, rest = image.copy(), image.copy()
    if upper:
        part[cut + 1 :], rest[: cut + 1] = 0.0, 0.0
    else:
        part[:cut], rest[cut:] = 0.0, 0.0
    columns = _ink_columns(image, cut + 1 if upper else cut - 1)
    fallback = box.right if upper else box.left
    anchor = (columns.mean() if len(columns) else fallback, cut)
    return np.maximum(rest, _shrunk(part, anchor, rng.uniform(0.55, 0.7)))


CATALOGUE = (
    CatalogueStyle("crossed 7", 7, 0.3, crossed_seven),
    CatalogueStyle("slashed 0", 0, 0.2, slashed_zero),
    CatalogueStyle("1 with a base serif", 1, 0.3, serif_one),
    CatalogueStyle("5 with a floating bar", 5, 0.3, floating_five),
    CatalogueStyle("flat-topped 3", 3, 0.2, flat_three),
    CatalogueStyle("looped 2", 2, 0.2, looped_two),
    CatalogueStyle("9 with a long straight tail", 9, 0.3, long_tail_nine),
    CatalogueStyle("open-top 4", 4, 0.15, open_four),
    CatalogueStyle("4 with a short bar", 4, 0.15, short_bar_four),
    CatalogueStyle("4 with a detached bar", 4, 0.15, detached_bar_four),
    CatalogueStyle("6 with a small loop", 6, 0.25, small_loop_six),
    CatalogueStyle("9 with a small loop", 9, 0.25, small_loop_nine),
    CatalogueStyle("strong slant, either way", None, 0.08, strong_slant),
)


def restyle(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
            catalogue=None) -> np.ndarray:  # fmt: skip
    """Redraw a share of the images (N, 28, 28) float in [0, 1] in the catalogue's styles
    (`catalogue`, else `CATALOGUE` as it is at the call: a benchmark may narrow it)."""
    styled = images.copy()
    for style in CATALOGUE if catalogue is None else catalogue:
        matches = np.ones(len(images), bool) if style.digit is None else labels == style.digit
        chosen = np.flatnonzero(matches & (rng.random(len(images)) < style.chance))
        for index in chosen:
            box = ink_box(styled[index])
            if box is not None:
                styled[index] = np.clip(style.draw(styled[index], box, rng), 0.0, 1.0)
    return styled
