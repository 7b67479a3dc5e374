"""Tests for training: progress, stopping, validation and atomic saving."""

import dataclasses
import json
import threading

import numpy as np
import pytest

from digitpad import config, inference, models, training

TINY = config.TrainingConfig(model_name="mlp", epochs=2, batch_size=32, validation_split=0.2)


@pytest.fixture(scope="module")
def tiny_data():
    """200 random 'digits': enough to run the training loop, not to learn."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (200, 28, 28), dtype=np.uint8), rng.integers(0, 10, 200)


def test_progress_is_reported_per_batch_and_per_epoch(tiny_data):
    batches, epochs = [], []
    result = training.train(
        TINY, *tiny_data, on_batch=lambda *args: batches.append(args), on_epoch=epochs.append
    )
    assert not result.stopped
    assert result.training_images == 160
    assert [report.epoch for report in epochs] == [1, 2]
    assert batches[0] == (1, 2, 1 / 5) and batches[-1] == (2, 2, 1.0)  # 160 / 32 = 5 batches
    for report in epochs:
        assert report.val_loss is not None and 0.0 <= report.val_accuracy <= 1.0
        assert report.seconds > 0 and report.images_per_second > 0


@pytest.mark.parametrize("augment", [True, False])
@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_both_models_train_with_and_without_augmentation(tiny_data, name, augment):
    settings = dataclasses.replace(TINY, model_name=name, epochs=1, augment=augment)
    result = training.train(settings, *tiny_data)
    assert len(result.history) == 1 and np.isfinite(result.history[0].loss)


def test_stop_flag_ends_training_within_a_batch(tiny_data):
    stop = threading.Event()
    batches = []

    def on_batch(epoch, epochs, fraction):
        batches.append(fraction)
        stop.set()

    settings = dataclasses.replace(TINY, epochs=5)
    result = training.train(settings, *tiny_data, on_batch=on_batch, stop_event=stop)
    assert result.stopped
    assert len(batches) == 1 and result.history == []


def two_digit_data():
    """100 black images labelled 0 and 100 white ones labelled 1: easy to be sure of."""
    images = np.repeat(np.array([0, 255], dtype=np.uint8), 100)[:, None, None]
    return (images * np.ones((28, 28))).astype(np.uint8), np.repeat([0, 1], 100)


def probabilities(model, images) -> np.ndarray:
    """The model's 10 probabilities for each uint8 image."""
    return inference.Predictor(model).probabilities(images.astype(np.float32) / 255)


def confidence(model, images) -> np.ndarray:
    """The probability each image's answer gets."""
    return probabilities(model, images).max(axis=1)


@pytest.mark.parametrize("smoothing", [0.0, 0.5])
def test_label_smoothing_is_calibrated_back_to_sure_answers(smoothing):
    """Smoothing 0.5 trains towards 0.55 for the right digit; calibration sharpens it again."""
    images, labels = two_digit_data()
    settings = dataclasses.replace(TINY, epochs=30, validation_split=0.0, label_smoothing=smoothing)
    result = training.train(settings, images, labels)
    assert (result.logit_scale > 1.0) if smoothing else (result.logit_scale == 1.0)
    assert confidence(result.model, images[[0, -1]]).min() > 0.95


