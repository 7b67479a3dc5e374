"""Command line: `python -m digitpad train|evaluate|predict` (benchmarks: `python -m benchmarks`).

TensorFlow is imported inside the commands, so `--help` and argument errors stay fast.
"""

import argparse
import json
import os
import pathlib
import sys

from digitpad import config

EXIT_OK = 0
EXIT_FAILED = 1  # some images could not be read
EXIT_USAGE = 2  # the user's settings, paths or data are wrong
EXIT_INTERRUPTED = 130  # 128 + SIGINT
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
PROBABILITY_DECIMALS = 6
STROKES_SUFFIX = ".json"  # `predict --number` reads pen strokes from such a file


class CommandError(Exception):
    """A mistake the user can fix: shown as one line on stderr, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """Run the command named in `argv` (default: sys.argv[1:]); return the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        arguments = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # argparse exits on --help and on bad arguments
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    try:
        return arguments.command(arguments)
    except CommandError as error:
        print(f"digitpad: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("digitpad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    """The parser with its three subcommands."""
    from digitpad import train_command  # it uses this module's helpers: import it once they exist

    parser = argparse.ArgumentParser(
        prog="python -m digitpad", description="Train, evaluate and use the digit models."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    train_command.add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_predict_parser(commands)
    return parser


def _add_evaluate_parser(commands) -> None:
    """The `evaluate` subcommand."""
    evaluate = commands.add_parser("evaluate", help="accuracy of a saved model on MNIST's test set")
    evaluate.add_argument("--model", required=True, choices=config.MODEL_NAMES)
    add_data_argument(evaluate)
    add_models_dir_argument(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(command=run_evaluate)


def _add_predict_parser(commands) -> None:
    """The `predict` subcommand."""
    predict = commands.add_parser("predict", help="recognise the digit in image files")
    predict.add_argument(
        "paths", nargs="+", type=pathlib.Path, metavar="PATH",
        help="image files or folders; with --number also .json files of pen strokes",
    )  # fmt: skip
    predict.add_argument(
        "--model", default="cnn", choices=config.MODEL_NAMES, help="default: %(default)s"
    )
    add_models_dir_argument(predict)
    predict.add_argument("--json", action="store_true", help="print one JSON object per image")
    predict.add_argument(
        "--number", action="store_true",
        help="read a number of several digits in each image (or .json strokes file)",
    )  # fmt: skip
    predict.set_defaults(command=run_predict)


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """--data: where MNIST is."""
    parser.add_argument(
        "--data",
        type=pathlib.Path,
        metavar="PATH",
        help=f"MNIST folder or mnist.npz (default: ${config.MNIST_ENV_VAR}, else Keras' download)",
    )


def add_models_dir_argument(parser: argparse.ArgumentParser) -> None:
    """--models-dir: where the saved models are."""
    parser.add_argument(
        "--models-dir",
        type=pathlib.Path,
        metavar="DIR",
        help=f"folder holding <model>.keras (default: {config.MODELS_DIR})",
    )


# --------------------------------------------------------------------------- evaluate


def run_evaluate(arguments: argparse.Namespace) -> int:
    """Print the test accuracy of a saved model, overall and per digit."""
    from digitpad import evaluation

    predictor, path = _load_predictor(arguments.model, arguments.models_dir)
    _, (images, labels) = load_mnist(arguments.data)
    probabilities = evaluation.predict_images(predictor, images)
    matrix = evaluation.confusion_matrix(labels, probabilities.argmax(axis=1))
    summary = {
        "model": arguments.model,
        "path": str(path),
        "images": len(labels),
        "accuracy": evaluation.accuracy(probabilities, labels),
        "per_class_accuracy": {
            str(digit): float(value)
            for digit, value in enumerate(evaluation.per_class_accuracy(matrix))
        },
        "confusion_matrix": matrix.tolist(),
    }
    print(json.dumps(summary) if arguments.json else format_evaluation(summary))
    return EXIT_OK


def format_evaluation(summary: dict) -> str:
    """The evaluation summary as a headline and a table of per-digit accuracy."""
    lines = [
        f"{summary['model']} ({summary['path']}): MNIST test accuracy "
        f"{summary['accuracy']:.2%} on {summary['images']:,} images",
        "digit  accuracy  images",
    ]
    for digit, accuracy in summary["per_class_accuracy"].items():
        count = sum(summary["confusion_matrix"][int(digit)])
        lines.append(f"{digit:>5}  {accuracy:>8.2%}  {count:>6,}")
    return "\n".join(lines)


def load_mnist(source: pathlib.Path | None):
    """MNIST's ((train images, labels), (test images, labels)); bad data is the user's to fix."""
    from digitpad import data

    try:
        return data.load_mnist(source)
    except ValueError as error:
        raise CommandError(str(error)) from error


def _load_predictor(name: str, models_dir: pathlib.Path | None):
    """The Predictor for a saved model and the model's path; a bad file is a CommandError."""
    from digitpad import inference

    path = inference.model_path(name, models_dir)
    try:
        return inference.Predictor.load(name, models_dir), path
    except ValueError as error:
        raise CommandError(f"cannot load model {name}: {error}") from error


# ---------------------------------------------------------------------------- predict


def run_predict(arguments: argparse.Namespace) -> int:
    """Print the recognised digit of each image; exit status 1 if any image failed."""
    image_paths = collect_images(arguments.paths)
    predictor, _ = _load_predictor(arguments.model, arguments.models_dir)
    failed = False
    for path in image_paths:
        if arguments.number:
            result = read_number_file(predictor, path)
            text = format_number(result)
        else:
            result = predict_file(predictor, path)
            text = format_prediction(result)
        failed = failed or "error" in result
        print(json.dumps(result) if arguments.json else text, flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def collect_images(paths: list[pathlib.Path]) -> list[pathlib.Path]:
    """Expand folders into their image files (sorted, not recursive); keep files as given."""
    found = []
    for path in paths:
        if path.is_dir():
            found += _images_in(path)
        elif path.exists():
            found.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder.")
    if not found:
        raise CommandError(f"no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) found.")
    return found


def _images_in(folder: pathlib.Path) -> list[pathlib.Path]:
    """The files of `folder` with an image suffix, sorted."""
    try:
        children = list(folder.iterdir())
    except OSError as error:
        raise CommandError(f"{folder}: cannot list the folder ({error.strerror}).") from error
    return sorted(
        child for child in children if child.suffix.lower() in IMAGE_SUFFIXES and child.is_file()
    )


def predict_file(predictor, path: pathlib.Path) -> dict:
    """The prediction for one image file as a JSON-ready dict, with an "error" if it failed."""
    from PIL import Image

    from digitpad import photo

    try:
        prediction = predictor.read_drawing(photo.clean_photo(read_image(path)))  # as the page
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        return {"path": str(path), "digit": None, "probabilities": None,
                "error": _describe_image_error(error)}  # fmt: skip
    result = {
        "path": str(path),
        "digit": prediction.digit,
        "probabilities": _rounded(prediction.probabilities),
    }
    if not prediction.is_digit:  # "not a digit: ...": unreadable input, as a blank canvas is
        result["error"] = prediction.refusal
    return result


def read_number_file(predictor, path: pathlib.Path) -> dict:
    """The number read in one file as a JSON-ready dict, with an "error" if it failed.

    A `.json` file holds pen strokes (digitpad.strokes); any other file is an image whose
    ink is segmented (digitpad.segment). A piece refused as not a digit has "digit": null.
    """
    from PIL import Image

    from digitpad import segment, strokes

    try:
        if path.suffix.lower() == STROKES_SUFFIX:
            reading = strokes.read_canvas(read_strokes_json(path), predictor)
        else:
            reading = segment.read_number(read_image(path), predictor)
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        return {"path": str(path), "number": None, "error": _describe_image_error(error)}
    pieces = zip(
        reading.digits, reading.is_digit, reading.probabilities, reading.boxes, strict=True
    )
    result = {"path": str(path), "number": reading.number, "digits": [
        {"digit": digit if is_digit else None, "probabilities": _rounded(row), "box": list(box)}
        for digit, is_digit, row, box in pieces
    ]}  # fmt: skip
    if not all(reading.is_digit):
        refused = [str(place + 1) for place, good in enumerate(reading.is_digit) if not good]
        result["error"] = f"not a digit: piece {', '.join(refused)} of {len(reading.digits)}"
    return result


def _rounded(probabilities) -> list[float]:
    """Probabilities as JSON numbers with PROBABILITY_DECIMALS decimals."""
    return [round(float(value), PROBABILITY_DECIMALS) for value in probabilities]


def read_strokes_json(path: pathlib.Path):
    """The parsed JSON of a strokes file; ValueError saying where it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError("not a UTF-8 text file of JSON strokes") from error
    except json.JSONDecodeError as error:
        raise ValueError(
            f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error


def format_number(result: dict) -> str:
    """`path: 407`, or `path: error: reason`."""
    if "error" in result:
        return f"{result['path']}: error: {result['error']}"
    return f"{result['path']}: {result['number']}"


def read_image(path: pathlib.Path):
    """The RGB pixels of an image file, through the app's own reader (no upload cap)."""
    from digitpad import files

    return files.read_image(path, max_bytes=None)


def _describe_image_error(error: Exception) -> str:
    """A short reason for a failed image."""
    from PIL import UnidentifiedImageError

    if isinstance(error, UnidentifiedImageError):
        return "not an image file Pillow can read"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def format_prediction(result: dict) -> str:
    """`path: 7 (98.1%)`, or `path: error: reason`."""
    if "error" in result:
        return f"{result['path']}: error: {result['error']}"
    confidence = result["probabilities"][result["digit"]]
    return f"{result['path']}: {result['digit']} ({confidence:.1%})"
