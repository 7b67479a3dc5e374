"""Faults and load: a training killed at any moment, two sessions at once, many predictions.

Kills real processes with SIGKILL while they train or save, and runs a thousand predictions
in a row (the bad-input half is in test_reliability.py).
"""

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import warnings
import zipfile

import cv2
import numpy as np
import pytest
from helpers import REPO_ROOT, BatchGate
from test_reliability import white_canvas

from digitpad import config, inference, jobs, models, preprocess, training

SUBPROCESS_DEADLINE = 120.0  # seconds; generous for a loaded 2-core machine
JOIN_SECONDS = 120.0
WARM_UP_PREDICTIONS = 100
LOAD_PREDICTIONS = 1000
RSS_GROWTH_LIMIT = 30 * 1024 * 1024  # bytes


@pytest.fixture(scope="module")
def cnn_predictor() -> inference.Predictor:
    """An untrained CNN: the pipeline's behaviour, not its accuracy, is under test here."""
    return inference.Predictor(models.build_model("cnn"))


# ------------------------------------------------------------------------------- jobs


def test_two_sessions_starting_the_same_training_at_once_get_one_job(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (320, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 320).astype(np.uint8)
    gate = BatchGate().install(monkeypatch)
    registry, barrier = jobs.JobRegistry(), threading.Barrier(2)
    recipe = config.TrainingConfig(model_name="mlp", epochs=1, batch_size=32, non_digits=0)
    outcomes: list = []

    def press_train():
        barrier.wait()
        try:
            outcomes.append(registry.start(recipe, images, labels, models_dir=tmp_path))
        except ValueError as error:
            outcomes.append(error)

    sessions = [threading.Thread(target=press_train) for _ in range(2)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join(JOIN_SECONDS)
    try:
        started = [outcome for outcome in outcomes if isinstance(outcome, jobs.TrainingJob)]
        refused = [str(outcome) for outcome in outcomes if isinstance(outcome, ValueError)]
        assert len(started) == 1 and refused == ["An MLP training is already running."]
        assert registry.get("mlp") is started[0]
    finally:
        gate.release()
        registry.stop_all(JOIN_SECONDS)


# ------------------------------------------------------------------------------ kill -9

# Saves a new model over sys.argv[1], but stops inside Keras' save of the temporary file,
# after the weights went into the zip and before its directory is written: half a .keras file.
STALL_IN_SAVE = """
import sys, zipfile
from digitpad import models, training

write_entry = zipfile.ZipFile.writestr

def write_entry_then_stall(archive, *arguments, **options):
    write_entry(archive, *arguments, **options)
    archive.fp.flush()
    print("stalled in", archive.filename, flush=True)
    sys.stdin.readline()  # blocks until the test kills this process

zipfile.ZipFile.writestr = write_entry_then_stall
training.save_model(models.build_model("mlp"), sys.argv[1], {"run": 2})
"""


@pytest.fixture
def previous_model(tmp_path):
    """A folder holding a working MLP and its sidecar; return the folder and their bytes."""
    folder = tmp_path / "models"
    path = training.save_model(models.build_model("mlp"), folder / "mlp.keras", {"run": 1})
    return folder, path.read_bytes(), inference.sidecar_path(path).read_bytes()


@pytest.fixture
def small_mnist_file(tmp_path) -> str:
    """A small MNIST-format .npz of random digits: quick to load and to train on."""
    rng = np.random.default_rng(0)
    path = tmp_path / "data" / "mnist.npz"
    path.parent.mkdir()
    arrays = {
        "x_train": rng.integers(0, 256, (300, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 300).astype(np.uint8),
        "x_test": rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 100).astype(np.uint8),
    }
    np.savez(path, **arrays)
    return str(path)


def start_python(*arguments: str) -> subprocess.Popen:
    """Start `python *arguments` in the repository, with its output on one pipe."""
    return subprocess.Popen(
        [sys.executable, *arguments], cwd=REPO_ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def kill_at_line(process: subprocess.Popen, prefix: str) -> str:
    """Read the output until a line starts with `prefix`, then SIGKILL; return that line."""
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=forward_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    output = ""
    try:
        while True:
            line = lines.get(timeout=SUBPROCESS_DEADLINE)  # a blocking read, not a sleep
            if line is None:
                pytest.fail(f"the process ended before {prefix!r}:\n{output}")
            if line.startswith(prefix):
                return line
            output += line
    except queue.Empty:
        pytest.fail(f"no line starting with {prefix!r} in time:\n{output}")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=SUBPROCESS_DEADLINE)


def forward_lines(stream, lines: queue.Queue) -> None:
    """Put each line of `stream` on the queue, then None at its end."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def check_previous_model_intact(folder, model_bytes: bytes, sidecar_bytes: bytes) -> None:
    path = folder / "mlp.keras"
    assert path.read_bytes() == model_bytes
    assert inference.sidecar_path(path).read_bytes() == sidecar_bytes
    assert inference.load_model(path).count_params() == 407_050
    assert inference.Predictor.load("mlp", folder).info == {"run": 1}


@pytest.mark.slow
def test_kill_9_in_the_middle_of_saving_keeps_the_previous_model(previous_model):
    folder, model_bytes, sidecar_bytes = previous_model
    process = start_python("-c", STALL_IN_SAVE, str(folder / "mlp.keras"))
    line = kill_at_line(process, "stalled in ")
    assert process.returncode == -signal.SIGKILL
    temporary = folder / os.path.basename(line.removeprefix("stalled in ").strip())
    assert temporary.name.startswith(".mlp-") and temporary.stat().st_size > 0
    assert not zipfile.is_zipfile(temporary)  # really cut off in the middle
    check_previous_model_intact(folder, model_bytes, sidecar_bytes)
    # The only trace is the hidden temporary file, which nothing ever loads.
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [temporary.name, "mlp.json", "mlp.keras"]
    )


@pytest.mark.slow
def test_kill_9_during_training_keeps_the_previous_model(previous_model, small_mnist_file):
    folder, model_bytes, sidecar_bytes = previous_model
    arguments = ["train", "--model", "mlp", "--epochs", "50", "--data", small_mnist_file]
    process = start_python("-m", "digitpad", *arguments, "--out", str(folder))
    kill_at_line(process, "epoch 1/50")
    assert process.returncode == -signal.SIGKILL
    check_previous_model_intact(folder, model_bytes, sidecar_bytes)
    assert sorted(path.name for path in folder.iterdir()) == ["mlp.json", "mlp.keras"]


# -------------------------------------------------------------------------------- load


def resident_bytes() -> int:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def varied_drawings(count: int) -> list[np.ndarray]:
    """Random strokes with random pens on canvases of a few sizes, each one a readable drawing."""
    rng = np.random.default_rng(7)
    found = []
    while len(found) < count:
        size = int(rng.choice([140, 280, 560]))
        canvas = white_canvas(size)
        points = rng.integers(size // 8, size * 7 // 8, (int(rng.integers(2, 6)), 1, 2))
        pen = int(rng.integers(max(size // 50, 1), size // 8))
        cv2.polylines(canvas, [points.astype(np.int32)], False, (0, 0, 0, 255), pen, cv2.LINE_AA)
        try:
            preprocess.to_mnist(canvas)
        except preprocess.BlankDrawingError:
            continue
        found.append(canvas)
    return found


@pytest.mark.slow
def test_a_thousand_predictions_neither_grow_memory_nor_retrace(cnn_predictor, caplog):
    canvases = varied_drawings(50)
    for index in range(WARM_UP_PREDICTIONS):
        cnn_predictor.predict_drawing(canvases[index % len(canvases)])
    before = resident_bytes()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        for index in range(LOAD_PREDICTIONS):
            _, probabilities = cnn_predictor.predict_drawing(canvases[index % len(canvases)])
            assert probabilities.shape == (10,) and np.isfinite(probabilities).all()
    growth = resident_bytes() - before
    assert growth < RSS_GROWTH_LIMIT, f"resident memory grew by {growth / 2**20:.1f} MiB"
    assert cnn_predictor._forward.experimental_get_tracing_count() <= 1  # one graph at most
    messages = [str(warning.message) for warning in caught] + caplog.messages
    assert not [message for message in messages if "retracing" in message.lower()]
