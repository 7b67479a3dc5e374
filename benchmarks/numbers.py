"""Benchmark: digit and whole-number accuracy on numbers composed of pen-written digits.

``python -m benchmarks numbers [--count N] [--model cnn|mlp] [--pendigits FILE] [--json]``
composes numbers of 2-6 UCI pendigits digits on the app's wide canvas, apart or touching,
and reads them with `digitpad.segment.read_number`, as Number mode does.
"""

import argparse
import json
import sys

import numpy as np

from benchmarks.common import add_sample_arguments, sample_predictor
from digitpad import config, pendigits, preprocess, segment
from digitpad.inference import Predictor

NUMBER_LENGTHS = (2, 6)  # fewest and most digits of a composed number
NUMBER_PEN_WIDTHS = (8.0, 20.0)  # one pen per number, in pixels
NUMBER_HEIGHTS = (0.35, 0.65)  # the number's digit height, as a share of the canvas height
HEIGHT_JITTER = 0.15  # each digit's height varies by up to this share
BASELINE_JITTER = 0.05  # each digit's bottom moves by up to this share of the canvas height
APART_GAP = (6.0, 0.5)  # ink gap between digits: 6 px to half the digit height
NUMBER_MARGIN = 10  # pixels kept free at the canvas edges
GAP_STYLES = ("apart", "touching")


def compose_number(digits: list, gap_style: str, rng: np.random.Generator) -> np.ndarray:
    """Write pen digits side by side on a wide white canvas; return it as (H, W) uint8.

    "apart": the digits' ink boxes are 6 px to half a digit height apart; "touching": the
    boxes meet or overlap by up to half the pen width, so the strokes may touch.
    """
    if gap_style not in GAP_STYLES:
        raise ValueError(f"gap_style must be one of {GAP_STYLES}, got {gap_style!r}")
    width, height = config.NUMBER_CANVAS
    pen_width = rng.uniform(*NUMBER_PEN_WIDTHS)
    digit_height = rng.uniform(*NUMBER_HEIGHTS) * height
    extents = [_source_extent(digit) for digit in digits]
    heights = digit_height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER, len(digits))
    scales = heights / np.array([extent[1] for extent in extents])
    ink_gaps = ink_gaps_between(gap_style, len(digits) - 1, pen_width, digit_height, rng)
    widths = scales * np.array([extent[0] for extent in extents])
    pens = len(digits) * pen_width  # each digit's ink reaches half a pen beyond its points
    shrink = min(1.0, (width - 2 * NUMBER_MARGIN - pens) / (widths.sum() + ink_gaps.sum()))
    scales, widths, ink_gaps = scales * shrink, widths * shrink, ink_gaps * shrink
    span = widths.sum() + ink_gaps.sum() + pens  # the whole number's ink, left to right
    left = rng.uniform(NUMBER_MARGIN, max(width - NUMBER_MARGIN - span, NUMBER_MARGIN))
    left += pen_width / 2
    strokes = []
    for index, digit in enumerate(digits):
        bottom = height / 2 + digit_height / 2 + rng.uniform(-1, 1) * BASELINE_JITTER * height
        strokes += _placed(digit, scales[index], left, bottom)
        left += widths[index] + (ink_gaps[index] + pen_width if index < len(ink_gaps) else 0)
    return pendigits.render_gray(strokes, pen_width, canvas_size=width)[:height]


def ink_gaps_between(gap_style: str, count: int, pen_width: float, digit_height: float,
                     rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """The ink gaps between neighbouring digits: apart, or touching up to half a pen."""
    if gap_style == "apart":
        return rng.uniform(APART_GAP[0], APART_GAP[1] * digit_height, count)
    return rng.uniform(-pen_width / 2, 0.0, count)


def _source_extent(digit) -> tuple[float, float]:
    """A pen digit's width and height in its 500-box (at least 1 each)."""
    points = np.concatenate(digit.strokes)
    width, height = np.maximum(points.max(axis=0) - points.min(axis=0), 1.0)
    return float(width), float(height)


def _placed(digit, scale: float, left: float, bottom: float) -> list[np.ndarray]:
    """The digit's strokes in canvas pixels: its points' box from `left`, down to `bottom`."""
    points = np.concatenate(digit.strokes)
    corner = np.array([points[:, 0].min(), points[:, 1].min()])  # left, bottom (y up)
    flip = np.array([scale, -scale])
    return [(stroke - corner) * flip + np.array([left, bottom]) for stroke in digit.strokes]


def number_accuracy(predictor: Predictor, count: int = 300, seed: int = config.SEED,
                    path=None) -> dict:  # fmt: skip
    """Digit and whole-number accuracy on `count` composed numbers of each gap style."""
    all_digits = pendigits.load_pendigits(path)
    rng = np.random.default_rng(seed)
    report = {}
    for gap_style in GAP_STYLES:
        counts = np.zeros(4, dtype=np.int64)  # numbers right, lengths right, digits right, digits
        for _ in range(count):
            length = int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1))
            chosen = [all_digits[index] for index in rng.integers(0, len(all_digits), length)]
            counts += _score_number(predictor, chosen, compose_number(chosen, gap_style, rng))
        report[gap_style] = {"numbers": count, "number_accuracy": float(counts[0] / count),
                             "segmented_right": float(counts[1] / count),
                             "digit_accuracy": float(counts[2] / counts[3])}  # fmt: skip
    return report


def _score_number(predictor: Predictor, chosen: list, canvas: np.ndarray) -> np.ndarray:
    """Number right, length right, digits right (0 when the length is wrong), digits."""
    truth = tuple(digit.label for digit in chosen)
    try:
        read = segment.read_number(canvas, predictor).digits
    except preprocess.BlankDrawingError:
        read = ()
    same_length = len(read) == len(truth)
    right = sum(a == b for a, b in zip(read, truth, strict=False)) if same_length else 0
    return np.array([read == truth, same_length, right, len(truth)], dtype=np.int64)


def main(argv: list[str] | None = None) -> int:
    """Print digit and whole-number accuracy on composed numbers."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks numbers", description=__doc__)
    add_sample_arguments(parser, "numbers of each gap style")
    arguments = parser.parse_args(argv)
    try:
        report = number_accuracy(sample_predictor(arguments), arguments.count,
                                 path=arguments.pendigits)  # fmt: skip
    except ValueError as error:  # a missing or malformed pendigits file, a bad count
        print(f"benchmarks numbers: error: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        print(json.dumps(report))
        return 0
    for gap_style, figures in report.items():
        print(
            f"{gap_style:>8}: {figures['number_accuracy']:.1%} of {figures['numbers']} numbers "
            f"right, {figures['digit_accuracy']:.1%} of digits, "
            f"{figures['segmented_right']:.1%} split into the right number of digits"
        )
    return 0
