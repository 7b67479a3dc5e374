"""How the page writes small images."""

import base64

import cv2
import numpy as np
import pytest

from ui.formatting import enlarged, png_data_url


def test_a_png_data_url_holds_the_exact_pixels():
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    pixels = enlarged(image, 140)
    url = png_data_url(pixels)
    assert url.startswith("data:image/png;base64,")
    png = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
    np.testing.assert_array_equal(cv2.imdecode(png, cv2.IMREAD_UNCHANGED), pixels)


def test_a_png_data_url_takes_only_grayscale_bytes():
    with pytest.raises(ValueError, match="grayscale uint8"):
        png_data_url(np.zeros((28, 28), np.float32))
