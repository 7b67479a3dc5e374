"""Accuracy on MNIST and on replayed pen-written drawings."""

import cv2
import numpy as np

from digitpad import config, pendigits, preprocess
from digitpad.inference import Predictor

BATCH = 1000


def predict_images(predictor: Predictor, images: np.ndarray) -> np.ndarray:
    """Return (N, 10) probabilities for uint8 or float (N, 28, 28) MNIST-style images."""
    images = np.asarray(images)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    batches = [
        predictor.probabilities(images[start : start + BATCH].astype(np.float32) / scale)
        for start in range(0, len(images), BATCH)
    ]
    return np.concatenate(batches) if batches else np.zeros((0, config.NUM_CLASSES), np.float32)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose most probable digit is the label."""
    return float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(labels)))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """10 x 10 counts: row = true digit, column = predicted digit."""
    matrix = np.zeros((config.NUM_CLASSES, config.NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Accuracy of each true digit from a confusion matrix."""
    return np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)


def drawn_digits(count: int = config.PENDIGITS_EVAL_COUNT, path=None) -> tuple:
    """Replayed pen-written drawings as (N, 280, 280) uint8 canvases and their labels."""
    return pendigits.replay_images(count=count, seed=config.SEED, path=path, mode="gray")


def to_mnist_batch(canvases: np.ndarray, naive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Preprocess canvases; return the 28 x 28 images and which ones held a digit."""
    convert = naive_resize if naive else preprocess.to_mnist
    images = np.zeros((len(canvases), config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32)
    readable = np.ones(len(canvases), dtype=bool)
    for index, canvas in enumerate(canvases):
        try:
            images[index] = convert(canvas)
        except preprocess.BlankDrawingError:
            readable[index] = False
    return images, readable


def naive_resize(canvas: np.ndarray) -> np.ndarray:
    """The usual demo: invert and `cv2.resize` the whole canvas to 28 x 28 (a baseline)."""
    gray = canvas if canvas.ndim == 2 else cv2.cvtColor(canvas, cv2.COLOR_RGBA2GRAY)
    small = cv2.resize(255 - gray, (config.IMAGE_SIZE, config.IMAGE_SIZE))
    return small.astype(np.float32) / 255.0


def drawn_accuracy(predictor: Predictor, canvases: np.ndarray, labels: np.ndarray,
                   naive: bool = False) -> float:  # fmt: skip
    """Accuracy on replayed drawings, through `to_mnist` (or the naive resize); blank is wrong."""
    images, readable = to_mnist_batch(canvases, naive)
    correct = np.argmax(predict_images(predictor, images), axis=1) == np.asarray(labels)
    return float(np.mean(correct & readable))


# ------------------------------------------------------------------ writers never seen

WRITER_REPLAYS = 2  # replays of each held-out digit (random pen, size and position)
CALIBRATION_BINS = 15


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """How far the top confidence is from how often it is right, averaged over 15 bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    error = 0.0
    for index in np.unique(bins):
        members = bins == index
        error += members.sum() * abs(confidence[members].mean() - correct[members].mean())
    return float(error / max(len(labels), 1))


def _read_writers(predictor: Predictor, held: list, replays: int, seed: int) -> tuple:
    """Per-writer accuracy, and all probabilities and labels, of the replayed `held` digits."""
    from digitpad import trainset

    per_writer, all_probabilities, all_labels = {}, [], []
    for writer in sorted({digit.writer for digit in held}):
        digits = [digit for digit in held if digit.writer == writer]
        images, labels = trainset.replay_images(digits, replays, seed + writer)
        probabilities = predict_images(predictor, images)
        hits = int((probabilities.argmax(axis=1) == labels).sum())
        per_writer[str(writer)] = hits / (len(digits) * replays)
        all_probabilities.append(probabilities)
        all_labels.append(labels)
    return per_writer, np.concatenate(all_probabilities), np.concatenate(all_labels)


def writer_accuracy(predictor: Predictor, writer_ids, path=None,
                    replays: int = WRITER_REPLAYS, seed: int = config.SEED) -> dict:  # fmt: skip
    """Accuracy on the digits of `writer_ids` replayed through the canvas and `to_mnist`.

    Returns overall and per-writer accuracy, the worst writer, the expected calibration
    error, the counts and the seed. A replay `to_mnist` reads as blank counts as wrong.
    """
    from digitpad import writers

    _, held = writers.split_by_writer(pendigits.load_pendigits(path), writer_ids)
    if not held:
        raise ValueError(f"the pendigits file has no digits of writers {sorted(writer_ids)}")
    per_writer, probabilities, labels = _read_writers(predictor, held, replays, seed)
    right = int((probabilities.argmax(axis=1) == labels).sum())
    worst = min(per_writer, key=per_writer.get)
    matrix = confusion_matrix(labels, probabilities.argmax(axis=1))
    return {
        "accuracy": right / (len(held) * replays), "writers": sorted(set(writer_ids)),
        "per_writer": per_writer, "worst_writer": int(worst),
        "worst_writer_accuracy": per_writer[worst], "digits": len(held),
        "drawings": len(held) * replays, "replays": replays, "seed": seed,
        "ece": expected_calibration_error(probabilities, labels),
        "per_class": [round(float(value), 4) for value in per_class_accuracy(matrix)],
    }  # fmt: skip


# ------------------------------------------------------------------- multi-digit numbers

NUMBER_CANVAS = (700, 280)  # width, height of the wide canvas numbers are written on
NUMBER_LENGTHS = (2, 6)  # fewest and most digits of a composed number
NUMBER_PEN_WIDTHS = (8.0, 20.0)  # one pen per number, in pixels
NUMBER_HEIGHTS = (0.35, 0.65)  # the number's digit height, as a share of the canvas height
HEIGHT_JITTER = 0.15  # each digit's height varies by up to this share
BASELINE_JITTER = 0.05  # each digit's bottom moves by up to this share of the canvas height
APART_GAP = (6.0, 0.5)  # ink gap between digits: 6 px to half the digit height
NUMBER_MARGIN = 10  # pixels kept free at the canvas edges
GAP_STYLES = ("apart", "touching")


def compose_number(digits: list, gap_style: str, rng: np.random.Generator) -> np.ndarray:
    """Write pen digits side by side on a wide white canvas; return it as (H, W) uint8.

    "apart": the digits' ink boxes are 6 px to half a digit height apart; "touching": the
    boxes meet or overlap by up to half the pen width, so the strokes may touch.
    """
    if gap_style not in GAP_STYLES:
        raise ValueError(f"gap_style must be one of {GAP_STYLES}, got {gap_style!r}")
    width, height = NUMBER_CANVAS
    pen_width = rng.uniform(*NUMBER_PEN_WIDTHS)
    digit_height = rng.uniform(*NUMBER_HEIGHTS) * height
    extents = [_source_extent(digit) for digit in digits]
    heights = digit_height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER, len(digits))
    scales = heights / np.array([extent[1] for extent in extents])
    if gap_style == "apart":
        ink_gaps = rng.uniform(APART_GAP[0], APART_GAP[1] * digit_height, len(digits) - 1)
    else:
        ink_gaps = rng.uniform(-pen_width / 2, 0.0, len(digits) - 1)
    widths = scales * np.array([extent[0] for extent in extents])
    pens = len(digits) * pen_width  # each digit's ink reaches half a pen beyond its points
    shrink = min(1.0, (width - 2 * NUMBER_MARGIN - pens) / (widths.sum() + ink_gaps.sum()))
    scales, widths, ink_gaps = scales * shrink, widths * shrink, ink_gaps * shrink
    span = widths.sum() + ink_gaps.sum() + pens  # the whole number's ink, left to right
    left = rng.uniform(NUMBER_MARGIN, max(width - NUMBER_MARGIN - span, NUMBER_MARGIN))
    left += pen_width / 2
    strokes = []
    for index, digit in enumerate(digits):
        bottom = height / 2 + digit_height / 2 + rng.uniform(-1, 1) * BASELINE_JITTER * height
        strokes += _placed(digit, scales[index], left, bottom)
        left += widths[index] + (ink_gaps[index] + pen_width if index < len(ink_gaps) else 0)
    return pendigits.render_gray(strokes, pen_width, canvas_size=width)[:height]


