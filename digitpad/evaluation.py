"""Accuracy on MNIST and on replayed pen-written drawings; the report of a trained model."""

import dataclasses

import cv2
import numpy as np

from digitpad import config, pendigits, preprocess
from digitpad.inference import Predictor

BATCH = 1000
MISCLASSIFIED_COUNT = 20  # misclassified test digits kept for the gallery
DRAWN_EVAL_COUNT = 300  # replayed pen-written digits for a trained model's drawn accuracy


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


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """How a trained model does on the MNIST test images (and on replayed drawings)."""

    test_accuracy: float
    confusion: np.ndarray  # 10 x 10 counts, row = true digit, column = predicted digit
    misclassified_images: np.ndarray  # (K, 28, 28) uint8, the most confident mistakes first
    misclassified_labels: np.ndarray  # (K,) true digits
    misclassified_predictions: np.ndarray  # (K,) predicted digits
    drawn_accuracy: float | None = None
    test_images: int = 0
    user_accuracy: float | None = None  # on the user's held-out drawings, when mixed in
    user_held_out: int = 0


def evaluate(
    predictor: Predictor, images: np.ndarray, labels: np.ndarray,
    drawn_count: int = DRAWN_EVAL_COUNT,
) -> Evaluation:  # fmt: skip
    """Accuracy, confusion matrix and the most confident mistakes on test images."""
    probabilities = predict_images(predictor, images)
    predicted = np.argmax(probabilities, axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    shown = wrong[np.argsort(-confidence, kind="stable")][:MISCLASSIFIED_COUNT]
    return Evaluation(
        test_accuracy=accuracy(probabilities, labels),
        confusion=confusion_matrix(labels, predicted),
        misclassified_images=np.asarray(images[shown]),
        misclassified_labels=np.asarray(labels[shown]),
        misclassified_predictions=predicted[shown],
        drawn_accuracy=replayed_accuracy(predictor, drawn_count),
        test_images=len(images),
    )


def replayed_accuracy(predictor: Predictor, count: int = DRAWN_EVAL_COUNT) -> float | None:
    """Accuracy on `count` replayed pen-written digits, or None without the pendigits file."""
    if count <= 0 or not pendigits.resolve_path().is_file():
        return None
    canvases, labels = drawn_digits(count)
    return drawn_accuracy(predictor, canvases, labels)
