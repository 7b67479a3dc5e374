"""Read a number of several digits from one wide drawing, digit by digit."""

import dataclasses
import itertools

import cv2
import numpy as np

from digitpad import config, preprocess, threads, verdict
from digitpad.inference import Predictor

# Two pieces whose horizontal extents share more than this share of the narrower one are one
# digit: the detached bar of a 5 or a 7, the two strokes of a 4.
OVERLAP_FRACTION = 0.5
SMALL_FRACTION = 0.35  # a piece under this share of the tallest piece's height is small...
CLOSE_FRACTION = 0.25  # ...and joins a digit closer than this share of that height
SPECK_FRACTION = 0.1  # a piece under this share of the tallest piece's height is a speck
SEGMENT_MARGIN = 4  # background pixels kept around each digit's ink, so to_mnist sees a border
WIDE_RATIO = 1.5  # a segment wider than this times its height holds touching digits...
DIGIT_RATIO = 0.75  # ...each about this times the height wide
CUT_WINDOW = 0.25  # a cut is searched this share of a digit's width either side of its guess
# Pieces whose ink comes closer than this share of the pen width were meant to touch, like
# the bar of a 4 stopping just short of its stick...
JOIN_FRACTION = 0.25
JOINED_RATIO = 0.8  # ...if together at most this times as wide as tall; wider, they are two
HOLE_FRACTION = 0.15  # a hole at least this share of a segment's height is a digit's loop


@dataclasses.dataclass(frozen=True)
class Segment:
    """One digit's place in the drawing: box (x, y, w, h) in pixels, and its ink only.

    `image` is uint8, 255 where the ink is darkest, on a black margin of SEGMENT_MARGIN px.
    """

    box: tuple[int, int, int, int]
    image: np.ndarray


@dataclasses.dataclass(frozen=True)
class NumberReading:
    """What a model reads in a wide drawing: the digits left to right and how it got them."""

    digits: tuple[int, ...]
    probabilities: np.ndarray  # (N, 10)
    boxes: tuple[tuple[int, int, int, int], ...]
    images: np.ndarray  # (N, 28, 28), each digit as the model saw it
    is_digit: tuple[bool, ...] = ()  # False: not a digit (`digits` holds the best guess)

    @property
    def number(self) -> str:
        """The digits as one string, e.g. "407"; a piece that is not a digit shows as "?"."""
        verdicts = self.is_digit or (True,) * len(self.digits)
        return "".join(
            str(digit) if is_digit else verdict.NOT_A_DIGIT_MARK
            for digit, is_digit in zip(self.digits, verdicts, strict=True)
        )


def segment(image: np.ndarray) -> list[Segment]:
    """Split a drawing into its digits, left to right.

    Pieces of ink that overlap in x, nearly touch, or are small and close form one digit.
    Touching digits are one blob of ink: it is cut at its thinnest columns only when it is
    much wider than tall, so two touching digits often stay one segment. A cut never goes
    through a loop (a wide 0) nor leaves a part much shorter than the blob (a 2's long tail).
    """
    ink = preprocess.ink_map(image)
    mask = preprocess.ink_mask(ink)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = [tuple(int(value) for value in row[:4]) for row in stats[1:]]
    groups = _merged_groups(boxes, _nearly_touching(mask, labels, len(boxes)))
    segments = []
    for members in groups:
        box = _union_box([boxes[index] for index in members])
        segments.append(Segment(box, _segment_ink(ink, labels, members, box)))
    segments = [part for piece in segments for part in _split_touching(piece)]
    return sorted(segments, key=lambda piece: piece.box[0] + piece.box[2] / 2)


