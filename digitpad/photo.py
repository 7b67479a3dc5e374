"""Read a digit from a photo or scan of paper: flatten the light, threshold, clean up."""

import cv2
import numpy as np

from digitpad import config
from digitpad.inference import Predictor

MAX_PHOTO_SIDE = 1000  # larger photos are scaled down to this many pixels on the longer side
BACKGROUND_KERNEL = 0.2  # closing kernel that wipes the ink out, as a share of the longer side
MIN_BACKGROUND_KERNEL = 15
INK_CEILING = 200  # flattened pixels lighter than this are paper whatever Otsu says
LINE_SPAN = 0.7  # a ruled line runs over at least this share of the image width
LINE_SLOPE = 0.2  # ruled lines lean at most this much (about 11 degrees)
LINE_ERASE = 0.012  # pen of the eraser that wipes a ruled line, as a share of the width
SPECK_EXTENT = 0.02  # ink blobs smaller than this share of the longer side are dirt


def clean_photo(image: np.ndarray) -> np.ndarray:
    """Black ink on a white background (uint8, H x W) from a photo of a digit on paper.

    Photos larger than MAX_PHOTO_SIDE are scaled down first; the result has that size.
    """
    gray = _scaled_down(_gray(image))
    flat = _flattened(gray)
    smooth = cv2.GaussianBlur(flat, (3, 3), 0)
    otsu, _ = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, ink = cv2.threshold(smooth, min(otsu, INK_CEILING), 1, cv2.THRESH_BINARY_INV)
    ink = _without_specks(_without_ruled_lines(ink))
    return np.where(ink > 0, 0, 255).astype(np.uint8)


def _gray(image: np.ndarray) -> np.ndarray:
    """Gray uint8 pixels of a gray, RGB or RGBA uint8 photo."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("Expected a photo as a uint8 image array.")
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_RGB2GRAY if image.shape[2] == 3 else cv2.COLOR_RGBA2GRAY
        return cv2.cvtColor(image, code)
    if image.ndim != 2:
        raise ValueError(f"Expected a gray or RGB photo, got an array of shape {image.shape}.")
    if min(image.shape) < config.MIN_IMAGE_SIDE:
        raise ValueError(f"The photo is too small ({image.shape[1]}x{image.shape[0]} px).")
    return image


def _scaled_down(gray: np.ndarray) -> np.ndarray:
    """The photo at most MAX_PHOTO_SIDE pixels on its longer side."""
    scale = MAX_PHOTO_SIDE / max(gray.shape)
    if scale >= 1.0:
        return gray
    size = (max(round(gray.shape[1] * scale), 1), max(round(gray.shape[0] * scale), 1))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _flattened(gray: np.ndarray) -> np.ndarray:
    """The photo divided by its paper's brightness: even light, paper near white."""
    side = max(MIN_BACKGROUND_KERNEL, round(BACKGROUND_KERNEL * max(gray.shape))) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    # Closing replaces the thinner-than-the-kernel dark ink with the paper around it.
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel)
    background = cv2.GaussianBlur(background, (side, side), 0).astype(np.float32)
    flat = gray.astype(np.float32) / np.maximum(background, 1.0) * 255.0
    return np.clip(flat, 0, 255).astype(np.uint8)


def _without_ruled_lines(ink: np.ndarray) -> np.ndarray:
    """Erase long, nearly horizontal lines that cross most of the image; mend the digit."""
    width = ink.shape[1]
    span = LINE_SPAN * width
    found = cv2.HoughLinesP(ink * 255, 1, np.pi / 360, round(span), None, span, max(width // 50, 2))
    if found is None:
        return ink
    lines = np.zeros_like(ink)
    pen = max(3, round(LINE_ERASE * width))
    for left, top, right, bottom in found.reshape(-1, 4):
        if abs(bottom - top) <= LINE_SLOPE * abs(right - left):
            cv2.line(lines, (int(left), int(top)), (int(right), int(bottom)), 1, pen)
    erased = ink & (1 - lines)
    # Where a digit's stroke crossed the line, ink above and below it joins up again.
    vertical = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2 * pen + 1))
    return erased | (cv2.morphologyEx(erased, cv2.MORPH_CLOSE, vertical) & lines)


def _without_specks(ink: np.ndarray) -> np.ndarray:
    """Drop ink blobs too small to be part of a digit."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return ink
    extents = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    keep = extents >= SPECK_EXTENT * max(ink.shape)
    return np.concatenate([[0], keep]).astype(np.uint8)[labels]


def read_photo(
    image: np.ndarray, predictor: Predictor
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cleaned photo, its 28 x 28 MNIST image and the 10 digit probabilities."""
    cleaned = clean_photo(image)
    image28, probabilities = predictor.predict_drawing(cleaned)
    return cleaned, image28, probabilities
