"""Synthetic non-digits drawn on the app's canvas: letters, scribbles, shapes, two digits at once.

Each family draws 280 x 280 canvases (white, black ink, a random pen, slant, elastic bend, size
and place) that go through `preprocess.to_mnist` like any drawing. HELD_OUT_FAMILY is never
trained on nor used to tune: it measures whether "not a digit" generalises to what it never saw.
Letters that people also write as digits are left out (see DIGIT_LIKE_LETTERS).
"""

import cv2
import numpy as np

from digitpad import config, glyphs, pendigits, preprocess, writers

# Letters a careful reader could take for a digit: O o D Q (0), I l i j J (1), Z z (2),
# S s (5), G b (6), T t (7), B (8), g q y a (9), L (a 1 with a foot, a 4's corner), d and p
# (mirrored 6 and 9: mirror-writing children draw digits so). Refusing those would refuse digits.
DIGIT_LIKE_LETTERS = "ODQILSZBGTJ" + "oiljszbgqtyadp"
UPPER_LETTERS = "ACEFHKMNPRUVWXY"
LOWER_LETTERS = "cefhkmnruvwx"
LETTERS = UPPER_LETTERS + LOWER_LETTERS
HERSHEY_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)  # fmt: skip
FAMILIES = (
    "font_letters", "pen_letters", "pen_symbols", "scribble", "zigzag", "hatching", "spiral",
    "cross", "box", "bars", "two_digits",
)  # fmt: skip
HELD_OUT_FAMILY = "pen_letters"  # closest to the target (handwritten letters): never trained on
TRAINING_FAMILIES = tuple(family for family in FAMILIES if family != HELD_OUT_FAMILY)
EVALUATION_SEED = 7013  # held-out seeds: training draws from the caller's generator instead

SLANT = 0.35  # largest shear, as for a writer's slant
ROTATION_DEGREES = 12.0
ELASTIC_SHARE = 0.06  # largest elastic bend, as a share of the drawing's size
POINT_STEP = 0.02  # strokes are resampled this often (unit box) so the bend curves them
GLYPH_HEIGHT = 100  # pixels: a Hershey capital's height before the letter is placed
GLYPH_CANVAS = 300
GLYPH_ORIGIN = (70, 200)  # where the text's baseline starts: room for script swashes
FONT_PEN = (2, 14)  # Hershey pen range, pixels at GLYPH_HEIGHT
SAMPLE_ATTEMPTS = 5  # a drawing that preprocesses to nothing is drawn again