def _source_extent(digit) -> tuple[float, float]:
    """A pen digit's width and height in its 500-box (at least 1 each)."""
    points = np.concatenate(digit.strokes)
    width, height = np.maximum(points.max(axis=0) - points.min(axis=0), 1.0)
    return float(width), float(height)


def _placed(digit, scale: float, left: float, bottom: float) -> list[np.ndarray]:
    """The digit's strokes in canvas pixels: its points' box from `left`, down to `bottom`."""
    points = np.concatenate(digit.strokes)
    corner = np.array([points[:, 0].min(), points[:, 1].min()])  # left, bottom (y up)
    flip = np.array([scale, -scale])
    return [(stroke - corner) * flip + np.array([left, bottom]) for stroke in digit.strokes]


def number_accuracy(predictor: Predictor, count: int = 300, seed: int = config.SEED,
                    path=None) -> dict:  # fmt: skip
    """Digit and whole-number accuracy on `count` composed numbers of each gap style."""
    all_digits = pendigits.load_pendigits(path)
    rng = np.random.default_rng(seed)
    report = {}
    for gap_style in GAP_STYLES:
        counts = np.zeros(4, dtype=np.int64)  # numbers right, lengths right, digits right, digits
        for _ in range(count):
            length = int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1))
            chosen = [all_digits[index] for index in rng.integers(0, len(all_digits), length)]
            counts += _score_number(predictor, chosen, compose_number(chosen, gap_style, rng))
        report[gap_style] = {"numbers": count, "number_accuracy": float(counts[0] / count),
                             "segmented_right": float(counts[1] / count),
                             "digit_accuracy": float(counts[2] / counts[3])}  # fmt: skip
    return report


def _score_number(predictor: Predictor, chosen: list, canvas: np.ndarray) -> np.ndarray:
    """Number right, length right, digits right (0 when the length is wrong), digits."""
    from digitpad import numbers

    truth = tuple(digit.label for digit in chosen)
    try:
        read = numbers.read_number(canvas, predictor).digits
    except preprocess.BlankDrawingError:
        read = ()
    same_length = len(read) == len(truth)
    right = sum(a == b for a, b in zip(read, truth, strict=False)) if same_length else 0
    return np.array([read == truth, same_length, right, len(truth)], dtype=np.int64)
