"""Benchmark: whole-number and digit accuracy on numbers composed of pen-written digits.

``python -m benchmarks numbers [--count N] [--style apart|touching|overlapping] [--model cnn|mlp]
[--models-dir DIR] [--pendigits FILE] [--json]`` composes numbers of 2-6 UCI pendigits digits
of one writer each on the app's wide canvas, apart, touching or overlapping, and reads each
both ways: from its image (`digitpad.segment.read_number`) and from its pen strokes
(`digitpad.strokes.read_strokes`). The writers are the report fold's, so the model is by
default the shipped recipe's twin trained without them (models/heldout).
"""

import argparse
import dataclasses
import json
import math
import statistics
import sys
import time

import numpy as np

from benchmarks.common import add_sample_arguments
from digitpad import config, inference, pendigits, preprocess, segment, strokes, writers
from digitpad.inference import Predictor

NUMBER_LENGTHS = (2, 6)  # fewest and most digits of a composed number
NUMBER_PEN_WIDTHS = (8.0, 20.0)  # one pen per number, in pixels
NUMBER_HEIGHTS = (0.35, 0.65)  # the number's digit height, as a share of the canvas height
HEIGHT_JITTER = 0.15  # each digit's height varies by up to this share
BASELINE_JITTER = 0.05  # each digit's bottom moves by up to this share of the canvas height
APART_GAP = (6.0, 0.5)  # ink gap between digits: 6 px to half the digit height
OVERLAP_SHARE = 1 / 3  # "overlapping": ink boxes overlap by up to this share of the narrower
NUMBER_MARGIN = 10  # pixels kept free at the canvas edges
GAP_STYLES = ("apart", "touching", "overlapping")
READERS = ("image", "strokes")  # image segmentation (segment.py), pen strokes (strokes.py)
NOT_READ = -1  # a piece refused as "not a digit": never the right digit
TWINS_DIR = config.MODELS_DIR / "heldout"  # the shipped recipes trained without the report fold


@dataclasses.dataclass(frozen=True)
class ComposedNumber:
    """A number written with pen digits: each digit's strokes in canvas pixels, and the pen."""

    digit_strokes: tuple[tuple[np.ndarray, ...], ...]
    pen_width: float

    @property
    def strokes(self) -> tuple[np.ndarray, ...]:
        """All strokes in writing order."""
        return tuple(stroke for digit in self.digit_strokes for stroke in digit)

    def render(self) -> np.ndarray:
        """The number on the wide white canvas as (H, W) uint8."""
        width, height = config.NUMBER_CANVAS
        return pendigits.render_gray(list(self.strokes), self.pen_width, canvas_size=width)[:height]


def compose_number(digits: list, gap_style: str, rng: np.random.Generator) -> np.ndarray:
    """Write pen digits side by side on a wide white canvas; return it as (H, W) uint8."""
    return compose_strokes(digits, gap_style, rng).render()


def compose_strokes(digits: list, gap_style: str, rng: np.random.Generator) -> ComposedNumber:
    """Place pen digits side by side on the wide canvas, keeping their strokes.

    "apart": the digits' ink boxes are 6 px to half a digit height apart; "touching": the
    boxes meet or overlap by up to half the pen width, so the strokes may touch;
    "overlapping": the ink boxes overlap by up to a third of the narrower digit's.
    """
    if gap_style not in GAP_STYLES:
        raise ValueError(f"gap_style must be one of {GAP_STYLES}, got {gap_style!r}")
    width, height = config.NUMBER_CANVAS
    pen_width = rng.uniform(*NUMBER_PEN_WIDTHS)
    digit_height = rng.uniform(*NUMBER_HEIGHTS) * height
    extents = [_source_extent(digit) for digit in digits]
    heights = digit_height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER, len(digits))
    scales = heights / np.array([extent[1] for extent in extents])
    widths = scales * np.array([extent[0] for extent in extents])
    ink_gaps = ink_gaps_between(gap_style, widths + pen_width, pen_width, digit_height, rng)
    pens = len(digits) * pen_width  # each digit's ink reaches half a pen beyond its points
    shrink = min(1.0, (width - 2 * NUMBER_MARGIN - pens) / (widths.sum() + ink_gaps.sum()))
    scales, widths, ink_gaps = scales * shrink, widths * shrink, ink_gaps * shrink
    span = widths.sum() + ink_gaps.sum() + pens  # the whole number's ink, left to right
    left = rng.uniform(NUMBER_MARGIN, max(width - NUMBER_MARGIN - span, NUMBER_MARGIN))
    left += pen_width / 2
    placed = []
    for index, digit in enumerate(digits):
        bottom = height / 2 + digit_height / 2 + rng.uniform(-1, 1) * BASELINE_JITTER * height
        placed.append(tuple(_placed(digit, scales[index], left, bottom)))
        left += widths[index] + (ink_gaps[index] + pen_width if index < len(ink_gaps) else 0)
    return ComposedNumber(tuple(placed), float(pen_width))


