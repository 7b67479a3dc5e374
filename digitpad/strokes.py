"""Read a number from its pen strokes: group the strokes into digits, read every group.

People write a number digit by digit, one to three strokes each, left to right; digits that
touch on paper are nearly always separate strokes. So a number is read from the canvas's
strokes, not from its picture: every run of up to MAX_GROUP_STROKES consecutive strokes is
a candidate digit, rendered with the pen and read through the same `preprocess.to_mnist`
as a drawing; a candidate scores its most probable digit's log-probability plus geometry
(too wide, or a stroke beside the rest instead of over it), less a penalty when the model
refuses it as "not a digit" (digitpad.verdict), and dynamic programming picks the best
split of the strokes into digits.
"""

import dataclasses
import math

import numpy as np

from digitpad import config, pendigits, preprocess
from digitpad.inference import Predictor
from digitpad.segment import NumberReading, read_pieces

MAX_GROUP_STROKES = 3  # a digit is written with one to three strokes
DEFAULT_PEN_WIDTH = 18.0  # pixels: the pen of a bare list of strokes (the app's default pen)
# A candidate is drawn at most this many pixels across, pen included: to_mnist redraws the
# ink at this size anyway, and a larger drawing only costs time.
RENDER_EXTENT = config.WORK_SIZE
RENDER_MARGIN = 4  # background pixels around a candidate's ink
PATH_TYPES = ("path", "Path")  # fabric.js 5 and 6+ name a freehand stroke so
CURVE_STEPS = 4  # points sampled along each curve of a canvas path
# Geometry, in units of the whole number's height (tuned on writer folds 0-3):
DIGIT_BONUS = 1.5  # each digit read gains this: without it, fewer, merged digits would win
MAX_WIDTH_RATIO = 1.0  # a candidate wider than this times the height...
WIDE_PENALTY = 6.0  # ...loses this for each height of extra width
JOIN_OVERLAP = 0.3  # a stroke overlapping the candidate's other strokes less (share of the
JOIN_PENALTY = 4.0  # narrower x-extent) loses this for each share of missing overlap
# A candidate shorter than this times the height (a 4's body without its stick, which reads
# as a 1: "4" written in two strokes read "11")...
MIN_HEIGHT_RATIO = 0.75
SHORT_PENALTY = 10.0  # ...loses this for each height it lacks (0.65 and 6 read 1.0 point fewer
# apart numbers right on folds 0-3; 0.7-0.85 and 6-10 read about the same)
SPLIT_OVERLAP = 0.3  # a digit whose first stroke overlaps the stroke before more than this
SPLIT_PENALTY = 10.0  # loses this for each share of extra overlap
MAX_GAP_RATIO = 0.5  # a stroke further than this beside the others never joins them
SPECK_RATIO = 0.05  # a stroke shorter than this share of the height (or half a pen) is left out
# A candidate of strokes whose geometry scores below this is not read (on writer folds 0-3,
# 1,600 numbers per style: -3 reads 7 % fewer candidates but 0.2 point fewer overlapping
# numbers right)
PRUNE_SCORE = -4.0
# A candidate the model refuses as "not a digit" (verdict) loses this: part of a digit, or two.
# Measured on writer fold 1 (150 numbers per style, models/heldout CNN): 0, 2 and 5 read the
# same numbers; the log-probability already sinks such candidates.
REFUSED_PENALTY = 2.0
BAD_JSON = (
    'The drawing must be the canvas\'s json_data (an object with a list of "objects") or a '
    "list of strokes, each a list of [x, y] points"
)


@dataclasses.dataclass(frozen=True)
class StrokeDrawing:
    """Pen strokes in writing order, each (K, 2) float canvas pixels (x right, y down)."""

    strokes: tuple[np.ndarray, ...]
    pen_width: float


# ------------------------------------------------------------------------------- parsing


def parse_strokes(data) -> StrokeDrawing:
    """Strokes from the canvas's `json_data` (fabric.js paths) or a bare list of strokes.

    Raises ValueError with a message a user understands when `data` is neither.
    """
    if isinstance(data, dict):
        return _canvas_strokes(data)
    if isinstance(data, list):
        return StrokeDrawing(tuple(_points(stroke) for stroke in data), DEFAULT_PEN_WIDTH)
    raise ValueError(f"{BAD_JSON}; got {type(data).__name__}.")


