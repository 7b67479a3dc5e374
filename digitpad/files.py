"""Files users give and keep: the one image reader (app and CLI) and atomic writes."""

import io
import math
import os
import pathlib
import tempfile
import warnings
from collections.abc import Callable

import numpy as np

from digitpad import config


def atomic_write(path: pathlib.Path, write: Callable[[str], object]) -> None:
    """Write through a temporary file in the same folder, then `os.replace` it."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix
    )
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes files private; models are meant to be shared
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def check_pixel_count(width: int, height: int) -> None:
    """Refuse an image with more pixels than the app handles (before any work on them)."""
    if width * height > config.MAX_IMAGE_PIXELS:
        raise ValueError(
            f"The image is too large ({width}x{height} px); "
            f"the limit is {config.MAX_IMAGE_PIXELS:,} pixels."
        )


def read_image(
    source: bytes | str | os.PathLike,
    max_bytes: int | None = config.MAX_UPLOAD_BYTES,
    max_side: int | None = None,
) -> np.ndarray:
    """The RGB (H, W, 3) uint8 pixels of an image file or its bytes, upright per EXIF.

    Transparent parts are white. With `max_side`, a JPEG is decoded at a reduced scale (at
    least `max_side` px on its longer side): a phone photo costs little memory and time.
    Raises `ValueError` for files over `max_bytes` (None: no cap), images too large to decode
    safely, and anything that is not an image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = source if isinstance(source, bytes) else _read_capped(pathlib.Path(source), max_bytes)
    if max_bytes is not None and len(data) > max_bytes:
        raise ValueError(f"The file is too big: the limit is {max_bytes:,} bytes.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # Pillow's bomb guard runs here
                _reduce_while_decoding(image, max_side)
                check_pixel_count(*image.size)
                upright = ImageOps.exif_transpose(image)
                return np.asarray(_on_white(upright))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValueError("The image is too large to open safely.") from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError("The file is not an image Pillow can read.") from error


def _reduce_while_decoding(image, max_side: int | None) -> None:
    """Have Pillow decode a JPEG at the smallest scale still `max_side` px on its longer side."""
    if max_side is not None:
        scale = max_side / max(image.size)
        image.draft("RGB", tuple(math.ceil(side * scale) for side in image.size))


def _read_capped(path: pathlib.Path, max_bytes: int | None) -> bytes:
    """The bytes of `path`, reading no more than one byte past `max_bytes`."""
    try:
        with path.open("rb") as file:
            return file.read() if max_bytes is None else file.read(max_bytes + 1)
    except OSError as error:
        raise ValueError(f"{path}: cannot read the file ({error.strerror}).") from error


def _on_white(image):
    """An RGB Pillow image, transparent parts turned white."""
    from PIL import Image

    if not image.has_transparency_data:
        return image.convert("RGB")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
