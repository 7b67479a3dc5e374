"""Replay real pen trajectories (UCI pendigits, UNIPEN format) onto the app's canvas.

Each digit of ``pendigits-orig.tra`` is a list of strokes, each a polyline of ``x y`` points
in a 500 x 500 box with y pointing up. Scaled, placed and drawn with a round black pen on a
white canvas they look like digits a person drew in the app, so they measure "does the app
recognise what people draw".

Coordinates returned by :func:`place_strokes` are canvas pixels (x to the right, y down),
ready to be replayed as mouse moves in a browser test.
"""

import dataclasses
import functools
import itertools
import os
import pathlib
import re
from collections.abc import Iterator
from typing import NoReturn

import cv2
import numpy as np

from digitpad import config

MIN_HEIGHT_FRACTION = 0.35  # random placements: smallest digit, as a share of the canvas
MAX_HEIGHT_FRACTION = 0.90  # random placements: largest digit
MIN_PEN_WIDTH = 8.0  # random placements: thinnest pen, in canvas pixels
MAX_PEN_WIDTH = 30.0  # random placements: thickest pen
MIN_SOURCE_EXTENT = 1.0  # a digit's bounding box side is at least this, in the 500-box
EDGE_MARGIN = 2.0  # pixels kept free between the pen's edge and the canvas border
IMAGE_MODES = ("gray", "rgba")

_FIXED_POINT_SHIFT = 4  # cv2 sub-pixel precision: coordinates carry 4 fractional bits
_FIXED_POINT_SCALE = 1 << _FIXED_POINT_SHIFT
_LABEL_PATTERN = re.compile(r'"(\d)"')