def _split_touching(piece: Segment) -> list[Segment]:
    """Cut a segment much wider than tall into digits, at the columns with the least ink."""
    left, top, width, height = piece.box
    if width <= WIDE_RATIO * height:
        return [piece]
    count = max(2, round(width / (DIGIT_RATIO * height)))
    ink = piece.image[SEGMENT_MARGIN:-SEGMENT_MARGIN, SEGMENT_MARGIN:-SEGMENT_MARGIN]
    column_ink = (ink >= config.INK_LEVEL).sum(axis=0).astype(np.float64)
    column_ink[_loop_columns(ink)] = np.inf  # a cut through a loop would split a 0 in two
    reach = max(round(CUT_WINDOW * width / count), 1)
    cuts = [0]
    for index in range(1, count):
        guess = round(index * width / count)
        low, high = max(guess - reach, cuts[-1] + 1), min(guess + reach, width - 1)
        if low < high and np.isfinite(column_ink[low:high]).any():
            cuts.append(low + int(np.argmin(column_ink[low:high])))
    cuts = _without_short_parts(ink, [*cuts, width])
    parts = [_part(ink, left, top, start, end) for start, end in itertools.pairwise(cuts)]
    return [part for part in parts if part is not None]


def _without_short_parts(ink: np.ndarray, cuts: list[int]) -> list[int]:
    """Drop the cuts that leave a part under SMALL_FRACTION of the segment's height.

    Such a part is a stroke of a digit, not a digit: the long tail of a 2.
    """
    while len(cuts) > 2:
        heights = [_ink_height(ink[:, start:end]) for start, end in itertools.pairwise(cuts)]
        short = [
            index for index, height in enumerate(heights) if height < SMALL_FRACTION * ink.shape[0]
        ]
        if not short:
            break
        del cuts[max(short[0], 1)]  # join the part to its left neighbour (the first: its right)
    return cuts


def _ink_rows(window: np.ndarray) -> np.ndarray:
    """The indices of the rows of `window` that hold ink."""
    return np.flatnonzero(window.max(axis=1, initial=0) >= config.INK_LEVEL)


