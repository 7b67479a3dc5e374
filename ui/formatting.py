"""How the page writes numbers, times, models and small images."""

import base64
import datetime
import math

import cv2
import numpy as np

from digitpad import config

MODEL_LABELS = {"mlp": "MLP", "cnn": "CNN"}


def percent(value: float | None) -> str:
    """0.9876 -> '98.8%'; None -> '–'."""
    return "–" if value is None else f"{value:.1%}"


def confidence(probability: float) -> str:
    """A probability as a percentage rounded down, so a near-certain answer never reads 100%."""
    return f"{math.floor(probability * 1000) / 10:.1f}%"


def optional_percent(value: float | None) -> float | None:
    """A share as a percentage (0.9876 -> 98.76), for tables; None stays None."""
    return None if value is None else 100.0 * value


def format_duration(seconds: float) -> str:
    """Seconds as m:ss."""
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def format_timestamp(value: str) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM' in local time; unreadable ones unchanged."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def enlarged(image: np.ndarray, size: int) -> np.ndarray:
    """A 28 x 28 image as uint8, enlarged without smoothing so each pixel stays a square."""
    pixels = image if image.dtype == np.uint8 else np.rint(image * 255).astype(np.uint8)
    return cv2.resize(pixels, (size, size), interpolation=cv2.INTER_NEAREST)


def png_data_url(pixels: np.ndarray) -> str:
    """Grayscale uint8 pixels as a PNG `data:` URL.

    `st.image` sends a URL as it is: the browser shows the picture without fetching a file
    from the server, and the server neither stores nor serves one for every stroke.
    """
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError(f"Expected grayscale uint8 pixels, got {pixels.dtype} {pixels.shape}.")
    _, png = cv2.imencode(".png", pixels)
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")


def other_model(name: str) -> str:
    """The model that is not `name`."""
    return next(other for other in config.MODEL_NAMES if other != name)


def with_default(options: tuple, default) -> list:
    """`options` with the default value added, sorted."""
    return sorted({*options, default})


GALLERY_SIZE = 56  # a 28 x 28 thumbnail, enlarged 2x
