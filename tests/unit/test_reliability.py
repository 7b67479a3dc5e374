"""Bad input: a clear answer or a clear error.

Fuzzes `to_mnist`, draws the awkward canvases people make, feeds bad arrays and damaged
model files (faults and load are in test_reliability_faults.py).
"""

import ast
import collections

import cv2
import hypothesis.extra.numpy as hypothesis_numpy
import keras
import numpy as np
import pytest
from helpers import REPO_ROOT, require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digitpad import config, inference, models, pendigits, preprocess, training

SIMILAR = 0.75  # correlation of two 28 x 28 results that show the same digit
PLAIN = pendigits.Placement(0.7, 0.5, 0.5, 16.0)  # a digit drawn the ordinary way
MAX_STRETCH = 1.25  # digits drawn edge to edge are stretched at most this much one way
DIGITS_PER_LABEL = 10
# Share of awkward drawings a shipped model may read confidently wrong, among digits it reads
# right when drawn normally (measured: at most 1 in 90 per kind of drawing).
MAX_CONFIDENT_MISTAKES = 0.03
FUZZ_DTYPES = (
    np.uint8, np.uint16, np.int32, np.float16, np.float32, np.float64, np.bool_, np.complex64,
    np.dtype(">f4"),
)  # fmt: skip


def white_canvas(size: int = config.CANVAS_SIZE) -> np.ndarray:
    """An empty RGBA canvas, as the app's canvas returns it."""
    return np.full((size, size, 4), 255, np.uint8)


