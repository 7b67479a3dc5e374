"""digitpad: draw a digit and see what a Keras MLP and CNN make of it; retrain them live.

Run with `streamlit run streamlit_app.py`. Environment variables:
DIGITPAD_MNIST (where MNIST is), DIGITPAD_HOME (where your trained models go),
DIGITPAD_TRAIN_LIMIT (train on at most this many MNIST images: quick demos and tests).
"""

import dataclasses
import datetime
import functools
import math
import os
import pathlib

import altair as alt
import cv2
import keras
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from digitpad import (
    collection,
    config,
    data,
    inference,
    jobs,
    numbers,
    photo,
    preprocess,
    saliency,
    training,
)

TITLE = "digitpad"
SUBTITLE = (
    "Draw a digit and see what a Keras MLP and CNN make of it. Retrain them, watch them learn."
)
MODEL_LABELS = {"mlp": "MLP", "cnn": "CNN"}
TRAIN_LIMIT_ENV_VAR = "DIGITPAD_TRAIN_LIMIT"
DEFAULT_PEN_WIDTH = 18
PEN_WIDTH_RANGE = (6, 40)
CANVAS_COLUMN_WIDTH = config.CANVAS_SIZE + 20  # the canvas never scrolls sideways
PREVIEW_SIZE = 140  # the 28 x 28 input, enlarged 5x
GALLERY_SIZE = 56  # misclassified test digits, enlarged 2x
BATCH_SIZES = (32, 64, 128, 256, 512)
LOSS_HELP = (
    "Cross-entropy over the last epoch. Label smoothing makes every target a little less "
    "than certain, so with the default recipe the loss levels off near 0.5, not at 0."
)
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03)
PROGRESS_SECONDS = 1.0
CHART_HEIGHT = 220
CURVE_HEIGHT = 280
HIGHLIGHT_COLOR = "#2563eb"
MUTED_COLOR = "#cbd5e1"
VALIDATION_COLOR = "#f97316"
SPLITS = ("training", "validation")
CURVES_LEGEND = (
    f'<span style="color:{HIGHLIGHT_COLOR}">●</span> training images &nbsp; '
    f'<span style="color:{VALIDATION_COLOR}">●</span> validation images (held out)'
)
TEST_ACCURACY_HELP = "Share of the 10,000 MNIST test digits the model reads right."
DRAWN_ACCURACY_HELP = (
    "Share of pen-written digits (UCI pendigits, replayed on the canvas) read right; "
    "– when that data was not at hand."
)
PHOTO_LABEL = "…or upload a photo of a digit"
PHOTO_TYPES = ["png", "jpg", "jpeg"]
PHOTO_KEY = "photo"
BLANK_HINT = "Draw a digit from 0 to 9 on the canvas: both models answer as you draw."
DRAW_TAB, TRAIN_TAB = "Draw", "Train"
MODEL_KEY, PEN_KEY, CANVAS_KEY, TAB_KEY = "model", "pen_width", "canvas", "view"
NUMBER_KEY, NUMBER_CANVAS_KEY, SALIENCY_KEY = "number_mode", "number_canvas", "saliency"
NUMBER_CANVAS_WIDTH, NUMBER_CANVAS_HEIGHT = 700, 280  # room for several digits side by side
NUMBER_HINT = "Write a number on the wide canvas, leaving a little space between digits."
BOX_COLOR = (230, 60, 40)  # digit boxes drawn over the number
HEAT_WEIGHT = 0.6  # how strongly the heat map tints the 28 x 28 preview
EPOCHS_KEY, BATCH_KEY, RATE_KEY, AUGMENT_KEY = "epochs", "batch_size", "learning_rate", "augment"
TRAIN_BUTTON_KEY, STOP_BUTTON_KEY, RESTORE_BUTTON_KEY = "train", "stop", "restore"
TRAIN_ERROR_KEY, SIDEBAR_ERROR_KEY = "train_error", "sidebar_error"
CORRECTION_KEY, DELETE_KEY, IMPORT_KEY, IMPORTED_KEY = "correct", "delete", "import", "imported"
COLLECTION_MESSAGE_KEY, COLLECTION_ERROR_KEY = "collection_message", "collection_error"
COLLECTION_CHANGED_KEY = "collection_changed"
INCLUDE_DRAWINGS_KEY = "include_drawings"
GALLERY_LIMIT, GALLERY_COLUMNS = 40, 8  # the newest drawings shown in "Your drawings"
EXPORT_NAME = "digitpad-drawings.zip"
TABLE_FORMATS = {
    "Loss": st.column_config.NumberColumn(format="%.4f"),
    "Accuracy": st.column_config.NumberColumn(format="%.2f%%"),
    "Val. loss": st.column_config.NumberColumn(format="%.4f"),
    "Val. accuracy": st.column_config.NumberColumn(format="%.2f%%"),
    "Seconds": st.column_config.NumberColumn(format="%.1f"),
    "Images / s": st.column_config.NumberColumn(format="%.0f"),
}
# The probability bars: a fixed Vega-Lite spec, so only the data changes from one drawing
# to the next (building an Altair chart per stroke cost more than the prediction).
PROBABILITY_SPEC = {
    "height": CHART_HEIGHT,
    "mark": {"type": "bar", "cornerRadiusTopLeft": 3, "cornerRadiusTopRight": 3},
    "encoding": {
        "x": {"field": "digit", "type": "nominal", "sort": None, "title": None,
              "axis": {"labelAngle": 0}},
        "y": {"field": "probability", "type": "quantitative", "title": None,
              "scale": {"domain": [0, 1]}, "axis": {"format": "%", "tickCount": 5}},
        "color": {"condition": {"test": "datum.top", "value": HIGHLIGHT_COLOR},
                  "value": MUTED_COLOR},
        "tooltip": [{"field": "digit", "type": "nominal"},
                    {"field": "probability", "type": "quantitative", "format": ".1%"}],
    },
}  # fmt: skip
STYLE = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.5rem;}
.dp-answer {line-height: 1.1; margin-bottom: 0.5rem;}
.dp-label {font-size: 0.9rem; color: #475569;}
.dp-digit {font-size: 5.5rem; font-weight: 700; color: #0f172a;}
.dp-confidence {font-size: 1rem; color: #475569;}
.dp-unsure {font-size: 1rem; color: #b45309; font-weight: 600;}
.dp-other {font-size: 1.6rem; font-weight: 600; color: #0f172a;}
</style>"""
# The canvas sends a stroke 200 ms after the pen lifts (a debounce fixed in its bundle). On
# pen release this clicks the canvas's own "Update the app with this drawing" button, which
# sends at once and cancels the wait. Were the button gone, the canvas sends as before.
SEND_ON_RELEASE = """<script>
(() => {
  if (window.digitpadSendOnRelease) return;
  window.digitpadSendOnRelease = true;
  const SEND = 'button[aria-label="Update the app with this drawing"]';
  let pressed = null;
  document.addEventListener('pointerdown', (event) => {
    pressed = event.composedPath().find((node) => node.tagName === 'CANVAS')
      && event.composedPath().find((node) => node.querySelector?.(SEND));
  }, true);
  document.addEventListener('pointerup', () => {
    const container = pressed;
    pressed = null;
    // After the canvas has handled the release and added the stroke.
    if (container) setTimeout(() => container.querySelector(SEND)?.click(), 0);
  }, true);
  document.addEventListener('pointercancel', () => { pressed = null; }, true);
})();
</script>"""


@dataclasses.dataclass(frozen=True)
class TrainingError:
    """Why the last Train press did not start a training."""

    message: str
    missing_data: bool


# --------------------------------------------------------------------------- resources


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
    clear_session = keras.backend.clear_session
    if getattr(clear_session, "keeps_memory", False):
        return

    @functools.wraps(clear_session)
    def clear_session_without_collection(*arguments, **options):
        clear_session(*arguments, **{**options, "free_memory": False})

    clear_session_without_collection.keeps_memory = True
    keras.backend.clear_session = clear_session_without_collection


@st.cache_resource(show_spinner=False)
def mnist() -> tuple[data.Split, data.Split]:
    """MNIST's training and test splits, loaded once (a failure is not cached: retry works)."""
    return data.load_mnist()


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def cached_predictor(path: str, modified_ns: int) -> inference.Predictor:
    """Load a model once per file version: a newly trained model gets a new key."""
    model_file = pathlib.Path(path)
    predictor = inference.Predictor(inference.load_model(model_file))
    predictor.probabilities(np.zeros((config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32))
    return predictor


def predictor_for(name: str) -> tuple[inference.Predictor | None, str | None]:
    """The model the app uses for `name`, or None and the reason there is none."""
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


# ----------------------------------------------------------------------------- actions


def current_settings() -> config.TrainingConfig:
    """The training settings chosen in the sidebar."""
    return dataclasses.replace(
        config.TrainingConfig(),
        model_name=st.session_state[MODEL_KEY],
        epochs=int(st.session_state[EPOCHS_KEY]),
        batch_size=int(st.session_state[BATCH_KEY]),
        learning_rate=float(st.session_state[RATE_KEY]),
        augment=bool(st.session_state[AUGMENT_KEY]),
    )


def start_training() -> None:
    """Train button: start a job for the chosen model and show the Train tab."""
    st.session_state[TAB_KEY] = TRAIN_TAB
    st.session_state[TRAIN_ERROR_KEY] = None
    try:
        (images, labels), (test_images, test_labels) = mnist()
    except ValueError as error:
        # The loader's advice is for the command line; the Train tab gives the app's own.
        message = str(error).removesuffix(f"; {data.HOW_TO_PROVIDE}")
        st.session_state[TRAIN_ERROR_KEY] = TrainingError(message, missing_data=True)
        return
    limit = train_limit()
    try:
        job_registry().start(
            current_settings(), images[:limit], labels[:limit], test_images=test_images,
            test_labels=test_labels, models_dir=config.USER_MODELS_DIR,
            user_drawings=user_drawings_for_training(),
        )  # fmt: skip
    except ValueError as error:
        st.session_state[TRAIN_ERROR_KEY] = TrainingError(str(error), missing_data=False)


def stop_training() -> None:
    """Stop button: end the chosen model's training after its current batch."""
    job = job_registry().get(st.session_state[MODEL_KEY])
    if job is not None:
        job.stop()


def restore_shipped_model() -> None:
    """Delete the user's trained model so the shipped one is used again."""
    path = user_model_path(st.session_state[MODEL_KEY])
    try:
        path.unlink(missing_ok=True)
        inference.sidecar_path(path).unlink(missing_ok=True)
    except OSError as error:
        st.session_state[SIDEBAR_ERROR_KEY] = f"Cannot delete {path}: {error.strerror}"


# ----------------------------------------------------------------------------- sidebar


def sidebar_ui(registry: jobs.JobRegistry) -> tuple[str, int]:
    """Render the sidebar; return the chosen model name and pen width."""
    with st.sidebar:
        name = model_choice_ui()
        model_info_ui(name)
        pen_width = st.slider("Pen width", *PEN_WIDTH_RANGE, DEFAULT_PEN_WIDTH, key=PEN_KEY)
        st.divider()
        training_settings_ui()
        job = registry.get(name)
        running = job is not None and job.active
        training_buttons_ui(running)
        if running:
            st.fragment(run_every=PROGRESS_SECONDS)(sidebar_progress_ui)(registry, name)
        st.divider()
        restore_ui(name, running)
    return name, pen_width


def model_choice_ui() -> str:
    """The model picker; return the chosen model name."""
    return st.segmented_control(
        "Model", config.MODEL_NAMES, default="cnn", required=True, key=MODEL_KEY,
        format_func=MODEL_LABELS.get, width="stretch",
    )  # fmt: skip


def model_info_ui(name: str) -> None:
    """The model in use: its accuracy, size and training (from the sidecar), or why it fails."""
    path = inference.active_model_path(name)
    predictor, problem = predictor_for(name)
    if predictor is None:
        model_problem_ui(name, path, problem)
        return
    info = inference.read_sidecar(path)
    test_column, drawn_column = st.columns(2)
    test_column.metric(
        "MNIST test", percent(info.get("mnist_test_accuracy")), help=TEST_ACCURACY_HELP
    )
    drawn_column.metric(
        "Drawn digits", percent(info.get("drawn_digit_accuracy")), help=DRAWN_ACCURACY_HELP
    )
    origin = "your training" if path == user_model_path(name) else "shipped model"
    st.caption(" · ".join([*model_facts(info), origin]))


def model_problem_ui(name: str, path: pathlib.Path, problem: str) -> None:
    """Which model file cannot be used and why; how to get a working one back."""
    st.error(problem)
    if path == user_model_path(name):
        st.caption(
            f"Press **Restore shipped model** below to delete it and use the shipped "
            f"{MODEL_LABELS[name]} again, or train a new one."
        )


def model_facts(info: dict) -> list[str]:
    """Short phrases on a model's size and training, from its sidecar."""
    facts = []
    if info.get("parameters") is not None:
        facts.append(f"{info['parameters']:,} parameters")
    if info.get("trained_at"):
        facts.append(f"trained {format_timestamp(info['trained_at'])}")
    if info.get("training_images") is not None:
        facts.append(f"on {info['training_images']:,} images")
    return facts


def training_settings_ui() -> None:
    """The training settings, defaulting to the fast recipe of `config.TrainingConfig`."""
    defaults = config.TrainingConfig()
    st.subheader("Training")
    st.number_input("Epochs", 1, config.MAX_EPOCHS, defaults.epochs, key=EPOCHS_KEY)
    st.select_slider(
        "Batch size", options=with_default(BATCH_SIZES, defaults.batch_size),
        value=defaults.batch_size, key=BATCH_KEY,
    )  # fmt: skip
    st.select_slider(
        "Learning rate", options=with_default(LEARNING_RATES, defaults.learning_rate),
        value=defaults.learning_rate, key=RATE_KEY, format_func=lambda rate: f"{rate:g}",
    )  # fmt: skip
    st.toggle(
        "Augmentation", defaults.augment, key=AUGMENT_KEY,
        help="Random rotations, shifts, shears and pen widths make MNIST look drawn.",
    )  # fmt: skip
    st.checkbox(
        "Include my drawings", key=INCLUDE_DRAWINGS_KEY,
        help="Mix in your saved drawings; a quarter is held out to measure how it reads you.",
    )  # fmt: skip


def training_buttons_ui(running: bool) -> None:
    """Train and Stop buttons: Train when idle, Stop while the chosen model trains."""
    train_column, stop_column = st.columns(2)
    train_column.button("Train", key=TRAIN_BUTTON_KEY, type="primary", width="stretch",
                        disabled=running, on_click=start_training)  # fmt: skip
    stop_column.button("Stop", key=STOP_BUTTON_KEY, width="stretch", disabled=not running,
                       on_click=stop_training)  # fmt: skip


def sidebar_progress_ui(registry: jobs.JobRegistry, name: str) -> None:
    """A small progress bar of the whole run, seen from either tab; reruns the page at the end."""
    snapshot = registry.get(name).snapshot()
    if not snapshot.active:
        st.rerun()  # the whole page: the new model's facts, buttons, the Draw tab's answers
    done = (snapshot.epoch - 1 + snapshot.batch_fraction) / snapshot.epochs
    st.progress(done, text=progress_text(snapshot))


def restore_ui(name: str, running: bool) -> None:
    """The button that goes back to the shipped model (when the user trained one)."""
    error = st.session_state.pop(SIDEBAR_ERROR_KEY, None)
    if error:
        st.error(error)
    st.button(
        "Restore shipped model", key=RESTORE_BUTTON_KEY, width="stretch",
        on_click=restore_shipped_model,
        disabled=running or not user_model_path(name).is_file(),
        help=f"Delete your trained {MODEL_LABELS[name]} and use the one shipped with the app.",
    )  # fmt: skip


# -------------------------------------------------------------------------------- draw


def number_ui(name: str, pen_width: int) -> None:
    """Number mode: a wide canvas, each digit's box, 28 x 28 and answer, and the number."""
    result = st_canvas(
        stroke_width=pen_width, stroke_color="#000000", background_color="#ffffff",
        update_streamlit=True, height=NUMBER_CANVAS_HEIGHT, width=NUMBER_CANVAS_WIDTH,
        drawing_mode="freedraw", return_image_data=True, key=NUMBER_CANVAS_KEY,
    )  # fmt: skip
    _, predictor = answering_model(name)
    if result.image_data is None or predictor is None:
        st.info(NUMBER_HINT)
        return
    try:
        reading = numbers.read_number(result.image_data, predictor)
    except preprocess.BlankDrawingError:
        st.info(NUMBER_HINT)
        return
    except ValueError as error:
        st.error(f"Cannot read the drawing: {error}")
        return
    st.markdown(f"### The number: {reading.number}")
    st.image(boxed_drawing(result.image_data, reading.boxes), caption="Where each digit is")
    for column, image, digit, probabilities in zip(
        st.columns(len(reading.digits)), reading.images, reading.digits, reading.probabilities,
        strict=True,
    ):  # fmt: skip
        column.image(enlarged(image, GALLERY_SIZE * 2), output_format="PNG")
        column.markdown(f"**{digit}** · {confidence(probabilities[digit])}")


def boxed_drawing(drawing: np.ndarray, boxes: tuple) -> np.ndarray:
    """A copy of the drawing (RGB) with a box around each digit."""
    picture = np.ascontiguousarray(drawing[:, :, :3])
    for left, top, width, height in boxes:
        cv2.rectangle(picture, (left, top), (left + width, top + height), BOX_COLOR, 2)
    return picture


def saliency_ui(image: np.ndarray, predictor: inference.Predictor) -> None:
    """The heat map of what mattered to the answer, over the 28 x 28, and the CNN's first maps."""
    heat = saliency.occlusion_map(image, predictor)
    colored = cv2.applyColorMap(enlarged(heat, PREVIEW_SIZE), cv2.COLORMAP_JET)[:, :, ::-1]
    gray = cv2.cvtColor(enlarged(image, PREVIEW_SIZE), cv2.COLOR_GRAY2RGB)
    st.image(
        cv2.addWeighted(colored, HEAT_WEIGHT, gray, 1 - HEAT_WEIGHT, 0),
        caption="Red: hiding this spot changes the answer most", output_format="PNG",
    )  # fmt: skip
    try:
        maps = saliency.first_conv_maps(image, predictor.model)
    except ValueError:  # the MLP has no convolution layer
        return
    with st.expander("First-layer feature maps"):
        columns = st.columns(8)
        for index, feature_map in enumerate(maps):
            columns[index % 8].image(enlarged(feature_map, GALLERY_SIZE), output_format="PNG")


def draw_ui(name: str, pen_width: int) -> None:
    """The Draw tab: the canvas, and beside it what both models make of the drawing."""
    if st.toggle("Number", key=NUMBER_KEY, help="Write several digits on a wider canvas."):
        st.fragment(number_ui)(name, pen_width)  # a stroke reruns only the number part
        return
    st.fragment(drawing_ui)(name, pen_width)
    photo_ui(name)
    collection_ui()


def drawing_ui(name: str, pen_width: int) -> None:
    """The canvas and, beside it, what both models make of the drawing.

    A fragment: a stroke reruns only this, not the sidebar, the upload or the gallery.
    """
    if st.session_state.pop(COLLECTION_CHANGED_KEY, False):
        st.rerun()  # a correction was saved: the gallery below counts it
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CANVAS_COLUMN_WIDTH):
            drawing = canvas_ui(pen_width)
        with st.container(width="stretch"):
            answer_ui(name, drawing)


def photo_ui(name: str) -> None:
    """An uploaded photo or scan of a digit on paper: cleaned, then read by the model."""
    uploaded = st.file_uploader(PHOTO_LABEL, type=PHOTO_TYPES, key=PHOTO_KEY)
    if uploaded is None:
        return
    try:
        cleaned = photo.clean_photo(photo.load_photo(uploaded.getvalue()))
    except ValueError as error:
        st.error(f"Cannot read {uploaded.name}: {error}")
        return
    cleaned_column, answer_column = st.columns([1, 2])
    cleaned_column.image(cleaned, caption="The photo, cleaned: what the model reads")
    with answer_column:
        photo_answer_ui(name, cleaned)


def photo_answer_ui(name: str, cleaned: np.ndarray) -> None:
    """The answer on a cleaned photo: the digit, its probabilities and the 28 x 28 input."""
    image = mnist_image_ui(cleaned)
    answering, predictor = answering_model(name)
    if image is None or predictor is None:
        return
    probabilities = predictor.probabilities(image)
    st.html(answer_html(MODEL_LABELS[answering], probabilities))
    preview_ui(image)
    probability_bars_ui(probabilities)


def canvas_ui(pen_width: int) -> np.ndarray | None:
    """The drawing canvas; return its RGBA pixels, or None before the first stroke."""
    result = st_canvas(
        stroke_width=pen_width, stroke_color="#000000", background_color="#ffffff",
        update_streamlit=True, height=config.CANVAS_SIZE, width=config.CANVAS_SIZE,
        drawing_mode="freedraw", return_image_data=True, key=CANVAS_KEY,
    )  # fmt: skip
    st.caption("Hover over the canvas for undo, redo and the bin that clears it.")
    return result.image_data


def answer_ui(name: str, drawing: np.ndarray | None) -> None:
    """The chosen model's answer, its probabilities, its input, and the other model's answer."""
    image = mnist_image_ui(drawing)
    if image is None:
        return
    answering, predictor = answering_model(name)
    if predictor is None:
        return
    probabilities = predictor.probabilities(image)
    answer_column, other_column, preview_column = st.columns([4, 3, 3])
    chart = st.container()
    # The answer and its bars go out first: the rest of the column can follow a moment later.
    answer_column.html(answer_html(MODEL_LABELS[answering], probabilities))
    with chart:
        probability_bars_ui(probabilities)
    if answering == name:  # after a fallback the other model is the broken one
        with other_column:
            other_answer_ui(other_model(name), image)
    with preview_column:
        preview_ui(image)
        if st.toggle("Heat map", key=SALIENCY_KEY, help="What the model looked at."):
            saliency_ui(image, predictor)
    correction_ui(drawing)


def preview_ui(image: np.ndarray) -> None:
    """The 28 x 28 image the model reads, enlarged without smoothing."""
    st.image(
        enlarged(image, PREVIEW_SIZE), caption="What the model sees: 28 × 28",
        output_format="PNG",
    )  # fmt: skip


def answering_model(name: str) -> tuple[str, inference.Predictor | None]:
    """The chosen model, else the other one when the chosen one cannot be loaded (said why)."""
    predictor, problem = predictor_for(name)
    if predictor is not None:
        return name, predictor
    fallback = other_model(name)
    fallback_predictor, fallback_problem = predictor_for(fallback)
    if fallback_predictor is None:
        st.error(f"Neither model can answer. {problem} {fallback_problem}")
        return name, None
    st.warning(
        f"The {MODEL_LABELS[name]} cannot be used: {problem} "
        f"Showing the {MODEL_LABELS[fallback]}'s answer instead."
    )
    return fallback, fallback_predictor


def mnist_image_ui(drawing: np.ndarray | None) -> np.ndarray | None:
    """The drawing as a 28 x 28 MNIST image, or None (after a hint) when there is no digit."""
    if drawing is None:
        st.info(BLANK_HINT)
        return None
    try:
        return preprocess.to_mnist(drawing)
    except preprocess.FilledDrawingError as error:
        st.info(str(error))
    except preprocess.BlankDrawingError:
        st.info(BLANK_HINT)
    except ValueError as error:
        st.error(f"Cannot read the drawing: {error}")
    return None


def other_answer_ui(name: str, image: np.ndarray) -> None:
    """The other model's answer on the same drawing, for comparison."""
    predictor, problem = predictor_for(name)
    label = MODEL_LABELS[name]
    if predictor is None:
        st.caption(f"{label}: {problem}")
        return
    probabilities = predictor.probabilities(image)
    digit = int(np.argmax(probabilities))
    st.html(
        f'<div class="dp-answer"><div class="dp-label">{label} says</div>'
        f'<div class="dp-other">{digit}</div>'
        f'<div class="dp-confidence">{confidence(probabilities[digit])}</div></div>'
    )


def answer_html(label: str, probabilities: np.ndarray) -> str:
    """The predicted digit, large, with how sure the model is (or which two it hesitates on)."""
    first, second = np.argsort(probabilities)[::-1][:2]
    if probabilities[first] < config.LOW_CONFIDENCE:
        verdict = f'<div class="dp-unsure">Not sure: {first} or {second}?</div>'
    else:
        verdict = f'<div class="dp-confidence">{confidence(probabilities[first])} sure</div>'
    return (
        f'<div class="dp-answer"><div class="dp-label">{label} says</div>'
        f'<div class="dp-digit">{first}</div>{verdict}</div>'
    )


def probability_bars_ui(probabilities: np.ndarray) -> None:
    """Bars of the 10 digits' probabilities, the top one highlighted (`PROBABILITY_SPEC`)."""
    frame = pd.DataFrame(
        {
            "digit": [str(digit) for digit in range(config.NUM_CLASSES)],
            "probability": probabilities.astype(float),
            "top": np.arange(config.NUM_CLASSES) == int(np.argmax(probabilities)),
        }
    )
    st.vega_lite_chart(frame, PROBABILITY_SPEC, width="stretch")


# ------------------------------------------------------------------------------- train


def train_ui(name: str, registry: jobs.JobRegistry) -> None:
    """The Train tab: why training could not start, the live view, or the last results."""
    training_error_ui()
    others = [other for other in registry.active_names() if other != name]
    for other in others:
        st.caption(f"A {MODEL_LABELS[other]} training is running too: pick it to follow it.")
    job = registry.get(name)
    if job is None:
        st.markdown(training_intro(name))
        return
    if job.active:
        st.fragment(run_every=PROGRESS_SECONDS)(live_training_ui)(registry, name)
    else:
        results_ui(job.snapshot())


def training_error_ui() -> None:
    """Say why the last Train press failed, and how to fix missing data."""
    error = st.session_state.get(TRAIN_ERROR_KEY)
    if error is None:
        return
    st.error(error.message)
    if error.missing_data:
        st.info(
            f"Set {config.MNIST_ENV_VAR}=/path/to/mnist (a folder with the four MNIST IDX files "
            "or a Keras mnist.npz) and restart the app. Drawing keeps working meanwhile."
        )


def training_intro(name: str) -> str:
    """What pressing Train will do."""
    limit = train_limit()
    images = f"at most {limit:,}" if limit else "all"
    return (
        f"Train a fresh **{MODEL_LABELS[name]}** on {images} MNIST training images from "
        f"`{data.describe_source()}` with the settings in the sidebar, and watch its "
        "loss and accuracy here. When it ends, it is tested on the 10,000 MNIST test "
        "images and the Draw tab uses it at once."
    )


def live_training_ui(registry: jobs.JobRegistry, name: str) -> None:
    """Progress of the running job, refreshed every second by its fragment."""
    snapshot = registry.get(name).snapshot()
    if not snapshot.active:
        st.rerun()  # the whole page: results, sidebar and the Draw tab's new model
    st.progress(snapshot.batch_fraction, text=progress_text(snapshot))
    elapsed_column, speed_column, loss_column, accuracy_column = st.columns(4)
    elapsed_column.metric("Elapsed", format_duration(snapshot.elapsed))
    speed_column.metric("Images / s", f"{snapshot.images_per_second:,.0f}")
    last = snapshot.history[-1] if snapshot.history else None
    loss_column.metric("Loss", f"{last.loss:.3f}" if last else "–", help=LOSS_HELP)
    accuracy_column.metric("Accuracy", percent(last.accuracy if last else None))
    history_ui(snapshot.history)


def progress_text(snapshot: jobs.JobSnapshot) -> str:
    """What the running job is doing, for the progress bar."""
    label = MODEL_LABELS[snapshot.model_name]
    if snapshot.stopping:
        return f"Stopping the {label} training…"
    if snapshot.stage == jobs.TESTING_STAGE:
        return f"Testing the {label} on the MNIST test images…"
    if snapshot.stage == jobs.SAVING_STAGE:
        return f"Saving the {label}…"
    return f"Training the {label}: epoch {snapshot.epoch} / {snapshot.epochs}"


def results_ui(snapshot: jobs.JobSnapshot) -> None:
    """How the last job ended: its results, or why it stopped or failed."""
    label = MODEL_LABELS[snapshot.model_name]
    if snapshot.status == jobs.FAILED:
        st.error(f"The {label} training failed: {snapshot.error}")
        return
    if snapshot.status == jobs.STOPPED:
        st.info(f"The {label} training was stopped: the model in use is unchanged.")
    else:
        st.success(finished_message(snapshot))
        final_metrics_ui(snapshot)
    history_ui(snapshot.history)
    if snapshot.evaluation is not None:
        evaluation_ui(snapshot.evaluation)


def finished_message(snapshot: jobs.JobSnapshot) -> str:
    """One line on a finished training."""
    label = MODEL_LABELS[snapshot.model_name]
    report = snapshot.evaluation
    if report is None:
        return f"The new {label} is trained and in use in the Draw tab."
    return (
        f"The new {label} reads {report.test_accuracy:.2%} of the {report.test_images:,} "
        "MNIST test images right. The Draw tab uses it now."
    )


def final_metrics_ui(snapshot: jobs.JobSnapshot) -> None:
    """Headline numbers of a finished training."""
    report = snapshot.evaluation
    test_column, drawn_column, time_column, speed_column = st.columns(4)
    test_column.metric("MNIST test accuracy", percent(report.test_accuracy if report else None))
    drawn_column.metric("Drawn-digit accuracy", percent(report.drawn_accuracy if report else None))
    time_column.metric("Total time", format_duration(snapshot.elapsed))
    speeds = [epoch.images_per_second for epoch in snapshot.history]
    speed_column.metric("Images / s", f"{np.mean(speeds):,.0f}" if speeds else "–")
    user_accuracy_ui(report)


def history_ui(history: tuple[training.EpochReport, ...]) -> None:
    """Loss and accuracy curves (training and validation) and the per-epoch table."""
    if not history:
        st.caption("The curves appear when the first epoch ends.")
        return
    frame = history_frame(history)
    st.markdown(CURVES_LEGEND, unsafe_allow_html=True)
    loss_column, accuracy_column = st.columns(2)
    loss_column.altair_chart(curve_chart(frame, "loss", "Loss by epoch"), width="stretch")
    accuracy_column.altair_chart(
        curve_chart(frame, "accuracy", "Accuracy by epoch"), width="stretch"
    )
    st.dataframe(
        metrics_table(history), hide_index=True, width="stretch", column_config=TABLE_FORMATS
    )


def history_frame(history: tuple[training.EpochReport, ...]) -> pd.DataFrame:
    """The curves' data in long form: epoch, metric, split, value."""
    rows = []
    for report in history:
        for metric in ("loss", "accuracy"):
            rows.append((report.epoch, metric, SPLITS[0], getattr(report, metric)))
            validation = getattr(report, f"val_{metric}")
            if validation is not None:
                rows.append((report.epoch, metric, SPLITS[1], validation))
    return pd.DataFrame(rows, columns=["epoch", "metric", "split", "value"])


def curve_chart(frame: pd.DataFrame, metric: str, title: str) -> alt.Chart:
    """One metric's curve per split, epoch by epoch (the legend is the caption above)."""
    value_format = "%" if metric == "accuracy" else ".2f"
    return (
        alt.Chart(frame[frame["metric"] == metric], title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y(
                "value:Q", title=None, scale=alt.Scale(zero=False),
                axis=alt.Axis(format=value_format, tickCount=5),
            ),
            color=alt.Color(
                "split:N", legend=None,
                scale=alt.Scale(domain=SPLITS, range=[HIGHLIGHT_COLOR, VALIDATION_COLOR]),
            ),
            tooltip=["epoch", "split", alt.Tooltip("value:Q", format=".4f")],
        )
        .properties(height=CURVE_HEIGHT)
    )  # fmt: skip


def metrics_table(history: tuple[training.EpochReport, ...]) -> pd.DataFrame:
    """One row per epoch, in the units people read."""
    return pd.DataFrame(
        {
            "Epoch": [report.epoch for report in history],
            "Loss": [report.loss for report in history],
            "Accuracy": [optional_percent(report.accuracy) for report in history],
            "Val. loss": [report.val_loss for report in history],
            "Val. accuracy": [optional_percent(report.val_accuracy) for report in history],
            "Seconds": [report.seconds for report in history],
            "Images / s": [report.images_per_second for report in history],
        }
    )


def evaluation_ui(report: jobs.Evaluation) -> None:
    """The confusion matrix and the misclassified test digits."""
    matrix_column, gallery_column = st.columns([1, 1], gap="large")
    with matrix_column:
        st.markdown("**Confusion matrix** (rows: true digit, columns: predicted)")
        st.altair_chart(confusion_chart(report.confusion), width="stretch")
    with gallery_column:
        st.markdown("**Most confident mistakes** (true → predicted)")
        if not len(report.misclassified_images):
            st.caption("No test digit was misread.")
            return
        captions = [
            f"{true} → {predicted}"
            for true, predicted in zip(
                report.misclassified_labels, report.misclassified_predictions, strict=True
            )
        ]
        images = [enlarged(image, GALLERY_SIZE) for image in report.misclassified_images]
        st.image(images, caption=captions, width=GALLERY_SIZE, output_format="PNG")


def confusion_chart(matrix: np.ndarray) -> alt.LayerChart:
    """A 10 x 10 heatmap of counts, with the counts written in the cells."""
    rows, columns = np.indices(matrix.shape)
    frame = pd.DataFrame(
        {"true": rows.ravel(), "predicted": columns.ravel(), "count": matrix.ravel()}
    )
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:O", axis=alt.Axis(labelAngle=0, orient="top"), title=None),
        y=alt.Y("true:O", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(type="symlog", scheme="blues"), legend=None),
        tooltip=["true", "predicted", "count"],
    )
    bright = float(matrix.max()) ** 0.5 if matrix.size else 0.0
    numbers = base.mark_text(fontSize=10).encode(
        text="count:Q",
        color=alt.condition(f"datum.count > {bright}", alt.value("white"), alt.value("#0f172a")),
    )
    return (cells + numbers.transform_filter("datum.count > 0")).properties(height=340)


# ------------------------------------------------------------------------------ format


def percent(value: float | None) -> str:
    """0.9876 -> '98.8%'; None -> '–'."""
    return "–" if value is None else f"{value:.1%}"


def confidence(probability: float) -> str:
    """A probability as a percentage rounded down, so a near-certain answer never reads 100%."""
    return f"{math.floor(probability * 1000) / 10:.1f}%"


def optional_percent(value: float | None) -> float | None:
    """A share as a percentage (0.9876 -> 98.76), for tables; None stays None."""
    return None if value is None else 100.0 * value


def format_duration(seconds: float) -> str:
    """Seconds as m:ss."""
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def format_timestamp(value: str) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM' in local time; unreadable ones unchanged."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def enlarged(image: np.ndarray, size: int) -> np.ndarray:
    """A 28 x 28 image as uint8, enlarged without smoothing so each pixel stays a square."""
    pixels = image if image.dtype == np.uint8 else np.rint(image * 255).astype(np.uint8)
    return cv2.resize(pixels, (size, size), interpolation=cv2.INTER_NEAREST)


def other_model(name: str) -> str:
    """The model that is not `name`."""
    return next(other for other in config.MODEL_NAMES if other != name)


def with_default(options: tuple, default) -> list:
    """`options` with the default value added, sorted."""
    return sorted({*options, default})


# ------------------------------------------------------------------------ your drawings


def correction_ui(drawing: np.ndarray) -> None:
    """A row of 0-9 pills: one click saves the drawing with the digit it really is."""
    st.pills("That's not it — it's …", range(config.NUM_CLASSES), key=CORRECTION_KEY,
             on_change=save_correction, args=(drawing,))  # fmt: skip
    message = st.session_state.pop(COLLECTION_MESSAGE_KEY, None)
    if message:
        st.success(message)


def save_correction(drawing: np.ndarray) -> None:
    """Correction pill: add the drawing to the user's collection with the digit clicked."""
    digit = st.session_state[CORRECTION_KEY]
    st.session_state[CORRECTION_KEY] = None  # a pill, not a choice that stays selected
    try:
        collection.add(drawing, digit)
        total = len(collection.entries())
    except (ValueError, OSError) as error:
        st.session_state[COLLECTION_ERROR_KEY] = f"Cannot save the drawing: {error}"
        return
    st.session_state[COLLECTION_CHANGED_KEY] = True
    st.session_state[COLLECTION_MESSAGE_KEY] = (
        f"Saved as a {digit}: {total} drawing{'s' if total != 1 else ''} in your collection."
    )


def delete_drawing(entry_id: str) -> None:
    """Delete button of the gallery."""
    try:
        collection.delete(entry_id)
    except (ValueError, OSError) as error:
        st.session_state[COLLECTION_ERROR_KEY] = f"Cannot delete the drawing: {error}"


def collection_ui() -> None:
    """The "Your drawings" expander: the gallery, export and import."""
    error = st.session_state.pop(COLLECTION_ERROR_KEY, None)
    if error:
        st.error(error)
    try:
        listed = collection.entries()
        shown = listed[-GALLERY_LIMIT:]
        images = collection.load_digits(shown)  # only the drawings the gallery shows
        counts = collection.counts()
    except (ValueError, OSError) as problem:
        st.error(f"Cannot read your drawings: {problem}")
        return
    with st.expander(f"Your drawings ({len(listed)})"):
        st.caption("Per digit: " + ", ".join(f"{d}: {n}" for d, n in enumerate(counts)))
        drawings_gallery_ui(shown, images)
        drawings_transfer_ui(bool(listed))


def drawings_gallery_ui(listed: list, images: np.ndarray) -> None:
    """The latest drawings as 28 x 28 thumbnails, each with its digit and a delete button."""
    for start in range(0, len(listed), GALLERY_COLUMNS):
        columns = st.columns(GALLERY_COLUMNS)
        for offset, column in enumerate(columns[: len(listed) - start]):
            entry = listed[start + offset]
            column.image(enlarged(images[start + offset], GALLERY_SIZE), caption=str(entry.label))
            column.button("Delete", key=f"{DELETE_KEY}_{entry.id}", on_click=delete_drawing,
                          args=(entry.id,))  # fmt: skip


def drawings_transfer_ui(has_drawings: bool) -> None:
    """Export the collection as a zip; import one (within the server's upload cap)."""
    export_column, import_column = st.columns(2)
    export_column.download_button(
        "Export (zip)", data=collection.export_zip() if has_drawings else b"",
        file_name=EXPORT_NAME, mime="application/zip", disabled=not has_drawings,
    )  # fmt: skip
    uploaded = import_column.file_uploader("Import (zip)", type=["zip"], key=IMPORT_KEY)
    if uploaded is None or st.session_state.get(IMPORTED_KEY) == uploaded.file_id:
        return
    st.session_state[IMPORTED_KEY] = uploaded.file_id  # a rerun keeps the file: import once
    try:
        added = collection.import_zip(uploaded.getvalue())
    except (ValueError, OSError) as error:
        st.error(f"Cannot import {uploaded.name}: {error}")
        return
    st.session_state[COLLECTION_MESSAGE_KEY] = f"Imported {added} new drawings."
    st.rerun()


def user_drawings_for_training() -> tuple[np.ndarray, np.ndarray] | None:
    """The user's drawings when "Include my drawings" is ticked and there are some."""
    if not st.session_state.get(INCLUDE_DRAWINGS_KEY):
        return None
    images, labels = collection.load_arrays()
    return (images, labels) if len(images) else None


def user_accuracy_ui(report: jobs.Evaluation | None) -> None:
    """Accuracy on the user's held-out drawings, when the training mixed them in."""
    if report is not None and report.user_accuracy is not None:
        st.caption(
            f"Your held-out drawings: {percent(report.user_accuracy)} of "
            f"{report.user_held_out} read right."
        )


# -------------------------------------------------------------------------------- main


def main() -> None:
    """Lay out the page: title, sidebar, and the Draw and Train tabs."""
    st.set_page_config(page_title=TITLE, page_icon="✍️", layout="wide")
    st.html(STYLE)
    st.html(SEND_ON_RELEASE, unsafe_allow_javascript=True)
    st.title(TITLE)
    st.caption(SUBTITLE)
    light_keras_reset()
    registry = job_registry()
    name, pen_width = sidebar_ui(registry)
    draw_tab, train_tab = st.tabs([DRAW_TAB, TRAIN_TAB], key=TAB_KEY, on_change="rerun")
    with draw_tab:
        draw_ui(name, pen_width)
    with train_tab:
        if train_tab.open:
            train_ui(name, registry)


if __name__ == "__main__":
    main()
