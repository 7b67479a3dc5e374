"""Helpers for the app and browser tests: tiny throwaway models and a live Streamlit server."""

import contextlib
import os
import pathlib
import shutil
import subprocess
import threading
import types

import numpy as np
import pytest

from benchmarks.server import free_port, server_command, stop_server, wait_until_healthy
from digitpad import config, data, inference, training

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the chromium_path fixture skips the tests (fails them under CI)
    expect = sync_playwright = None

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
TINY_TRAINING_IMAGES = 4000  # enough for a model that reads most clear digits
TINY_TEST_IMAGES = 1000
GATE_SECONDS = 120.0  # longest a gated training waits to be released

_tiny_models: dict[str, pathlib.Path] = {}  # trained once per test session, then copied


def in_ci() -> bool:
    """Whether the tests run under CI, where nothing may be skipped for lack of resources."""
    return os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip the current test when ``condition`` is false, or fail it under CI."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def tiny_models(mnist_source: pathlib.Path, directory: pathlib.Path) -> dict[str, pathlib.Path]:
    """Both models trained for one epoch on a few thousand MNIST images (once per session)."""
    if not _tiny_models:
        (images, labels), (test_images, test_labels) = data.load_mnist(mnist_source)
        for name in config.MODEL_NAMES:
            settings = config.TrainingConfig(model_name=name, epochs=1, batch_size=64)
            result = training.train(
                settings, images[:TINY_TRAINING_IMAGES], labels[:TINY_TRAINING_IMAGES]
            )
            predictor = inference.Predictor(result.model)
            probabilities = predictor.probabilities(test_images[:TINY_TEST_IMAGES] / 255.0)
            accuracy = float(
                np.mean(probabilities.argmax(axis=1) == test_labels[:TINY_TEST_IMAGES])
            )
            info = training.sidecar_info(settings, result, accuracy, None)
            path = inference.model_path(name, directory)
            _tiny_models[name] = training.save_model(result.model, path, info)
    return dict(_tiny_models)


class BatchGate:
    """Hold every training at its first batch until released, to look at a running job.

    Install with `gate.install(monkeypatch)`; wait with `gate.reached.wait(timeout)`.
    """

    def __init__(self):
        self.reached = threading.Event()
        self.released = threading.Event()

    def install(self, monkeypatch) -> "BatchGate":
        """Wrap `training.train` so that its batch callback waits for the release."""
        original = training.train

        def gated_train(settings, images, labels, on_batch=None, on_epoch=None, stop_event=None,
                        **options):  # fmt: skip
            def gated_on_batch(epoch: int, epochs: int, fraction: float) -> None:
                if on_batch is not None:
                    on_batch(epoch, epochs, fraction)
                self.reached.set()
                self.released.wait(GATE_SECONDS)

            return original(
                settings, images, labels, gated_on_batch, on_epoch, stop_event, **options
            )

        monkeypatch.setattr(training, "train", gated_train)
        return self

    def release(self) -> None:
        """Let the held trainings go on."""
        self.released.set()


def install_models(models: dict[str, pathlib.Path], directory: pathlib.Path) -> None:
    """Copy model files and their sidecars into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in models.values():
        shutil.copy2(path, directory / path.name)
        shutil.copy2(inference.sidecar_path(path), directory / path.with_suffix(".json").name)


@contextlib.contextmanager
def streamlit_server(environment: dict[str, str], log_path: pathlib.Path):
    """Run `streamlit run streamlit_app.py` on a free port; yield its URL once it is healthy."""
    port = free_port()
    command = server_command(port)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **environment}, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process, log_path)
            yield url
        finally:
            stop_server(process)


@contextlib.contextmanager
def app_server(models: dict[str, pathlib.Path], home: pathlib.Path, mnist_source, pendigits_path,
               extra_environment: dict[str, str] | None = None):  # fmt: skip
    """The app with `models` installed in its own DIGITPAD_HOME `home`, served as `make run`
    serves it; yields its URL and log path."""
    install_models(models, home / "models")
    environment = {
        config.HOME_ENV_VAR: str(home), config.MNIST_ENV_VAR: str(mnist_source),
        config.PENDIGITS_ENV_VAR: str(pendigits_path), "TF_CPP_MIN_LOG_LEVEL": "3",
        **(extra_environment or {}),
    }  # fmt: skip
    log_path = home / "server.log"
    with streamlit_server(environment, log_path) as url:
        yield types.SimpleNamespace(url=url, log=log_path)


@contextlib.contextmanager
def artifacts_on_failure(page, name: str, log_path: pathlib.Path | None = None):
    """On a failure inside the block, keep a screenshot and the server log in test-artifacts/."""
    try:
        yield
    except Exception:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a dead page must not hide the test's own error
            page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)
        if log_path is not None and log_path.exists():
            shutil.copy2(log_path, ARTIFACTS_DIR / f"{name}-server.log")
        raise