def check_mnist_like(image: np.ndarray) -> None:
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert np.isfinite(image).all() and image.min() >= 0.0 and image.max() <= 1.0


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Correlation of two 28 x 28 images, blurred so that a one-pixel shift barely counts."""
    first, second = (cv2.GaussianBlur(image, (5, 5), 1.0) for image in (first, second))
    return float(np.corrcoef(first.ravel(), second.ravel())[0, 1])


# ------------------------------------------------------------------------------ fuzzing


@st.composite
def raw_arrays(draw) -> np.ndarray:
    """Arrays of any small shape and of many dtypes, holding any value (NaN, inf, < 0, > 1)."""
    dtype = draw(st.sampled_from(FUZZ_DTYPES))
    sides = st.integers(0, 40)
    shape = draw(
        st.one_of(
            st.tuples(sides, sides),
            st.tuples(sides, sides, st.sampled_from([1, 2, 3, 4, 5])),
            hypothesis_numpy.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
        )
    )
    return draw(hypothesis_numpy.arrays(dtype, shape))


@st.composite
def object_arrays(draw) -> np.ndarray:
    """Object arrays of image shape: numbers, None and text in the cells."""
    cells = st.one_of(st.none(), st.integers(-300, 300), st.floats(), st.text(max_size=2))
    shape = draw(st.tuples(st.integers(0, 20), st.integers(0, 20)))
    return draw(hypothesis_numpy.arrays(object, shape, elements=cells))


@st.composite
def drawings(draw) -> np.ndarray:
    """Random strokes on a canvas of random size, in each format `to_mnist` accepts."""
    size = draw(st.integers(config.MIN_IMAGE_SIDE, 300))
    points = draw(st.lists(st.tuples(st.integers(-5, size + 5), st.integers(-5, size + 5)),
                           min_size=1, max_size=6))  # fmt: skip
    pen = draw(st.integers(1, max(size // 4, 1)))
    gray = np.full((size, size), 255, np.uint8)
    cv2.polylines(gray, [np.array(points, np.int32).reshape(-1, 1, 2)], False, 0, pen, cv2.LINE_AA)
    layout = draw(st.sampled_from(["gray", "rgb", "rgba", "alpha", "float", "bool", "inverted"]))
    if layout == "rgb":
        return np.dstack([gray] * 3)
    if layout in ("rgba", "alpha"):
        alpha = 255 - gray if layout == "alpha" else np.full_like(gray, 255)
        return np.dstack([gray] * 3 + [alpha])
    if layout == "float":
        return gray.astype(np.float32) / 255.0
    if layout == "bool":
        return gray > 127
    return 255 - gray if layout == "inverted" else gray


@pytest.mark.filterwarnings("error")  # a NumPy or OpenCV warning escaping counts as a failure
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(image=st.one_of(raw_arrays(), object_arrays(), drawings()))
def test_to_mnist_returns_an_mnist_image_or_raises_value_error(image):
    try:
        result = preprocess.to_mnist(image)
    except ValueError as error:
        assert str(error)  # a message the user can read
        return
    check_mnist_like(result)


# ------------------------------------------------------------------------ canvas edge cases


def test_specks_of_noise_alone_are_not_a_digit():
    canvas = white_canvas()
    for x, y in [(30, 40), (200, 35), (140, 150), (60, 230), (250, 260)]:
        canvas[y : y + 3, x : x + 3, :3] = 0
    with pytest.raises(preprocess.BlankDrawingError, match="specks"):
        preprocess.to_mnist(canvas)


def test_a_canvas_swept_with_ink_is_not_a_digit():
    nearly_black = white_canvas()
    nearly_black[4:-4, 4:-4, :3] = 0
    noise = np.random.default_rng(0).integers(0, 256, (280, 280), dtype=np.uint8)
    for image in (nearly_black, noise):
        with pytest.raises(preprocess.FilledDrawingError, match="filled with ink"):
            preprocess.to_mnist(image)


def test_an_all_black_canvas_is_read_as_blank():
    # Uniform dark pixels are also MNIST's empty background: blank, never a digit.
    all_black = white_canvas()
    all_black[:, :, :3] = 0
    with pytest.raises(preprocess.BlankDrawingError, match="blank"):
        preprocess.to_mnist(all_black)


@pytest.fixture(scope="module")
def pen_digits(pendigits_path) -> list[pendigits.PenDigit]:
    """Ten pen-written digits of each label."""
    by_label: dict[int, list[pendigits.PenDigit]] = {}
    for digit in pendigits.load_pendigits(pendigits_path):
        by_label.setdefault(digit.label, []).append(digit)
    return [digit for label in range(10) for digit in by_label[label][:DIGITS_PER_LABEL]]


def stretch(digit: pendigits.PenDigit) -> float:
    """How much `edge_to_edge` stretches the digit one way: 1.0 for a digit as wide as tall."""
    width, height = np.maximum(np.ptp(np.concatenate(digit.strokes), axis=0), 1.0)
    return max(width / height, height / width)


def edge_to_edge(digit: pendigits.PenDigit, pen_width: float, fill: float = 1.0) -> np.ndarray:
    """The digit stretched so that its strokes reach `fill` of the way to each canvas edge."""
    size = config.CANVAS_SIZE
    points = np.concatenate(digit.strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = (size - 1) * fill / np.maximum(high - low, 1.0) * np.array([1.0, -1.0])
    offset = (size - 1) * (1 - fill) / 2
    strokes = [(stroke - low) * scale + [offset, size - 1 - offset] for stroke in digit.strokes]
    return pendigits.render(strokes, pen_width)


def awkward_drawings(digit: pendigits.PenDigit) -> dict[str, np.ndarray]:
    """The digit drawn edge to edge, with a very thin and a very thick pen, and in corners."""
    placements = {
        "pen-1px": pendigits.Placement(0.7, 0.5, 0.5, 1.0),
        "pen-2px": pendigits.Placement(0.7, 0.5, 0.5, 2.0),
        "pen-40px": pendigits.Placement(0.7, 0.5, 0.5, 40.0),
        "top-left-corner": pendigits.Placement(0.2, 0.0, 0.0, 8.0),
        "bottom-right-corner": pendigits.Placement(0.2, 1.0, 1.0, 6.0),
    }
    drawn = {name: pendigits.render_replay(digit, place) for name, place in placements.items()}
    if stretch(digit) <= MAX_STRETCH:  # a 1 stretched into a square is no longer a 1
        drawn["touching-every-edge"] = edge_to_edge(digit, PLAIN.pen_width)
    return drawn


def test_awkward_drawings_give_the_same_image_as_a_plain_one(pen_digits):
    for digit in pen_digits:
        plain = preprocess.to_mnist(pendigits.render_replay(digit, PLAIN))
        stretched = preprocess.to_mnist(edge_to_edge(digit, PLAIN.pen_width, fill=0.6))
        for name, drawing in awkward_drawings(digit).items():
            result = preprocess.to_mnist(drawing)
            check_mnist_like(result)
            reference = stretched if name == "touching-every-edge" else plain
            assert similarity(result, reference) > SIMILAR, (digit.label, name)


def test_the_edge_to_edge_drawings_touch_every_edge(pen_digits):
    digits = [digit for digit in pen_digits if stretch(digit) <= MAX_STRETCH]
    assert len(digits) >= len(pen_digits) // 5
    for digit in digits:
        ink = edge_to_edge(digit, PLAIN.pen_width)[:, :, 0] < 128
        assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any()


@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_shipped_models_are_rarely_confidently_wrong_on_awkward_drawings(name, pen_digits):
    path = inference.model_path(name)
    require(path.is_file(), f"shipped model {path} not found (make models)")
    predictor = inference.Predictor.load(name)
    # A digit the model misreads when drawn normally says nothing about awkward drawing.
    read_right = [
        digit for digit in pen_digits
        if predictor.predict_drawing(pendigits.render_replay(digit, PLAIN))[1].argmax()
        == digit.label
    ]  # fmt: skip
    assert len(read_right) >= 0.85 * len(pen_digits)
    drawn, mistakes = collections.Counter(), collections.Counter()
    for digit in read_right:
        for drawing_name, drawing in awkward_drawings(digit).items():
            _, probabilities = predictor.predict_drawing(drawing)
            drawn[drawing_name] += 1
            wrong = probabilities.argmax() != digit.label
            mistakes[drawing_name] += int(wrong and probabilities.max() >= config.LOW_CONFIDENCE)
    for drawing_name, count in drawn.items():
        allowed = max(1, round(MAX_CONFIDENT_MISTAKES * count))
        assert mistakes[drawing_name] <= allowed, f"{name}, {drawing_name}: {mistakes} of {drawn}"


# ----------------------------------------------------------------------------- predict


@pytest.fixture(scope="module")
def cnn_predictor() -> inference.Predictor:
    """An untrained CNN: the pipeline's behaviour, not its accuracy, is under test here."""
    return inference.Predictor(models.build_model("cnn"))


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((8000, 8000), np.float32), "shape"),
        (np.zeros((28, 28), np.complex64), "Unsupported pixel type"),
        (np.full((28, 28), None, object), "Unsupported pixel type"),
        (np.full((28, 28), "7"), "Unsupported pixel type"),
        (np.full((28, 28), np.inf, np.float32), "NaN or infinite"),
        (np.full((2, 28, 28), 255, np.uint8), "between 0 and 1"),
        (np.full((28, 28), -0.5), "between 0 and 1"),
        (np.zeros((0, 0)), "shape"),
    ],
    ids=["huge", "complex", "object", "text", "inf", "uint8-0-255", "negative", "zero-size"],
)
def test_probabilities_refuse_bad_arrays_with_a_clear_message(cnn_predictor, images, message):
    with pytest.raises(ValueError, match=message):
        cnn_predictor.probabilities(images)