def ink_gaps_between(gap_style: str, ink_widths: np.ndarray, pen_width: float,
                     digit_height: float, rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """The gaps between neighbouring digits' ink boxes (negative: they overlap)."""
    count = len(ink_widths) - 1
    if gap_style == "apart":
        return rng.uniform(APART_GAP[0], APART_GAP[1] * digit_height, count)
    if gap_style == "touching":
        return rng.uniform(-pen_width / 2, 0.0, count)
    narrower = np.minimum(ink_widths[:-1], ink_widths[1:])
    return -rng.uniform(0.0, 1.0, count) * OVERLAP_SHARE * narrower


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
                    path=None, writer_ids=None, gap_styles=GAP_STYLES) -> dict:  # fmt: skip
    """Digit and whole-number accuracy of both readers on `count` numbers of each gap style.

    Each number is written by one writer of `writer_ids` (default: the report fold, writers
    nothing was tuned on). Each style has its own sample, the same whichever styles are run.
    Also gives each reader's median time to read a 6-digit number (the image reader's
    includes drawing the canvas).
    """
    unknown = [style for style in gap_styles if style not in GAP_STYLES]
    if unknown:
        raise ValueError(f"gap styles must be among {', '.join(GAP_STYLES)}, got {unknown[0]!r}")
    by_writer = _digits_by_writer(pendigits.load_pendigits(path), writer_ids)
    report, six_digit_seconds = {}, {reader: [] for reader in READERS}
    for gap_style in gap_styles:
        rng = np.random.default_rng([seed, GAP_STYLES.index(gap_style)])
        counts = {reader: np.zeros(4, dtype=np.int64) for reader in READERS}
        for _ in range(count):
            _read_both(predictor, _one_writers_number(by_writer, rng), gap_style, rng, counts,
                       six_digit_seconds)  # fmt: skip
        report[gap_style] = {reader: _figures(counts[reader], count) for reader in READERS}
    for reader, seconds in six_digit_seconds.items():
        report[f"{reader}_seconds_6_digits"] = statistics.median(seconds or [math.nan])
    return report


def _read_both(predictor: Predictor, chosen: list, gap_style: str, rng: np.random.Generator,
               counts: dict, six_digit_seconds: dict) -> None:  # fmt: skip
    """Compose one number and read it both ways; add to each reader's counts and times."""
    composed = compose_strokes(chosen, gap_style, rng)
    for reader in READERS:
        started = time.perf_counter()
        read = _read(predictor, composed, reader)
        if len(chosen) == NUMBER_LENGTHS[1]:
            six_digit_seconds[reader].append(time.perf_counter() - started)
        counts[reader] += _score_reading(chosen, read)


def _digits_by_writer(all_digits: list, writer_ids) -> list[list]:
    """The digits of each writer of `writer_ids` (default: the report fold) that has some."""
    wanted = writers.report_writers() if writer_ids is None else tuple(writer_ids)
    groups = [[digit for digit in all_digits if digit.writer == writer] for writer in wanted]
    groups = [group for group in groups if group]
    if not groups:
        raise ValueError(f"the pendigits file has no digits of writers {wanted}")
    return groups


def _one_writers_number(by_writer: list[list], rng: np.random.Generator) -> list:
    """2 to 6 digits of one writer chosen at random."""
    own = by_writer[int(rng.integers(0, len(by_writer)))]
    length = int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1))
    return [own[index] for index in rng.integers(0, len(own), length)]


