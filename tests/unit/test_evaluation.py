"""Tests for accuracy figures."""

import numpy as np

from digitpad import evaluation


def test_accuracy_and_confusion_matrix():
    labels = np.array([0, 1, 2, 2])
    probabilities = np.eye(10)[[0, 1, 2, 7]]
    assert evaluation.accuracy(probabilities, labels) == 0.75
    matrix = evaluation.confusion_matrix(labels, probabilities.argmax(axis=1))
    assert matrix.sum() == 4 and matrix[2, 7] == 1 and matrix[2, 2] == 1
    per_class = evaluation.per_class_accuracy(matrix)
    assert per_class[2] == 0.5 and per_class[5] == 0.0  # no samples: 0, not a division error


def test_blank_drawings_count_as_wrong_not_as_a_lucky_guess():
    canvases = np.full((3, 280, 280), 255, np.uint8)
    images, readable = evaluation.to_mnist_batch(canvases)
    assert not readable.any() and images.max() == 0


def test_naive_baseline_shrinks_the_whole_canvas():
    canvas = np.full((280, 280), 255, np.uint8)
    canvas[:, :10] = 0
    image = evaluation.naive_resize(canvas)
    assert image.shape == (28, 28) and image[:, 0].min() == 1.0 and image[:, 5:].max() == 0.0
