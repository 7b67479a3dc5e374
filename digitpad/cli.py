"""Command line: `python -m digitpad train|evaluate|predict|bench|bench-numbers|bench-photos`.

TensorFlow is imported inside the commands, so `--help` and argument errors stay fast.
"""

import argparse
import contextlib
import json
import os
import pathlib
import signal
import sys
import threading

from digitpad import config

EXIT_OK = 0
EXIT_FAILED = 1  # some images could not be read
EXIT_USAGE = 2  # the user's settings, paths or data are wrong
EXIT_INTERRUPTED = 130  # 128 + SIGINT
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
PROGRESS_WIDTH = 30  # characters of the batch progress bar
PROBABILITY_DECIMALS = 6


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
    """The parser with its four subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m digitpad", description="Train, evaluate and use the digit models."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    _add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_predict_parser(commands)
    bench = commands.add_parser("bench", help="time preprocessing and inference")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions")
    bench.set_defaults(command=run_bench)
    _add_bench_numbers_parser(commands)
    _add_bench_photos_parser(commands)
    return parser


def _add_bench_numbers_parser(commands) -> None:
    """The `bench-numbers` subcommand."""
    _add_sample_bench_parser(
        commands, "bench-numbers", "accuracy on composed multi-digit numbers",
        "numbers per gap style", run_bench_numbers,
    )  # fmt: skip


def _add_bench_photos_parser(commands) -> None:
    """The `bench-photos` subcommand."""
    _add_sample_bench_parser(
        commands, "bench-photos", "accuracy on synthetic photos of paper", "number of photos",
        run_bench_photos,
    )  # fmt: skip


def _add_sample_bench_parser(commands, name, summary, count_help, command) -> None:
    """A benchmark on samples made from pendigits: --count, --model, --pendigits, --json."""
    bench = commands.add_parser(name, help=summary)
    bench.add_argument("--count", type=int, default=300, help=f"{count_help} (default: 300)")
    bench.add_argument(
        "--model", default="cnn", choices=config.MODEL_NAMES, help="default: %(default)s"
    )
    bench.add_argument(
        "--pendigits", type=pathlib.Path, metavar="PATH", help="UNIPEN pendigits file"
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(command=command)


def _add_train_parser(commands) -> None:
    """The `train` subcommand; its defaults come from config.TrainingConfig."""
    defaults = config.TrainingConfig()
    train = commands.add_parser("train", help="train a model on MNIST and save it")
    train.add_argument("--model", required=True, choices=config.MODEL_NAMES)
    train.add_argument("--epochs", type=int, default=defaults.epochs, help="default: %(default)s")
    train.add_argument(
        "--batch-size", type=int, default=defaults.batch_size, help="default: %(default)s"
    )
    train.add_argument(
        "--learning-rate", type=float, default=defaults.learning_rate, help="default: %(default)s"
    )
    train.add_argument(
        "--optimizer",
        default=defaults.optimizer,
        help="adam, adamw, rmsprop or sgd (default: %(default)s)",
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=defaults.augment,
        help="distort the images at random each epoch (default: %(default)s)",
    )
    train.add_argument(
        "--validation-split",
        type=float,
        default=defaults.validation_split,
        help="share of the images held out (default: %(default)s)",
    )
    train.add_argument(
        "--label-smoothing",
        type=float,
        default=defaults.label_smoothing,
        help="share of each target spread over the other digits (default: %(default)s)",
    )
    train.add_argument("--seed", type=int, default=defaults.seed, help="default: %(default)s")
    train.add_argument("--limit", type=int, metavar="N", help="train on the first N images only")
    _add_data_argument(train)
    _add_pen_arguments(train, defaults)
    train.add_argument(
        "--out",
        type=pathlib.Path,
        default=config.MODELS_DIR,
        metavar="DIR",
        help="folder for <model>.keras and its .json sidecar (default: %(default)s)",
    )
    train.set_defaults(command=run_train)


def _add_pen_arguments(train, defaults: config.TrainingConfig) -> None:
    """--replays, --pen-images, --pendigits, --exclude-writers, --twin: the real pen data."""
    pen_file_help = (f"UNIPEN pendigits file (default: ${config.PENDIGITS_ENV_VAR}, else "
                     "../shared/data, else downloaded once from UCI)")  # fmt: skip
    options = {
        "--replays": dict(type=int, default=defaults.pen_replays, metavar="N",
                          help="replays of each pendigits digit mixed in (default: %(default)s)"),
        "--pen-images": dict(type=_count_or_all, default=defaults.pen_images, metavar="N|all",
                             help="at most N pen replays (default: %(default)s)"),
        "--pendigits": dict(type=pathlib.Path, metavar="PATH", help=pen_file_help),
        "--style-catalogue": dict(action=argparse.BooleanOptionalAction,
                                  default=defaults.style_catalogue,
                                  help="with --augment, also the styles of digitpad.styles"),
        "--exclude-writers": dict(metavar="WRITERS", help="leave out these pendigits writers "
                                  "(`report`, `fold3`, `3,17`) and measure the model on them"),
        "--twin": dict(type=pathlib.Path, metavar="DIR", help="the same recipe trained without "
                       "some writers: record its figure on them as 'people it never saw'"),
    }  # fmt: skip
    for flag, keywords in options.items():
        train.add_argument(flag, **keywords)


def _count_or_all(text: str) -> int | None:
    """`all` -> None, else a positive whole number."""
    if text == "all":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or `all`, got {text!r}") from None


def _add_evaluate_parser(commands) -> None:
    """The `evaluate` subcommand."""
    evaluate = commands.add_parser("evaluate", help="accuracy of a saved model on MNIST's test set")
    evaluate.add_argument("--model", required=True, choices=config.MODEL_NAMES)
    _add_data_argument(evaluate)
    _add_models_dir_argument(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(command=run_evaluate)


def _add_predict_parser(commands) -> None:
    """The `predict` subcommand."""
    predict = commands.add_parser("predict", help="recognise the digit in image files")
    predict.add_argument(
        "paths", nargs="+", type=pathlib.Path, metavar="PATH", help="image files or folders"
    )
    predict.add_argument(
        "--model", default="cnn", choices=config.MODEL_NAMES, help="default: %(default)s"
    )
    _add_models_dir_argument(predict)
    predict.add_argument("--json", action="store_true", help="print one JSON object per image")
    predict.add_argument(
        "--number", action="store_true", help="read a number of several digits in each image"
    )
    predict.set_defaults(command=run_predict)


def _add_data_argument(parser: argparse.ArgumentParser) -> None:
    """--data: where MNIST is."""
    parser.add_argument(
        "--data",
        type=pathlib.Path,
        metavar="PATH",
        help=f"MNIST folder or mnist.npz (default: ${config.MNIST_ENV_VAR}, else Keras' download)",
    )


def _add_models_dir_argument(parser: argparse.ArgumentParser) -> None:
    """--models-dir: where the saved models are."""
    parser.add_argument(
        "--models-dir",
        type=pathlib.Path,
        metavar="DIR",
        help=f"folder holding <model>.keras (default: {config.MODELS_DIR})",
    )


# ------------------------------------------------------------------------------ train


def training_settings(arguments: argparse.Namespace) -> config.TrainingConfig:
    """The hyperparameters that `train`'s options ask for."""
    return config.TrainingConfig(
        model_name=arguments.model, epochs=arguments.epochs, batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate, optimizer=arguments.optimizer,
        validation_split=arguments.validation_split, augment=arguments.augment,
        label_smoothing=arguments.label_smoothing, seed=arguments.seed,
        pen_replays=arguments.replays, pen_images=arguments.pen_images,
        style_catalogue=arguments.style_catalogue,
    )  # fmt: skip


