"""Training jobs that run in a background thread and report their progress to any reader.

A `JobRegistry` keeps one job per model. The app holds a single registry for the whole
server process, so every browser session sees (and can stop) the same running training.
"""

import dataclasses
import functools
import os
import pathlib
import threading
import time
import uuid

import keras
import numpy as np

from digitpad import (
    comparison,
    config,
    evaluation,
    inference,
    personalize,
    training,
    trainset,
    verdict,
    writers,
)  # fmt: skip
from digitpad.comparison import Comparison
from digitpad.progress import BatchPoint, BatchRecorder

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
ACTIVE_STATUSES = (QUEUED, RUNNING)
TRAINING_STAGE = "Training"
TESTING_STAGE = "Testing"
SAVING_STAGE = "Saving"
ADOPTED, KEPT = "adopted", "kept"  # what the user chose for a finished job's new model
CANDIDATE_SUFFIX = ".candidate"  # cnn.candidate.keras: a new model waiting for the user's choice

_running_jobs: set["TrainingJob"] = set()
_running_lock = threading.Lock()
_clear_session_options: dict = {}  # what the patched clear_session adds to every call


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
    evaluation: evaluation.Evaluation | None
    model_path: pathlib.Path  # where the model goes once the user chooses to use it
    job_id: str = ""  # also in the sidecar of the model this job saved
    candidate_path: pathlib.Path | None = None
    comparison: Comparison | None = None  # the new model against the one in use
    decision: str | None = None  # ADOPTED or KEPT once the user chose; None before
    batches: tuple[BatchPoint, ...] = ()
    timed_images: int = 0  # images trained after the warm-up, and the seconds they took
    timed_seconds: float = 0.0
    data_note: str = ""  # what the images are: MNIST + pen replays, or MNIST alone and why

    @property
    def awaiting_choice(self) -> bool:
        """Whether the new model waits for Use the new model / Keep the current one."""
        return self.status == FINISHED and self.decision is None

    @property
    def active(self) -> bool:
        """Whether the job is still queued or running."""
        return self.status in ACTIVE_STATUSES

    @property
    def images_per_second(self) -> float | None:
        """Training speed after the warm-up batches; None until some batches were timed."""
        return self.timed_images / self.timed_seconds if self.timed_seconds > 0 else None


INITIAL_STATE = {
    "status": QUEUED, "stage": TRAINING_STAGE, "epoch": 1, "batch_fraction": 0.0,
    "history": (), "error": None, "evaluation": None, "finished_at": None,
    "comparison": None, "decision": None, "batches": (), "timed_images": 0,
    "timed_seconds": 0.0, "data_note": "",
}  # fmt: skip


