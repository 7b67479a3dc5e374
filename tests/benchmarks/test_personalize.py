"""Fine-tuning on the user's own drawings, and mixing them into a training job."""

import cv2
import numpy as np
import pytest

from digitpad import config, data, inference, jobs, personalize, preprocess

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


def test_fine_tuning_learns_the_users_way_of_writing_and_leaves_the_model(mnist_sample):
    model = inference.load_model(inference.model_path("cnn"))
    weights = [weight.copy() for weight in model.get_weights()]
    user = bars(40)
    result = personalize.fine_tune(model, user, np.full(40, BAR_LABEL), *mnist_sample, epochs=2)
    assert result.held_out == 10
    assert result.accuracy_before <= 0.2  # the shipped model never reads a bar as a 4
    assert result.accuracy_after >= 0.9
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))


def test_fine_tuning_needs_drawings(mnist_sample):
    model = inference.load_model(inference.model_path("mlp"))
    with pytest.raises(ValueError, match="at least one drawing"):
        personalize.fine_tune(model, np.zeros((0, 28, 28), np.uint8), np.zeros(0), *mnist_sample)


def test_a_job_with_the_users_drawings_reports_their_held_out_accuracy(mnist_sample, tmp_path):
    images, labels = mnist_sample
    settings = config.TrainingConfig(model_name="mlp", epochs=1, batch_size=32)
    job = jobs.TrainingJob(
        settings, images, labels, test_images=images[:100], test_labels=labels[:100],
        models_dir=tmp_path, drawn_count=0, user_drawings=(bars(20), np.full(20, BAR_LABEL)),
    )  # fmt: skip
    assert len(job.images) == 600 + 15 * 1  # 2 % of 600 is less than one copy each
    assert job.start().join(120.0)
    report = job.snapshot().evaluation
    assert job.snapshot().status == jobs.FINISHED and report.user_held_out == 5
    assert 0.0 <= report.user_accuracy <= 1.0