def run_train(arguments: argparse.Namespace) -> int:
    """Train, report each epoch, evaluate, and save unless stopped with Ctrl-C."""
    settings = training_settings(arguments)
    if arguments.limit is not None and arguments.limit < 1:
        raise CommandError("--limit must be at least 1.")
    _check_output_folder(arguments.out)
    from digitpad import heldout, training

    (images, labels), test_split = _load_mnist(arguments.data)
    images, labels = images[: arguments.limit], labels[: arguments.limit]
    try:
        training.validate(settings, len(images))
        held_out = heldout.Plan.from_arguments(arguments, settings)
        pen = held_out.training_set(settings, images, labels)
    except ValueError as error:
        raise CommandError(str(error)) from error
    print(pen.note, flush=True)
    path = arguments.out / f"{settings.model_name}.keras"
    return _train_and_save(settings, pen, test_split, path, held_out)


def _train_and_save(settings, pen, test_split, path, held_out) -> int:
    """The work of `train` once the settings are known to be good."""
    from digitpad import training

    images, labels = pen.images, pen.labels
    print(_describe_run(settings, len(images)), flush=True)
    progress, stop_event = ProgressLine(sys.stderr), threading.Event()
    with stop_on_interrupt(stop_event):
        result = training.train(
            settings, images, labels, on_batch=progress.update,
            on_epoch=lambda report: progress.print(format_epoch(report)), stop_event=stop_event,
        )  # fmt: skip
    progress.clear()
    if result.stopped or stop_event.is_set():
        return _report_stopped(path)
    try:
        test_accuracy, drawn_accuracy = _evaluate_trained(result.model, test_split)
    except KeyboardInterrupt:
        return _report_stopped(path)
    info = training.sidecar_info(settings, result, test_accuracy, drawn_accuracy)
    info.update(held_out.sidecar_facts(result.model, pen))
    with stop_on_interrupt(threading.Event()):  # let the model and its sidecar both land
        training.save_model(result.model, path, info)
    print(f"saved {path} ({result.seconds:.1f} s of training)")
    return EXIT_OK