class TrainingJob:
    """Train one model in a thread, test it, and save it where the app will find it."""

    def __init__(
        self, settings: config.TrainingConfig, images: np.ndarray, labels: np.ndarray,
        test_images: np.ndarray | None = None, test_labels: np.ndarray | None = None,
        models_dir: pathlib.Path | str | None = None,
        drawn_count: int = evaluation.DRAWN_EVAL_COUNT,
        user_drawings: tuple[np.ndarray, np.ndarray] | None = None,
        compare_count: int = comparison.DRAWN_COMPARE_COUNT,
        exclude_writers: tuple = writers.report_writers(),  # those the comparison reads
    ):  # fmt: skip
        self.user_held_out = None
        if user_drawings is not None and len(user_drawings[0]):
            images, labels = self._mix_user_drawings(settings, images, labels, *user_drawings)
        training.validate(settings, len(images))
        self.settings = settings
        self.images, self.labels = images, labels
        self.test_images, self.test_labels = test_images, test_labels
        folder = models_dir or config.USER_MODELS_DIR
        self.model_path = inference.model_path(settings.model_name, folder)
        self.candidate_path = candidate_path(self.model_path)
        self.drawn_count, self.compare_count = drawn_count, compare_count
        self.exclude_writers = exclude_writers  # pendigits writers left out of the pen replays
        self.job_id = uuid.uuid4().hex
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"digitpad-train-{settings.model_name}", daemon=True
        )
        self._lock = threading.Lock()
        self._state = dict(INITIAL_STATE)
        self.started_at = time.time()
        self._clock_start = time.perf_counter()

    def _mix_user_drawings(self, settings, images, labels, user_images, user_labels) -> tuple:
        """Hold out part of the user's drawings; mix the rest into the training images."""
        mixed = personalize.with_drawings(images, labels, user_images, user_labels, settings.seed)
        self.user_held_out = (mixed.held_images, mixed.held_labels)
        return mixed.images, mixed.labels

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
            self.job_id, self.candidate_path, state["comparison"], state["decision"],
            state["batches"], state["timed_images"], state["timed_seconds"], state["data_note"],
        )  # fmt: skip

    def decide(self, use_new: bool) -> None:
        """The user's choice: the new model replaces the one in use, or is deleted.

        ValueError when the job has no new model waiting (not finished, or already chosen).
        """
        with self._lock:
            if self._state["status"] != FINISHED or self._state["decision"] is not None:
                raise ValueError("This training has no new model waiting for a choice.")
            if use_new:
                adopt_candidate(self.candidate_path, self.model_path)
            else:
                discard_candidate(self.candidate_path)
            self._state["decision"] = ADOPTED if use_new else KEPT

    def _fitting_images(self) -> int:
        """How many images one epoch trains on (the rest validate)."""
        return len(self.images) - int(len(self.images) * self.settings.validation_split)

    def _update(self, **changes) -> None:
        with self._lock:
            self._state.update(changes)

    def _on_batch(self, epoch: int, epochs: int, fraction: float) -> None:
        self._update(epoch=epoch, batch_fraction=fraction)

    def _on_batch_logs(self, point: BatchPoint, images: int, seconds: float) -> None:
        with self._lock:
            self._state["batches"] = (*self._state["batches"], point)
            self._state["timed_images"] += images
            self._state["timed_seconds"] += seconds

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
        """Train, test and compare the model, save it as the candidate; return the final status."""
        pen = trainset.for_recipe(self.settings, self.images, self.labels,
                                  exclude_writers=self.exclude_writers)  # fmt: skip
        self.images, self.labels = pen.images, pen.labels
        self._update(data_note=pen.note)
        recorder = BatchRecorder(self._fitting_images(), self.settings.batch_size,
                                 self._on_batch_logs)  # fmt: skip
        result = training.train(
            self.settings, self.images, self.labels,
            self._on_batch, self._on_epoch, self.stop_event, extra_callbacks=[recorder],
        )  # fmt: skip
        if result.stopped or self.stop_event.is_set():
            return STOPPED
        self._update(stage=TESTING_STAGE)
        predictor = inference.Predictor(result.model)
        report = self._evaluate(predictor)
        figures = self._compare(predictor)
        if self.stop_event.is_set():
            return STOPPED
        self._update(stage=SAVING_STAGE, evaluation=report, comparison=figures)
        test_accuracy = report.test_accuracy if report else None
        drawn_accuracy = report.drawn_accuracy if report else None
        info = training.sidecar_info(self.settings, result, test_accuracy, drawn_accuracy)
        info.update(pen.sidecar_facts(), job_id=self.job_id)
        # its own "not a digit", tuned on the tuning writers it trained on (its pen_writers)
        info = verdict.with_threshold(info, predictor.probabilities)
        training.save_model(result.model, self.candidate_path, info)
        return FINISHED

    def _compare(self, predictor: inference.Predictor) -> Comparison:
        """The new model and the one in use, measured on the same images."""
        current_path = self.model_path
        if not current_path.is_file():
            current_path = inference.model_path(self.settings.model_name)  # the shipped one
        try:  # the sidecar says which writers the model in use trained on
            model = inference.load_model(current_path)
            current = inference.Predictor(model, inference.read_sidecar(current_path))
        except ValueError:
            current = None  # nothing usable in use: the new model can only be better
        return comparison.compare(
            predictor, current, self.test_images, self.test_labels, self.compare_count
        )

    def _evaluate(self, predictor: inference.Predictor) -> evaluation.Evaluation | None:
        """Test the model on the MNIST test images, when the job has them."""
        if self.test_images is None or self.test_labels is None or not len(self.test_images):
            return None
        report = evaluation.evaluate(
            predictor, self.test_images, self.test_labels, self.drawn_count
        )
        if self.user_held_out is None or not len(self.user_held_out[0]):
            return report
        held_images, held_labels = self.user_held_out
        probabilities = evaluation.predict_images(predictor, held_images)
        user_accuracy = evaluation.accuracy(probabilities, held_labels)
        return dataclasses.replace(report, user_accuracy=user_accuracy,
                                   user_held_out=len(held_images))  # fmt: skip


def candidate_path(model_path: pathlib.Path | str) -> pathlib.Path:
    """Where a finished training keeps its new model until the user chooses (next to the model)."""
    path = pathlib.Path(model_path)
    return path.with_name(f"{path.stem}{CANDIDATE_SUFFIX}{path.suffix}")


def adopt_candidate(candidate: pathlib.Path, model_path: pathlib.Path) -> None:
    """Put the candidate model and its sidecar in place of the model in use (each atomic)."""
    if not candidate.is_file():
        raise ValueError(f"The new model's file {candidate} is gone: train again.")
    os.replace(candidate, model_path)
    if inference.sidecar_path(candidate).is_file():
        os.replace(inference.sidecar_path(candidate), inference.sidecar_path(model_path))


def discard_candidate(candidate: pathlib.Path) -> None:
    """Delete a candidate model and its sidecar (the model in use is untouched)."""
    candidate.unlink(missing_ok=True)
    inference.sidecar_path(candidate).unlink(missing_ok=True)


def keras_state_in_use() -> bool:
    """Whether a job's thread is building, training, testing or saving a Keras model."""
    with _running_lock:
        return bool(_running_jobs)


def shield_keras_state(keep_memory: bool = False) -> None:
    """Make `keras.backend.clear_session` do nothing while a job runs (the one patch of it).

    Streamlit calls it after every script run, and it resets Keras' global state for all
    threads at once: a model being built, traced or saved in a job's thread would break.
    With `keep_memory` (the app asks for it; it stays on) the reset also skips its full
    `gc.collect()`, which held the GIL for ~170 ms after every stroke.
    """
    if keep_memory:
        _clear_session_options["free_memory"] = False
    clear_session = keras.backend.clear_session
    if getattr(clear_session, "shields_jobs", False):
        return

    @functools.wraps(clear_session)
    def clear_session_unless_training(*arguments, **options):
        if not keras_state_in_use():
            clear_session(*arguments, **{**options, **_clear_session_options})

    clear_session_unless_training.shields_jobs = True
    keras.backend.clear_session = clear_session_unless_training


def article(label: str) -> str:
    """`label` after "A" or "An", as it is said: "An MLP", "A CNN"."""
    return f"{'An' if label[:1].upper() in 'AEFHILMNORSX' else 'A'} {label}"


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
                raise ValueError(f"{article(name.upper())} training is already running.")
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
