"""Adapt a model to one person's handwriting: fine-tune on their drawings mixed with MNIST.

``python -m digitpad.personalize`` measures it with real pen-written digits: for each of a
few pendigits writers, some of their digits replayed as canvas drawings are the
"corrections" the model is fine-tuned on, and the writer's other digits are the test.
"""

import argparse
import dataclasses
import sys

import keras
import numpy as np

from digitpad import augment, config, data, evaluation, inference, pendigits, preprocess

FINE_TUNE_EPOCHS = 5
FINE_TUNE_RATE = 3e-4  # a tenth of a fresh training's: keep what MNIST taught
FINE_TUNE_BATCH = 64
USER_SHARE = 0.25  # the user's drawings (repeated) make about this share of the mix
MNIST_MIX_COUNT = 2000  # MNIST images mixed in, so the model does not forget other hands
HELD_OUT_FRACTION = 0.25
MIN_HELD_OUT_DRAWINGS = 8  # fewer drawings than this are all used for training
MEASURE_WRITERS = (1, 2, 3, 4, 5)
MEASURE_CORRECTIONS = 30
MEASURE_TEST_LIMIT = 200
MNIST_CHECK_COUNT = 2000


@dataclasses.dataclass(frozen=True)
class FineTuneResult:
    """The fine-tuned model and its accuracy on held-out user drawings before and after."""

    model: keras.Model
    held_out: int
    accuracy_before: float | None
    accuracy_after: float | None


def mix_in(images, labels, user_images, user_labels, rng, share: float = USER_SHARE) -> tuple:
    """MNIST images with the user's drawings repeated to about `share` of all, shuffled."""
    repeats = max(1, round(share * len(images) / ((1 - share) * max(len(user_images), 1))))
    mixed_images = np.concatenate([images, np.repeat(user_images, repeats, axis=0)])
    mixed_labels = np.concatenate([labels, np.repeat(user_labels, repeats)])
    order = rng.permutation(len(mixed_images))
    return mixed_images[order], mixed_labels[order]


def held_out_split(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the user's drawings to train on and to hold out (none when too few)."""
    order = rng.permutation(count)
    held = int(count * HELD_OUT_FRACTION) if count >= MIN_HELD_OUT_DRAWINGS else 0
    return np.sort(order[held:]), np.sort(order[:held])


def fine_tune(
    model: keras.Model, user_images, user_labels, mnist_images, mnist_labels,
    epochs: int = FINE_TUNE_EPOCHS, seed: int = config.SEED,
) -> FineTuneResult:  # fmt: skip
    """A copy of `model` trained further on uint8 (N, 28, 28) user drawings mixed with MNIST.

    A quarter of the drawings are held out (when there are enough) and measured before and
    after; the original model is left untouched.
    """
    if len(user_images) == 0 or len(user_images) != len(user_labels):
        raise ValueError("Fine-tuning needs at least one drawing, each with its label.")
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    train_part, held_part = held_out_split(len(user_images), rng)
    sample = rng.choice(len(mnist_images), min(MNIST_MIX_COUNT, len(mnist_images)), replace=False)
    mixed, mixed_labels = mix_in(mnist_images[sample], mnist_labels[sample],
                                 user_images[train_part], user_labels[train_part], rng)  # fmt: skip
    tuned = _trainable_copy(model)
    inputs = (mixed.astype(np.float32) / 255.0)[..., np.newaxis]
    for _ in range(epochs):  # a fresh distortion each epoch, as `training.train` does
        distorted = augment.augment_images(inputs, rng, mixed_labels)
        tuned.fit(distorted, mixed_labels, batch_size=FINE_TUNE_BATCH, epochs=1, verbose=0)
    held_images, held_labels = user_images[held_part], user_labels[held_part]
    return FineTuneResult(tuned, len(held_part), _accuracy(model, held_images, held_labels),
                          _accuracy(tuned, held_images, held_labels))  # fmt: skip


def _trainable_copy(model: keras.Model) -> keras.Model:
    """A compiled copy of `model` with the same weights."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(optimizer=keras.optimizers.Adam(FINE_TUNE_RATE),
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    return copy


def _accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float | None:
    """Share of uint8 images the model gets right, or None when there are none."""
    if len(images) == 0:
        return None
    probabilities = evaluation.predict_images(inference.Predictor(model), images)
    return evaluation.accuracy(probabilities, labels)


# ---------------------------------------------------------------------- measurement


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


def measure_writer(model, writer, corrections, mnist_train, mnist_test, epochs) -> dict:
    """Accuracy on a writer's other drawings (and on MNIST) before and after fine-tuning."""
    images, labels = writer_drawings(writer)
    tests = slice(corrections, corrections + MEASURE_TEST_LIMIT)
    result = fine_tune(model, images[:corrections], labels[:corrections], *mnist_train, epochs)
    test_images, test_labels = mnist_test
    return {
        "writer": writer, "corrections": corrections, "tested": len(images[tests]),
        "writer_before": _accuracy(model, images[tests], labels[tests]),
        "writer_after": _accuracy(result.model, images[tests], labels[tests]),
        "mnist_before": _accuracy(model, test_images, test_labels),
        "mnist_after": _accuracy(result.model, test_images, test_labels),
    }  # fmt: skip


def main(arguments: list[str] | None = None) -> int:
    """Print before/after accuracies of fine-tuning the shipped models on a few writers."""
    parser = argparse.ArgumentParser(prog="python -m digitpad.personalize", description=__doc__)
    parser.add_argument("--models", nargs="+", default=["cnn"], choices=config.MODEL_NAMES)
    parser.add_argument("--writers", nargs="+", type=int, default=list(MEASURE_WRITERS))
    parser.add_argument("--corrections", type=int, default=MEASURE_CORRECTIONS)
    parser.add_argument("--epochs", type=int, default=FINE_TUNE_EPOCHS)
    parser.add_argument("--data", help="MNIST folder or .npz (default: $DIGITPAD_MNIST)")
    options = parser.parse_args(arguments)
    try:
        (train_images, train_labels), (test_images, test_labels) = data.load_mnist(options.data)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mnist_test = (test_images[:MNIST_CHECK_COUNT], test_labels[:MNIST_CHECK_COUNT])
    for name in options.models:
        model = inference.load_model(inference.model_path(name))
        rows = [
            measure_writer(model, writer, options.corrections, (train_images, train_labels),
                           mnist_test, options.epochs)
            for writer in options.writers
        ]  # fmt: skip
        print(_report(name, rows))
    return 0


def _report(name: str, rows: list[dict]) -> str:
    """A plain-text table of the measurement, with the mean of each column."""
    lines = [f"{name.upper()}: writer  corrections  tested  writer before -> after  MNIST"]
    for row in [*rows, _mean_row(rows)]:
        lines.append(
            f"  {row['writer']:>10}  {row['corrections']:>11}  {row['tested']:>6}  "
            f"{row['writer_before']:>12.1%} -> {row['writer_after']:<6.1%}  "
            f"{row['mnist_before']:>10.1%} -> {row['mnist_after']:.1%}"
        )
    return "\n".join(lines)


def _mean_row(rows: list[dict]) -> dict:
    keys = ("writer_before", "writer_after", "mnist_before", "mnist_after")
    mean = {key: float(np.mean([row[key] for row in rows])) for key in keys}
    return {"writer": "mean", "corrections": rows[0]["corrections"],
            "tested": sum(row["tested"] for row in rows), **mean}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
