"""Tests of digitpad.trainset: MNIST plus pen digits replayed through the canvas path."""

import numpy as np
import pytest

from digitpad import config, pendigits, pendigits_source, trainset, writers

UNIPEN = """.SEGMENT DIGIT    0 ? "1"
.COMMENT 1  7  12
.PEN_DOWN
 250  400
 250  100
.PEN_UP
.SEGMENT DIGIT    1 ? "7"
.COMMENT 7  9  13
.PEN_DOWN
 100  400
 300  400
 200  100
.PEN_UP
"""


@pytest.fixture
def pen_file(tmp_path):
    path = tmp_path / "pen.tra"
    path.write_text(UNIPEN)
    return path


def mnist_like(count=5):
    return np.zeros((count, 28, 28), np.uint8), np.full(count, 3, dtype=np.int64)


def test_replays_are_mnist_style_images_of_the_digit(pen_file):
    digits = pendigits.load_pendigits(pen_file)
    images, labels = trainset.replay_images(digits, replays=3, seed=1)
    assert images.shape == (6, 28, 28) and images.dtype == np.uint8
    assert sorted(labels.tolist()) == [1, 1, 1, 7, 7, 7]
    assert images[:, 0].max() == 0 and images.max() == 255  # ink white on black, centred
    again, _ = trainset.replay_images(digits, replays=3, seed=1)
    assert np.array_equal(images, again)  # seeded: the same replays every time


def test_assemble_mixes_and_leaves_out_writers(pen_file):
    images, labels = mnist_like()
    mixed = trainset.assemble(images, labels, replays=2, pendigits_path=pen_file)
    assert (mixed.mnist_images, mixed.pen_images, mixed.pen_writers) == (5, 4, (7, 9))
    assert sorted(mixed.labels.tolist()) == [1, 1, 3, 3, 3, 3, 3, 7, 7]
    held = trainset.assemble(images, labels, 2, pen_file, exclude_writers=(9,))
    assert held.pen_writers == (7,) and sorted(set(held.labels.tolist())) == [1, 3]
    capped = trainset.assemble(images, labels, 2, pen_file, max_pen_images=2)
    assert capped.pen_images == 2


def test_without_pen_data_the_set_is_mnist_alone_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setattr(pendigits_source, "locate", lambda path, download: (None, "offline"))
    images, labels = mnist_like()
    alone = trainset.assemble(images, labels, replays=2)
    assert alone.pen_images == 0 and len(alone.images) == 5
    assert alone.note == "MNIST only: 5 images (offline)"


def test_the_recipe_decides_the_replays(pen_file):
    images, labels = mnist_like()
    settings = config.TrainingConfig(pen_replays=1, pen_images=None)
    assert trainset.for_recipe(settings, images, labels, pen_file).pen_images == 2


def test_the_recipe_can_weigh_mnist_by_copies(pen_file):
    images, labels = mnist_like()
    settings = config.TrainingConfig(pen_replays=0, non_digits=0, mnist_copies=2)
    twice = trainset.for_recipe(settings, images, labels, pen_file)
    assert twice.mnist_images == 2 * len(images)
    assert sorted(twice.labels.tolist()) == sorted(2 * list(labels))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("report", writers.report_writers()), ("fold1", writers.fold_writers(1)),
     ("3, 17", (3, 17)), (None, ())],
)  # fmt: skip
def test_writers_are_named_by_fold_or_number(text, expected):
    assert trainset.parse_writers(text) == expected


@pytest.mark.parametrize("text", ["31", "three", "fold9"])
def test_unknown_writers_are_refused(text):
    with pytest.raises(ValueError):
        trainset.parse_writers(text)
