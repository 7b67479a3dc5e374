"""Train a model with outlier exposure: MNIST + pen digits of folds 0-2 + non-digits (label -1).

    python scripts/nondigit_train.py --model cnn --epochs 15 --non-digits 16000 --out /tmp/v3

The README's "What is not a digit" figures for this recipe came from this mix (run as two
scratch scripts with the same seeds and steps). Fold 3 is left for tuning the threshold
(`scripts/nondigit_rates.py --tune-fold 3`), fold 4 for reporting.
"""

import argparse
import pathlib

import numpy as np

from digitpad import config, data, nondigits, pendigits, preprocess, training, writers

TRAINING_FOLDS = (0, 1, 2)
REPLAYS = 2  # each pen digit is drawn this many times, each with its own pen and place


def pen_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The training folds' pen digits replayed on the canvas, as uint8 (N, 28, 28), and labels."""
    chosen = [writer for fold in TRAINING_FOLDS for writer in writers.fold_writers(fold)]
    _, digits = writers.split_by_writer(pendigits.load_pendigits(), chosen)
    images, labels = [], []
    for _ in range(REPLAYS):
        for digit in digits:
            placement = pendigits.random_placement(rng)
            canvas = pendigits.render_gray(
                pendigits.place_strokes(digit, placement), placement.pen_width
            )
            try:
                images.append(np.rint(preprocess.to_mnist(canvas) * 255).astype(np.uint8))
            except preprocess.BlankDrawingError:
                continue
            labels.append(digit.label)
    return np.array(images), np.array(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=config.MODEL_NAMES, default="cnn")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--non-digits", type=int, default=16000)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    arguments = parser.parse_args()
    rng = np.random.default_rng(21)
    pen_images, pen_labels = pen_digits(rng)
    non_digits = nondigits.training_images(arguments.non_digits, rng)
    (images, labels), _ = data.load_mnist()
    images = np.concatenate([images, pen_images, non_digits])
    labels = np.concatenate(
        [labels.astype(np.int64), pen_labels, np.full(len(non_digits), training.NOT_A_DIGIT)]
    )
    order = np.random.default_rng(5).permutation(len(images))
    settings = config.TrainingConfig(
        model_name=arguments.model, epochs=arguments.epochs, learning_rate=0.003, augment=True,
        validation_split=0.1, label_smoothing=arguments.label_smoothing,
    )  # fmt: skip
    result = training.train(settings, images[order], labels[order], on_epoch=print)
    path = arguments.out / f"{arguments.model}.keras"
    training.save_model(result.model, path, {"model": arguments.model})
    print(f"saved {path} ({result.seconds:.0f} s, logit scale {result.logit_scale})")


if __name__ == "__main__":
    main()
