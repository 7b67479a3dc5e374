"""Fast predictions from a saved model: load once, call many times."""

import json
import pathlib

import keras
import numpy as np
import tensorflow as tf

from digitpad import config, preprocess


def model_path(name: str, models_dir: pathlib.Path | str | None = None) -> pathlib.Path:
    """Return the path of a model's `.keras` file."""
    if name not in config.MODEL_NAMES:
        raise ValueError(f"Unknown model {name!r}: choose one of {', '.join(config.MODEL_NAMES)}.")
    return pathlib.Path(models_dir or config.MODELS_DIR) / f"{name}.keras"


def active_model_path(name: str) -> pathlib.Path:
    """The model the app uses: the user's own training if there is one, else the shipped one."""
    user_path = model_path(name, config.USER_MODELS_DIR)
    return user_path if user_path.is_file() else model_path(name)


def sidecar_path(path: pathlib.Path | str) -> pathlib.Path:
    """Return the JSON sidecar that describes a model file."""
    return pathlib.Path(path).with_suffix(".json")


def read_sidecar(path: pathlib.Path | str) -> dict:
    """Return what the model's sidecar says, or an empty dict when it has none."""
    try:
        return json.loads(sidecar_path(path).read_text())
    except (OSError, ValueError):
        return {}


def load_model(path: pathlib.Path | str) -> keras.Model:
    """Load a `.keras` file in safe mode; a bad file raises `ValueError` saying why."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: the model file is missing.")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the model file is empty.")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValueError(f"{path}: not a readable Keras model ({error}).") from error
    if model.input_shape[1:] != config.INPUT_SHAPE or model.output_shape[1:] != (10,):
        raise ValueError(f"{path}: the model does not map 28x28 images to 10 digits.")
    return model


class Predictor:
    """Probabilities of the 10 digits for 28 x 28 images, without `model.predict`'s overhead."""

    def __init__(self, model: keras.Model, info: dict | None = None):
        self.model = model
        self.info = info or {}
        # One fixed signature: any batch size runs the same graph, so nothing retraces.
        self._forward = tf.function(
            lambda images: model(images, training=False),
            input_signature=[tf.TensorSpec((None, *config.INPUT_SHAPE), tf.float32)],
            jit_compile=False,
        )

    @classmethod
    def load(cls, name: str, models_dir: pathlib.Path | str | None = None) -> "Predictor":
        """Load `models/<name>.keras` (and its sidecar) once."""
        path = model_path(name, models_dir)
        return cls(load_model(path), read_sidecar(path))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Return (N, 10) probabilities for (N, 28, 28) or one (28, 28) image in [0, 1]."""
        batch = np.asarray(images, dtype=np.float32)
        single = batch.shape == (config.IMAGE_SIZE, config.IMAGE_SIZE)
        if single:
            batch = batch[np.newaxis]
        if batch.ndim != 3 or batch.shape[1:] != (config.IMAGE_SIZE, config.IMAGE_SIZE):
            raise ValueError(f"Expected 28x28 images, got an array of shape {batch.shape}.")
        if not np.isfinite(batch).all():
            raise ValueError("The images hold NaN or infinite values.")
        output = self._forward(tf.constant(batch[..., np.newaxis])).numpy()
        return output[0] if single else output

    def predict_drawing(self, drawing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Preprocess a drawing; return its 28 x 28 image and its 10 probabilities."""
        image = preprocess.to_mnist(drawing)
        return image, self.probabilities(image)
