"""A new model against the one in use, on the same figures: MNIST test and writers never seen.

The drawn digits are the report-fold writers' (`writers.report_writers()`), replayed on the
canvas: the app's training leaves them out and no decision was tuned on them. The shipped
models train on all 30 writers, so when the model in use has seen them the comparison says
its figure flatters it. Without the pendigits file only MNIST is compared, and it says so.
"""

import dataclasses
import functools
import os

import numpy as np

from digitpad import config, evaluation, pendigits, writers
from digitpad.inference import Predictor

DRAWN_COMPARE_COUNT = 500  # replayed digits of the report writers (about 1,500 exist)
NO_PENDIGITS_NOTE = (
    "Drawn digits were not compared: the pendigits file is missing (set DIGITPAD_PENDIGITS)."
)
SEEN_BY_CURRENT_NOTE = (
    "The model in use trained on these writers' digits (the shipped models learn from all 30 "
    "pendigits writers), so its drawn-digit figure flatters it; the new model never saw them."
)


@dataclasses.dataclass(frozen=True)
class Figures:
    """How one model reads the comparison's images (None: not measured)."""

    mnist_test_accuracy: float | None
    drawn_accuracy: float | None  # replayed digits of writers the model never saw


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The new model's and the current model's figures, measured on the same images."""

    candidate: Figures
    current: Figures | None  # None: no current model could be read
    test_images: int
    drawn_digits: int
    note: str | None = None  # why a figure is missing

    @property
    def candidate_is_better(self) -> bool:
        """Whether the new model does at least as well on average over the shared figures."""
        if self.current is None:
            return True
        pairs = [
            (getattr(self.candidate, name), getattr(self.current, name))
            for name in ("mnist_test_accuracy", "drawn_accuracy")
        ]
        shared = [(new, old) for new, old in pairs if new is not None and old is not None]
        if not shared:
            return True
        return float(np.mean([new - old for new, old in shared])) >= 0.0


def unseen_writer_digits(
    count: int = DRAWN_COMPARE_COUNT, path: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Report-fold writers' replayed digits: 28 x 28 images, labels, which ones held ink.

    None when the pendigits file is missing. Deterministic: the same digits every call.
    """
    resolved = pendigits.resolve_path(path)
    if not resolved.is_file():
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive whole number, got {count!r}")
    stat = resolved.stat()
    return _unseen_writer_digits(str(resolved), stat.st_mtime_ns, count)


@functools.lru_cache(maxsize=2)
def _unseen_writer_digits(path: str, modified_ns: int, count: int) -> tuple:
    """The preprocessed replays, once per file version (rendering takes seconds)."""
    _, kept = writers.split_by_writer(pendigits.load_pendigits(path), writers.report_writers())
    rng = np.random.default_rng(config.SEED)
    chosen = rng.permutation(len(kept))[:count]
    canvases = np.empty((len(chosen), config.CANVAS_SIZE, config.CANVAS_SIZE), np.uint8)
    for row, index in enumerate(chosen):
        placement = pendigits.random_placement(rng)
        strokes = pendigits.place_strokes(kept[index], placement)
        canvases[row] = pendigits.render_gray(strokes, placement.pen_width)
    images, readable = evaluation.to_mnist_batch(canvases)
    images[~readable] = 0.0  # a blank reading never matches: it counts as wrong below
    labels = np.array([kept[index].label for index in chosen], dtype=np.int64)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels, readable


def measure(predictor: Predictor, test_images, test_labels, drawn: tuple | None) -> Figures:
    """One model's figures on the MNIST test images and the (optional) unseen writers' digits."""
    test_accuracy = None
    if test_images is not None and len(test_images):
        probabilities = evaluation.predict_images(predictor, test_images)
        test_accuracy = evaluation.accuracy(probabilities, test_labels)
    drawn_accuracy = None
    if drawn is not None and len(drawn[1]):  # a pendigits file may lack the unseen writers
        images, labels, readable = drawn
        predicted = np.argmax(evaluation.predict_images(predictor, images), axis=1)
        drawn_accuracy = float(np.mean((predicted == labels) & readable))
    return Figures(test_accuracy, drawn_accuracy)


def compare(
    candidate: Predictor, current: Predictor | None, test_images, test_labels,
    drawn_count: int = DRAWN_COMPARE_COUNT,
) -> Comparison:  # fmt: skip
    """Measure the new and the current model on the same images (`drawn_count` 0: MNIST only);
    the current model's sidecar (`Predictor.info`) says which pendigits writers it trained on."""
    drawn = unseen_writer_digits(drawn_count) if drawn_count > 0 else None
    note = NO_PENDIGITS_NOTE if drawn is None and drawn_count > 0 else None
    if drawn is not None and current is not None:
        seen = set(current.info.get("pen_writers") or ()) & set(writers.report_writers())
        note = SEEN_BY_CURRENT_NOTE if seen else None
    figures = [
        measure(model, test_images, test_labels, drawn) if model is not None else None
        for model in (candidate, current)
    ]
    test_count = 0 if test_images is None else len(test_images)
    drawn_total = 0 if drawn is None else len(drawn[1])
    return Comparison(figures[0], figures[1], test_count, drawn_total, note)