def canvases(family: str, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` drawings of one family as (N, 280, 280) uint8 canvases, white with black ink."""
    if family not in FAMILIES:
        choices = ", ".join(FAMILIES)
        raise ValueError(f"Unknown non-digit family {family!r}: choose one of {choices}.")
    draw = _font_letter if family == "font_letters" else _stroke_drawing
    return np.stack([draw(family, rng) for _ in range(count)])


def images(family: str, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` drawings of one family as the model sees them: (N, 28, 28) uint8."""
    result = np.empty((count, config.IMAGE_SIZE, config.IMAGE_SIZE), np.uint8)
    for index in range(count):
        result[index] = _one_image(family, rng)
    return result


def training_images(count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` non-digits of the training families (never HELD_OUT_FAMILY) as (N, 28, 28) uint8,
    the families in turn, shuffled. "two_digits" draws only the tuning folds' writers and is
    left out when the pendigits file is missing."""
    families = [name for name in TRAINING_FAMILIES if name != "two_digits" or _has_pendigits()]
    shares = np.array_split(np.arange(count), len(families))
    parts = [images(name, len(share), rng) for name, share in zip(families, shares, strict=True)]
    return rng.permutation(np.concatenate(parts))


def evaluation_images(family: str, count: int, seed: int = EVALUATION_SEED) -> np.ndarray:
    """Held-out non-digits of one family, the same for a given seed: (N, 28, 28) uint8."""
    return images(family, count, np.random.default_rng([seed, FAMILIES.index(family)]))


def _one_image(family: str, rng: np.random.Generator) -> np.ndarray:
    """One drawing of `family` through `preprocess.to_mnist`, as uint8."""
    for _ in range(SAMPLE_ATTEMPTS):
        canvas = canvases(family, 1, rng)[0]
        try:
            return np.rint(preprocess.to_mnist(canvas) * 255).astype(np.uint8)
        except preprocess.BlankDrawingError:
            continue
    raise ValueError(f"The {family} generator drew nothing readable {SAMPLE_ATTEMPTS} times.")


def _has_pendigits() -> bool:
    return pendigits.resolve_path().is_file()


# ----------------------------------------------------------------------- stroke drawings


def _stroke_drawing(family: str, rng: np.random.Generator) -> np.ndarray:
    """A family drawn as pen strokes, bent and slanted, placed with a random pen and size."""
    strokes = _two_digits(rng) if family == "two_digits" else STROKE_MAKERS[family](rng)
    strokes = _distorted([_resampled(np.asarray(stroke, np.float64)) for stroke in strokes], rng)
    flipped = tuple(stroke * np.array([1.0, -1.0]) for stroke in strokes)  # pendigits: y up
    drawing = pendigits.PenDigit(label=-1, strokes=flipped, writer=None)
    placement = pendigits.random_placement(rng)
    return pendigits.render_gray(pendigits.place_strokes(drawing, placement), placement.pen_width)


def _resampled(stroke: np.ndarray) -> np.ndarray:
    """The polyline with a point every POINT_STEP, so that a bend curves straight lines."""
    lengths = np.hypot(*np.diff(stroke, axis=0).T)
    if len(stroke) < 2 or lengths.sum() == 0:
        return stroke
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    steps = np.linspace(0.0, along[-1], max(int(along[-1] / POINT_STEP), 2))
    return np.stack([np.interp(steps, along, stroke[:, axis]) for axis in (0, 1)], axis=1)


def _distorted(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Slant, rotate, stretch and bend the strokes smoothly (a random low-frequency field)."""
    points = np.concatenate(strokes)
    size = max(np.ptp(points, axis=0).max(), 1e-6)
    angle = np.radians(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES))
    stretch = np.exp(rng.uniform(-0.2, 0.2))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = rotation @ np.array([[stretch, -rng.uniform(-SLANT, SLANT)], [0.0, 1.0 / stretch]])
    phases, waves = rng.uniform(0, 2 * np.pi, (2, 2)), rng.uniform(0.5, 1.5, (2, 2))
    amplitude = ELASTIC_SHARE * size * rng.uniform(0.3, 1.0)
    bent = []
    for stroke in strokes:
        unit = stroke / size
        shift = amplitude * np.sin(2 * np.pi * waves[:, 0] * unit[:, [1, 0]] + phases[:, 0])
        shift += amplitude * np.sin(2 * np.pi * waves[:, 1] * unit + phases[:, 1])
        bent.append((stroke + shift) @ matrix.T)
    return bent


def _pen_letter(rng: np.random.Generator) -> list:
    """A letter written as strokes (`glyphs.PEN_LETTERS`)."""
    return glyphs.glyph_strokes(glyphs.PEN_LETTERS, rng)


def _pen_symbol(rng: np.random.Generator) -> list:
    """A symbol or a doodle written as strokes (`glyphs.PEN_SYMBOLS`)."""
    return glyphs.glyph_strokes(glyphs.PEN_SYMBOLS, rng)


def _scribble(rng: np.random.Generator) -> list:
    """A tangle: a smoothed random walk through 8 to 16 points."""
    points = rng.uniform(0, 1, (int(rng.integers(8, 17)), 2))
    kernel = np.ones(3) / 3
    smooth = [np.convolve(np.repeat(points[:, axis], 4), kernel, mode="valid") for axis in (0, 1)]
    return [np.stack(smooth, axis=1)]


def _zigzag(rng: np.random.Generator) -> list:
    """A zigzag of 5 to 9 legs, sideways or downwards."""
    legs = int(rng.integers(5, 10))
    along = np.linspace(0, 1, legs + 1)
    across = np.where(np.arange(legs + 1) % 2, 0.0, rng.uniform(0.3, 0.8))
    points = np.stack([along, across], axis=1)
    return [points if rng.random() < 0.5 else points[:, ::-1]]


def _hatching(rng: np.random.Generator) -> list:
    """3 to 5 parallel strokes, sometimes crossed by a second set."""
    lines = []
    for _ in range(1 + int(rng.random() < 0.4)):
        angle, count = rng.uniform(0, np.pi), int(rng.integers(3, 6))
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        for offset in np.linspace(-0.4, 0.4, count):
            center = 0.5 + offset * normal
            lines.append([center - 0.45 * direction, center + 0.45 * direction])
    return lines


def _spiral(rng: np.random.Generator) -> list:
    """A spiral of 1.5 to 3 turns, either way round."""
    turns = rng.uniform(1.5, 3.0)
    angles = np.linspace(0, 2 * np.pi * turns, int(60 * turns)) * rng.choice([-1, 1])
    radius = np.linspace(0.05, 0.5, len(angles))
    return [np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)]


def _cross(rng: np.random.Generator) -> list:
    """An X, a + or a star of 3 to 4 lines through one point."""
    count = int(rng.choice([2, 2, 3, 4]))
    start = rng.uniform(0, np.pi)
    lines = []
    for angle in start + np.arange(count) * np.pi / count + rng.normal(0, 0.08, count):
        direction = 0.5 * np.array([np.cos(angle), np.sin(angle)])
        lines.append([0.5 - direction, 0.5 + direction])
    return lines


def _box(rng: np.random.Generator) -> list:
    """A rectangle or a triangle, sometimes with its diagonals."""
    width, height = rng.uniform(0.5, 1.0, 2)
    if rng.random() < 0.35:
        corners = [(0, height), (width / 2, 0), (width, height)]
    else:
        corners = [(0, 0), (width, 0), (width, height), (0, height)]
    outline = [np.array([*corners, corners[0]], np.float64)]
    if len(corners) == 4 and rng.random() < 0.4:
        outline += [np.array([corners[0], corners[2]]), np.array([corners[1], corners[3]])]
    return outline


def _bars(rng: np.random.Generator) -> list:
    """Two parallel bars: "=", "||" or slanted."""
    angle = rng.choice([0.0, np.pi / 2, rng.uniform(0, np.pi)])
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    gap = rng.uniform(0.2, 0.6)
    return [[offset * normal - 0.5 * direction, offset * normal + 0.5 * direction]
            for offset in (-gap / 2, gap / 2)]  # fmt: skip


def _two_digits(rng: np.random.Generator) -> list:
    """Two different digits of the tuning folds' writers, drawn over each other at one size."""
    pool = _tuning_digits()
    first = pool[int(rng.integers(len(pool)))]
    second = first
    while second.label == first.label:
        second = pool[int(rng.integers(len(pool)))]
    strokes = []
    for digit in (first, second):
        points = np.concatenate(digit.strokes)
        low, high = points.min(axis=0), points.max(axis=0)
        scale = 1.0 / max(high[1] - low[1], 1.0)
        center = (low + high) / 2
        strokes += [(stroke - center) * scale * np.array([1, -1]) for stroke in digit.strokes]
    return strokes


def _tuning_digits() -> list:
    """The pen digits of the tuning folds' writers (never the report fold's)."""
    tuning = [writer for fold in writers.TUNING_FOLDS for writer in writers.fold_writers(fold)]
    _, kept = writers.split_by_writer(pendigits.load_pendigits(), tuning)
    return kept


STROKE_MAKERS = {
    "pen_letters": _pen_letter, "pen_symbols": _pen_symbol, "scribble": _scribble,
    "zigzag": _zigzag, "hatching": _hatching, "spiral": _spiral, "cross": _cross, "box": _box,
    "bars": _bars,
}  # fmt: skip


# -------------------------------------------------------------------------- font letters


def _font_letter(family: str, rng: np.random.Generator) -> np.ndarray:
    """A letter in a Hershey font, with a random pen, slant, bend, size and place."""
    font = int(rng.choice(HERSHEY_FONTS)) | (cv2.FONT_ITALIC if rng.random() < 0.2 else 0)
    letter = str(rng.choice(list(LETTERS)))
    glyph = np.zeros((GLYPH_CANVAS, GLYPH_CANVAS), np.uint8)
    scale = GLYPH_HEIGHT / cv2.getTextSize("M", font, 1.0, 1)[0][1]
    pen = int(rng.integers(*FONT_PEN))
    cv2.putText(glyph, letter, GLYPH_ORIGIN, font, scale, 255, pen, cv2.LINE_AA)
    glyph = _bent_image(glyph, rng)
    return _placed_ink(glyph, rng)


def _bent_image(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Slant, rotate and bend an ink image (255 = ink) about its centre."""
    height, width = ink.shape
    grid_y, grid_x = np.indices(ink.shape, dtype=np.float32)
    shear = rng.uniform(-SLANT, SLANT)
    angle = np.radians(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES))
    centred_x, centred_y = grid_x - width / 2, grid_y - height / 2
    source_x = np.cos(angle) * centred_x - np.sin(angle) * centred_y + shear * centred_y
    source_y = np.sin(angle) * centred_x + np.cos(angle) * centred_y
    amplitude = ELASTIC_SHARE * GLYPH_HEIGHT * rng.uniform(0.3, 1.0)
    phases = rng.uniform(0, 2 * np.pi, 2)
    waves = rng.uniform(0.5, 1.5, 2) * 2 * np.pi / GLYPH_HEIGHT
    source_x += amplitude * np.sin(waves[0] * grid_y + phases[0]) + width / 2
    source_y += amplitude * np.sin(waves[1] * grid_x + phases[1]) + height / 2
    maps = source_x.astype(np.float32), source_y.astype(np.float32)
    return cv2.remap(ink, *maps, cv2.INTER_LINEAR)


def _placed_ink(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Crop the ink, scale it to a random height and paste it on a white canvas (black ink)."""
    left, top, width, height = cv2.boundingRect((ink >= config.INK_LEVEL).astype(np.uint8))
    ink = ink[top : top + height, left : left + width]
    size = config.CANVAS_SIZE
    target = rng.uniform(pendigits.MIN_HEIGHT_FRACTION, pendigits.MAX_HEIGHT_FRACTION) * size
    scale = min(target / max(height, 1), (size - 8) / max(width, 1))
    resized = cv2.resize(ink, (max(round(width * scale), 1), max(round(height * scale), 1)))
    row = int(rng.integers(4, size - resized.shape[0] - 3))
    column = int(rng.integers(4, size - resized.shape[1] - 3))
    canvas = np.zeros((size, size), np.uint8)
    canvas[row : row + resized.shape[0], column : column + resized.shape[1]] = resized
    return 255 - canvas
