"""Turn a drawing (canvas, photo of ink, any size) into a 28 x 28 MNIST-style image."""

import cv2
import numpy as np

from digitpad import config, files


class BlankDrawingError(ValueError):
    """The drawing holds no digit: no ink, or only a dot or specks."""


class FilledDrawingError(BlankDrawingError):
    """The drawing is nearly all ink: no digit shape is left to read."""


def to_mnist(image: np.ndarray) -> np.ndarray:
    """Return `image` as MNIST draws digits: (28, 28) float32 in [0, 1], white on black.

    Accepts uint8, bool or float ([0, 1]) arrays: grayscale (H, W), RGB or RGBA (H, W, 3|4).
    Raises `BlankDrawingError` (a `ValueError`) when there is no digit to read.
    """
    ink = ink_map(image)
    mask = ink_mask(ink)
    _check_ink_amount(mask)
    mask = _crop(_without_specks(_crop(mask), config.MIN_INK_EXTENT * max(ink.shape)))
    mask = _crop(_without_stray_dots(mask))
    stroke_width, thickest = thickness(mask)
    if max(mask.shape) < max(config.MIN_INK_EXTENT * max(ink.shape), 1.5 * thickest):
        raise BlankDrawingError("The drawing is only a dot: draw a digit.")
    return _center_of_mass_box(_fit_box(_normalize_stroke(mask, stroke_width)))


def ink_map(image: np.ndarray) -> np.ndarray:
    """Return the ink of `image` as uint8, 255 where the ink is darkest."""
    pixels = validated(image)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        if alpha.min() < 255:  # a transparent background: the alpha channel is the ink
            return np.ascontiguousarray(alpha)
        gray = cv2.cvtColor(pixels, cv2.COLOR_RGBA2GRAY)
    elif pixels.ndim == 3:
        gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    else:
        gray = pixels
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    # Light background (canvas, paper): ink is dark. Dark background (MNIST): ink is light.
    return cv2.bitwise_not(gray) if np.median(border) >= 128 else gray


def ink_mask(ink: np.ndarray) -> np.ndarray:
    """A uint8 mask of an `ink_map`: 1 where it counts as ink, 0 elsewhere."""
    _, mask = cv2.threshold(ink, config.INK_LEVEL - 1, 1, cv2.THRESH_BINARY)
    return mask


def validated(image: np.ndarray) -> np.ndarray:
    """Check shape, dtype and values; return the pixels as contiguous uint8."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"Expected an image array, got {type(image).__name__}.")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ValueError(
            f"Expected a grayscale (H, W) or RGB/RGBA (H, W, 3|4) image, got shape {image.shape}."
        )
    height, width = image.shape[:2]
    if min(height, width) < config.MIN_IMAGE_SIDE:
        raise ValueError(f"The image is too small ({width}x{height} px) to hold a digit.")
    files.check_pixel_count(width, height)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return np.ascontiguousarray(_as_uint8(image))


def _as_uint8(image: np.ndarray) -> np.ndarray:
    """Return uint8 pixels from uint8, bool or float ([0, 1]) pixels."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.dtype in (np.float16, np.float32, np.float64):
        if not np.isfinite(image).all():
            raise ValueError("The image holds NaN or infinite values.")
        if image.min() < 0.0 or image.max() > 1.0:
            raise ValueError("A float image must hold values between 0 and 1.")
        return np.rint(image * 255.0).astype(np.uint8)
    raise ValueError(f"Unsupported pixel type {image.dtype}: use uint8 or float in [0, 1].")


def _check_ink_amount(mask: np.ndarray) -> None:
    """Refuse a 0/1 mask with almost no ink, or one nearly covered with ink."""
    inked = cv2.countNonZero(mask)
    if inked < max(config.MIN_INK_FRACTION * mask.size, 1):
        raise BlankDrawingError("The canvas is blank: draw a digit.")
    _, _, width, height = cv2.boundingRect(mask)
    spans_image = min(width / mask.shape[1], height / mask.shape[0]) >= config.FILLED_SPAN
    if spans_image and inked > config.FILLED_FRACTION * width * height:
        raise FilledDrawingError("The canvas is filled with ink: clear it and draw a digit.")


