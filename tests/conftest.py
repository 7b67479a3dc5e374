"""Shared fixtures: the data sets, the browser, the app's home (helpers.py holds the functions).

Tests that need the shared data sets or a real browser *skip* on a developer's machine when
those are missing, but *fail* under CI (``CI=true``), where they must always be available.
"""

import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Before digitpad.config reads it: no test touches the user's real ~/.digitpad.
os.environ["DIGITPAD_HOME"] = tempfile.mkdtemp(prefix="digitpad-test-home-")

import pytest
from helpers import REPO_ROOT, require

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_MNIST = SHARED_DATA / "mnist"
DEFAULT_PENDIGITS = SHARED_DATA / "pendigits" / "pendigits-orig.tra"
# Training mixes in pendigits replays; naming the file keeps tests from ever downloading it.
os.environ.setdefault("DIGITPAD_PENDIGITS", str(DEFAULT_PENDIGITS))


@pytest.fixture(autouse=True)
def keep_main_module():
    """Put `__main__` back after each test: AppTest runs the app as `__main__` and leaves it
    there, and worker processes started later (multiprocessing's spawn re-runs `__main__`)
    would then import the page, which only loads under `streamlit run`."""
    main = sys.modules.get("__main__")
    yield
    sys.modules["__main__"] = main


def _path_from_env(var: str, default: pathlib.Path) -> pathlib.Path:
    value = os.environ.get(var)
    return pathlib.Path(value).expanduser() if value else default


@pytest.fixture(scope="session")
def mnist_source() -> pathlib.Path:
    """The MNIST folder (or file) named by DIGITPAD_MNIST, by default ../shared/data/mnist."""
    path = _path_from_env("DIGITPAD_MNIST", DEFAULT_MNIST)
    require(path.exists(), f"MNIST data not found at {path} (set DIGITPAD_MNIST)")
    return path


@pytest.fixture(scope="session")
def pendigits_path() -> pathlib.Path:
    """The UNIPEN pendigits file named by DIGITPAD_PENDIGITS, by default under ../shared."""
    path = _path_from_env("DIGITPAD_PENDIGITS", DEFAULT_PENDIGITS)
    require(path.is_file(), f"pendigits data not found at {path} (set DIGITPAD_PENDIGITS)")
    return path


@pytest.fixture(scope="session")
def chromium_path() -> pathlib.Path:
    """Debian's Chromium, for Playwright's ``executable_path`` (``make test`` installs it)."""
    try:
        import playwright.sync_api  # noqa: F401

        has_playwright = True
    except ImportError:
        has_playwright = False
    require(
        has_playwright,
        "Python package playwright is not installed (pip install -r requirements-dev.txt)",
    )
    require(
        CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK),
        f"{CHROMIUM} not found (apt-get install chromium, or run make test)",
    )
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium_args() -> tuple[str, ...]:
    """Command-line switches for launching Chromium headless in a container."""
    return CHROMIUM_ARGS


@pytest.fixture(scope="session")
def cnn():
    """The shipped CNN (models/cnn.keras)."""
    from digitpad.inference import Predictor

    return Predictor.load("cnn")
