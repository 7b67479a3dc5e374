"""Photos and scans of paper: loading, cleaning, reading with the shipped CNN, the CLI."""

import io

import cv2
import numpy as np
import pytest
from helpers import require
from PIL import Image

from digitpad import config, files, inference, photo
from digitpad.inference import Predictor

SIDE = 400
SEVEN = [(140, 110), (270, 110), (180, 320)]  # the top bar spans a third of the page
RULED_ROWS = range(40, SIDE, 70)  # the second line crosses the 7's bar row, others its stem


def paper_with_seven(ruled: bool) -> np.ndarray:
    """A gray photo of a thick-pen 7 on unevenly lit grey paper, optionally ruled."""
    rows, columns = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    page = 200.0 * (1.0 - 0.3 * columns) * (1.0 - 0.2 * rows)  # light fading to one corner
    if ruled:
        for row in RULED_ROWS:
            page[row : row + 2] *= 0.7
    ink = np.zeros((SIDE, SIDE), np.uint8)
    cv2.polylines(ink, [np.array(SEVEN, np.int32)], False, 1, 22, cv2.LINE_AA)
    page = np.where(ink > 0, 60.0, page)
    return cv2.GaussianBlur(page, (0, 0), 1.0).astype(np.uint8)


@pytest.fixture(scope="module")
def cnn() -> Predictor:
    path = inference.model_path("cnn")
    require(path.is_file(), f"the shipped CNN is missing at {path}")
    return Predictor.load("cnn")


def png_bytes(image: Image.Image, **options) -> bytes:
    """`image` saved as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def test_clean_photo_is_black_ink_on_white():
    cleaned = photo.clean_photo(paper_with_seven(ruled=False))
    assert cleaned.dtype == np.uint8 and cleaned.shape == (SIDE, SIDE)
    assert set(np.unique(cleaned)) == {0, 255}
    ink = cleaned == 0
    assert not ink[:, :100].any() and not ink[:, 300:].any()  # the dark corner stays paper
    assert 0.02 < ink.mean() < 0.2


def test_clean_photo_accepts_rgb_and_scales_down_large_photos():
    gray = cv2.resize(paper_with_seven(ruled=False), (1600, 1600))
    cleaned = photo.clean_photo(np.stack([gray] * 3, axis=-1))
    assert cleaned.shape == (photo.MAX_PHOTO_SIDE, photo.MAX_PHOTO_SIDE)
    assert (cleaned == 0).any()


def test_ruled_lines_go_and_the_seven_stays(cnn):
    cleaned = photo.clean_photo(paper_with_seven(ruled=True))
    ink = (cleaned == 0).astype(np.uint8)
    assert not ink[:, :100].any() and not ink[:, 320:].any()  # no line left outside the digit
    assert ink[100:120, 150:260].all(axis=0).any()  # the bar, itself horizontal, survives
    assert cv2.connectedComponents(ink)[0] == 2  # one digit, not cut where lines crossed it
    _, _, probabilities = photo.read_photo(paper_with_seven(ruled=True), cnn)
    assert probabilities.argmax() == 7


def test_read_image_reads_bytes_and_paths(tmp_path):
    picture = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
    picture.putpixel((5, 5), (0, 0, 0, 255))
    data = png_bytes(picture)
    pixels = files.read_image(data)
    assert pixels.shape == (20, 30, 3)
    assert (pixels[0, 0] == 255).all() and (pixels[5, 5] == 0).all()  # transparent is white
    (tmp_path / "digit.png").write_bytes(data)
    assert np.array_equal(files.read_image(tmp_path / "digit.png"), pixels)


def test_read_image_turns_the_photo_upright():
    picture = Image.new("L", (30, 20), 255)
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    assert files.read_image(buffer.getvalue()).shape == (30, 20, 3)


def test_read_image_refuses_what_is_not_an_image():
    with pytest.raises(ValueError, match="not an image"):
        files.read_image(b"this is plain text, not a picture")


def test_read_image_refuses_files_over_the_cap(tmp_path):
    with pytest.raises(ValueError, match="too big"):
        files.read_image(b"\x89PNG" + bytes(config.MAX_UPLOAD_BYTES))
    (tmp_path / "big.png").write_bytes(bytes(config.MAX_UPLOAD_BYTES + 10))
    with pytest.raises(ValueError, match="too big"):
        files.read_image(tmp_path / "big.png")


def test_read_image_refuses_a_decompression_bomb():
    bomb = png_bytes(Image.new("1", (20000, 20000)), optimize=True)
    assert len(bomb) < config.MAX_UPLOAD_BYTES  # small on disk, huge once decoded
    with pytest.raises(ValueError, match="too large"):
        files.read_image(bomb)


def test_read_image_obeys_pillows_pixel_guard(monkeypatch):
    data = png_bytes(Image.new("L", (300, 300), 255))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300 * 300 - 1)  # a warning, not yet an error
    with pytest.raises(ValueError, match="too large"):
        files.read_image(data)


def test_clean_photo_refuses_bad_arrays():
    with pytest.raises(ValueError, match="uint8"):
        photo.clean_photo(np.zeros((50, 50), np.float32))
    with pytest.raises(ValueError, match="too small"):
        photo.clean_photo(np.zeros((4, 50), np.uint8))


def test_predict_on_a_photo_cleans_it_as_the_page_does(tmp_path, capsys):
    """`python -m digitpad predict` reads a photo through the page's reader and cleaning."""
    import json

    from digitpad import cli

    path = tmp_path / "seven-on-ruled-paper.png"
    Image.fromarray(paper_with_seven(ruled=True)).save(path)
    assert cli.main(["predict", "--json", str(path)]) == cli.EXIT_OK
    result = json.loads(capsys.readouterr().out)
    cleaned = photo.clean_photo(files.read_image(path.read_bytes()))
    _, page_probabilities = Predictor.load("cnn").predict_drawing(cleaned)
    assert result["digit"] == 7 == int(page_probabilities.argmax())
    assert result["probabilities"] == pytest.approx(page_probabilities.tolist(), abs=1e-5)


def test_read_image_decodes_a_big_jpeg_at_a_reduced_scale():
    buffer = io.BytesIO()
    Image.new("RGB", (4032, 3024), (200, 200, 200)).save(buffer, format="JPEG")
    pixels = files.read_image(buffer.getvalue(), max_side=1000)
    assert pixels.shape == (756, 1008, 3)  # a quarter of each side: still over 1000 px
    assert files.read_image(buffer.getvalue()).shape == (3024, 4032, 3)