@dataclasses.dataclass(frozen=True)
class PenDigit:
    """One handwritten digit: its label, strokes (K x 2 float x, y; 500-box, y up), writer."""

    label: int
    strokes: tuple[np.ndarray, ...]
    writer: int | None


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where and how to draw a digit: ink height and centre as canvas fractions, pen in px."""

    height_fraction: float
    center_x: float
    center_y: float
    pen_width: float

    def __post_init__(self) -> None:
        if not 0.0 < self.height_fraction <= 1.0:
            raise ValueError(f"height_fraction must be in (0, 1], got {self.height_fraction}")
        for name in ("center_x", "center_y"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1] (a canvas fraction), got {value}")
        if not self.pen_width > 0.0:
            raise ValueError(f"pen_width must be a positive number of pixels, got {self.pen_width}")


# ---------------------------------------------------------------------------- parsing


class _UnipenParser:
    """Line-by-line state machine turning UNIPEN text into PenDigit records."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.line_number = 0
        self.tokens: list[str] = []  # every point's "x", "y" text, in file order
        self.digits: list[tuple[int, int | None, list[tuple[int, int]]]] = []
        self.stroke_start: int | None = None  # token index where the open stroke began
        self.segment_line = 0
        self.text = ""

    def fail(self, problem: str) -> NoReturn:
        """Raise a ValueError naming the file, the line and the problem."""
        raise ValueError(
            f"malformed pendigits file {self.source}, line {self.line_number}: {problem}"
        )

    def fail_on_bad_number(self) -> NoReturn:
        """Find the first point line whose coordinates are not numbers and fail there."""
        for number, line in enumerate(self.text.splitlines(), start=1):
            self.line_number = number
            if not line.startswith("."):
                try:
                    [float(part) for part in line.split()]
                except ValueError:
                    self.fail(f"a point coordinate is not a number: {line.strip()!r}")
        self.fail("a point coordinate is not a number")

    def feed(self, text: str) -> None:
        """Parse the whole text."""
        self.text = text
        for number, line in enumerate(text.splitlines(), start=1):
            self.line_number = number
            if line.startswith("."):
                self.command(line.split())
                continue
            parts = line.split()
            if not parts:
                continue
            if self.stroke_start is None:
                self.fail(f"point {line.strip()!r} outside a .PEN_DOWN/.PEN_UP stroke")
            if len(parts) != 2:
                self.fail(f"a point needs two numbers 'x y', got {line.strip()!r}")
            self.tokens += parts

    def command(self, parts: list[str]) -> None:
        """Handle one dot-line; unknown commands (.DT, .INCLUDE, ...) are ignored."""
        keyword = parts[0]
        if keyword == ".SEGMENT":
            self.start_segment(" ".join(parts))
        elif keyword == ".COMMENT" and self.digits and len(parts) > 2 and parts[2].isdigit():
            label, _, strokes = self.digits[-1]
            self.digits[-1] = (label, int(parts[2]), strokes)
        elif keyword == ".PEN_DOWN":
            if not self.digits:
                self.fail(".PEN_DOWN before the first .SEGMENT")
            if self.stroke_start is not None:
                self.fail(".PEN_DOWN inside a stroke that has no .PEN_UP")
            self.stroke_start = len(self.tokens)
        elif keyword == ".PEN_UP":
            if self.stroke_start is None:
                self.fail(".PEN_UP without a matching .PEN_DOWN")
            if len(self.tokens) == self.stroke_start:
                self.fail("a stroke without any point")
            self.digits[-1][2].append((self.stroke_start // 2, len(self.tokens) // 2))
            self.stroke_start = None

    def start_segment(self, line: str) -> None:
        """Close the current digit and open a new one labelled by the quoted digit."""
        self.close_segment()
        match = _LABEL_PATTERN.search(line)
        if match is None:
            self.fail(f'.SEGMENT without a quoted digit label such as "7": {line!r}')
        self.digits.append((int(match.group(1)), None, []))
        self.segment_line = self.line_number

    def close_segment(self) -> None:
        """Check that the current digit is complete."""
        if self.stroke_start is not None:
            self.fail("the file or digit ends inside a stroke (missing .PEN_UP)")
        if self.digits and not self.digits[-1][2]:
            self.line_number = self.segment_line
            self.fail("this .SEGMENT has no stroke")

    def finish(self) -> tuple[PenDigit, ...]:
        """Convert the collected text into PenDigit records."""
        self.close_segment()
        if not self.digits:
            self.fail("no .SEGMENT digit found (is this a UNIPEN pendigits file?)")
        try:
            points = np.array(self.tokens, dtype=np.float64).reshape(-1, 2)
        except ValueError:
            self.fail_on_bad_number()
        points.flags.writeable = False
        return tuple(
            PenDigit(label, tuple(points[start:end] for start, end in strokes), writer)
            for label, writer, strokes in self.digits
        )


def parse_unipen(text: str, source: str = "<text>") -> tuple[PenDigit, ...]:
    """Parse UNIPEN pendigits text; ValueError naming ``source`` if it is malformed."""
    parser = _UnipenParser(source)
    parser.feed(text)
    return parser.finish()


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, modified_ns: int, size: int) -> tuple[PenDigit, ...]:
    """Parse one file; the cache key includes its modification time and size."""
    try:
        text = pathlib.Path(path).read_text(encoding="ascii")
    except UnicodeDecodeError as error:
        raise ValueError(f"pendigits file {path} is not ASCII text: {error}") from error
    except OSError as error:
        raise ValueError(f"cannot read pendigits file {path}: {error}") from error
    return parse_unipen(text, source=path)


def resolve_path(path: str | os.PathLike | None = None) -> pathlib.Path:
    """The data file: ``path``, else $DIGITPAD_PENDIGITS, else the default shared location."""
    if path is None:
        path = os.environ.get(config.PENDIGITS_ENV_VAR) or config.DEFAULT_PENDIGITS_PATH
    return pathlib.Path(path).expanduser()


def load_pendigits(path: str | os.PathLike | None = None) -> list[PenDigit]:
    """All digits of a UNIPEN pendigits file (parsed once per file, then cached)."""
    resolved = resolve_path(path)
    try:
        status = resolved.stat()
    except OSError as error:
        raise ValueError(
            f"pendigits file {resolved} is missing or unreadable ({error.strerror}); "
            f"pass a path or set {config.PENDIGITS_ENV_VAR}"
        ) from error
    if not resolved.is_file():
        raise ValueError(f"pendigits path {resolved} is not a file")
    return list(_load_cached(str(resolved), status.st_mtime_ns, status.st_size))


# --------------------------------------------------------------------------- geometry


def place_strokes(
    digit: PenDigit, placement: Placement, canvas_size: int = config.CANVAS_SIZE
) -> list[np.ndarray]:
    """The digit's strokes in canvas pixels (x right, y down), scaled and placed as asked.

    The ink height (bounding box of the points) becomes ``height_fraction * canvas_size``,
    shrunk if needed so the digit, pen included, fits; the centre is clamped likewise.
    """
    margin = placement.pen_width / 2 + EDGE_MARGIN
    room = canvas_size - 1 - 2 * margin
    if room <= 0:
        raise ValueError(
            f"pen width {placement.pen_width} px leaves no room on a {canvas_size} px canvas"
        )
    points = np.concatenate(digit.strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = np.maximum(high - low, MIN_SOURCE_EXTENT)
    scale = min(placement.height_fraction * canvas_size / height, room / width, room / height)
    half_extent = (high - low) * scale / 2
    wanted = np.array([placement.center_x, placement.center_y]) * canvas_size
    center = np.clip(wanted, margin + half_extent, canvas_size - 1 - margin - half_extent)
    source_center = (low + high) / 2
    flip = np.array([scale, -scale])  # y up in the source, y down on the canvas
    return [(stroke - source_center) * flip + center for stroke in digit.strokes]


def random_placement(rng: np.random.Generator, canvas_size: int = config.CANVAS_SIZE) -> Placement:
    """A random size, pen width and position such that a digit about as wide as tall fits."""
    height_fraction = rng.uniform(MIN_HEIGHT_FRACTION, MAX_HEIGHT_FRACTION)
    pen_width = rng.uniform(MIN_PEN_WIDTH, MAX_PEN_WIDTH)
    half = ((height_fraction * canvas_size + pen_width) / 2 + EDGE_MARGIN) / canvas_size
    low, high = min(half, 0.5), max(1.0 - half, 0.5)
    center_x, center_y = rng.uniform(low, high, size=2)
    return Placement(float(height_fraction), float(center_x), float(center_y), float(pen_width))


# -------------------------------------------------------------------------- rendering


def render_gray(
    strokes_px: list[np.ndarray], pen_width: float, canvas_size: int = config.CANVAS_SIZE
) -> np.ndarray:
    """A (H, W) uint8 image: white background (255), strokes in black (0) with a round pen."""
    if not pen_width > 0:
        raise ValueError(f"pen_width must be a positive number of pixels, got {pen_width}")
    canvas = np.full((canvas_size, canvas_size), 255, dtype=np.uint8)
    thickness = max(1, round(pen_width))
    radius = max(1, round(pen_width / 2 * _FIXED_POINT_SCALE))
    for stroke in strokes_px:
        fixed = np.round(np.asarray(stroke, dtype=np.float64) * _FIXED_POINT_SCALE)
        points = [tuple(point) for point in fixed.reshape(-1, 2).astype(int).tolist()]
        for point in points:  # round caps and joins
            cv2.circle(canvas, point, radius, 0, -1, cv2.LINE_AA, _FIXED_POINT_SHIFT)
        for start, end in itertools.pairwise(points):
            cv2.line(canvas, start, end, 0, thickness, cv2.LINE_AA, _FIXED_POINT_SHIFT)
    return canvas


def render(
    strokes_px: list[np.ndarray], pen_width: float, canvas_size: int = config.CANVAS_SIZE
) -> np.ndarray:
    """A (H, W, 4) uint8 RGBA canvas like streamlit-drawable-canvas's ``image_data``.

    Opaque white background (255, 255, 255, 255), black ink, antialiased edges in grey.
    """
    gray = render_gray(strokes_px, pen_width, canvas_size)
    alpha = np.full_like(gray, 255)
    return np.stack([gray, gray, gray, alpha], axis=-1)


def render_replay(
    digit: PenDigit, placement: Placement, canvas_size: int = config.CANVAS_SIZE
) -> np.ndarray:
    """The RGBA canvas of ``digit`` drawn with ``placement``."""
    return render(place_strokes(digit, placement, canvas_size), placement.pen_width, canvas_size)


# ----------------------------------------------------------------------- replay sets


def _balanced_indices(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct indices, as even over the labels as the data allows, shuffled."""
    ranks = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        ranks[rng.permutation(members)] = np.arange(len(members))
    order = np.lexsort((rng.random(len(labels)), ranks))
    return rng.permutation(order[:count])


def replay_set(
    count: int = config.PENDIGITS_EVAL_COUNT,
    seed: int = config.SEED,
    path: str | os.PathLike | None = None,
) -> list[tuple[PenDigit, Placement]]:
    """A deterministic, class-balanced random sample of digits, each with its own placement."""
    digits = load_pendigits(path)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= len(digits):
        raise ValueError(f"count must be an integer from 1 to {len(digits)}, got {count!r}")
    rng = np.random.default_rng(seed)
    labels = np.array([digit.label for digit in digits])
    chosen = _balanced_indices(labels, count, rng)
    return [(digits[index], random_placement(rng)) for index in chosen]


def iter_replays(
    count: int = config.PENDIGITS_EVAL_COUNT,
    seed: int = config.SEED,
    path: str | os.PathLike | None = None,
) -> Iterator[tuple[np.ndarray, int]]:
    """Yield ``(RGBA canvas, label)`` for each replay of :func:`replay_set`, one at a time."""
    for digit, placement in replay_set(count, seed, path):
        yield render_replay(digit, placement), digit.label


def replay_images(
    count: int = config.PENDIGITS_EVAL_COUNT,
    seed: int = config.SEED,
    path: str | os.PathLike | None = None,
    mode: str = "gray",
) -> tuple[np.ndarray, np.ndarray]:
    """Rendered replays of :func:`replay_set` as one array, plus their labels (N,) int64.

    ``mode="gray"``: (N, 280, 280) uint8, white background, black ink; 78 KB per image,
    so the default 2,000 take about 157 MB. ``mode="rgba"``: (N, 280, 280, 4) like the
    app's canvas, four times as much (about 627 MB for 2,000): use :func:`iter_replays`
    to stream RGBA canvases instead.
    """
    if mode not in IMAGE_MODES:
        raise ValueError(f"mode must be one of {IMAGE_MODES}, got {mode!r}")
    pairs = replay_set(count, seed, path)
    size = config.CANVAS_SIZE
    shape = (len(pairs), size, size) if mode == "gray" else (len(pairs), size, size, 4)
    images = np.empty(shape, dtype=np.uint8)
    for index, (digit, placement) in enumerate(pairs):
        strokes = place_strokes(digit, placement)
        draw = render_gray if mode == "gray" else render
        images[index] = draw(strokes, placement.pen_width)
    labels = np.array([digit.label for digit, _ in pairs], dtype=np.int64)
    return images, labels