def test_calibrate_makes_a_timid_model_sure_without_changing_its_answers():
    images, labels = two_digit_data()
    settings = dataclasses.replace(TINY, epochs=30, validation_split=0.0, label_smoothing=0.0)
    model = training.train(settings, images, labels).model
    layer = model.layers[-1]
    layer.set_weights([weights * 0.1 for weights in layer.get_weights()])
    before = probabilities(model, images)
    scale = training.calibrate(model, training._as_input(images), labels)
    after = probabilities(model, images)
    assert scale > 1.0 and before.max(axis=1).min() < 0.5 < 0.9 < after.max(axis=1).min()
    assert (after.argmax(axis=1) == before.argmax(axis=1)).all()


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_non_digits_learn_a_flat_answer(smoothing):
    """Striped images labelled NOT_A_DIGIT end near 1/10 each; the digits stay sure."""
    images, labels = two_digit_data()
    stripes = np.zeros((100, 28, 28), np.uint8)
    stripes[:, :, ::4] = 255
    images = np.concatenate([images, stripes])
    labels = np.concatenate([labels, np.full(100, training.NOT_A_DIGIT)])
    settings = dataclasses.replace(TINY, epochs=30, validation_split=0.0, label_smoothing=smoothing)
    result = training.train(settings, images, labels)
    assert confidence(result.model, images[[0, 199]]).min() > 0.8
    assert probabilities(result.model, stripes[:1]).max() < 0.2


def test_non_digit_targets_are_flat_rows():
    targets = training._as_targets(np.array([3, training.NOT_A_DIGIT]), rows=True)
    assert targets[0].tolist() == [0.0] * 3 + [1.0] + [0.0] * 6
    assert targets[1] == pytest.approx(np.full(10, 0.1))


def test_the_last_clean_epochs_distort_only_the_non_digits():
    images = np.random.default_rng(1).random((6, 28, 28, 1), dtype=np.float32)
    labels = np.array([1, 2, training.NOT_A_DIGIT, 3, training.NOT_A_DIGIT, 4])
    settings = config.TrainingConfig(epochs=3, augment=True, clean_epochs=1)
    rng, digits = np.random.default_rng(0), labels != training.NOT_A_DIGIT
    early = training._epoch_images(settings, images, labels, rng, epoch=1)
    last = training._epoch_images(settings, images, labels, rng, epoch=2)
    assert not np.allclose(early[digits], images[digits])
    np.testing.assert_array_equal(last[digits], images[digits])
    assert not np.allclose(last[~digits], images[~digits])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "Epochs"),
        ({"batch_size": 1000}, "batch size"),
        ({"learning_rate": -0.1}, "learning rate"),
        ({"learning_rate": float("nan")}, "learning rate"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"validation_split": 0.9}, "validation split"),
        ({"model_name": "svm"}, "Unknown model"),
        ({"label_smoothing": 1.0}, "label smoothing"),
        ({"label_smoothing": -0.1}, "label smoothing"),
        ({"mnist_copies": 0}, "MNIST copies"),
        ({"clean_epochs": 3}, "Clean epochs"),
    ],
)
def test_invalid_settings_are_refused_before_any_work(tiny_data, changes, message):
    settings = dataclasses.replace(TINY, **changes)
    calls = []
    with pytest.raises(ValueError, match=message):
        training.train(settings, *tiny_data, on_batch=lambda *args: calls.append(args))
    assert calls == []


def test_save_is_atomic_and_writes_a_sidecar(tmp_path, tiny_data):
    path = tmp_path / "mlp.keras"
    result = training.train(dataclasses.replace(TINY, epochs=1), *tiny_data)
    info = training.sidecar_info(TINY, result, test_accuracy=0.5, drawn_accuracy=None)
    training.save_model(result.model, path, info)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.json", "mlp.keras"]
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["model"] == "mlp" and sidecar["parameters"] == 407_050
    assert sidecar["training_images"] == 160 and sidecar["recipe"]["batch_size"] == 32
    assert {"mnist_test_accuracy", "drawn_digit_accuracy", "trained_at", "epochs"} <= set(sidecar)
    assert inference.load_model(path).count_params() == 407_050


def test_a_failed_save_leaves_the_previous_model_untouched(tmp_path):
    path = tmp_path / "cnn.keras"
    training.save_model(models.build_model("cnn"), path, {"model": "cnn"})
    before = path.read_bytes()

    class BrokenModel:
        def save(self, filename):
            with open(filename, "wb") as half_written:
                half_written.write(b"PK\x03\x04 half")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        training.save_model(BrokenModel(), path, {"model": "cnn"})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.json", "cnn.keras"]
