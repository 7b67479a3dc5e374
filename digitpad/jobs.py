"""Training jobs that run in a background thread and report their progress to any reader.

A `JobRegistry` keeps one job per model. The app holds a single registry for the whole
server process, so every browser session sees (and can stop) the same running training.
"""

import dataclasses
import functools
import pathlib
import threading
import time

import keras
import numpy as np

from digitpad import config, evaluation, inference, pendigits, personalize, training, trainset

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
ACTIVE_STATUSES = (QUEUED, RUNNING)
MISCLASSIFIED_COUNT = 20  # misclassified test digits kept for the gallery
DRAWN_EVAL_COUNT = 300  # replayed pen-written digits for a trained model's drawn accuracy
USER_SHARE = 0.02  # the user's drawings, repeated, make this share of a training's images
TRAINING_STAGE = "Training"
TESTING_STAGE = "Testing"
SAVING_STAGE = "Saving"

_running_jobs: set["TrainingJob"] = set()
_running_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """How a trained model does on the MNIST test images (and on replayed drawings)."""

    test_accuracy: float
    confusion: np.ndarray  # 10 x 10 counts, row = true digit, column = predicted digit
    misclassified_images: np.ndarray  # (K, 28, 28) uint8, the most confident mistakes first
    misclassified_labels: np.ndarray  # (K,) true digits
    misclassified_predictions: np.ndarray  # (K,) predicted digits
    drawn_accuracy: float | None = None
    test_images: int = 0
    user_accuracy: float | None = None  # on the user's held-out drawings, when mixed in
    user_held_out: int = 0


@dataclasses.dataclass(frozen=True)
class JobSnapshot:
    """A consistent copy of a job's state at one moment."""

    model_name: str
    settings: config.TrainingConfig
    status: str
    stage: str
    epoch: int  # 1-based epoch in progress (or last one run)
    epochs: int
    batch_fraction: float  # share of the current epoch done
    history: tuple[training.EpochReport, ...]
    training_images: int
    started_at: float  # time.time() when the job was created
    elapsed: float  # seconds since the start, frozen once the job ends
    stopping: bool
    error: str | None
    evaluation: Evaluation | None
    model_path: pathlib.Path
    data_note: str = ""  # what the images are: MNIST + pen replays, or MNIST alone and why

    @property
    def active(self) -> bool:
        """Whether the job is still queued or running."""
        return self.status in ACTIVE_STATUSES

    @property
    def images_per_second(self) -> float:
        """Training speed so far: images seen divided by the time spent."""
        done = (self.epoch - 1 + self.batch_fraction) * self.training_images
        return done / self.elapsed if self.elapsed > 0 else 0.0


