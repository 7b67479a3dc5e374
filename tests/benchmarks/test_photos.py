"""The synthetic paper-photo benchmark: photos that look like paper, read as the app reads them."""

import numpy as np

from benchmarks import photos
from digitpad import config


def test_synthetic_photos_are_read(cnn, pendigits_path):
    report = photos.photo_accuracy(cnn, count=40, seed=7, path=pendigits_path)
    assert report["photos"] == 40
    assert report["cleaned_accuracy"] >= 0.85
    assert report["raw_accuracy"] < report["cleaned_accuracy"]


def test_make_paper_photo_looks_like_paper():
    canvas = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE), 255, np.uint8)
    canvas[100:180, 130:150] = 0
    page = photos.make_paper_photo(canvas, np.random.default_rng(0))
    assert page.dtype == np.uint8 and page.ndim == 2
    assert 120 < np.median(page) < 235  # grey paper, not white
    assert page.min() < 110  # the ink, not pure black


def test_photos_command(capsys, pendigits_path):
    status = photos.main(["--count", "10", "--pendigits", str(pendigits_path)])
    output = capsys.readouterr().out
    assert status == 0
    assert "cleaned:" in output and "of 10 photos right" in output and "raw:" in output
    assert photos.main(["--count", "0"]) == 2
