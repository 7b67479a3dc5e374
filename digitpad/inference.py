"""Fast predictions from a saved model: load once, call many times."""

import copy
import dataclasses
import json
import pathlib
import zipfile
import zlib

import keras
import numpy as np
import tensorflow as tf
from numpy.lib.stride_tricks import sliding_window_view

from digitpad import config, preprocess, verdict

# Up to this many images, the predictor computes in NumPy in the caller's thread: no hand-off
# to TensorFlow's thread pools, which cost a drawing ~10-20 ms when the CPU was busy.
# Above it, TensorFlow's batched kernels are faster and keep memory small.
NUMPY_BATCH = 64
NUMPY_LAYERS = ("InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout")
NUMPY_ACTIVATIONS = ("linear", "relu", "softmax")

# What Keras, zipfile and h5py raise for damaged or foreign files (damage inside the zip
# surfaces only while reading: a bad CRC, a broken deflate stream, an unexpected end).
LOAD_ERRORS = (
    OSError, ValueError, TypeError, KeyError, AttributeError, EOFError, zipfile.BadZipFile,
    zlib.error,
)  # fmt: skip


def model_path(name: str, models_dir: pathlib.Path | str | None = None) -> pathlib.Path:
    """Return the path of a model's `.keras` file."""
    config.check_model_name(name)
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
        complete = zipfile.is_zipfile(path)
    except OSError as error:
        raise ValueError(f"{path}: cannot read the model file ({error.strerror}).") from error
    if not complete:  # Keras would say "File not found", which misleads
        raise ValueError(
            f"{path}: not a readable Keras model (the file is truncated or not a .keras file)."
        )
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except LOAD_ERRORS as error:
        raise ValueError(f"{path}: not a readable Keras model ({error}).") from error
    if model.input_shape[1:] != config.INPUT_SHAPE or model.output_shape[1:] != (10,):
        raise ValueError(f"{path}: the model does not map 28x28 images to 10 digits.")
    return model