def _ink_height(window: np.ndarray) -> int:
    """How many rows the ink of `window` spans (0 without ink)."""
    rows = _ink_rows(window)
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def _loop_columns(ink: np.ndarray) -> np.ndarray:
    """Which columns of a segment's ink pass through one of its loops (holes)."""
    contours, hierarchy = cv2.findContours(
        preprocess.ink_mask(ink), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    inside = np.zeros(ink.shape[1], dtype=bool)
    for contour, (*_, parent) in zip(contours, hierarchy[0] if contours else [], strict=True):
        left, _, width, height = cv2.boundingRect(contour)
        if parent >= 0 and height >= HOLE_FRACTION * ink.shape[0]:
            inside[left : left + width] = True
    return inside


def _part(ink: np.ndarray, left: int, top: int, start: int, end: int) -> Segment | None:
    """The columns `start` to `end` of a segment's ink as a segment, or None if inkless."""
    window = ink[:, start:end]
    rows = _ink_rows(window)
    if rows.size == 0:
        return None
    cropped = window[rows[0] : rows[-1] + 1]
    box = (left + start, top + int(rows[0]), end - start, int(rows[-1] - rows[0] + 1))
    return Segment(box, np.pad(cropped, SEGMENT_MARGIN))


def _nearly_touching(mask: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """A cluster number for each of the `count` pieces; pieces nearly touching share one."""
    if count < 2:  # nothing to join
        return np.zeros(count, dtype=np.int32)
    radius = round(JOIN_FRACTION * preprocess.thickness(mask)[0] / 2)  # each grows half the gap
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    _, grown = cv2.connectedComponents(cv2.dilate(mask, kernel), connectivity=8)
    inked = labels > 0
    clusters = np.zeros(count + 1, dtype=np.int32)
    clusters[labels[inked]] = grown[inked]  # every pixel of a piece lies in the same cluster
    return clusters[1:]


def _merged_groups(boxes: list[tuple[int, int, int, int]], clusters: np.ndarray) -> list[list[int]]:
    """Group the pieces' indices into digits: nearly touching, overlapping in x, small and close."""
    if not boxes:
        return []
    tallest = max(height for _, _, _, height in boxes)
    kept = [index for index, box in enumerate(boxes) if max(box[2:]) >= SPECK_FRACTION * tallest]
    groups = []
    for cluster in np.unique(clusters[kept]):
        members = [index for index in kept if clusters[index] == cluster]
        _, _, width, height = _union_box([boxes[index] for index in members])
        groups += [members] if width <= JOINED_RATIO * height else [[index] for index in members]
    merged = True
    while merged:
        merged = False
        for first in range(len(groups)):
            for second in range(first + 1, len(groups)):
                if _belong_together(boxes, groups[first], groups[second], tallest):
                    groups[first] += groups.pop(second)
                    merged = True
                    break
            if merged:
                break
    return groups


def _belong_together(boxes: list, first: list[int], second: list[int], tallest: int) -> bool:
    """Whether two groups of pieces are parts of one digit."""
    left_box = _union_box([boxes[index] for index in first])
    right_box = _union_box([boxes[index] for index in second])
    overlap = min(left_box[0] + left_box[2], right_box[0] + right_box[2]) - max(
        left_box[0], right_box[0]
    )
    if overlap > OVERLAP_FRACTION * min(left_box[2], right_box[2]):
        return True
    small = min(max(left_box[2:]), max(right_box[2:])) < SMALL_FRACTION * tallest
    return small and _box_distance(left_box, right_box) < CLOSE_FRACTION * tallest


def _box_distance(first: tuple, second: tuple) -> float:
    """The shortest distance between two boxes (0 when they overlap)."""
    gap_x = max(first[0] - (second[0] + second[2]), second[0] - (first[0] + first[2]), 0)
    gap_y = max(first[1] - (second[1] + second[3]), second[1] - (first[1] + first[3]), 0)
    return float(np.hypot(gap_x, gap_y))


def _union_box(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """The smallest box (x, y, w, h) holding all `boxes`."""
    left = min(box[0] for box in boxes)
    top = min(box[1] for box in boxes)
    right = max(box[0] + box[2] for box in boxes)
    bottom = max(box[1] + box[3] for box in boxes)
    return left, top, right - left, bottom - top


def _segment_ink(ink: np.ndarray, labels: np.ndarray, members: list[int], box: tuple) -> np.ndarray:
    """The ink of the pieces `members` inside `box`, other digits' ink left out."""
    left, top, width, height = box
    window = labels[top : top + height, left : left + width]
    own = np.isin(window, np.asarray(members) + 1)  # label 0 is the background
    return np.pad(np.where(own, ink[top : top + height, left : left + width], 0), SEGMENT_MARGIN)


def read_number(image: np.ndarray, predictor: Predictor) -> NumberReading:
    """Read every digit of a drawing, left to right, with one batched prediction.

    Raises `preprocess.BlankDrawingError` when the drawing holds no digit.
    """
    boxes, images = [], []
    for piece in segment(image):
        try:
            images.append(preprocess.to_mnist(piece.image))
        except preprocess.BlankDrawingError:  # a dot or stray mark between digits
            continue
        boxes.append(piece.box)
    if not images:
        raise preprocess.BlankDrawingError("The canvas is blank: write a number.")
    batch = np.stack(images)
    probabilities, in_number = read_pieces(batch, predictor)
    digits = tuple(int(digit) for digit in probabilities.argmax(axis=1))
    is_digit = tuple(bool(value) for value in in_number)
    return NumberReading(digits, probabilities, tuple(boxes), batch, is_digit)


def read_pieces(batch: np.ndarray, predictor: Predictor) -> tuple[np.ndarray, np.ndarray]:
    """A number's pieces (N, 28, 28) read in one batch on the caller's thread: their
    probabilities, and whether each is a digit in a number: refused only under
    `config.NUMBER_REFUSAL_SHARE` of the threshold (its own, and its judge's)."""
    with threads.one_blas_thread():
        probabilities = predictor.probabilities(batch)
        verdicts = predictor.verdicts(batch, probabilities, config.NUMBER_REFUSAL_SHARE)
    return probabilities, verdicts
