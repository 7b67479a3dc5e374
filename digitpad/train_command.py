"""`python -m digitpad train`: train a model on MNIST, print each epoch, save it atomically."""

import argparse
import contextlib
import os
import pathlib
import signal
import sys
import threading

from digitpad import cli, config

PROGRESS_WIDTH = 30  # characters of the batch progress bar


def add_train_parser(commands) -> None:
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
    add_recipe_arguments(train, defaults)
    train.add_argument("--seed", type=int, default=defaults.seed, help="default: %(default)s")
    train.add_argument("--limit", type=int, metavar="N", help="train on the first N images only")
    cli.add_data_argument(train)
    _add_pen_arguments(train, defaults)
    train.add_argument(
        "--out",
        type=pathlib.Path,
        default=config.MODELS_DIR,
        metavar="DIR",
        help="folder for <model>.keras and its .json sidecar (default: %(default)s)",
    )
    train.set_defaults(command=run_train)


def add_recipe_arguments(train: argparse.ArgumentParser, defaults: config.TrainingConfig) -> None:
    """The training recipe's options: optimizer, augmentation, validation, label smoothing."""
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


def _add_pen_arguments(train, defaults: config.TrainingConfig) -> None:
    """--replays, --pen-images, --pendigits, --exclude-writers, --twin: the real pen data."""
    pen_file_help = (f"UNIPEN pendigits file (default: ${config.PENDIGITS_ENV_VAR}, else "
                     "../shared/data, else downloaded once from UCI)")  # fmt: skip
    options = {
        "--replays": dict(type=int, default=defaults.pen_replays, metavar="N",
                          help="replays of each pendigits digit mixed in (default: %(default)s)"),
        "--pen-images": dict(type=count_or_all, default=defaults.pen_images, metavar="N|all",
                             help="at most N pen replays (default: %(default)s)"),
        "--pendigits": dict(type=pathlib.Path, metavar="PATH", help=pen_file_help),
        "--style-catalogue": dict(action=argparse.BooleanOptionalAction,
                                  default=defaults.style_catalogue,
                                  help="with --augment, also the styles of digitpad.styles"),
        "--non-digits": dict(type=int, default=defaults.non_digits, metavar="N",
                             help="synthetic non-digits mixed in (default: %(default)s)"),
        "--clean-epochs": dict(type=int, default=defaults.clean_epochs, metavar="N",
                               help="with --augment, the last N epochs show the digits "
                               "undistorted (default: %(default)s)"),
        "--mnist-copies": dict(type=int, default=defaults.mnist_copies, metavar="N",
                               help="MNIST's images N times (default: %(default)s)"),
        "--exclude-writers": dict(metavar="WRITERS", help="leave out these pendigits writers "
                                  "(`report`, `fold3`, `3,17`) and measure the model on them"),
        "--twin": dict(type=pathlib.Path, metavar="DIR", help="the same recipe trained without "
                       "some writers: record its figure on them as 'people it never saw'"),
    }  # fmt: skip
    for flag, keywords in options.items():
        train.add_argument(flag, **keywords)


def count_or_all(text: str) -> int | None:
    """`all` -> None, else a positive whole number."""
    if text == "all":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or `all`, got {text!r}") from None


def training_settings(arguments: argparse.Namespace) -> config.TrainingConfig:
    """The hyperparameters that `train`'s options ask for."""
    return config.TrainingConfig(
        model_name=arguments.model, epochs=arguments.epochs, batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate, optimizer=arguments.optimizer,
        validation_split=arguments.validation_split, augment=arguments.augment,
        label_smoothing=arguments.label_smoothing, seed=arguments.seed,
        pen_replays=arguments.replays, pen_images=arguments.pen_images,
        style_catalogue=arguments.style_catalogue, non_digits=arguments.non_digits,
        mnist_copies=arguments.mnist_copies, clean_epochs=arguments.clean_epochs,
    )  # fmt: skip


def run_train(arguments: argparse.Namespace) -> int:
    """Train, report each epoch, evaluate, and save unless stopped with Ctrl-C."""
    settings = training_settings(arguments)
    if arguments.limit is not None and arguments.limit < 1:
        raise cli.CommandError("--limit must be at least 1.")
    _check_output_folder(arguments.out)
    from digitpad import heldout, training

    (images, labels), test_split = cli.load_mnist(arguments.data)
    images, labels = images[: arguments.limit], labels[: arguments.limit]
    try:
        training.validate(settings, len(images))
        held_out = heldout.Plan.from_arguments(arguments, settings)
        pen = held_out.training_set(settings, images, labels)
    except ValueError as error:
        raise cli.CommandError(str(error)) from error
    print(pen.note, flush=True)
    path = arguments.out / f"{settings.model_name}.keras"
    return _train_and_save(settings, pen, test_split, path, held_out)


def _train_and_save(settings, pen, test_split, path, held_out) -> int:
    """The work of `train` once the settings are known to be good."""
    from digitpad import training, verdict
    from digitpad.inference import Predictor

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
    info = verdict.with_threshold(info, Predictor(result.model).probabilities)
    with stop_on_interrupt(threading.Event()):  # let the model and its sidecar both land
        training.save_model(result.model, path, info)
    print(f"saved {path} ({result.seconds:.1f} s of training)")
    return cli.EXIT_OK


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
    return cli.EXIT_INTERRUPTED


def _check_output_folder(folder: pathlib.Path) -> None:
    """Refuse an output folder that cannot be created or written, before training starts."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise cli.CommandError(f"{existing}: not a folder, cannot save models there.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise cli.CommandError(f"{existing}: no permission to write there.")


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