def _points(stroke) -> np.ndarray:
    """One stroke of a bare list as a (K, 2) float array; ValueError if it is not one."""
    try:
        points = np.array(stroke, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{BAD_JSON}: a stroke is not a list of [x, y] numbers.") from error
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"{BAD_JSON}: a stroke is not a list of [x, y] numbers.")
    if not np.isfinite(points).all():
        raise ValueError(f"{BAD_JSON}: a point is not a finite number.")
    return points


def _canvas_strokes(data: dict) -> StrokeDrawing:
    """The paths of fabric.js canvas JSON, placed on the canvas, and their median pen."""
    objects = data.get("objects")
    if not isinstance(objects, list):
        raise ValueError(f'{BAD_JSON}: this object has no "objects" list.')
    paths = [item for item in objects if isinstance(item, dict) and item.get("type") in PATH_TYPES]
    strokes = tuple(_placed_path(item) for item in paths)
    pens = [_number(item, "strokeWidth", 1.0) * _mean_scale(item) for item in paths]
    return StrokeDrawing(strokes, float(np.median(pens)) if pens else DEFAULT_PEN_WIDTH)


def _number(item: dict, key: str, default: float) -> float:
    """A numeric property of a canvas object; ValueError if it is not a finite number."""
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{BAD_JSON}: a path's {key!r} is not a number.")
    return float(value)


def _mean_scale(item: dict) -> float:
    """How much a canvas object was scaled, on average over x and y."""
    return (abs(_number(item, "scaleX", 1.0)) + abs(_number(item, "scaleY", 1.0))) / 2


def _path_polyline(commands) -> np.ndarray:
    """A fabric.js "path" (M, L, Q, C commands) flattened to (K, 2) points in path units."""
    if not isinstance(commands, list) or not commands:
        raise ValueError(f"{BAD_JSON}: a path has no drawing commands.")
    points = []
    for command in commands:
        letter = command[0] if isinstance(command, list) and command else None
        if letter in ("z", "Z"):  # closing a path draws nothing new for a freehand stroke
            continue
        if letter not in ("M", "L", "Q", "C"):
            raise ValueError(f"{BAD_JSON}: a path command is not M, L, Q or C: {command!r}.")
        values = command[1:]
        controls = _points([values[index : index + 2] for index in range(0, len(values), 2)])
        if letter in ("Q", "C") and points:
            points += _curve(np.vstack([points[-1], controls]))
        else:
            points += list(controls)
    return np.array(points)


def _curve(controls: np.ndarray) -> list[np.ndarray]:
    """Points along a Bezier curve (after its start) through `controls`, De Casteljau."""
    samples = []
    for step in range(1, CURVE_STEPS + 1):
        level = controls
        while len(level) > 1:
            level = level[:-1] + (level[1:] - level[:-1]) * (step / CURVE_STEPS)
        samples.append(level[0])
    return samples


def _placed_path(item: dict) -> np.ndarray:
    """A path object's points in canvas pixels: its own scale, flip, angle and position.

    fabric.js keeps a path's points as drawn and places the object by its box: the points
    are centred on their box's middle, transformed, and moved to the object's centre.
    """
    points = _path_polyline(item.get("path"))
    middle = (points.min(axis=0) + points.max(axis=0)) / 2
    scale = np.array([_number(item, "scaleX", 1.0), _number(item, "scaleY", 1.0)])
    scale *= [-1 if item.get("flipX") else 1, -1 if item.get("flipY") else 1]
    angle = math.radians(_number(item, "angle", 0.0))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    pen = _number(item, "strokeWidth", 1.0)
    size = np.array([_number(item, "width", 0.0) + pen, _number(item, "height", 0.0) + pen])
    origin = np.array([_ORIGINS.get(item.get("originX", "center"), 0.5),
                       _ORIGINS.get(item.get("originY", "center"), 0.5)])  # fmt: skip
    corner = np.array([_number(item, "left", 0.0), _number(item, "top", 0.0)])
    center = corner + rotation @ ((0.5 - origin) * size * np.abs(scale))
    return ((points - middle) * scale) @ rotation.T + center


_ORIGINS = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


# ------------------------------------------------------------------------------ grouping