def test_an_empty_batch_gets_an_empty_answer(cnn_predictor):
    assert cnn_predictor.probabilities(np.zeros((0, 28, 28), np.float32)).shape == (0, 10)


# ------------------------------------------------------------------------- model files


def damaged(path, saved: bytes) -> None:
    """A bit-flipped stretch in the middle: the zip's directory is fine, its contents not."""
    middle = len(saved) // 2
    path.write_bytes(saved[:middle] + bytes(64) + saved[middle + 64 :])


def unsafe(path, saved: bytes) -> None:
    """A model whose Lambda layer holds Python code: safe mode must not run it."""
    inputs = keras.Input(config.INPUT_SHAPE)
    scaled = keras.layers.Lambda(lambda images: images * 2.0)(keras.layers.Flatten()(inputs))
    keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(scaled)).save(path)


def foreign(path, saved: bytes) -> None:
    """A working Keras model that does not read digits."""
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]).save(path)


@pytest.mark.parametrize(
    ("break_file", "reason"),
    [
        (damaged, "not a readable Keras model"),
        (unsafe, "Lambda"),
        (foreign, "does not map 28x28 images to 10 digits"),
    ],
    ids=["damaged-inside", "unsafe-code", "not-a-digit-model"],
)
def test_model_files_that_load_wrongly_are_refused_saying_why(tmp_path, break_file, reason):
    path = tmp_path / "cnn.keras"
    saved = training.save_model(models.build_model("mlp"), path, {}).read_bytes()
    break_file(path, saved)
    with pytest.raises(ValueError, match=reason) as error:
        inference.load_model(path)
    assert str(path) in str(error.value)


# -------------------------------------------------------------------------------- data


def numpy_load_calls(path) -> list[ast.Call]:
    """Every `np.load(...)` / `numpy.load(...)` call in a Python file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
        and node.func.value.id in ("np", "numpy")
    ]  # fmt: skip


def test_every_numpy_load_refuses_pickles():
    sources = [*sorted((REPO_ROOT / "digitpad").glob("*.py")), REPO_ROOT / "streamlit_app.py"]
    calls = [(path, call) for path in sources for call in numpy_load_calls(path)]
    assert calls, "digitpad reads MNIST .npz files with np.load"
    for path, call in calls:
        options = {keyword.arg: keyword.value for keyword in call.keywords}
        value = options.get("allow_pickle")
        assert isinstance(value, ast.Constant) and value.value is False, (
            f"{path.name}:{call.lineno}: np.load without allow_pickle=False"
        )
