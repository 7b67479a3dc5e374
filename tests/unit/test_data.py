"""Tests for digitpad.data: real MNIST loading and every malformed-input error."""

import gzip
import os
import pathlib
import urllib.error

import numpy as np
import pytest

from digitpad import config, data

TRAIN_COUNT = 24345
TEST_COUNT = 10000


def real_data_path(path: pathlib.Path) -> pathlib.Path:
    """Return `path` if it exists; otherwise skip the test, or fail it on CI."""
    if not path.exists():
        message = f"real MNIST data not found at {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def real_data_directory() -> pathlib.Path:
    """Return the folder of real MNIST: DIGITPAD_MNIST's, else ../shared/data/mnist."""
    from_environment = os.environ.get(config.MNIST_ENV_VAR)
    if not from_environment:
        return config.PROJECT_DIR.parent / "shared" / "data" / "mnist"
    path = pathlib.Path(from_environment)
    return path.parent if path.suffix == ".npz" else path


@pytest.fixture(scope="module")
def real_directory() -> pathlib.Path:
    return real_data_path(real_data_directory())


@pytest.fixture(scope="module")
def real_mnist(real_directory):
    """The real MNIST splits, read once from the IDX files for the whole module."""
    return data.load_mnist(real_directory)


def check_real_splits(splits) -> None:
    """Assert that `splits` has the shapes, dtypes, counts and labels of the real data."""
    (x_train, y_train), (x_test, y_test) = splits
    assert x_train.shape == (TRAIN_COUNT, 28, 28)
    assert y_train.shape == (TRAIN_COUNT,)
    assert x_test.shape == (TEST_COUNT, 28, 28)
    assert y_test.shape == (TEST_COUNT,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    for labels in (y_train, y_test):
        assert set(np.unique(labels)) == set(range(10))
    assert x_train.max() == 255


def test_real_directory_by_argument(real_mnist):
    check_real_splits(real_mnist)


def test_real_directory_by_environment(real_directory, real_mnist, monkeypatch):
    monkeypatch.setenv(config.MNIST_ENV_VAR, str(real_directory))
    loaded = data.load_mnist()
    check_real_splits(loaded)
    assert np.array_equal(loaded[1][1], real_mnist[1][1])


def test_real_npz_matches_idx_files(real_directory, real_mnist):
    loaded = data.load_mnist(real_data_path(real_directory / "mnist.npz"))
    check_real_splits(loaded)
    for from_npz, from_idx in zip(
        (*loaded[0], *loaded[1]), (*real_mnist[0], *real_mnist[1]), strict=True
    ):
        assert np.array_equal(from_npz, from_idx)


# --- tiny synthetic data -------------------------------------------------------------------

IMAGE_FILE = "train-images-idx3-ubyte"
LABEL_FILE = "train-labels-idx1-ubyte"


def idx_bytes(array: np.ndarray, magic: int | None = None, count: int | None = None) -> bytes:
    """Encode `array` as IDX bytes; `magic` and `count` override the honest header values."""
    magic = (0x0800 | array.ndim) if magic is None else magic
    shape = (len(array) if count is None else count, *array.shape[1:])
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_directory(directory: pathlib.Path, gzipped: bool = True, **overrides) -> None:
    """Write a valid four-file IDX folder (3 train, 2 test images); `overrides` replace files.

    Keys of `overrides` are file stems with '-' written as '_'; values are raw bytes.
    """
    random = np.random.default_rng(0)
    contents = {}
    for split, count in (("train", 3), ("t10k", 2)):
        images = random.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = np.arange(count, dtype=np.uint8)
        contents[f"{split}-images-idx3-ubyte"] = idx_bytes(images)
        contents[f"{split}-labels-idx1-ubyte"] = idx_bytes(labels)
    directory.mkdir(parents=True, exist_ok=True)
    for stem, payload in contents.items():
        payload = overrides.get(stem.replace("-", "_"), payload)
        if gzipped:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(payload))
        else:
            (directory / stem).write_bytes(payload)