def _without_specks(mask: np.ndarray, speck_size: float) -> np.ndarray:
    """Drop specks of noise: ink blobs that are tiny next to the whole drawing.

    Raises `BlankDrawingError` when every blob is smaller than `speck_size` pixels across.
    """
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    extents = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    if extents.max() < speck_size:
        raise BlankDrawingError("The drawing is only a dot or specks: draw a digit.")
    # The largest blob always stays: many equal blobs must not all count as noise.
    keep = areas >= min(config.SPECK_FRACTION * areas.sum(), areas.max())
    if keep.all():
        return mask
    return np.concatenate([[0], keep]).astype(np.uint8)[labels]


def _without_stray_dots(mask: np.ndarray) -> np.ndarray:
    """Drop dots far from the rest of the ink: a stray tap must not shrink the digit.

    A dot is at most `STRAY_DOT_PENS` pen widths across; the largest blob always stays, so a
    lone dot is still reported as a dot.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 2:
        return mask
    pen_width, _ = thickness(mask)
    extents = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    dots = extents <= config.STRAY_DOT_PENS * pen_width
    dots[np.argmax(stats[1:, cv2.CC_STAT_AREA])] = False
    if not dots.any():
        return mask
    rest = np.isin(labels, np.flatnonzero(~dots) + 1)
    distances = cv2.distanceTransform(np.where(rest, 0, 1).astype(np.uint8), cv2.DIST_L2, 3)
    stray = [
        label + 1 for label in np.flatnonzero(dots)
        if distances[labels == label + 1].min() > config.STRAY_GAP_PENS * pen_width
    ]  # fmt: skip
    return np.where(np.isin(labels, stray), 0, mask).astype(np.uint8)


def _crop(mask: np.ndarray) -> np.ndarray:
    """Return the part of a uint8 mask that holds its ink."""
    left, top, width, height = cv2.boundingRect(mask)
    return mask[top : top + height, left : left + width]


def thickness(mask: np.ndarray) -> tuple[float, float]:
    """Estimate the pen width of a 0/1 mask, and the width of the thickest part of its ink.

    Across a stroke w pixels wide the distances to the edge run 1, 2, ... w/2, so their mean
    is (w/2 + 1)/2. A dot is as thick as it is wide.
    """
    padded = np.pad(mask, 1)
    distances = cv2.distanceTransform(padded, cv2.DIST_L2, 3)
    stroke_width = max(4.0 * float(distances[padded > 0].mean()) - 2.0, 1.0)
    return stroke_width, 2.0 * float(distances.max())


def _normalize_stroke(mask: np.ndarray, stroke_width: float) -> np.ndarray:
    """Redraw the ink with MNIST's pen: a stroke about 1/8 of the digit's size.

    Works at a fixed scale so that a 6 px and a 30 px pen give the same digit.
    """
    skeleton_extent = max(max(mask.shape) - stroke_width, 1.0)
    target_width = config.STROKE_RATIO * skeleton_extent / (1.0 - config.STROKE_RATIO)
    scale = config.WORK_SIZE / (skeleton_extent + max(stroke_width, target_width))
    height, width = (max(round(side * scale), 1) for side in mask.shape)
    margin = round(max(target_width - stroke_width, 0.0) * scale / 2) + 1
    work = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    work = np.pad((work >= 0.5).astype(np.uint8), margin)
    change = round((target_width - stroke_width) * scale / 2)
    if change != 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(change) + 1,) * 2)
        work = cv2.dilate(work, kernel) if change > 0 else cv2.erode(work, kernel)
    if not work.any():  # an extremely thin, tiny drawing can vanish: keep the original ink
        work = mask
    return _crop(work).astype(np.float32)


def _fit_box(ink: np.ndarray) -> np.ndarray:
    """Scale the ink so its longer side is 20 px, keeping the aspect ratio."""
    scale = config.DIGIT_BOX / max(ink.shape)
    height, width = (max(round(side * scale), 1) for side in ink.shape)
    return cv2.resize(ink, (width, height), interpolation=cv2.INTER_AREA)


def _center_of_mass_box(digit: np.ndarray) -> np.ndarray:
    """Paste the digit into 28 x 28 with its centre of mass at the centre."""
    size = config.IMAGE_SIZE
    height, width = digit.shape
    total = float(digit.sum())
    rows, columns = np.indices(digit.shape)
    center_row = float((rows * digit).sum()) / total
    center_column = float((columns * digit).sum()) / total
    top = int(np.clip(round(size / 2 - center_row - 0.5), 0, size - height))
    left = int(np.clip(round(size / 2 - center_column - 0.5), 0, size - width))
    result = np.zeros((size, size), dtype=np.float32)
    result[top : top + height, left : left + width] = digit
    return np.clip(result, 0.0, 1.0)
