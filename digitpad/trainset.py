"""The training set: MNIST's training images plus real pen digits replayed through the canvas.

Each pendigits digit is drawn several times on the app's canvas (random size, position and
pen width: `pendigits.random_placement`) and turned into a 28 x 28 image by the same
`preprocess.to_mnist` the app uses on a drawing, so the models learn from how people write
on a tablet, not only from MNIST's scans. One function assembles the set (`assemble`), so
more kinds of images can be added in one place.
"""

import dataclasses
import os

import numpy as np

from digitpad import config, pendigits, pendigits_source, preprocess, writers

REPLAYS = 2  # replays of each pen digit in the shipped recipe (chosen on tuning folds)
FAST_REPLAYS = 1  # the app's quick training: fewer images, the same kinds
REPORT = "report"  # --exclude-writers report: leave out writers.report_writers()


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """Images (N, 28, 28) uint8, labels (N,) int64, and what went into them."""

    images: np.ndarray
    labels: np.ndarray
    mnist_images: int
    pen_images: int
    pen_writers: tuple[int, ...]  # the writers whose digits were replayed (empty: none)
    note: str  # one line saying what the set is made of

    def sidecar_facts(self) -> dict:
        """What went into the set, as a trained model's sidecar records it (the "not a digit"
        threshold is tuned on the tuning writers in `pen_writers`: `verdict.tuning_writers`)."""
        return {"training_set": self.note, "pen_images": self.pen_images,
                "pen_writers": list(self.pen_writers)}  # fmt: skip


def replay_images(
    digits: list[pendigits.PenDigit], replays: int, seed: int = config.SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Each digit drawn `replays` times at random on the canvas, through `to_mnist`.

    Returns uint8 (N, 28, 28) white-on-black images and their labels; a replay that
    `to_mnist` reads as blank (a dot) is left out.
    """
    if isinstance(replays, bool) or not isinstance(replays, int) or replays < 0:
        raise ValueError(f"replays must be a whole number of at least 0, got {replays!r}")
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(replays):
        for digit in digits:
            placement = pendigits.random_placement(rng)
            canvas = pendigits.render_gray(pendigits.place_strokes(digit, placement),
                                           placement.pen_width)  # fmt: skip
            try:
                image = preprocess.to_mnist(canvas)
            except preprocess.BlankDrawingError:
                continue
            images.append(np.rint(image * 255).astype(np.uint8))
            labels.append(digit.label)
    size = config.IMAGE_SIZE
    stacked = np.stack(images) if images else np.zeros((0, size, size), np.uint8)
    return stacked, np.array(labels, dtype=np.int64)


def parse_writers(text: str | None) -> tuple[int, ...]:
    """`report` -> the report fold's writers; `3,17` -> (3, 17); None or `` -> ()."""
    if not text:
        return ()
    if text == REPORT:
        return writers.report_writers()
    if text.startswith("fold"):
        return writers.fold_writers(_whole_number(text[4:], text))
    chosen = tuple(_whole_number(part, text) for part in text.split(","))
    unknown = sorted(set(chosen) - set(writers.ALL_WRITERS))
    if unknown:
        raise ValueError(f"pendigits writers are 1 to 30; {unknown} are not writers")
    return chosen


def _whole_number(part: str, text: str) -> int:
    try:
        return int(part.strip())
    except ValueError:
        raise ValueError(
            f"writers must be `report`, `foldN` or numbers like 3,17 (got {text!r})"
        ) from None


def for_recipe(
    settings: config.TrainingConfig, images: np.ndarray, labels: np.ndarray,
    pendigits_path: str | os.PathLike | None = None, exclude_writers: tuple[int, ...] = (),
    download: bool = True,
) -> TrainingSet:  # fmt: skip
    """The training set a recipe asks for: its pen replays and pen image cap, its
    non-digits, its MNIST copies, its seed."""
    images = np.concatenate([images] * settings.mnist_copies)
    labels = np.concatenate([labels] * settings.mnist_copies)
    pen = assemble(images, labels, settings.pen_replays, pendigits_path, exclude_writers,
                   settings.seed, download, settings.pen_images)  # fmt: skip
    return with_non_digits(pen, settings.non_digits, settings.seed)


def with_non_digits(pen: TrainingSet, count: int, seed: int = config.SEED) -> TrainingSet:
    """`pen` plus `count` synthetic non-digits (label `training.NOT_A_DIGIT`), shuffled in.

    Outlier exposure: training pushes letters, scribbles and shapes towards a flat answer,
    so the "not a digit" threshold can refuse them (see `verdict`).
    """
    from digitpad import nondigits, training

    if count == 0:
        return pen
    extra = nondigits.training_images(count, np.random.default_rng([seed, count]))
    order = np.random.default_rng(seed + 1).permutation(len(pen.images) + len(extra))
    all_images = np.concatenate([pen.images, extra])[order]
    extra_labels = np.full(len(extra), training.NOT_A_DIGIT, dtype=np.int64)
    all_labels = np.concatenate([pen.labels, extra_labels])[order]
    note = f"{pen.note} + {len(extra):,} non-digits (letters, scribbles, shapes)"
    return dataclasses.replace(pen, images=all_images, labels=all_labels, note=note)


def _pen_digits(path, exclude_writers, max_pen_images, replays, seed) -> list:
    """The pen digits to replay: all but `exclude_writers`', a seeded subset if capped."""
    kept, _ = writers.split_by_writer(pendigits.load_pendigits(path), exclude_writers)
    if max_pen_images is not None and max_pen_images < len(kept) * replays:
        chosen = np.random.default_rng(seed).permutation(len(kept))
        kept = [kept[index] for index in sorted(chosen[: max(max_pen_images // replays, 1)])]
    return kept


def assemble(
    images: np.ndarray, labels: np.ndarray, replays: int = REPLAYS,
    pendigits_path: str | os.PathLike | None = None, exclude_writers: tuple[int, ...] = (),
    seed: int = config.SEED, download: bool = True, max_pen_images: int | None = None,
) -> TrainingSet:  # fmt: skip
    """MNIST `images`/`labels` plus `replays` replays of every pen digit, shuffled together.

    Pen digits of `exclude_writers` are left out (to measure on them later); with
    `max_pen_images`, a random subset is replayed. Without a pendigits file (none given,
    set, cached or downloadable) the set is MNIST alone and `note` says so.
    """
    mnist_only = TrainingSet(np.asarray(images), np.asarray(labels, dtype=np.int64),
                             len(images), 0, (), f"MNIST only: {len(images):,} images")  # fmt: skip
    if replays == 0:
        return mnist_only
    path, problem = pendigits_source.locate(pendigits_path, download=download)
    if path is None:
        return dataclasses.replace(mnist_only, note=f"{mnist_only.note} ({problem})")
    kept = _pen_digits(path, exclude_writers, max_pen_images, replays, seed)
    pen_images, pen_labels = replay_images(kept, replays, seed)
    order = np.random.default_rng(seed).permutation(len(images) + len(pen_images))
    all_images = np.concatenate([images, pen_images])[order]
    all_labels = np.concatenate([np.asarray(labels, dtype=np.int64), pen_labels])[order]
    used = tuple(sorted({digit.writer for digit in kept if digit.writer is not None}))
    note = (
        f"{len(images):,} MNIST images + {len(pen_images):,} pen replays "
        f"({replays} of each of {len(kept):,} digits by {len(used)} pendigits writers)"
    )
    return TrainingSet(all_images, all_labels, len(images), len(pen_images), used, note)
