"""What the benchmarks share: the arguments of a benchmark on pendigits samples, its model."""

import argparse
import os
import pathlib
import platform

from digitpad import config, inference

DEFAULT_SAMPLE_COUNT = 300


def add_sample_arguments(parser: argparse.ArgumentParser, count_help: str) -> None:
    """--count, --model, --pendigits and --json, for a benchmark on samples made from pendigits."""
    parser.add_argument(
        "--count", type=int, default=DEFAULT_SAMPLE_COUNT,
        help=f"{count_help} (default: {DEFAULT_SAMPLE_COUNT})",
    )  # fmt: skip
    parser.add_argument(
        "--model", default="cnn", choices=config.MODEL_NAMES, help="default: %(default)s"
    )
    parser.add_argument(
        "--pendigits", type=pathlib.Path, metavar="PATH", help="UNIPEN pendigits file"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def sample_predictor(arguments: argparse.Namespace) -> inference.Predictor:
    """The shipped model named by --model; ValueError for a bad --count or model file."""
    if arguments.count < 1:
        raise ValueError("--count must be at least 1.")
    try:
        return inference.Predictor.load(arguments.model)
    except ValueError as error:
        raise ValueError(f"cannot load model {arguments.model}: {error}") from error


def machine_description() -> str:
    """A short description of where the figures were measured."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
