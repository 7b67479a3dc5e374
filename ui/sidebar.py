"""The sidebar: the model and its facts, the pen, the training settings and buttons."""

import pathlib

import streamlit as st

from digitpad import config, heldout, inference, jobs
from ui import state
from ui.collection import drawings_count
from ui.formatting import MODEL_LABELS, format_timestamp, percent, with_default
from ui.resources import predictor_for, user_model_path
from ui.train import PROGRESS_SECONDS, drawings_note, progress_text, training_buttons_ui

DEFAULT_PEN_WIDTH = 18
PEN_WIDTH_RANGE = (6, 40)
BATCH_SIZES = (32, 64, 128, 256, 512)
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03)
TEST_ACCURACY_HELP = "Share of the 10,000 MNIST test digits the model reads right."
DRAWN_ACCURACY_HELP = (
    "Share of pen-written digits (UCI pendigits, replayed on the canvas) read right, "
    "including writers the model trained on; – when that data was not at hand."
)
UNSEEN_HELP = (
    "Share of the digits of six pendigits writers (5, 6, 8, 11, 20, 30) read right by the "
    "same recipe trained without them: people it never saw."
)


def sidebar_ui(registry: jobs.JobRegistry) -> tuple[str, int]:
    """Render the sidebar; return the chosen model name and pen width."""
    with st.sidebar:
        name = model_choice_ui()
        model_info_ui(name)
        pen_width = st.slider("Pen width", *PEN_WIDTH_RANGE, DEFAULT_PEN_WIDTH, key=state.PEN_KEY)
        st.divider()
        training_settings_ui()
        job = registry.get(name)
        running = job is not None and job.active
        training_buttons_ui(running, state.TRAIN_BUTTON_KEY, state.STOP_BUTTON_KEY)
        if running:
            st.fragment(run_every=PROGRESS_SECONDS)(sidebar_progress_ui)(registry, name)
        elif job is not None and job.snapshot().awaiting_choice:
            st.info(f"The new {MODEL_LABELS[name]} waits for your choice in the Train tab.")
        st.divider()
        restore_ui(name, running)
    return name, pen_width


def model_choice_ui() -> str:
    """The model picker; return the chosen model name."""
    return st.segmented_control(
        "Model", config.MODEL_NAMES, default="cnn", required=True, key=state.MODEL_KEY,
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
    label, value, help_text = drawn_figure(info)
    drawn_column.metric(label, value, help=help_text)
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
    st.number_input("Epochs", 1, config.MAX_EPOCHS, defaults.epochs, key=state.EPOCHS_KEY)
    st.select_slider(
        "Batch size", options=with_default(BATCH_SIZES, defaults.batch_size),
        value=defaults.batch_size, key=state.BATCH_KEY,
    )  # fmt: skip
    st.select_slider(
        "Learning rate", options=with_default(LEARNING_RATES, defaults.learning_rate),
        value=defaults.learning_rate, key=state.RATE_KEY, format_func=lambda rate: f"{rate:g}",
    )  # fmt: skip
    st.toggle(
        "Augmentation", defaults.augment, key=state.AUGMENT_KEY,
        help="Random rotations, shifts, shears and pen widths make MNIST look drawn.",
    )  # fmt: skip
    st.checkbox(
        "Include my drawings", key=state.INCLUDE_DRAWINGS_KEY,
        help="Mix in your saved drawings; a quarter is held out to measure how it reads you.",
    )  # fmt: skip
    if state.include_drawings():
        st.caption(drawings_note(drawings_count()))


def sidebar_progress_ui(registry: jobs.JobRegistry, name: str) -> None:
    """A small progress bar of the whole run, seen from either tab; reruns the page at the end."""
    snapshot = registry.get(name).snapshot()
    if not snapshot.active:
        st.rerun()  # the whole page: the new model's facts, buttons, the Draw tab's answers
    done = (snapshot.epoch - 1 + snapshot.batch_fraction) / snapshot.epochs
    st.progress(done, text=progress_text(snapshot))


def restore_shipped_model() -> None:
    """Delete (once confirmed) the user's trained model so the shipped one is used again."""
    path = user_model_path(state.chosen_model())
    state.set_restore_asked(None)
    try:
        path.unlink(missing_ok=True)
        inference.sidecar_path(path).unlink(missing_ok=True)
    except OSError as error:
        state.flash(state.SIDEBAR_ERROR_KEY, f"Cannot delete {path}: {error.strerror}")


def restore_ui(name: str, running: bool) -> None:
    """The button that goes back to the shipped model (when the user trained one), asking first."""
    error = state.pop_flash(state.SIDEBAR_ERROR_KEY)
    if error:
        st.error(error)
    available = not running and user_model_path(name).is_file()
    if available and state.restore_asked() == name:
        restore_confirmation_ui(name)
        return
    st.button(
        "Restore shipped model", key=state.RESTORE_BUTTON_KEY, width="stretch",
        on_click=state.set_restore_asked, args=(name,), disabled=not available,
        help=f"Delete your trained {MODEL_LABELS[name]} and use the one shipped with the app.",
    )  # fmt: skip


def restore_confirmation_ui(name: str) -> None:
    """Restore's second step: what would be deleted, Delete it or Cancel."""
    facts = model_facts(inference.read_sidecar(user_model_path(name)))
    described = f" ({', '.join(facts)})" if facts else ""
    st.warning(
        f"Delete your trained {MODEL_LABELS[name]}{described} and use the shipped one? "
        "It cannot be undone."
    )
    delete_column, cancel_column = st.columns(2)
    delete_column.button("Delete it", key=state.RESTORE_CONFIRM_BUTTON_KEY, type="primary",
                         width="stretch", on_click=restore_shipped_model)  # fmt: skip
    cancel_column.button("Cancel", key=state.RESTORE_CANCEL_KEY, width="stretch",
                         on_click=state.set_restore_asked, args=(None,))  # fmt: skip


def drawn_figure(info: dict) -> tuple[str, str, str]:
    """The sidebar's drawn-digit metric: people it never saw when the sidecar knows it."""
    unseen = info.get(heldout.UNSEEN_KEY)
    if unseen:
        return "People it never saw", percent(unseen.get("accuracy")), UNSEEN_HELP
    return "Drawn digits", percent(info.get("drawn_digit_accuracy")), DRAWN_ACCURACY_HELP