class TrainingJob:
    """Train one model in a thread, test it, and save it where the app will find it."""

    def __init__(
        self,
        settings: config.TrainingConfig,
        images: np.ndarray,
        labels: np.ndarray,
        test_images: np.ndarray | None = None,
        test_labels: np.ndarray | None = None,
        models_dir: pathlib.Path | str | None = None,
        drawn_count: int = DRAWN_EVAL_COUNT,
        user_drawings: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self.user_held_out = None
        if user_drawings is not None and len(user_drawings[0]):
            images, labels = self._mix_user_drawings(settings, images, labels, *user_drawings)
        training.validate(settings, len(images))
        self.settings = settings
        self.images, self.labels = images, labels
        self.test_images, self.test_labels = test_images, test_labels
        self.model_path = inference.model_path(
            settings.model_name, models_dir or config.USER_MODELS_DIR
        )
        self.drawn_count = drawn_count
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"digitpad-train-{settings.model_name}", daemon=True
        )
        self._lock = threading.Lock()
        self._state = {
            "status": QUEUED, "stage": TRAINING_STAGE, "epoch": 1, "batch_fraction": 0.0,
            "history": (), "error": None, "evaluation": None, "finished_at": None,
            "data_note": "",
        }  # fmt: skip
        self.started_at = time.time()
        self._clock_start = time.perf_counter()

    def _mix_user_drawings(self, settings, images, labels, user_images, user_labels) -> tuple:
        """Hold out part of the user's drawings; mix the rest into the training images."""
        rng = np.random.default_rng(settings.seed)
        train_part, held_part = personalize.held_out_split(len(user_images), rng)
        self.user_held_out = (user_images[held_part], user_labels[held_part])
        return personalize.mix_in(images, labels, user_images[train_part],
                                  user_labels[train_part], rng, USER_SHARE)  # fmt: skip

    def start(self) -> "TrainingJob":
        """Start the training thread; return the job."""
        shield_keras_state()
        with _running_lock:
            _running_jobs.add(self)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Ask the training to end after the current batch; the model in use stays."""
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the job to end; return whether it has."""
        self.thread.join(timeout)
        return not self.thread.is_alive()

    @property
    def active(self) -> bool:
        """Whether the job is still queued or running."""
        return self.snapshot().active

    def snapshot(self) -> JobSnapshot:
        """Return a consistent copy of the job's state."""
        with self._lock:
            state = dict(self._state)
        end = state["finished_at"] or time.perf_counter()
        return JobSnapshot(
            self.settings.model_name, self.settings, state["status"], state["stage"],
            state["epoch"], self.settings.epochs, state["batch_fraction"], state["history"],
            self._fitting_images(), self.started_at, end - self._clock_start,
            self.stop_event.is_set(), state["error"], state["evaluation"], self.model_path,
            state["data_note"],
        )  # fmt: skip

    def _fitting_images(self) -> int:
        """How many images one epoch trains on (the rest validate)."""
        return len(self.images) - int(len(self.images) * self.settings.validation_split)

    def _update(self, **changes) -> None:
        with self._lock:
            self._state.update(changes)

    def _on_batch(self, epoch: int, epochs: int, fraction: float) -> None:
        self._update(epoch=epoch, batch_fraction=fraction)

    def _on_epoch(self, report: training.EpochReport) -> None:
        with self._lock:
            self._state["history"] = (*self._state["history"], report)

    def _run(self) -> None:
        """The thread's body: train, test, save; record how it ended."""
        self._update(status=RUNNING)
        status, error = FAILED, "The training thread ended unexpectedly."
        try:
            status, error = self._train_test_save(), None
        # A background thread has nobody to raise to: any failure is reported to the page.
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
        finally:
            with _running_lock:
                _running_jobs.discard(self)
            self._update(status=status, error=error, finished_at=time.perf_counter())

    def _train_test_save(self) -> str:
        """Train, test and save the model; return the final status."""
        pen = trainset.for_recipe(self.settings, self.images, self.labels)
        self.images, self.labels = pen.images, pen.labels
        self._update(data_note=pen.note)
        result = training.train(
            self.settings, self.images, self.labels,
            self._on_batch, self._on_epoch, self.stop_event,
        )  # fmt: skip
        if result.stopped or self.stop_event.is_set():
            return STOPPED
        self._update(stage=TESTING_STAGE)
        predictor = inference.Predictor(result.model)
        report = self._evaluate(predictor)
        if self.stop_event.is_set():
            return STOPPED
        self._update(stage=SAVING_STAGE, evaluation=report)
        test_accuracy = report.test_accuracy if report else None
        drawn_accuracy = report.drawn_accuracy if report else None
        info = training.sidecar_info(self.settings, result, test_accuracy, drawn_accuracy)
        info.update(training_set=pen.note, pen_images=pen.pen_images,
                    pen_writers=list(pen.pen_writers))  # fmt: skip
        training.save_model(result.model, self.model_path, info)
        return FINISHED

    def _evaluate(self, predictor: inference.Predictor) -> Evaluation | None:
        """Test the model on the MNIST test images, when the job has them."""
        if self.test_images is None or self.test_labels is None or not len(self.test_images):
            return None
        report = evaluate(predictor, self.test_images, self.test_labels, self.drawn_count)
        if self.user_held_out is None or not len(self.user_held_out[0]):
            return report
        held_images, held_labels = self.user_held_out
        probabilities = evaluation.predict_images(predictor, held_images)
        user_accuracy = evaluation.accuracy(probabilities, held_labels)
        return dataclasses.replace(report, user_accuracy=user_accuracy,
                                   user_held_out=len(held_images))  # fmt: skip


