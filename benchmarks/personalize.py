"""Benchmark: what "Include my drawings" does for one writer, measured as the app trains.

``python -m benchmarks personalize [--models cnn] [--writers 0 1 ...] [--corrections 30]
[--epochs N] [--train-limit N] [--data MNIST]``: for each pendigits writer, some of their
digits replayed as canvas drawings are the "corrections" the user saved, and the writer's
other digits are the test. Each model is trained as the app's Train button does
(`jobs.TrainingJob`, the sidebar's default recipe), once without and once per writer with
the corrections mixed in (`personalize.with_drawings`, `personalize.USER_SHARE`). The
recipe's pen replays leave out every measured writer, so the test digits are new to both.
"""

import argparse
import dataclasses
import pathlib
import sys
import tempfile

import numpy as np

from digitpad import config, data, evaluation, inference, jobs, pendigits, preprocess

MEASURE_WRITERS = (1, 2, 3, 4, 5)
MEASURE_CORRECTIONS = 30
MEASURE_TEST_LIMIT = 200
MNIST_CHECK_COUNT = 2000
JOB_SECONDS = 3600.0


def writer_drawings(writer: int, seed: int = config.SEED, path=None) -> tuple:
    """One pendigits writer's digits replayed on the canvas, as uint8 28 x 28 images, shuffled."""
    digits = [digit for digit in pendigits.load_pendigits(path) if digit.writer == writer]
    if not digits:
        raise ValueError(f"The pendigits file has no writer {writer}.")
    rng = np.random.default_rng(seed + writer)
    images, labels = [], []
    for index in rng.permutation(len(digits)):
        canvas = pendigits.render_replay(digits[index], pendigits.random_placement(rng))
        try:
            images.append(np.round(preprocess.to_mnist(canvas) * 255).astype(np.uint8))
        except preprocess.BlankDrawingError:
            continue  # a dot-sized replay is no drawing anyone would save
        labels.append(digits[index].label)
    return np.stack(images), np.array(labels, dtype=np.int64)


def train_as_the_app(settings, mnist_train, user_drawings=None, unseen=()) -> inference.Predictor:
    """A model trained by a `jobs.TrainingJob`, as the Train button starts it; the recipe's pen
    replays leave out the `unseen` writers, so their digits are new to it."""
    with tempfile.TemporaryDirectory(prefix="digitpad-personalize-") as folder:
        job = jobs.TrainingJob(
            settings, *mnist_train, models_dir=pathlib.Path(folder), drawn_count=0,
            compare_count=0, user_drawings=user_drawings, exclude_writers=tuple(unseen),
        )  # fmt: skip
        if not job.start().join(JOB_SECONDS) or job.snapshot().status != jobs.FINISHED:
            raise RuntimeError(f"the training did not finish: {job.snapshot().error}")
        return inference.Predictor(inference.load_model(job.candidate_path))


def accuracy(predictor: inference.Predictor, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of uint8 images read right."""
    return evaluation.accuracy(evaluation.predict_images(predictor, images), labels)


def measure_writer(settings, baseline, writer, corrections, mnist_train, mnist_test,
                   unseen=()) -> dict:  # fmt: skip
    """Accuracy on a writer's other drawings (and on MNIST) without and with their drawings."""
    images, labels = writer_drawings(writer)
    tests = slice(corrections, corrections + MEASURE_TEST_LIMIT)
    user = (images[:corrections], labels[:corrections])
    personal = train_as_the_app(settings, mnist_train, user, unseen)
    return {
        "writer": writer, "corrections": corrections, "tested": len(images[tests]),
        "writer_before": accuracy(baseline, images[tests], labels[tests]),
        "writer_after": accuracy(personal, images[tests], labels[tests]),
        "mnist_before": accuracy(baseline, *mnist_test),
        "mnist_after": accuracy(personal, *mnist_test),
    }  # fmt: skip


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line of `python -m benchmarks personalize`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks personalize", description=__doc__)
    parser.add_argument("--models", nargs="+", default=["cnn"], choices=config.MODEL_NAMES)
    parser.add_argument("--writers", nargs="+", type=int, default=list(MEASURE_WRITERS))
    parser.add_argument("--corrections", type=int, default=MEASURE_CORRECTIONS)
    parser.add_argument("--epochs", type=int, default=config.TrainingConfig().epochs)
    parser.add_argument("--train-limit", type=int, help="train on at most this many MNIST images")
    parser.add_argument("--data", help="MNIST folder or .npz (default: $DIGITPAD_MNIST)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Print each writer's accuracy without and with their drawings in the training."""
    options = parse_arguments(argv)
    try:
        (train_images, train_labels), (test_images, test_labels) = data.load_mnist(options.data)
    except ValueError as error:
        print(f"benchmarks personalize: error: {error}", file=sys.stderr)
        return 2
    mnist_train = (train_images[: options.train_limit], train_labels[: options.train_limit])
    mnist_test = (test_images[:MNIST_CHECK_COUNT], test_labels[:MNIST_CHECK_COUNT])
    for name in options.models:
        settings = dataclasses.replace(
            config.TrainingConfig(), model_name=name, epochs=options.epochs
        )
        baseline = train_as_the_app(settings, mnist_train, unseen=options.writers)
        rows = [
            measure_writer(settings, baseline, writer, options.corrections, mnist_train,
                           mnist_test, options.writers)
            for writer in options.writers
        ]  # fmt: skip
        print(report(name, rows))
    return 0


def report(name: str, rows: list[dict]) -> str:
    """A plain-text table of the measurement, with the mean of each column."""
    lines = [f"{name.upper()}: writer  corrections  tested  writer before -> after  MNIST"]
    for row in [*rows, mean_row(rows)]:
        lines.append(
            f"  {row['writer']:>10}  {row['corrections']:>11}  {row['tested']:>6}  "
            f"{row['writer_before']:>12.1%} -> {row['writer_after']:<6.1%}  "
            f"{row['mnist_before']:>10.1%} -> {row['mnist_after']:.1%}"
        )
    return "\n".join(lines)


def mean_row(rows: list[dict]) -> dict:
    """The mean of each accuracy column, as one more row."""
    keys = ("writer_before", "writer_after", "mnist_before", "mnist_after")
    mean = {key: float(np.mean([row[key] for row in rows])) for key in keys}
    return {"writer": "mean", "corrections": rows[0]["corrections"],
            "tested": sum(row["tested"] for row in rows), **mean}  # fmt: skip
