"""Benchmark: whole-number and digit accuracy on numbers composed of pen-written digits.

``python -m benchmarks numbers [--count N] [--style apart|touching|overlapping] [--model cnn|mlp]
[--models-dir DIR] [--fold K] [--jobs N] [--pendigits FILE] [--json]`` composes numbers of 2-6
UCI pendigits digits of one writer each on the app's wide canvas, apart, touching or
overlapping, and reads each both ways: from its image (`digitpad.segment.read_number`) and
from its pen strokes (`digitpad.strokes.read_strokes`). The writers are the report fold's, so
the model is by default the shipped recipe's twin trained without them (models/heldout);
`--fold 0..3` reads a tuning fold's writers instead (to tune on: the twins trained on them).
`--jobs` worker processes read the numbers; the 6-digit times are taken afterwards in one
process alone."""

import argparse
import concurrent.futures
import dataclasses
import functools
import json
import math
import multiprocessing
import os
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
CHUNK_NUMBERS = 50  # numbers of one style a worker process reads at a time
TIMED_PER_STYLE = 40  # 6-digit numbers of each style timed, one at a time, after the count
# What each reading adds up (see `_score_reading`):
COUNTED = ("right", "split_right", "digits_right", "digits", "refused", "right_but_refused")


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
                    path=None, writer_ids=None, gap_styles=GAP_STYLES,
                    parallel: "Parallel | None" = None) -> dict:  # fmt: skip
    """Digit and whole-number accuracy of both readers on `count` numbers of each gap style.

    Each number is written by one writer of `writer_ids` (default: the report fold, writers
    nothing was tuned on). Number i has the same digits in every style, and is the same
    whichever styles, count or processes run. `parallel` spreads the numbers over worker
    processes that load the model themselves. Also gives each reader's median time to read
    a 6-digit number, timed in this process alone afterwards (the image reader's includes
    drawing the canvas).
    """
    unknown = [style for style in gap_styles if style not in GAP_STYLES]
    if unknown:
        raise ValueError(f"gap styles must be among {', '.join(GAP_STYLES)}, got {unknown[0]!r}")
    by_writer = _digits_by_writer(pendigits.load_pendigits(path), writer_ids)
    size = max(parallel.chunk if parallel is not None else count, 1)
    chunks = [(style, start, min(start + size, count))
              for style in gap_styles for start in range(0, count, size)]  # fmt: skip
    if parallel is not None and parallel.jobs > 1 and len(chunks) > 1:
        counted = _count_in_workers(chunks, parallel, seed, path, writer_ids)
    else:
        counted = [_count_chunk(predictor, by_writer, seed, chunk) for chunk in chunks]
    report = {style: _style_figures(style, chunks, counted, count) for style in gap_styles}
    for reader, seconds in _six_digit_seconds(
        predictor, by_writer, seed, gap_styles, count
    ).items():
        report[f"{reader}_seconds_6_digits"] = statistics.median(seconds or [math.nan])
    return report


def _style_figures(style: str, chunks: list, counted: list, count: int) -> dict:
    """Each reader's figures for one style, from the counts of its chunks."""
    found = [counts for chunk, counts in zip(chunks, counted, strict=True) if chunk[0] == style]
    return {reader: _figures(sum(counts[reader] for counts in found), count) for reader in READERS}


@dataclasses.dataclass(frozen=True)
class Parallel:
    """Worker processes for the benchmark: how many, and the model each loads."""

    jobs: int
    model: str
    models_dir: str
    chunk: int = CHUNK_NUMBERS  # numbers of one style a worker reads in one go


def composed_number(by_writer: list[list], seed: int, gap_style: str, index: int) -> tuple:
    """Number `index` of the sample: its pen digits, and them composed on the canvas in
    `gap_style`. Only the gaps differ between styles (the same digits, pen, heights, place
    and random draws), so the styles compare pair by pair."""
    rng = np.random.default_rng([seed, index])
    chosen = _one_writers_number(by_writer, rng)
    return chosen, compose_strokes(chosen, gap_style, rng)


