"""Load MNIST from IDX files, a Keras mnist.npz, or Keras' own download, and check it."""

import gzip
import math
import os
import pathlib
import zipfile
import zlib

import numpy as np

from digitpad import config

IMAGES_MAGIC = 2051  # IDX header: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # IDX header: unsigned bytes, 1 dimension
IDX_UNSIGNED_BYTE = 0x08
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
HOW_TO_PROVIDE = (
    f"pass --data PATH or set {config.MNIST_ENV_VAR}=/path/to/mnist "
    "(a folder with the four MNIST IDX files or a Keras mnist.npz)"
)

Split = tuple[np.ndarray, np.ndarray]


def load_mnist(source: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """Return MNIST as ((x_train, y_train), (x_test, y_test)) uint8 arrays.

    Reads `source`, else the folder or .npz named by DIGITPAD_MNIST, else Keras' download.
    Raises ValueError naming the file and the fault when the data is missing or malformed.
    """
    path, origin = _resolve_source(source)
    if path is None:
        return _load_with_keras()
    if not path.exists():
        raise ValueError(f"{path}{origin}: no such file or directory; {HOW_TO_PROVIDE}")
    if path.is_dir():
        return _load_idx_directory(path)
    if path.suffix == ".npz":
        return _load_npz(path)
    raise ValueError(
        f"{path}{origin}: expected a folder with the four MNIST IDX files or a Keras mnist.npz file"
    )


def describe_source(source: str | os.PathLike | None = None) -> str:
    """Say where load_mnist(source) would read its data from."""
    path, origin = _resolve_source(source)
    if path is None:
        return "Keras download cache"
    return f"{path}{origin}"


def _resolve_source(source: str | os.PathLike | None) -> tuple[pathlib.Path | None, str]:
    """Return the path to read (None for Keras) and a note on where it came from."""
    if source is not None:
        return pathlib.Path(source).expanduser(), ""
    from_environment = os.environ.get(config.MNIST_ENV_VAR, "").strip()
    if from_environment:
        return pathlib.Path(from_environment).expanduser(), f" ({config.MNIST_ENV_VAR})"
    return None, ""


def _load_with_keras() -> tuple[Split, Split]:
    """Load MNIST through Keras, which downloads it once into its cache."""
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # Keras wraps network failures in a bare Exception
        raise ValueError(f"Cannot load MNIST through Keras ({error}); {HOW_TO_PROVIDE}") from error
    train = _check_split(x_train, y_train, "Keras mnist.npz: x_train", "Keras mnist.npz: y_train")
    test = _check_split(x_test, y_test, "Keras mnist.npz: x_test", "Keras mnist.npz: y_test")
    return train, test


def _load_idx_directory(directory: pathlib.Path) -> tuple[Split, Split]:
    """Load the training and test splits from the four IDX files in `directory`."""
    splits = []
    for images_stem, labels_stem in IDX_FILES.values():
        images_path = _find_idx(directory, images_stem)
        labels_path = _find_idx(directory, labels_stem)
        images = _read_idx(images_path, IMAGES_MAGIC)
        labels = _read_idx(labels_path, LABELS_MAGIC)
        splits.append(_check_split(images, labels, str(images_path), str(labels_path)))
    return splits[0], splits[1]


def _find_idx(directory: pathlib.Path, stem: str) -> pathlib.Path:
    """Return the path of IDX file `stem` in `directory`, plain or gzipped."""
    for name in (stem, f"{stem}.gz"):
        if (directory / name).is_file():
            return directory / name
    raise ValueError(f"{directory / stem}: missing (neither {stem} nor {stem}.gz exists)")


def _read_idx(path: pathlib.Path, expected_magic: int) -> np.ndarray:
    """Return the uint8 array stored in IDX file `path`, checking its header and length."""
    raw = _read_bytes(path)
    shape = _parse_idx_header(path, raw, expected_magic)
    header_size = 4 + 4 * len(shape)
    kind = "images" if expected_magic == IMAGES_MAGIC else "labels"
    item_size = math.prod(shape[1:])
    expected_payload = shape[0] * item_size
    payload = len(raw) - header_size
    if payload < expected_payload:
        raise ValueError(
            f"{path}: truncated: header says {shape[0]} {kind} "
            f"but file holds {payload // item_size}"
        )
    if payload > expected_payload:
        extra = payload - expected_payload
        raise ValueError(f"{path}: {extra} bytes beyond the {shape[0]} {kind} in the header")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _parse_idx_header(path: pathlib.Path, raw: bytes, expected_magic: int) -> tuple[int, ...]:
    """Check the IDX header of `raw` against `expected_magic` and return the array shape."""
    dimensions = expected_magic & 0xFF
    header_size = 4 + 4 * dimensions
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated: {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if raw[:2] != b"\0\0":
        raise ValueError(
            f"{path}: not an IDX file: magic number {magic}, expected {expected_magic}"
        )
    if raw[2] != IDX_UNSIGNED_BYTE:
        raise ValueError(f"{path}: IDX data type 0x{raw[2]:02x} is not unsigned byte (0x08)")
    if raw[3] != dimensions:
        raise ValueError(
            f"{path}: magic number {magic} means {raw[3]} dimensions, "
            f"expected {expected_magic} with {dimensions}"
        )
    if len(raw) < header_size:
        raise ValueError(f"{path}: truncated: {len(raw)} bytes, too short for an IDX header")
    shape = tuple(
        int.from_bytes(raw[start : start + 4], "big") for start in range(4, header_size, 4)
    )
    image_size = (config.IMAGE_SIZE, config.IMAGE_SIZE)
    if expected_magic == IMAGES_MAGIC and shape[1:] != image_size:
        raise ValueError(f"{path}: images are {shape[1]}x{shape[2]}, expected 28x28")
    return shape


def _read_bytes(path: pathlib.Path) -> bytes:
    """Return the contents of `path`, decompressed when its name ends in .gz."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: corrupt gzip file ({error})") from error
    except OSError as error:
        raise ValueError(f"{path}: cannot read ({error})") from error


def _load_npz(path: pathlib.Path) -> tuple[Split, Split]:
    """Load both splits from a .npz file in the layout of Keras' mnist.npz."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: cannot read as .npz ({error})") from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: holds one array, not a .npz archive of {', '.join(NPZ_KEYS)}")
    with archive:
        missing = [key for key in NPZ_KEYS if key not in archive.files]
        if missing:
            raise ValueError(f"{path}: missing array(s) {', '.join(missing)}")
        try:
            arrays = {key: archive[key] for key in NPZ_KEYS}
        except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
            raise ValueError(f"{path}: cannot read its arrays ({error})") from error
    train = _check_split(
        arrays["x_train"], arrays["y_train"], f"{path}: x_train", f"{path}: y_train"
    )
    test = _check_split(arrays["x_test"], arrays["y_test"], f"{path}: x_test", f"{path}: y_test")
    return train, test


def _check_split(
    images: np.ndarray, labels: np.ndarray, images_name: str, labels_name: str
) -> Split:
    """Check one split's dtypes, shapes, counts and label range; return it as uint8 arrays."""
    image_shape = (config.IMAGE_SIZE, config.IMAGE_SIZE)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != image_shape:
        raise ValueError(
            f"{images_name}: expected uint8 images of shape (N, 28, 28), "
            f"got {images.dtype} {images.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise ValueError(
            f"{labels_name}: expected integer labels of shape (N,), "
            f"got {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_name} holds {len(images)} images but {labels_name} holds {len(labels)} labels"
        )
    if len(images) == 0:
        raise ValueError(f"{images_name}: holds no images")
    outside = np.flatnonzero((labels < 0) | (labels >= config.NUM_CLASSES))
    if outside.size:
        index = outside[0]
        raise ValueError(f"{labels_name}: label {labels[index]} at index {index} is outside 0-9")
    return images, labels.astype(np.uint8, copy=False)
