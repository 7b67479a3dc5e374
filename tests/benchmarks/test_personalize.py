"""The user's own drawings mixed into a training job, and the benchmark that measures it."""

import cv2
import numpy as np
import pytest

from benchmarks import personalize as personalize_benchmark
from digitpad import config, data, jobs, personalize, preprocess

BAR_LABEL = 4  # the user's own way of writing a 4: a plain slanted bar, which MNIST never shows


def bars(count: int, seed: int = 0) -> np.ndarray:
    """`count` slanted bars of varying angle and pen, as uint8 28 x 28 MNIST-style images."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, config.IMAGE_SIZE, config.IMAGE_SIZE), np.uint8)
    for index in range(count):
        canvas = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE), 255, np.uint8)
        rise = int(rng.integers(30, 70))
        pen = int(rng.integers(12, 28))
        cv2.line(canvas, (50, 140 + rise), (230, 140 - rise), 0, pen)
        images[index] = np.round(preprocess.to_mnist(canvas) * 255).astype(np.uint8)
    return images


@pytest.fixture(scope="module")
def mnist_sample(mnist_source):
    (images, labels), _ = data.load_mnist(mnist_source)
    return images[:600], labels[:600]


def test_mix_in_repeats_the_drawings_to_the_share_and_keeps_pairs(mnist_sample):
    images, labels = mnist_sample
    user = bars(10)
    mixed, mixed_labels = personalize.mix_in(
        images, labels, user, np.full(10, BAR_LABEL), np.random.default_rng(0), share=0.25
    )
    from_user = np.array([any(np.array_equal(image, bar) for bar in user) for image in mixed])
    assert len(mixed) == 600 + 10 * 20 and from_user.sum() == 200
    assert (mixed_labels[from_user] == BAR_LABEL).all()
    assert not from_user[-200:].all()  # shuffled, not appended


@pytest.mark.parametrize(("count", "held"), [(4, 0), (8, 2), (40, 10)])
def test_held_out_split_is_a_disjoint_quarter(count, held):
    train_part, held_part = personalize.held_out_split(count, np.random.default_rng(1))
    assert len(held_part) == held and not set(train_part) & set(held_part)
    assert sorted([*train_part, *held_part]) == list(range(count))


def test_with_drawings_holds_out_a_quarter_and_mixes_in_the_rest(mnist_sample):
    images, labels = mnist_sample
    user = bars(40)
    mixed = personalize.with_drawings(images, labels, user, np.full(40, BAR_LABEL), seed=3)
    assert len(mixed.held_images) == 10 and (mixed.held_labels == BAR_LABEL).all()
    repeats = max(1, round(personalize.USER_SHARE * 600 / ((1 - personalize.USER_SHARE) * 30)))
    assert len(mixed.images) == 600 + 30 * repeats == len(mixed.labels)
    held = [any(np.array_equal(image, bar) for bar in mixed.held_images) for image in mixed.images]
    assert not any(held)  # a held-out drawing is never trained on


def test_the_benchmark_trains_as_the_app_and_learns_the_writers_way(mnist_sample):
    """The same procedure as "Include my drawings": bars are read as 0s only with them."""
    settings = config.TrainingConfig(model_name="mlp", epochs=3, batch_size=32, non_digits=0)
    user = (bars(40), np.zeros(40, np.int64))  # no MNIST 0 looks like a bar
    baseline = personalize_benchmark.train_as_the_app(settings, mnist_sample)
    personal = personalize_benchmark.train_as_the_app(settings, mnist_sample, user)
    unseen = bars(60, seed=9)
    before = personalize_benchmark.accuracy(baseline, unseen, np.zeros(60, np.int64))
    after = personalize_benchmark.accuracy(personal, unseen, np.zeros(60, np.int64))
    assert before <= 0.2 and after >= 0.7, (before, after)


def test_a_job_with_the_users_drawings_reports_their_held_out_accuracy(mnist_sample, tmp_path):
    images, labels = mnist_sample
    settings = config.TrainingConfig(model_name="mlp", epochs=1, batch_size=32, non_digits=0)
    job = jobs.TrainingJob(
        settings, images, labels, test_images=images[:100], test_labels=labels[:100],
        models_dir=tmp_path, drawn_count=0, user_drawings=(bars(20), np.full(20, BAR_LABEL)),
    )  # fmt: skip
    assert len(job.images) == 600 + 15 * 1  # 2 % of 600 is less than one copy each
    assert job.start().join(120.0)
    report = job.snapshot().evaluation
    assert job.snapshot().status == jobs.FINISHED and report.user_held_out == 5
    assert 0.0 <= report.user_accuracy <= 1.0