def tiny_images(count: int = 3) -> np.ndarray:
    return np.zeros((count, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("gzipped", [True, False])
def test_synthetic_directory_loads(tmp_path, gzipped):
    write_idx_directory(tmp_path, gzipped=gzipped)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(str(tmp_path))
    assert x_train.shape == (3, 28, 28) and x_test.shape == (2, 28, 28)
    assert y_train.tolist() == [0, 1, 2] and y_test.tolist() == [0, 1]
    assert x_train.dtype == y_train.dtype == np.uint8


def test_argument_overrides_environment(tmp_path, monkeypatch):
    write_idx_directory(tmp_path / "chosen")
    monkeypatch.setenv(config.MNIST_ENV_VAR, str(tmp_path / "ignored"))
    (x_train, _), _ = data.load_mnist(tmp_path / "chosen")
    assert len(x_train) == 3


def test_describe_source(tmp_path, monkeypatch):
    monkeypatch.delenv(config.MNIST_ENV_VAR, raising=False)
    assert data.describe_source() == "Keras download cache"
    assert data.describe_source(tmp_path) == str(tmp_path)
    monkeypatch.setenv(config.MNIST_ENV_VAR, str(tmp_path))
    assert data.describe_source() == f"{tmp_path} ({config.MNIST_ENV_VAR})"


@pytest.mark.parametrize(
    ("overrides", "bad_file", "message"),
    [
        (
            {"train_images_idx3_ubyte": idx_bytes(tiny_images())[:-100]},
            IMAGE_FILE,
            "truncated: header says 3 images but file holds 2",
        ),
        (
            {"train_labels_idx1_ubyte": idx_bytes(np.arange(3), count=100)},
            LABEL_FILE,
            "truncated: header says 100 labels but file holds 3",
        ),
        ({"train_images_idx3_ubyte": b"\0\0\x08"}, IMAGE_FILE, "truncated"),
        (
            {"train_images_idx3_ubyte": idx_bytes(tiny_images(), magic=0x12345678)},
            IMAGE_FILE,
            "magic number",
        ),
        (
            {"train_images_idx3_ubyte": idx_bytes(tiny_images(), magic=0x0D03)},
            IMAGE_FILE,
            "data type",
        ),
        (
            {"train_images_idx3_ubyte": idx_bytes(np.arange(3))},
            IMAGE_FILE,
            "dimensions",
        ),
        (
            {"train_images_idx3_ubyte": idx_bytes(np.zeros((3, 28, 27), dtype=np.uint8))},
            IMAGE_FILE,
            "28x27",
        ),
        (
            {"train_images_idx3_ubyte": idx_bytes(tiny_images()) + b"\0"},
            IMAGE_FILE,
            "1 bytes beyond",
        ),
        (
            {"train_labels_idx1_ubyte": idx_bytes(np.arange(2))},
            LABEL_FILE,
            "holds 3 images but",
        ),
        (
            {"train_labels_idx1_ubyte": idx_bytes(np.array([0, 11, 2]))},
            LABEL_FILE,
            "label 11 at index 1",
        ),
    ],
)
def test_malformed_idx_files(tmp_path, overrides, bad_file, message):
    write_idx_directory(tmp_path, **overrides)
    with pytest.raises(ValueError, match=message) as caught:
        data.load_mnist(tmp_path)
    assert str(tmp_path / bad_file) in str(caught.value)


def test_corrupt_gzip(tmp_path):
    write_idx_directory(tmp_path)
    path = tmp_path / f"{LABEL_FILE}.gz"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="corrupt gzip") as caught:
        data.load_mnist(tmp_path)
    assert str(path) in str(caught.value)


def test_not_gzip_at_all(tmp_path):
    write_idx_directory(tmp_path)
    path = tmp_path / f"{IMAGE_FILE}.gz"
    path.write_bytes(b"this is not gzip data")
    with pytest.raises(ValueError, match="corrupt gzip") as caught:
        data.load_mnist(tmp_path)
    assert str(path) in str(caught.value)


def test_missing_idx_file(tmp_path):
    write_idx_directory(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match="missing") as caught:
        data.load_mnist(tmp_path)
    assert "t10k-labels-idx1-ubyte" in str(caught.value)


def test_missing_path(tmp_path):
    path = tmp_path / "nowhere"
    with pytest.raises(ValueError, match="no such file") as caught:
        data.load_mnist(path)
    assert str(path) in str(caught.value)


def test_missing_path_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "nowhere"
    monkeypatch.setenv(config.MNIST_ENV_VAR, str(path))
    with pytest.raises(ValueError, match=config.MNIST_ENV_VAR) as caught:
        data.load_mnist()
    assert str(path) in str(caught.value)


def test_file_that_is_not_npz(tmp_path):
    path = tmp_path / "mnist.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match="expected a folder") as caught:
        data.load_mnist(path)
    assert str(path) in str(caught.value)


def npz_arrays() -> dict[str, np.ndarray]:
    return {
        "x_train": tiny_images(3),
        "y_train": np.array([0, 1, 2], dtype=np.uint8),
        "x_test": tiny_images(2),
        "y_test": np.array([3, 4], dtype=np.uint8),
    }


def test_synthetic_npz_loads(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **npz_arrays())
    (_, y_train), (x_test, _) = data.load_mnist(path)
    assert y_train.tolist() == [0, 1, 2] and x_test.shape == (2, 28, 28)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"y_test": np.array([object(), None], dtype=object)}, "cannot read"),
        ({"x_train": None}, "missing array"),
        ({"x_train": np.zeros((3, 28, 28), dtype=np.float32)}, "expected uint8 images"),
        ({"x_test": np.zeros((2, 784), dtype=np.uint8)}, "expected uint8 images"),
        ({"y_train": np.array([0.0, 1.0, 2.0])}, "expected integer labels"),
        ({"y_train": np.array([0, 1], dtype=np.uint8)}, "holds 3 images but"),
        ({"y_test": np.array([3, 10], dtype=np.uint8)}, "label 10 at index 1"),
    ],
)
def test_malformed_npz(tmp_path, changes, message):
    arrays = {**npz_arrays(), **changes}
    path = tmp_path / "mnist.npz"
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    with pytest.raises(ValueError, match=message) as caught:
        data.load_mnist(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "payload",
    [b"not a zip file at all", np.lib.format.magic(1, 0)],
    ids=["garbage", "npy-header-only"],
)
def test_unreadable_npz(tmp_path, payload):
    path = tmp_path / "mnist.npz"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match="cannot read") as caught:
        data.load_mnist(path)
    assert str(path) in str(caught.value)


def test_single_array_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    with path.open("wb") as handle:
        np.save(handle, tiny_images())
    with pytest.raises(ValueError, match=r"not a \.npz archive") as caught:
        data.load_mnist(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("no network"),
        OSError("network unreachable"),
        Exception("URL fetch failure on https://storage.googleapis.com/mnist.npz"),
    ],
    ids=["URLError", "OSError", "keras-Exception"],
)
def test_offline_without_data_says_how_to_provide_it(monkeypatch, error):
    import keras

    def fail_to_download(*args, **kwargs):
        raise error

    monkeypatch.delenv(config.MNIST_ENV_VAR, raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail_to_download)
    with pytest.raises(ValueError, match=config.MNIST_ENV_VAR) as caught:
        data.load_mnist()
    assert "--data PATH" in str(caught.value)
    assert "mnist.npz" in str(caught.value)
    assert caught.value.__cause__ is error