def _count_chunk(predictor: Predictor, by_writer: list[list], seed: int, chunk: tuple) -> dict:
    """Each reader's counts (see `_score_reading`) over numbers start..stop of one style."""
    style, start, stop = chunk
    counts = {reader: np.zeros(len(COUNTED), dtype=np.int64) for reader in READERS}
    for index in range(start, stop):
        chosen, composed = composed_number(by_writer, seed, style, index)
        for reader in READERS:
            counts[reader] += _score_reading(chosen, *_read(predictor, composed, reader))
    return counts


_WORKER: dict = {}  # what a worker process loaded once: its predictor and writers' digits


def _start_worker(parallel: Parallel, path, writer_ids) -> None:
    """Load the model and the writers' digits once in a worker process."""
    _WORKER["predictor"] = inference.Predictor.load(parallel.model, parallel.models_dir)
    _WORKER["by_writer"] = _digits_by_writer(pendigits.load_pendigits(path), writer_ids)


def _worker_chunk(seed: int, chunk: tuple) -> dict:
    """`_count_chunk` with the worker's own predictor."""
    return _count_chunk(_WORKER["predictor"], _WORKER["by_writer"], seed, chunk)


def _count_in_workers(chunks: list, parallel: Parallel, seed: int, path, writer_ids) -> list:
    """`_count_chunk` of every chunk, in `parallel.jobs` fresh processes (TensorFlow must
    not be forked), in order."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        parallel.jobs, mp_context=context, initializer=_start_worker,
        initargs=(parallel, path, writer_ids),
    ) as pool:  # fmt: skip
        return list(pool.map(functools.partial(_worker_chunk, seed), chunks))


def _six_digit_seconds(predictor: Predictor, by_writer: list[list], seed: int,
                       gap_styles, count: int) -> dict:  # fmt: skip
    """Each reader's times to read the sample's first 6-digit numbers, TIMED_PER_STYLE per
    style at most, one at a time in this process (after one untimed warm-up reading)."""
    timed = [composed for style in gap_styles
             for composed in _six_digit_numbers(by_writer, seed, style, count)]  # fmt: skip
    seconds = {reader: [] for reader in READERS}
    for number, composed in enumerate(timed):
        for reader in READERS:
            started = time.perf_counter()
            _read(predictor, composed, reader)
            if number > 0:
                seconds[reader].append(time.perf_counter() - started)
    return seconds


def _six_digit_numbers(by_writer: list[list], seed: int, gap_style: str, count: int) -> list:
    """The first TIMED_PER_STYLE numbers of 6 digits among a style's first `count`."""
    found = []
    for index in range(count):
        chosen, composed = composed_number(by_writer, seed, gap_style, index)
        if len(chosen) == NUMBER_LENGTHS[1]:
            found.append(composed)
            if len(found) == TIMED_PER_STYLE:
                break
    return found


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
    """Numbers right, split right, digits right, and numbers with a refused piece (and those
    whose best guesses were right) as shares."""
    return {"numbers": count, "number_accuracy": float(counts[0] / count),
            "segmented_right": float(counts[1] / count),
            "digit_accuracy": float(counts[2] / counts[3]),
            "refused": float(counts[4] / count),
            "right_but_refused": float(counts[5] / count)}  # fmt: skip


def _read(predictor: Predictor, composed: ComposedNumber, reader: str) -> tuple:
    """The digits `reader` reads in a composed number as the user sees them (a piece refused
    as "not a digit" reads as NOT_READ, "?"), and its best guesses; both empty when it finds
    no digit."""
    try:
        if reader == "strokes":
            drawing = strokes.StrokeDrawing(composed.strokes, composed.pen_width)
            reading = strokes.read_strokes(drawing, predictor)
        else:
            reading = segment.read_number(composed.render(), predictor)
    except preprocess.BlankDrawingError:
        return (), ()
    verdicts = reading.is_digit or (True,) * len(reading.digits)
    shown = tuple(d if ok else NOT_READ for d, ok in zip(reading.digits, verdicts, strict=True))
    return shown, reading.digits


def _score_reading(chosen: list, read: tuple[int, ...], guesses: tuple[int, ...]) -> np.ndarray:
    """The COUNTED figures of one reading: number right, length right, digits right (0 when
    the length is wrong), digits, a piece refused, right but for refused pieces."""
    truth = tuple(digit.label for digit in chosen)
    same_length = len(read) == len(truth)
    right = sum(a == b for a, b in zip(read, truth, strict=False)) if same_length else 0
    refused = NOT_READ in read
    return np.array([read == truth, same_length, right, len(truth), refused,
                     refused and tuple(guesses) == truth], dtype=np.int64)  # fmt: skip


