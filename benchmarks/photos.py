"""Benchmark: accuracy on synthetic phone photos of pen-written digits on paper.

``python -m benchmarks photos [--count N] [--model cnn|mlp] [--pendigits FILE] [--json]``
writes replayed UCI pendigits digits on paper (light, shadow, ruled lines, blur, noise,
JPEG) and reads each photo as the app does, cleaned and, for comparison, not cleaned.
"""

import argparse
import json
import sys

import cv2
import numpy as np

from benchmarks.common import add_sample_arguments, sample_predictor
from digitpad import config, pendigits, preprocess
from digitpad.inference import Predictor
from digitpad.photo import clean_photo

# Paper, light and camera: paper, light and camera, all drawn at random within these bounds.
PAPER_LEVELS = (150, 220)
INK_LEVELS = (30, 90)
PHOTO_SIDES = (280, 640)
GRADIENT_STRENGTH = (0.05, 0.3)
SHADOW_STRENGTH = (0.1, 0.35)
RULED_CHANCE = 0.5
LINE_SPACINGS = (0.15, 0.3)
BLUR_SIGMAS = (0.5, 1.5)
NOISE_SIGMAS = (2.0, 8.0)
MAX_ROTATION = 8.0  # degrees
JPEG_QUALITIES = (60, 92)


def make_paper_photo(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A gray uint8 "phone photo" of a canvas's black-on-white digit written on paper."""
    side = int(rng.integers(*PHOTO_SIDES))
    ink = 1.0 - cv2.resize(canvas, (side, side), interpolation=cv2.INTER_AREA) / 255.0
    paper = np.full((side, side), rng.uniform(*PAPER_LEVELS), dtype=np.float64)
    if rng.random() < RULED_CHANCE:
        _rule_lines(paper, rng)
    page = paper * (1.0 - ink) + rng.uniform(*INK_LEVELS) * ink
    page = _rotated(page * _lighting(side, rng), rng)
    page = cv2.GaussianBlur(page, (0, 0), rng.uniform(*BLUR_SIGMAS))
    page = np.clip(page + rng.normal(0.0, rng.uniform(*NOISE_SIGMAS), page.shape), 0, 255)
    quality = int(rng.integers(*JPEG_QUALITIES))
    _, encoded = cv2.imencode(".jpg", page.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


def _rule_lines(paper: np.ndarray, rng: np.random.Generator) -> None:
    """Draw a notebook's ruled lines, a little darker than the paper, across the page."""
    side = paper.shape[0]
    spacing = rng.uniform(*LINE_SPACINGS) * side
    darkness = rng.uniform(0.6, 0.85)
    thickness = int(rng.integers(1, 4))
    for row in np.arange(rng.uniform(0, spacing), side, spacing):
        cv2.line(paper, (0, round(row)), (side - 1, round(row)), paper[0, 0] * darkness, thickness)


def _lighting(side: int, rng: np.random.Generator) -> np.ndarray:
    """Light over the page: a gradient in a random direction times one soft shadow."""
    rows, columns = np.mgrid[0:side, 0:side] / side
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * (columns - 0.5) + np.sin(angle) * (rows - 0.5)) * 2
    light = 1.0 + rng.uniform(*GRADIENT_STRENGTH) * ramp / 2
    center_row, center_column = rng.uniform(0, 1, size=2)
    spread = rng.uniform(0.2, 0.5)
    distance = (rows - center_row) ** 2 + (columns - center_column) ** 2
    return light * (1.0 - rng.uniform(*SHADOW_STRENGTH) * np.exp(-distance / (2 * spread**2)))


def _rotated(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The page turned by up to MAX_ROTATION degrees, edges filled with nearby paper."""
    side = page.shape[0]
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-1, 1) * MAX_ROTATION, 1.0)
    return cv2.warpAffine(page, matrix, (side, side), borderMode=cv2.BORDER_REPLICATE)


def photo_accuracy(predictor: Predictor, count: int = 300, seed: int = config.SEED,
                   path=None) -> dict:  # fmt: skip
    """Accuracy on synthetic paper photos of replayed pen digits, cleaned and not cleaned."""
    rng = np.random.default_rng(seed)
    right = {"cleaned": 0, "raw": 0}
    for digit, placement in pendigits.replay_set(count, seed, path):
        strokes = pendigits.place_strokes(digit, placement)
        photo = make_paper_photo(pendigits.render_gray(strokes, placement.pen_width), rng)
        right["cleaned"] += _guess(predictor, clean_photo(photo)) == digit.label
        right["raw"] += _guess(predictor, photo) == digit.label
    return {"photos": count, "cleaned_accuracy": right["cleaned"] / count,
            "raw_accuracy": right["raw"] / count}  # fmt: skip


def _guess(predictor: Predictor, image: np.ndarray) -> int | None:
    """The most probable digit, or None when there is no digit to read."""
    try:
        return int(predictor.predict_drawing(image)[1].argmax())
    except preprocess.BlankDrawingError:
        return None


def main(argv: list[str] | None = None) -> int:
    """Print accuracy on synthetic paper photos, with and without cleaning."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks photos", description=__doc__)
    add_sample_arguments(parser, "number of photos")
    arguments = parser.parse_args(argv)
    try:
        report = photo_accuracy(sample_predictor(arguments), arguments.count,
                                path=arguments.pendigits)  # fmt: skip
    except ValueError as error:  # a missing or malformed pendigits file, a bad count
        print(f"benchmarks photos: error: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        print(json.dumps(report))
        return 0
    print(f"cleaned: {report['cleaned_accuracy']:.1%} of {report['photos']} photos right")
    print(f"    raw: {report['raw_accuracy']:.1%} (the same photos without cleaning)")
    return 0
