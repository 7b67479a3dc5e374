"""One person's handwriting in a training: their saved drawings mixed into MNIST.

"Include my drawings" in the app trains a fresh model on MNIST with the user's drawings
mixed in (`with_drawings`); `python -m benchmarks personalize` measures that procedure.
"""

import dataclasses

import numpy as np

USER_SHARE = 0.02  # the user's drawings, repeated, make about this share of a training's images
HELD_OUT_FRACTION = 0.25
MIN_HELD_OUT_DRAWINGS = 8  # fewer drawings than this are all used for training


@dataclasses.dataclass(frozen=True)
class MixedTraining:
    """Training images with the user's drawings mixed in, and the drawings held out to test."""

    images: np.ndarray
    labels: np.ndarray
    held_images: np.ndarray
    held_labels: np.ndarray


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


def with_drawings(images, labels, user_images, user_labels, seed: int) -> MixedTraining:
    """Hold out part of the user's drawings; mix the rest into the training images."""
    rng = np.random.default_rng(seed)
    train_part, held_part = held_out_split(len(user_images), rng)
    mixed, mixed_labels = mix_in(images, labels, user_images[train_part],
                                 user_labels[train_part], rng)  # fmt: skip
    return MixedTraining(mixed, mixed_labels, user_images[held_part], user_labels[held_part])
