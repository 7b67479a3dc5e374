"""Random changes to MNIST digits that make them look more like canvas drawings."""

import math

import cv2
import keras
import numpy as np

from digitpad import config

ROTATION_DEGREES = 12.0
SCALE_RANGE = (0.85, 1.1)
SHEAR = 0.2
SHIFT_PIXELS = 1.5
THICKER_CHANCE = 0.3  # share of digits drawn with a heavier pen
THINNER_CHANCE = 0.15  # share of digits drawn with a lighter pen


def random_affine(rng: np.random.Generator) -> np.ndarray:
    """A 2 x 3 matrix: small rotation, scale, shear and shift about the image centre."""
    angle = math.radians(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES))
    scale = rng.uniform(*SCALE_RANGE)
    shear = rng.uniform(-SHEAR, SHEAR)
    cosine, sine = math.cos(angle) * scale, math.sin(angle) * scale
    linear = np.array([[cosine, -sine], [sine, cosine]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    center = np.array([config.IMAGE_SIZE / 2 - 0.5] * 2)
    shift = rng.uniform(-SHIFT_PIXELS, SHIFT_PIXELS, size=2)
    return np.hstack([linear, (center - linear @ center + shift)[:, np.newaxis]])


def augment_image(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return one float32 (28, 28) digit with a random pen width and affine distortion."""
    pen = rng.random()
    if pen < THICKER_CHANCE:
        image = cv2.dilate(image, np.ones((2, 2), np.uint8))
    elif pen < THICKER_CHANCE + THINNER_CHANCE:
        image = cv2.erode(image, np.ones((2, 2), np.uint8))
        image = np.maximum(image, (image > 0) * 0.5).astype(np.float32)
    size = (config.IMAGE_SIZE, config.IMAGE_SIZE)
    return cv2.warpAffine(image, random_affine(rng), size, flags=cv2.INTER_LINEAR)


def augment_batch(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Augment a float32 (N, 28, 28) batch."""
    return np.stack([augment_image(image, rng) for image in images])


class TrainingSequence(keras.utils.PyDataset):
    """Shuffled batches of (float32 (B, 28, 28, 1), labels), augmented when asked."""

    def __init__(self, images, labels, batch_size, augment=True, seed=config.SEED, **kwargs):
        super().__init__(**kwargs)
        self.images = images.astype(np.float32) / 255.0
        self.labels = np.asarray(labels)
        self.batch_size, self.augment = batch_size, augment
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(self.images))

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int):
        chosen = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        batch = self.images[chosen]
        if self.augment:
            batch = augment_batch(batch, self.rng)
        return batch[..., np.newaxis], self.labels[chosen]

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.images))