def evaluate(
    predictor: inference.Predictor, images: np.ndarray, labels: np.ndarray,
    drawn_count: int = DRAWN_EVAL_COUNT,
) -> Evaluation:  # fmt: skip
    """Accuracy, confusion matrix and the most confident mistakes on test images."""
    probabilities = evaluation.predict_images(predictor, images)
    predicted = np.argmax(probabilities, axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    shown = wrong[np.argsort(-confidence, kind="stable")][:MISCLASSIFIED_COUNT]
    return Evaluation(
        test_accuracy=evaluation.accuracy(probabilities, labels),
        confusion=evaluation.confusion_matrix(labels, predicted),
        misclassified_images=np.asarray(images[shown]),
        misclassified_labels=np.asarray(labels[shown]),
        misclassified_predictions=predicted[shown],
        drawn_accuracy=replayed_accuracy(predictor, drawn_count),
        test_images=len(images),
    )


def replayed_accuracy(
    predictor: inference.Predictor, count: int = DRAWN_EVAL_COUNT
) -> float | None:
    """Accuracy on `count` replayed pen-written digits, or None without the pendigits file."""
    if count <= 0 or not pendigits.resolve_path().is_file():
        return None
    canvases, labels = evaluation.drawn_digits(count)
    return evaluation.drawn_accuracy(predictor, canvases, labels)


def keras_state_in_use() -> bool:
    """Whether a job's thread is building, training, testing or saving a Keras model."""
    with _running_lock:
        return bool(_running_jobs)


def shield_keras_state() -> None:
    """Make `keras.backend.clear_session` do nothing while a job runs (set up once).

    Streamlit calls it after every script run, and it resets Keras' global state for all
    threads at once: a model being built, traced or saved in a job's thread would break.
    """
    clear_session = keras.backend.clear_session
    if getattr(clear_session, "shields_jobs", False):
        return

    @functools.wraps(clear_session)
    def clear_session_unless_training(*arguments, **options):
        if not keras_state_in_use():
            clear_session(*arguments, **options)

    clear_session_unless_training.shields_jobs = True
    keras.backend.clear_session = clear_session_unless_training


class JobRegistry:
    """One training job per model name, shared by every session of the app."""

    def __init__(self):
        self._jobs: dict[str, TrainingJob] = {}
        self._lock = threading.Lock()

    def start(
        self, settings: config.TrainingConfig, images: np.ndarray, labels: np.ndarray, **options
    ) -> TrainingJob:
        """Start training `settings.model_name`; ValueError if that model is training already.

        `options` go to `TrainingJob` (test images and labels, models folder, drawn count).
        """
        name = settings.model_name
        with self._lock:
            current = self._jobs.get(name)
            if current is not None and current.active:
                raise ValueError(f"A {name.upper()} training is already running.")
            job = TrainingJob(settings, images, labels, **options)
            self._jobs[name] = job
            return job.start()

    def get(self, name: str) -> TrainingJob | None:
        """The latest job of model `name`, running or ended, or None."""
        with self._lock:
            return self._jobs.get(name)

    def active_names(self) -> list[str]:
        """Names of the models training now."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [job.settings.model_name for job in jobs if job.active]

    def stop_all(self, timeout: float | None = None) -> None:
        """Stop every running job and wait for each to end."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.stop()
        for job in jobs:
            job.join(timeout)