def writing_order(strokes: tuple[np.ndarray, ...]) -> list[int]:
    """The strokes' indices with each late stroke moved next to the digit it belongs to.

    A stroke that lies wholly left of the stroke before it went back to an earlier digit (a
    7's crossbar added after the next digit): it follows the last stroke its middle overlaps.
    """
    order: list[int] = []
    for index, stroke in enumerate(strokes):
        middle = (stroke[:, 0].min() + stroke[:, 0].max()) / 2
        if order and stroke[:, 0].max() < strokes[order[-1]][:, 0].min():
            hosts = [place for place, other in enumerate(order) if _spans(strokes[other], middle)]
            if hosts:
                order.insert(hosts[-1] + 1, index)
                continue
        order.append(index)
    return order


def _spans(stroke: np.ndarray, x: float) -> bool:
    """Whether the stroke's x-extent holds `x`."""
    return bool(stroke[:, 0].min() <= x <= stroke[:, 0].max())


def candidate_spans(count: int) -> list[tuple[int, int]]:
    """Every run (start, end) of 1 to MAX_GROUP_STROKES consecutive strokes among `count`."""
    return [(start, end) for end in range(1, count + 1)
            for start in range(max(0, end - MAX_GROUP_STROKES), end)]  # fmt: skip


def geometry_score(strokes: list[np.ndarray], span: tuple[int, int], height: float,
                   pen_width: float) -> float:  # fmt: skip
    """How much `strokes[start:end]` look like one digit: 0 at best, -inf when never.

    `height` is the whole number's height. A digit is not much wider than that nor much
    shorter; each of its strokes overlaps the ones before it in x (a 4's stick, a 5's bar),
    and its first stroke does not overlap the stroke before it much (that one's digit).
    """
    return _geometry(stroke_bounds(strokes), span, height, pen_width)


def stroke_bounds(strokes: list[np.ndarray]) -> np.ndarray:
    """Each stroke's box as rows (x min, y min, x max, y max)."""
    return np.array([[*stroke.min(axis=0), *stroke.max(axis=0)] for stroke in strokes])


def _geometry(bounds: np.ndarray, span: tuple[int, int], height: float, pen: float) -> float:
    """`geometry_score` from the strokes' boxes (`stroke_bounds`)."""
    start, end = span
    low, high = bounds[start:end, :2].min(axis=0), bounds[start:end, 2:].max(axis=0)
    width, tall = (high - low) / height
    score = -WIDE_PENALTY * max(0.0, width - MAX_WIDTH_RATIO)
    score -= SHORT_PENALTY * max(0.0, MIN_HEIGHT_RATIO - tall)
    if start > 0:
        overlap = _range_overlap(bounds[start - 1, 0::2], bounds[start, 0::2], pen)
        score -= SPLIT_PENALTY * max(0.0, overlap - SPLIT_OVERLAP)
    for index in range(start + 1, end):
        before = (bounds[start:index, 0].min(), bounds[start:index, 2].max())
        stroke = bounds[index, 0::2]
        if max(before[0], stroke[0]) - min(before[1], stroke[1]) > MAX_GAP_RATIO * height:
            return -math.inf
        score -= JOIN_PENALTY * max(0.0, JOIN_OVERLAP - _range_overlap(before, stroke, pen))
    return float(score)


def _range_overlap(first, second, pen_width: float) -> float:
    """How much two x-ranges (low, high) overlap, inked with the pen: a share of the narrower.

    1 when one lies within the other, 0 when their ink just touches, negative for a gap.
    """
    overlap = min(first[1], second[1]) - max(first[0], second[0]) + pen_width
    narrower = min(first[1] - first[0], second[1] - second[0])
    return float(overlap / (narrower + pen_width))


def render_group(group: list[np.ndarray], pen_width: float) -> np.ndarray:
    """The strokes drawn with the pen on a small white canvas (uint8), at most RENDER_EXTENT."""
    points = np.concatenate(group)
    low = points.min(axis=0)
    extent = float(np.ptp(points, axis=0).max()) + pen_width
    scale = min(1.0, RENDER_EXTENT / extent)
    offset = RENDER_MARGIN + scale * pen_width / 2
    moved = [(stroke - low) * scale + offset for stroke in group]
    side = math.ceil(extent * scale) + 2 * RENDER_MARGIN + 1
    return pendigits.render_gray(moved, pen_width * scale, canvas_size=side)


def ink_box(group: list[np.ndarray], pen_width: float) -> tuple[int, int, int, int]:
    """The box (x, y, w, h) of a group's ink on the canvas, pen included, in whole pixels."""
    points = np.concatenate(group)
    low = np.floor(points.min(axis=0) - pen_width / 2).astype(int)
    high = np.ceil(points.max(axis=0) + pen_width / 2).astype(int)
    return int(low[0]), int(low[1]), int(high[0] - low[0]), int(high[1] - low[1])


