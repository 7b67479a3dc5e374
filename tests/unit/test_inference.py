"""Tests for the fast predictor."""

import keras
import numpy as np
import pytest
from test_preprocess import canvas

from digitpad import config, inference, models, training


@pytest.fixture(scope="module")
def saved_cnn(tmp_path_factory):
    """An untrained but real CNN saved as a .keras file with a sidecar."""
    path = tmp_path_factory.mktemp("models") / "cnn.keras"
    training.save_model(models.build_model("cnn"), path, {"model": "cnn"})
    return path


@pytest.fixture(scope="module")
def predictor(saved_cnn):
    return inference.Predictor.load("cnn", saved_cnn.parent)


@pytest.mark.parametrize("name", config.MODEL_NAMES)
@pytest.mark.parametrize("count", [7, inference.NUMPY_BATCH + 9])  # NumPy, then TensorFlow
def test_probabilities_equal_model_predict(name, count):
    # Fixed weights: with random ones, 1 model in 30 put two answers so close that float32
    # rounding moved them 2e-5 apart.
    keras.utils.set_random_seed(0)
    model = models.build_model(name)
    model.set_weights([weight * 4 for weight in model.get_weights()])  # confident answers
    predictor = inference.Predictor(model)
    images = np.random.default_rng(0).random((count, 28, 28), dtype=np.float32)
    expected = model.predict(images[..., np.newaxis], verbose=0)
    assert expected.max() > 0.9  # the probabilities differ from digit to digit
    np.testing.assert_allclose(predictor.probabilities(images), expected, atol=1e-5)
    np.testing.assert_allclose(predictor.probabilities(images[0]), expected[0], atol=1e-5)


def test_small_batches_use_numpy_and_large_ones_do_not_retrace(predictor):
    for count in (1, 3, 17):
        predictor.probabilities(np.zeros((count, 28, 28), np.float32))
    assert predictor._forward.experimental_get_tracing_count() == 0
    for count in (65, 100, 130):
        predictor.probabilities(np.zeros((count, 28, 28), np.float32))
    assert predictor._forward.experimental_get_tracing_count() == 1


def test_a_layer_numpy_does_not_compute_falls_back_to_tensorflow():
    model = keras.Sequential([
        keras.Input(config.INPUT_SHAPE), keras.layers.Conv2D(4, 3, padding="same"),
        keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip
    predictor = inference.Predictor(model)
    images = np.random.default_rng(1).random((3, 28, 28), dtype=np.float32)
    expected = model.predict(images[..., np.newaxis], verbose=0)
    np.testing.assert_allclose(predictor.probabilities(images), expected, atol=1e-5)
    assert inference.numpy_steps(model) is None


def test_sidecar_is_loaded_with_the_model(predictor):
    assert predictor.info == {"model": "cnn"}


def test_predict_drawing_returns_what_the_model_sees(predictor):
    image, probabilities = predictor.predict_drawing(canvas())
    assert image.shape == (28, 28) and probabilities.shape == (10,)


@pytest.mark.parametrize(
    "images", [np.zeros((2, 32, 32)), np.full((28, 28), np.nan), np.zeros((2, 28, 28, 3))]
)
def test_bad_arrays_are_refused(predictor, images):
    with pytest.raises(ValueError):
        predictor.probabilities(images)


def test_missing_empty_and_corrupt_model_files_say_which(tmp_path):
    missing = tmp_path / "missing.keras"
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"not a zip file at all")
    for path, reason in [(missing, "missing"), (empty, "empty"), (corrupt, "not a readable")]:
        with pytest.raises(ValueError, match=reason) as error:
            inference.load_model(path)
        assert str(path) in str(error.value)


def test_unknown_model_name_is_refused():
    with pytest.raises(ValueError, match="Unknown model"):
        inference.model_path("svm")


def test_shipped_models_exist_with_sidecars():
    for name in config.MODEL_NAMES:
        path = inference.model_path(name)
        assert path.is_file(), f"{path} is missing: train it with `make models`"
        assert inference.read_sidecar(path)["model"] == name