def _describe_run(settings: config.TrainingConfig, image_count: int) -> str:
    """One line saying what is about to be trained."""
    validation = int(image_count * settings.validation_split)
    augment = "augmented" if settings.augment else "not augmented"
    return (
        f"training {settings.model_name} on {image_count - validation:,} images "
        f"({validation:,} held out for validation, {augment}): {settings.epochs} epochs, "
        f"batch {settings.batch_size}, {settings.optimizer} at {settings.learning_rate:g}"
    )


def format_epoch(report) -> str:
    """One line of metrics for a finished epoch (a training.EpochReport)."""
    parts = [
        f"epoch {report.epoch}/{report.epochs}",
        f"loss {report.loss:.4f}",
        f"acc {report.accuracy:.4f}",
    ]
    if report.val_loss is not None:
        parts.append(f"val_loss {report.val_loss:.4f}")
    if report.val_accuracy is not None:
        parts.append(f"val_acc {report.val_accuracy:.4f}")
    parts += [f"{report.seconds:.1f} s", f"{report.images_per_second:,.0f} img/s"]
    return "  ".join(parts)


def _evaluate_trained(model, test_split) -> tuple[float, float | None]:
    """Print and return the MNIST test accuracy and the drawn-digit accuracy (None: no data)."""
    from digitpad import evaluation, pendigits
    from digitpad.inference import Predictor

    predictor = Predictor(model)
    test_images, test_labels = test_split
    probabilities = evaluation.predict_images(predictor, test_images)
    test_accuracy = evaluation.accuracy(probabilities, test_labels)
    print(f"MNIST test accuracy {test_accuracy:.2%} ({len(test_labels):,} images)")
    pendigits_path = pendigits.resolve_path()
    if not pendigits_path.is_file():
        print(f"drawn-digit accuracy: skipped, no pendigits file at {pendigits_path}")
        return test_accuracy, None
    try:
        canvases, labels = evaluation.drawn_digits(count=config.PENDIGITS_EVAL_COUNT)
    except ValueError as error:  # a malformed file must not throw the trained model away
        print(f"drawn-digit accuracy: skipped ({error})")
        return test_accuracy, None
    drawn_accuracy = evaluation.drawn_accuracy(predictor, canvases, labels)
    print(f"drawn-digit accuracy {drawn_accuracy:.2%} ({len(labels):,} replayed pen drawings)")
    return test_accuracy, drawn_accuracy


def _report_stopped(path: pathlib.Path) -> int:
    """Say that Ctrl-C stopped the run and nothing was saved."""
    if path.exists():
        print(f"stopped: kept the previous model at {path}", file=sys.stderr)
    else:
        print(f"stopped: nothing saved (there is no model at {path} yet)", file=sys.stderr)
    return EXIT_INTERRUPTED


def _check_output_folder(folder: pathlib.Path) -> None:
    """Refuse an output folder that cannot be created or written, before training starts."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise CommandError(f"{existing}: not a folder, cannot save models there.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CommandError(f"{existing}: no permission to write there.")


@contextlib.contextmanager
def stop_on_interrupt(stop_event: threading.Event):
    """While active, Ctrl-C (SIGINT) sets `stop_event`; a second Ctrl-C interrupts at once."""

    def handle(signal_number, frame):
        if stop_event.is_set():
            raise KeyboardInterrupt
        stop_event.set()

    if threading.current_thread() is not threading.main_thread():  # signals need the main thread
        yield stop_event
        return
    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield stop_event
    finally:
        signal.signal(signal.SIGINT, previous)


class ProgressLine:
    """A single, updating batch-progress line on a terminal; silent when not a terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = ""

    def update(self, epoch: int, epochs: int, fraction: float) -> None:
        """Show how far the current epoch is (called after each batch)."""
        filled = round(fraction * PROGRESS_WIDTH)
        bar = "#" * filled + "-" * (PROGRESS_WIDTH - filled)
        text = f"epoch {epoch}/{epochs} [{bar}] {fraction:4.0%}"
        if self.enabled and text != self.shown:
            self.stream.write("\r" + text)
            self.stream.flush()
            self.shown = text

    def clear(self) -> None:
        """Erase the progress line."""
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * len(self.shown) + "\r")
            self.stream.flush()
            self.shown = ""

    def print(self, line: str) -> None:
        """Print a line on stdout, with the progress line out of the way."""
        self.clear()
        print(line, flush=True)