# ------------------------------------------------------------------------------- reading


def read_strokes(drawing: StrokeDrawing, predictor: Predictor) -> NumberReading:
    """Read the number written with `drawing`'s strokes, with one batched prediction.

    A digit the model refuses ("not a digit") is marked in `is_digit`, as segment.py does.
    Raises `preprocess.BlankDrawingError` when no split of the strokes holds a digit.
    """
    strokes, height = _without_specks(drawing)
    spans, images, scores = _candidates(strokes, height, drawing.pen_width)
    batch = np.stack(images)
    probabilities, is_digit = read_pieces(batch, predictor)
    totals = np.log(np.maximum(probabilities.max(axis=1), 1e-12)) + np.array(scores) + DIGIT_BONUS
    totals -= REFUSED_PENALTY * ~is_digit
    chosen = best_split(spans, totals, len(strokes))
    digits = tuple(int(probabilities[index].argmax()) for index in chosen)
    boxes = tuple(ink_box(strokes[slice(*spans[index])], drawing.pen_width) for index in chosen)
    verdicts = tuple(bool(is_digit[index]) for index in chosen)
    return NumberReading(digits, probabilities[chosen], boxes, batch[chosen], verdicts)


def _candidates(strokes: list[np.ndarray], height: float, pen_width: float) -> tuple:
    """The candidate digits worth reading: their spans, 28 x 28 images and geometry scores."""
    spans, images, scores = [], [], []
    bounds = stroke_bounds(strokes)
    for start, end in candidate_spans(len(strokes)):
        geometry = _geometry(bounds, (start, end), height, pen_width)
        if end - start > 1 and geometry < PRUNE_SCORE:  # hopeless: not worth reading
            continue
        try:
            images.append(preprocess.to_mnist(render_group(strokes[start:end], pen_width)))
        except preprocess.BlankDrawingError:  # a dot: only part of a digit
            continue
        spans.append((start, end))
        scores.append(geometry)
    if not images:
        raise preprocess.BlankDrawingError("The strokes hold no digit: write a number.")
    return spans, images, scores


def _without_specks(drawing: StrokeDrawing) -> tuple[list[np.ndarray], float]:
    """The strokes in writing order without specks, and the height of the whole number."""
    if not drawing.strokes:
        raise preprocess.BlankDrawingError("The canvas is blank: write a number.")
    points = np.concatenate(drawing.strokes)
    height = max(float(np.ptp(points[:, 1])), drawing.pen_width)
    shortest = max(SPECK_RATIO * height, drawing.pen_width / 2)  # shorter: a dot, not a line
    kept = tuple(stroke for stroke in drawing.strokes if np.ptp(stroke, axis=0).max() >= shortest)
    if not kept:
        raise preprocess.BlankDrawingError("The drawing is only dots: write a number.")
    return [kept[index] for index in writing_order(kept)], height


def best_split(spans: list[tuple[int, int]], scores: np.ndarray, count: int) -> list[int]:
    """The candidates (indices into `spans`) that cover strokes 0..count with the best total.

    Raises `preprocess.BlankDrawingError` when no candidates cover all the strokes.
    """
    best = np.full(count + 1, -math.inf)
    best[0] = 0.0
    previous = [-1] * (count + 1)
    for index, (start, end) in sorted(enumerate(spans), key=lambda item: item[1][1]):
        if best[start] + scores[index] > best[end]:
            best[end], previous[end] = best[start] + scores[index], index
    if not math.isfinite(best[count]):
        raise preprocess.BlankDrawingError("The strokes hold no digit: write a number.")
    chosen, end = [], count
    while end > 0:
        chosen.append(previous[end])
        end = spans[previous[end]][0]
    return chosen[::-1]


def read_canvas(json_data, predictor: Predictor) -> NumberReading:
    """Read the number on the canvas from its `json_data` (or a bare list of strokes).

    Raises `preprocess.BlankDrawingError` for a canvas not drawn on yet (None) or blank,
    and ValueError for data that is not strokes.
    """
    if json_data is None:
        raise preprocess.BlankDrawingError("The canvas is blank: write a number.")
    return read_strokes(parse_strokes(json_data), predictor)
