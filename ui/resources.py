"""What the server process shares between sessions (`st.cache_resource`), and the page's assets."""

import functools
import os
import pathlib

import numpy as np
import streamlit as st

from digitpad import config, data, inference, jobs, threads, verdict
from ui.formatting import MODEL_LABELS

TRAIN_LIMIT_ENV_VAR = "DIGITPAD_TRAIN_LIMIT"
ASSETS_DIR = pathlib.Path(__file__).resolve().parent / "assets"


@st.cache_resource
def job_registry() -> jobs.JobRegistry:
    """The one registry of the server process: every session sees the same jobs."""
    return jobs.JobRegistry()


@st.cache_resource
def light_keras_reset() -> None:
    """Make Streamlit's Keras reset after every script run skip its garbage collection.

    Streamlit calls `keras.backend.clear_session()` after each run; its full `gc.collect()`
    held the GIL for ~170 ms, so every stroke's answer, already computed, waited for it.
    The app keeps its models in `st.cache_resource`: it needs no memory freed per run.
    """
    jobs.shield_keras_state(keep_memory=True)


@st.cache_resource
def single_threaded_kernels() -> None:
    """Once per server process: a drawing's NumPy and OpenCV work runs in its session's own
    thread, not in pools that ten sessions and the browser fight over (`digitpad.threads`)."""
    threads.single_threaded_kernels()


@st.cache_resource(show_spinner=False)
def mnist() -> tuple[data.Split, data.Split]:
    """MNIST's training and test splits, loaded once (a failure is not cached: retry works)."""
    return data.load_mnist()


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def cached_predictor(path: str, modified_ns: int) -> inference.Predictor:
    """Load a model (with its sidecar: its own "not a digit" threshold) once per file version:
    a newly trained model gets a new key."""
    model_file = pathlib.Path(path)
    predictor = inference.Predictor(
        inference.load_model(model_file), inference.read_sidecar(model_file)
    )
    predictor.probabilities(np.zeros((config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32))
    return predictor


def predictor_for(name: str) -> tuple[inference.Predictor | None, str | None]:
    """The model the app uses for `name`, or None and the reason there is none; the MLP comes
    with the CNN in use as its judge (`verdict.JUDGE`), when there is one."""
    predictor, problem = _loaded(name)
    if predictor is None or name == verdict.JUDGE:
        return predictor, problem
    return predictor.judged_by(_loaded(verdict.JUDGE)[0]), None


def _loaded(name: str) -> tuple[inference.Predictor | None, str | None]:
    path = inference.active_model_path(name)
    try:
        modified_ns = path.stat().st_mtime_ns
    except OSError:
        return None, f"No {MODEL_LABELS[name]} model at {path}: train one in the Train tab."
    try:
        return cached_predictor(str(path), modified_ns), None
    except ValueError as error:
        return None, str(error)


def train_limit() -> int | None:
    """The cap on training images from DIGITPAD_TRAIN_LIMIT, or None for all of them."""
    value = os.environ.get(TRAIN_LIMIT_ENV_VAR, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def user_model_path(name: str) -> pathlib.Path:
    """Where the app saves the user's own training of model `name`."""
    return inference.model_path(name, config.USER_MODELS_DIR)


@functools.cache
def asset(name: str) -> str:
    """The text of `ui/assets/<name>` (read once per process)."""
    return (ASSETS_DIR / name).read_text(encoding="utf-8")


def page_style() -> str:
    """The page's CSS, as an HTML block."""
    return f"<style>\n{asset('style.css')}</style>"


def send_on_release_script() -> str:
    """The script that sends a stroke on pen release, as an HTML block."""
    return f"<script>\n{asset('send_on_release.js')}</script>"


def canvas_fit_script() -> str:
    """The script that shows the canvas toolbar without hover and fits wide canvases, as HTML."""
    return f"<script>\n{asset('canvas_fit.js')}</script>"