# --------------------------------------------------------------------------- evaluate


def run_evaluate(arguments: argparse.Namespace) -> int:
    """Print the test accuracy of a saved model, overall and per digit."""
    from digitpad import evaluation

    predictor, path = _load_predictor(arguments.model, arguments.models_dir)
    _, (images, labels) = _load_mnist(arguments.data)
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


def _load_mnist(source: pathlib.Path | None):
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

    from digitpad import preprocess

    try:
        probabilities = predictor.probabilities(preprocess.to_mnist(read_image(path)))
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        return {"path": str(path), "digit": None, "probabilities": None,
                "error": _describe_image_error(error)}  # fmt: skip
    return {
        "path": str(path),
        "digit": int(probabilities.argmax()),
        "probabilities": [round(float(value), PROBABILITY_DECIMALS) for value in probabilities],
    }


def read_number_file(predictor, path: pathlib.Path) -> dict:
    """The number read in one image file as a JSON-ready dict, with an "error" if it failed."""
    from PIL import Image

    from digitpad import numbers

    try:
        reading = numbers.read_number(read_image(path), predictor)
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        return {"path": str(path), "number": None, "error": _describe_image_error(error)}
    return {
        "path": str(path),
        "number": reading.number,
        "digits": list(reading.digits),
        "boxes": [list(box) for box in reading.boxes],
    }


def format_number(result: dict) -> str:
    """`path: 407`, or `path: error: reason`."""
    if "error" in result:
        return f"{result['path']}: error: {result['error']}"
    return f"{result['path']}: {result['number']}"


def read_image(path: pathlib.Path):
    """The pixels of an image file: RGBA (H, W, 4) when it has transparency, else gray (H, W)."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        if width * height > config.MAX_IMAGE_PIXELS:  # refuse before decoding the pixels
            raise ValueError(
                f"The image is too large ({width}x{height} px); "
                f"the limit is {config.MAX_IMAGE_PIXELS:,} pixels."
            )
        image.load()
        mode = "RGBA" if image.has_transparency_data else "L"
        return np.asarray(image.convert(mode))


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


# ------------------------------------------------------------------------------ bench


def run_bench(arguments: argparse.Namespace) -> int:
    """Time preprocessing and inference (digitpad.bench)."""
    try:
        from digitpad import bench
    except ModuleNotFoundError as error:
        if error.name != "digitpad.bench":
            raise
        raise CommandError("the bench command is not available (no digitpad/bench.py).") from error
    try:
        return bench.run(json_output=arguments.json, quick=arguments.quick)
    except ValueError as error:  # a missing or broken model, say
        raise CommandError(str(error)) from error


def _sample_bench_report(arguments: argparse.Namespace, measure) -> dict:
    """Run `measure(predictor, count, path=...)`, a benchmark on samples made from pendigits."""
    if arguments.count < 1:
        raise CommandError("--count must be at least 1.")
    predictor, _ = _load_predictor(arguments.model, None)
    try:
        return measure(predictor, arguments.count, path=arguments.pendigits)
    except ValueError as error:  # a missing or malformed pendigits file, too large a count
        raise CommandError(str(error)) from error


def run_bench_numbers(arguments: argparse.Namespace) -> int:
    """Print digit and whole-number accuracy on composed numbers (digitpad.evaluation)."""
    from digitpad import evaluation

    report = _sample_bench_report(arguments, evaluation.number_accuracy)
    if arguments.json:
        print(json.dumps(report))
        return EXIT_OK
    for gap_style, figures in report.items():
        print(
            f"{gap_style:>8}: {figures['number_accuracy']:.1%} of {figures['numbers']} numbers "
            f"right, {figures['digit_accuracy']:.1%} of digits, "
            f"{figures['segmented_right']:.1%} split into the right number of digits"
        )
    return EXIT_OK


def run_bench_photos(arguments: argparse.Namespace) -> int:
    """Print accuracy on synthetic paper photos, with and without cleaning (digitpad.photo)."""
    from digitpad import photo

    report = _sample_bench_report(arguments, photo.photo_accuracy)
    if arguments.json:
        print(json.dumps(report))
        return EXIT_OK
    print(f"cleaned: {report['cleaned_accuracy']:.1%} of {report['photos']} photos right")
    print(f"    raw: {report['raw_accuracy']:.1%} (the same photos without cleaning)")
    return EXIT_OK
