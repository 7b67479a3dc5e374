"""The Draw tab's photo upload, through AppTest (a stand-in plays the uploaded file)."""

import io
import types

import cv2
import numpy as np
import pytest
import streamlit as st
from app_helpers import markdown_text, run_app
from PIL import Image

from digitpad import config, files, inference, photo, verdict
from ui.messages import PHOTO_BLANK


def paper_seven() -> np.ndarray:
    """A gray photo of a 7 on unevenly lit, ruled grey paper."""
    columns = np.mgrid[0:300, 0:300][1] / 300
    page = 190.0 * (1.0 - 0.3 * columns)
    page[::60] *= 0.7  # ruled lines
    cv2.polylines(page, [np.array([(90, 70), (210, 70), (130, 250)], np.int32)], False, 60.0, 16)
    return cv2.GaussianBlur(page, (0, 0), 1.0).astype(np.uint8)


def jpeg_bytes(gray: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def upload(monkeypatch):
    """Make the photo uploader return the file each test sets (other uploaders: nothing)."""
    uploaded = types.SimpleNamespace(file=None)
    real_uploader = st.file_uploader

    def fake_uploader(label, *arguments, key=None, **options):
        if key != "photo":
            return real_uploader(label, *arguments, key=key, **options)
        fake_uploader.options = {"label": label, **options}
        if uploaded.file is None:
            return None
        return types.SimpleNamespace(name="digit.jpg", getvalue=lambda: uploaded.file)

    monkeypatch.setattr(st, "file_uploader", fake_uploader)
    uploaded.uploader = fake_uploader
    return uploaded


def test_the_draw_tab_offers_a_photo_upload(app_home, canvas, upload):
    run_app()
    assert upload.uploader.options["label"] == "…or upload a photo of a digit"
    assert upload.uploader.options["type"] == ["png", "jpg", "jpeg"]


def test_an_uploaded_photo_is_cleaned_and_read(app_home, canvas, upload):
    upload.file = jpeg_bytes(paper_seven())
    app = run_app()
    cleaned = photo.clean_photo(files.read_image(upload.file))
    _, probabilities = inference.Predictor.load("cnn", app_home.shipped).predict_drawing(cleaned)
    digit = int(np.argmax(probabilities))
    assert f'<div class="dp-digit">{digit}</div>' in markdown_text(app)
    captions = [caption for image in app.image for caption in image.captions]
    assert "The photo, cleaned: what the model reads" in captions
    assert "What the model sees: 28 × 28" in captions
    assert not app.error


def test_a_file_that_is_not_an_image_shows_an_error(app_home, canvas, upload):
    upload.file = b"not a picture at all"
    app = run_app()
    assert [error.value for error in app.error] == [
        "Cannot read digit.jpg: The file is not an image Pillow can read."
    ]
    assert "says" not in markdown_text(app)


def test_an_oversized_upload_shows_an_error(app_home, canvas, upload):
    upload.file = bytes(config.MAX_UPLOAD_BYTES + 1)
    app = run_app()
    assert "too big" in app.error[0].value


def phone_photo(megabytes: float = 5.0) -> bytes:
    """A 4032 x 3024 JPEG of the paper 7 with sensor noise, about as heavy as a phone's."""
    big = cv2.resize(paper_seven(), (4032, 3024), interpolation=cv2.INTER_LINEAR)
    noise = np.random.default_rng(0).normal(0, 12, big.shape)
    data = jpeg_bytes(np.clip(big + noise, 0, 255).astype(np.uint8))
    assert len(data) > megabytes * 1024 * 1024 * 0.6, len(data)
    return data


def test_a_phone_photo_of_several_megabytes_is_read(app_home, canvas, upload):
    upload.file = phone_photo()
    assert len(upload.file) > 3 * 1024 * 1024
    app = run_app()
    assert not app.error
    assert '<div class="dp-digit">' in markdown_text(app)


def test_blank_paper_gets_the_photos_own_message(app_home, canvas, upload):
    upload.file = jpeg_bytes(np.full((300, 300), 200, np.uint8))
    app = run_app()
    assert [info.value for info in app.info][-1] == PHOTO_BLANK
    assert "says" not in markdown_text(app) and not app.error


def test_a_photo_the_model_refuses_is_not_a_digit(app_home, canvas, upload, monkeypatch):
    flat = np.array([0.1, 0.1, 0.1, 0.19, 0.1, 0.1, 0.1, 0.1, 0.01, 0.1], np.float32)
    monkeypatch.setattr(inference.Predictor, "probabilities", lambda self, images: flat)
    upload.file = jpeg_bytes(paper_seven())
    app = run_app()
    assert not app.exception, app.exception
    text = markdown_text(app)
    assert text.count(verdict.NOT_A_DIGIT_HEADLINE) == 1  # the canvas is blank: the photo's
    assert "Best guess: 3 · 19.0%" in text