def _checked_images(images) -> np.ndarray:
    """Return (N, 28, 28) or (28, 28) images as float32, once their type and values are valid."""
    array = np.asarray(images)
    size = (config.IMAGE_SIZE, config.IMAGE_SIZE)
    if array.dtype.kind not in "buif":  # bool, integers, floats
        raise ValueError(f"Unsupported pixel type {array.dtype}: use floats in [0, 1].")
    if array.ndim not in (2, 3) or array.shape[-2:] != size:
        raise ValueError(f"Expected 28x28 images, got an array of shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError("The images hold NaN or infinite values.")
    if array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError("The images must hold values between 0 and 1.")
    return array.astype(np.float32)


def numpy_steps(model: keras.Model) -> list[tuple] | None:
    """The model's layers as (kind, weights, activation) for `numpy_forward`, a snapshot of
    its weights; None when a layer is one that `numpy_forward` does not compute."""
    steps = []
    for layer in model.layers:
        kind = type(layer).__name__
        activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
        weights = [np.asarray(weight, np.float32) for weight in layer.get_weights()]
        if not _numpy_computes(layer, kind, activation, weights):
            return None
        steps.append((kind, weights, activation))
    return steps


def _numpy_computes(layer, kind: str, activation: str, weights: list) -> bool:
    """Whether `numpy_forward` computes this layer exactly as Keras does."""
    if kind not in NUMPY_LAYERS or activation not in NUMPY_ACTIVATIONS:
        return False
    if kind == "Conv2D":
        plain = layer.strides == (1, 1) and layer.dilation_rate == (1, 1)
        return plain and layer.padding == "valid" and len(weights) == 2
    if kind == "MaxPooling2D":
        return layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
    return kind != "Dense" or len(weights) == 2


def numpy_forward(steps: list[tuple], images: np.ndarray) -> np.ndarray:
    """The model's output for (N, 28, 28, 1) float32 images, computed with NumPy."""
    values = images
    for kind, weights, activation in steps:
        if kind == "Conv2D":
            values = _convolve(values, *weights)
        elif kind == "MaxPooling2D":
            count, height, width, channels = values.shape
            cropped = values[:, : height // 2 * 2, : width // 2 * 2]
            values = cropped.reshape(count, height // 2, 2, width // 2, 2, channels).max(
                axis=(2, 4)
            )
        elif kind == "Flatten":
            values = values.reshape(len(values), int(np.prod(values.shape[1:])))
        elif kind == "Dense":
            values = values @ weights[0] + weights[1]
        values = _activate(values, activation)
    return values


def _convolve(values: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A 'valid' 2-D convolution with stride 1, as one matrix product."""
    height, width, channels, filters = kernel.shape
    windows = sliding_window_view(values, (height, width), axis=(1, 2))  # N, H, W, C, kh, kw
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, height * width * channels)
    output = columns @ kernel.reshape(-1, filters) + bias
    return output.reshape(*windows.shape[:3], filters)


def _activate(values: np.ndarray, activation: str) -> np.ndarray:
    """Apply a layer's activation."""
    if activation == "relu":
        return np.maximum(values, 0)
    if activation == "softmax":
        exponentials = np.exp(values - values.max(axis=-1, keepdims=True))
        return exponentials / exponentials.sum(axis=-1, keepdims=True)
    return values


@dataclasses.dataclass(frozen=True)
class Prediction:
    """What a model makes of one drawing: the image it saw, its 10 probabilities, its verdict."""

    image: np.ndarray  # (28, 28) float32
    probabilities: np.ndarray  # (10,)
    is_digit: bool  # False: "not a digit" (under the model's threshold, or its judge refused)
    threshold: float

    @property
    def best_guess(self) -> int:
        """The most likely digit, even when the drawing is not a digit."""
        return int(self.probabilities.argmax())

    @property
    def digit(self) -> int | None:
        """The digit read, or None when the drawing is not a digit."""
        return self.best_guess if self.is_digit else None

    @property
    def refusal(self) -> str | None:
        """The message "not a digit: ...", or None when the drawing is a digit."""
        return None if self.is_digit else verdict.refusal(self.probabilities)


class Predictor:
    """Probabilities of the 10 digits for 28 x 28 images, without `model.predict`'s overhead.

    It keeps a snapshot of the model's weights: after training the model further, make a
    new Predictor.
    """

    def __init__(self, model: keras.Model, info: dict | None = None):
        self.model = model
        self.info = info or {}
        self.threshold = verdict.threshold_of(self.info)  # under it: "not a digit"
        self.judge: Predictor | None = None  # whose refusal this model shares (verdict.JUDGE)
        self._steps = numpy_steps(model)
        # One fixed signature: any batch size runs the same graph, so nothing retraces.
        self._forward = tf.function(
            lambda images: model(images, training=False),
            input_signature=[tf.TensorSpec((None, *config.INPUT_SHAPE), tf.float32)],
            jit_compile=False,
        )

    @classmethod
    def load(
        cls, name: str, models_dir: pathlib.Path | str | None = None, with_judge: bool = True
    ) -> "Predictor":
        """Load `models/<name>.keras` (and its sidecar) once; the MLP with the CNN of the same
        folder as its judge (`verdict.JUDGE`), when that one loads and `with_judge`."""
        path = model_path(name, models_dir)
        predictor = cls(load_model(path), read_sidecar(path))
        if name == verdict.JUDGE or not with_judge:
            return predictor
        try:
            return predictor.judged_by(cls.load(verdict.JUDGE, models_dir))
        except ValueError:  # no usable CNN: the MLP's own verdict alone
            return predictor

    def judged_by(self, judge: "Predictor | None") -> "Predictor":
        """This model (the same weights) with `judge`: a drawing the judge refuses is refused."""
        judged = copy.copy(self)
        judged.judge = judge
        return judged

    @classmethod
    def load_all(cls, models_dir: pathlib.Path | str | None = None) -> dict[str, "Predictor"]:
        """Every model of a folder by name, the judge loaded once and shared."""
        judge = cls.load(verdict.JUDGE, models_dir)
        return {
            name: judge if name == verdict.JUDGE
            else cls.load(name, models_dir, with_judge=False).judged_by(judge)
            for name in config.MODEL_NAMES
        }  # fmt: skip

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Return (N, 10) probabilities for (N, 28, 28) or one (28, 28) image in [0, 1]."""
        batch = _checked_images(images)
        single = batch.ndim == 2
        if single:
            batch = batch[np.newaxis]
        if self._steps is not None and len(batch) <= NUMPY_BATCH:
            output = numpy_forward(self._steps, batch[..., np.newaxis])
        else:
            output = self._forward(tf.constant(batch[..., np.newaxis])).numpy()
        return output[0] if single else output

    def predict_drawing(self, drawing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Preprocess a drawing; return its 28 x 28 image and its 10 probabilities."""
        image = preprocess.to_mnist(drawing)
        return image, self.probabilities(image)

    def read_drawing(self, drawing: np.ndarray) -> Prediction:
        """Preprocess a drawing and read it, verdict included.

        Raises `preprocess.BlankDrawingError` for a blank canvas, a dot or specks.
        """
        image, probabilities = self.predict_drawing(drawing)
        is_digit = bool(self.verdicts(image, probabilities))
        return Prediction(image, probabilities, is_digit, self.threshold)

    def is_digit(self, probabilities: np.ndarray, share: float = 1.0) -> np.ndarray:
        """Whether each row of (N, 10) probabilities (or one row) is over this model's own
        threshold (times `share`): its verdict alone, without its judge."""
        return verdict.is_digit(probabilities, self.threshold * share)

    def verdicts(
        self, images: np.ndarray, probabilities: np.ndarray, share: float = 1.0
    ) -> np.ndarray:
        """Whether each image (or the one image) is a digit: over this model's threshold (times
        `share`: in a number, `config.NUMBER_REFUSAL_SHARE`) and not refused by its judge."""
        own = self.is_digit(probabilities, share)
        if self.judge is None:
            return own
        return own & self.judge.is_digit(self.judge.probabilities(images), share)