def _report_predictor(arguments: argparse.Namespace) -> Predictor:
    """The model to read the chosen writers with; ValueError if it trained on the report
    fold's writers and those are the ones read."""
    if arguments.count < 1:
        raise ValueError("--count must be at least 1.")
    if arguments.jobs < 1:
        raise ValueError("--jobs must be at least 1.")
    try:
        predictor = inference.Predictor.load(arguments.model, arguments.models_dir)
    except ValueError as error:
        raise ValueError(f"cannot load model {arguments.model}: {error}") from error
    seen = sorted(set(predictor.info.get("pen_writers", ())) & set(writers.report_writers()))
    if seen and arguments.fold == writers.REPORT_FOLD:
        raise ValueError(f"the model trained on report-fold writers {seen}: use its twin")
    return predictor


def main(argv: list[str] | None = None) -> int:
    """Print whole-number and digit accuracy of both readers on composed numbers."""
    arguments = _parser().parse_args(argv)
    styles = tuple(dict.fromkeys(arguments.style or GAP_STYLES))
    chosen = writers.fold_writers(arguments.fold)
    try:
        predictor = _report_predictor(arguments)
        parallel = Parallel(arguments.jobs, arguments.model, str(arguments.models_dir))
        report = number_accuracy(predictor, arguments.count, path=arguments.pendigits,
                                 writer_ids=chosen, gap_styles=styles,
                                 parallel=parallel)  # fmt: skip
    except ValueError as error:  # a missing or malformed pendigits file, a bad count or style
        print(f"benchmarks numbers: error: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        print(json.dumps(report))
    else:
        print(_writers_note(arguments.fold, predictor) + format_report(report, styles))
    return 0


def _writers_note(fold: int, predictor: Predictor) -> str:
    """A first line for a tuning fold's writers (saying when the model trained on them)."""
    if fold == writers.REPORT_FOLD:
        return ""
    chosen = writers.fold_writers(fold)
    trained = set(chosen) & set(predictor.info.get("pen_writers", ()))
    warning = ": the model trained on them, so these figures are optimistic" if trained else ""
    return f"writers of tuning fold {fold} {chosen}{warning}\n"


def _parser() -> argparse.ArgumentParser:
    """The benchmark's arguments."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks numbers", description=__doc__)
    add_sample_arguments(parser, "numbers of each gap style")
    parser.add_argument(
        "--style", action="append",
        help="only this gap style: apart, touching or overlapping (repeatable; default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--models-dir", default=config.TWINS_DIR, metavar="DIR",
        help="folder of the model (default: models/heldout, the twins without the report fold)",
    )  # fmt: skip
    parser.add_argument(
        "--fold", type=int, default=writers.REPORT_FOLD, choices=range(len(writers.FOLDS)),
        help="whose numbers: the writers of this fold (default: %(default)s, the report fold; "
        "tune only on folds 0-3)",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1,
        help="worker processes reading the numbers (default: the CPU count, %(default)s)",
    )  # fmt: skip
    return parser


def format_report(report: dict, styles: tuple[str, ...]) -> str:
    """One line per style and reader, then the 6-digit reading times."""
    lines = [
        f"{style:>11} {reader:>7}: {figures['number_accuracy']:.1%} of {figures['numbers']} "
        f"numbers right, {figures['digit_accuracy']:.1%} of digits, "
        f"{figures['segmented_right']:.1%} split into the right number of digits, "
        f"{figures['refused']:.1%} with a piece refused "
        f"({figures['right_but_refused']:.1%} right but for that)"
        for style in styles
        for reader, figures in report[style].items()
    ]
    strokes_ms, image_ms = (report[f"{reader}_seconds_6_digits"] * 1000 for reader in READERS[::-1])
    lines.append(f"reading a 6-digit number (median): {strokes_ms:.1f} ms from strokes, "
                 f"{image_ms:.1f} ms from the image")  # fmt: skip
    return "\n".join(lines)