def _figures(counts: np.ndarray, count: int) -> dict:
    """Numbers right, split right and digits right as shares."""
    return {"numbers": count, "number_accuracy": float(counts[0] / count),
            "segmented_right": float(counts[1] / count),
            "digit_accuracy": float(counts[2] / counts[3])}  # fmt: skip


def _read(predictor: Predictor, composed: ComposedNumber, reader: str) -> tuple[int, ...]:
    """The digits `reader` reads in a composed number, as the user sees them: a piece refused
    as "not a digit" reads as NOT_READ ("?"); none when it finds no digit."""
    try:
        if reader == "strokes":
            drawing = strokes.StrokeDrawing(composed.strokes, composed.pen_width)
            reading = strokes.read_strokes(drawing, predictor)
        else:
            reading = segment.read_number(composed.render(), predictor)
    except preprocess.BlankDrawingError:
        return ()
    verdicts = reading.is_digit or (True,) * len(reading.digits)
    return tuple(d if ok else NOT_READ for d, ok in zip(reading.digits, verdicts, strict=True))


def _score_reading(chosen: list, read: tuple[int, ...]) -> np.ndarray:
    """Number right, length right, digits right (0 when the length is wrong), digits."""
    truth = tuple(digit.label for digit in chosen)
    same_length = len(read) == len(truth)
    right = sum(a == b for a, b in zip(read, truth, strict=False)) if same_length else 0
    return np.array([read == truth, same_length, right, len(truth)], dtype=np.int64)


def _report_predictor(arguments: argparse.Namespace) -> Predictor:
    """The model to read report-fold writers with; ValueError if it trained on any of them."""
    if arguments.count < 1:
        raise ValueError("--count must be at least 1.")
    try:
        predictor = inference.Predictor.load(arguments.model, arguments.models_dir)
    except ValueError as error:
        raise ValueError(f"cannot load model {arguments.model}: {error}") from error
    seen = sorted(set(predictor.info.get("pen_writers", ())) & set(writers.report_writers()))
    if seen:
        raise ValueError(f"the model trained on report-fold writers {seen}: use its twin")
    return predictor


def main(argv: list[str] | None = None) -> int:
    """Print whole-number and digit accuracy of both readers on composed numbers."""
    arguments = _parser().parse_args(argv)
    styles = tuple(dict.fromkeys(arguments.style or GAP_STYLES))
    try:
        predictor = _report_predictor(arguments)
        report = number_accuracy(predictor, arguments.count, path=arguments.pendigits,
                                 gap_styles=styles)  # fmt: skip
    except ValueError as error:  # a missing or malformed pendigits file, a bad count or style
        print(f"benchmarks numbers: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report) if arguments.json else format_report(report, styles))
    return 0


def _parser() -> argparse.ArgumentParser:
    """The benchmark's arguments."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks numbers", description=__doc__)
    add_sample_arguments(parser, "numbers of each gap style")
    parser.add_argument(
        "--style", action="append",
        help="only this gap style: apart, touching or overlapping (repeatable; default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--models-dir", default=TWINS_DIR, metavar="DIR",
        help="folder of the model (default: models/heldout, the twins without the report fold)",
    )  # fmt: skip
    return parser


def format_report(report: dict, styles: tuple[str, ...]) -> str:
    """One line per style and reader, then the 6-digit reading times."""
    lines = [
        f"{style:>11} {reader:>7}: {figures['number_accuracy']:.1%} of {figures['numbers']} "
        f"numbers right, {figures['digit_accuracy']:.1%} of digits, "
        f"{figures['segmented_right']:.1%} split into the right number of digits"
        for style in styles
        for reader, figures in report[style].items()
    ]
    strokes_ms, image_ms = (report[f"{reader}_seconds_6_digits"] * 1000 for reader in READERS[::-1])
    lines.append(f"reading a 6-digit number (median): {strokes_ms:.1f} ms from strokes, "
                 f"{image_ms:.1f} ms from the image")  # fmt: skip
    return "\n".join(lines)
