"""Training from the page: the Train and Stop actions, and the Train tab's live view and results."""

import dataclasses

import streamlit as st

from digitpad import (
    comparison,
    config,
    data,
    evaluation,
    inference,
    jobs,
    personalize,
    progress,
    training,
)
from ui import state
from ui.charts import CURVES_LEGEND, confusion_chart, curve_chart, history_frame, metrics_table
from ui.collection import drawings_count, user_drawings_for_training
from ui.formatting import (
    GALLERY_SIZE,
    MODEL_LABELS,
    enlarged,
    format_duration,
    percent,
)
from ui.resources import job_registry, mnist, train_limit

PROGRESS_SECONDS = 1.0
SPEED_HELP = (
    f"Training images per second, timed after the first {progress.WARMUP_BATCHES} batches "
    "(they build the model) and without the validation between epochs."
)
LOSS_HELP = (
    "Cross-entropy over the last epoch. Label smoothing makes every target a little less "
    "than certain, so with the default recipe the loss levels off near 0.5, not at 0."
)
TABLE_FORMATS = {
    "Loss": st.column_config.NumberColumn(format="%.4f"),
    "Accuracy": st.column_config.NumberColumn(format="%.2f%%"),
    "Val. loss": st.column_config.NumberColumn(format="%.4f"),
    "Val. accuracy": st.column_config.NumberColumn(format="%.2f%%"),
    "Seconds": st.column_config.NumberColumn(format="%.1f"),
    "Images / s": st.column_config.NumberColumn(format="%.0f"),
}


# ----------------------------------------------------------------------------- actions


LIMIT_SHARE = 10  # with DIGITPAD_TRAIN_LIMIT: pen and non-digit images, each a tenth of it


def current_settings() -> config.TrainingConfig:
    """The training settings chosen in the sidebar; a train limit caps the pen replays and
    non-digits mixed in at a tenth of it each, so a quick demo stays quick."""
    settings = dataclasses.replace(config.TrainingConfig(), **state.settings_values())
    limit = train_limit()
    if limit is None:
        return settings
    extra = max(limit // LIMIT_SHARE, 1)
    pen_images = extra if settings.pen_images is None else min(settings.pen_images, extra)
    return dataclasses.replace(
        settings, pen_images=pen_images, non_digits=min(settings.non_digits, extra)
    )


def start_training() -> None:
    """Train button: start a job for the chosen model and show the Train tab."""
    state.show_train_tab()
    state.set_training_error(None)
    try:
        (images, labels), (test_images, test_labels) = mnist()
    except ValueError as error:
        # The loader's advice is for the command line; the Train tab gives the app's own.
        message = str(error).removesuffix(f"; {data.HOW_TO_PROVIDE}")
        state.set_training_error(state.TrainingError(message, missing_data=True))
        return
    limit = train_limit()
    try:
        job_registry().start(
            current_settings(), images[:limit], labels[:limit], test_images=test_images,
            test_labels=test_labels, models_dir=config.USER_MODELS_DIR,
            user_drawings=user_drawings_for_training(),
        )  # fmt: skip
    except ValueError as error:
        state.set_training_error(state.TrainingError(str(error), missing_data=False))


def stop_training() -> None:
    """Stop button: end the chosen model's training after its current batch."""
    job = job_registry().get(state.chosen_model())
    if job is not None:
        job.stop()


def decide(name: str, job_id: str, use_new: bool) -> None:
    """Use the new model / Keep the current one, for the job the buttons were shown for."""
    job = job_registry().get(name)
    if job is None or job.job_id != job_id:
        state.flash(state.CHOICE_ERROR_KEY, "A newer training replaced that one: choose again.")
        return
    try:
        job.decide(use_new)
    except (ValueError, OSError) as error:
        state.flash(state.CHOICE_ERROR_KEY, str(error))


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


# ------------------------------------------------------------------------------- the tab


def training_buttons_ui(running: bool, train_key: str, stop_key: str) -> None:
    """Train and Stop buttons: Train when idle, Stop while the chosen model trains."""
    train_column, stop_column = st.columns(2)
    train_column.button("Train", key=train_key, type="primary", width="stretch",
                        disabled=running, on_click=start_training)  # fmt: skip
    stop_column.button("Stop", key=stop_key, width="stretch",
                       disabled=not running, on_click=stop_training)  # fmt: skip


def follow_running_training(registry: jobs.JobRegistry) -> None:
    """A new session (a reload) opens on the Train tab while a training runs."""
    if state.TAB_KEY not in st.session_state and registry.active_names():
        state.show_train_tab()


def train_ui(name: str, registry: jobs.JobRegistry) -> None:
    """The Train tab: Train and Stop, why training could not start, the live view, the results."""
    job = registry.get(name)
    running = job is not None and job.active
    training_buttons_ui(running, state.TAB_TRAIN_KEY, state.TAB_STOP_KEY)
    training_error_ui()
    others = [other for other in registry.active_names() if other != name]
    for other in others:
        label = MODEL_LABELS[other]
        st.caption(f"{jobs.article(label)} training is running: pick the {label} to stop it.")
    if others and not running:  # e.g. after a reload: what runs now, whichever model it is
        st.fragment(run_every=PROGRESS_SECONDS)(live_training_ui)(registry, others[0])
    if running:
        st.fragment(run_every=PROGRESS_SECONDS)(live_training_ui)(registry, name)
    elif job is not None:
        results_ui(job.snapshot())
    elif not others:
        st.markdown(training_intro(name))


def training_error_ui() -> None:
    """Say why the last Train press failed, and how to fix missing data."""
    error = state.training_error()
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
    intro = (
        f"Train a fresh **{MODEL_LABELS[name]}** on {images} MNIST training images from "
        f"`{data.describe_source()}`, with real pen-written digits (UCI pendigits) and "
        "non-digits mixed in, using the settings in the sidebar, and watch its "
        "loss and accuracy here. When it ends, it is tested on the 10,000 MNIST test "
        "images and compared with the model in use; you choose which one the Draw tab uses."
    )
    return f"{intro}\n\n{drawings_note(drawings_count())}" if state.include_drawings() else intro


def drawings_note(count: int) -> str:
    """What "Include my drawings" does with `count` saved drawings."""
    needed = personalize.MIN_HELD_OUT_DRAWINGS
    if count == 0:
        return (
            "You have no saved drawings yet: save some with the pills under the Draw tab's "
            "answer. Until then the training uses MNIST only."
        )
    if count < needed:
        return (
            f"Your {count} saved drawing{'s' if count != 1 else ''} are all mixed in (repeated "
            f"to about {personalize.USER_SHARE:.0%} of the images); none is held out, so how "
            f"well the model reads you is not measured. From {needed} drawings on, a quarter "
            "is held out to measure it."
        )
    held = int(count * personalize.HELD_OUT_FRACTION)
    return (
        f"Of your {count} saved drawings, {count - held} are mixed in (repeated to about "
        f"{personalize.USER_SHARE:.0%} of the images) and {held} (a quarter) are held out to "
        "measure how well the model reads you."
    )


def live_training_ui(registry: jobs.JobRegistry, name: str) -> None:
    """Progress of the running job, refreshed every second by its fragment."""
    snapshot = registry.get(name).snapshot()
    if not snapshot.active:
        st.rerun()  # the whole page: results, sidebar and the Draw tab's new model
    st.progress(snapshot.batch_fraction, text=progress_text(snapshot))
    training_data_ui(snapshot, live=True)
    elapsed_column, speed_column, loss_column, accuracy_column = st.columns(4)
    elapsed_column.metric("Elapsed", format_duration(snapshot.elapsed))
    speed_column.metric("Images / s", speed_text(snapshot), help=SPEED_HELP)
    last = snapshot.batches[-1] if snapshot.batches else None
    loss_column.metric("Loss", f"{last.loss:.3f}" if last else "–", help=LOSS_HELP)
    accuracy_column.metric("Accuracy", percent(last.accuracy if last else None))
    history_ui(snapshot.history, snapshot.batches, live=True)


def training_data_ui(snapshot: jobs.JobSnapshot, live: bool) -> None:
    """What the training images are: MNIST with pen replays and non-digits, or MNIST alone
    and why (no pendigits file at hand, say)."""
    if snapshot.data_note:
        st.caption(f"{'Training' if live else 'Trained'} on {snapshot.data_note}.")


def speed_text(snapshot: jobs.JobSnapshot) -> str:
    """Images per second after the warm-up batches, or a dash until some were timed."""
    speed = snapshot.images_per_second
    return "–" if speed is None else f"{speed:,.0f}"


def results_ui(snapshot: jobs.JobSnapshot) -> None:
    """How the last job ended: its results, or why it stopped or failed."""
    label = MODEL_LABELS[snapshot.model_name]
    if snapshot.status == jobs.FAILED:
        st.error(f"The {label} training failed: {snapshot.error}")
        return
    if snapshot.status == jobs.STOPPED:
        st.info(f"The {label} training was stopped: the model in use is unchanged.")
    else:
        outcome_ui(snapshot)
        final_metrics_ui(snapshot)
        training_data_ui(snapshot, live=False)
    history_ui(snapshot.history, snapshot.batches, live=False)
    if snapshot.evaluation is not None:
        evaluation_ui(snapshot.evaluation)


def outcome_ui(snapshot: jobs.JobSnapshot) -> None:
    """The choice between the new model and the one in use, or what became of the new model."""
    error = state.pop_flash(state.CHOICE_ERROR_KEY)
    if error:
        st.error(error)
    label = MODEL_LABELS[snapshot.model_name]
    if snapshot.awaiting_choice:
        choice_ui(snapshot)
    elif snapshot.decision == jobs.KEPT:
        st.info(f"You kept the {label} in use; the new one was deleted.")
    elif in_use(snapshot):
        st.success(finished_message(snapshot))
    else:
        st.info(
            f"The {label} this training made is no longer in use: it was restored to the "
            "shipped model or replaced by a newer training."
        )


def in_use(snapshot: jobs.JobSnapshot) -> bool:
    """Whether the model this job saved is the one the Draw tab uses now."""
    info = inference.read_sidecar(inference.active_model_path(snapshot.model_name))
    return info.get("job_id") == snapshot.job_id


def finished_message(snapshot: jobs.JobSnapshot) -> str:
    """One line on a finished training whose model is in use."""
    label = MODEL_LABELS[snapshot.model_name]
    report = snapshot.evaluation
    if report is None:
        return f"The new {label} is in use in the Draw tab."
    return (
        f"The new {label} reads {report.test_accuracy:.2%} of the {report.test_images:,} "
        "MNIST test images right. The Draw tab uses it now."
    )


def choice_ui(snapshot: jobs.JobSnapshot) -> None:
    """Both models' figures side by side; Use the new model or Keep the current one."""
    label = MODEL_LABELS[snapshot.model_name]
    figures = snapshot.comparison
    better = figures is None or figures.candidate_is_better
    verdict = "the new one does better" if better else "the one in use does better"
    st.warning(
        f"The new {label} is trained. On the same images {verdict}. The Draw tab keeps the "
        f"{label} in use until you choose."
    )
    if figures is not None:
        st.markdown(comparison_table(figures))
        if figures.note:
            st.caption(figures.note)
    use_column, keep_column = st.columns(2)
    arguments = (snapshot.model_name, snapshot.job_id)
    use_column.button("Use the new model", key=state.USE_NEW_KEY, width="stretch",
                      type="primary" if better else "secondary", on_click=decide,
                      args=(*arguments, True))  # fmt: skip
    keep_column.button("Keep the current one", key=state.KEEP_CURRENT_KEY, width="stretch",
                       type="secondary" if better else "primary", on_click=decide,
                       args=(*arguments, False))  # fmt: skip


def comparison_table(figures: comparison.Comparison) -> str:
    """The two models' figures as a Markdown table."""
    current = figures.current or comparison.Figures(None, None)
    rows = [
        ("| Measured on | New model | In use now |", "|---|---:|---:|"),
        (f"| {figures.test_images:,} MNIST test images | "
         f"{percent(figures.candidate.mnist_test_accuracy)} | "
         f"{percent(current.mnist_test_accuracy)} |",),
    ]  # fmt: skip
    if figures.drawn_digits:
        rows.append(
            (f"| {figures.drawn_digits:,} drawn digits of writers the new model never saw | "
             f"{percent(figures.candidate.drawn_accuracy)} | "
             f"{percent(current.drawn_accuracy)} |",)
        )  # fmt: skip
    return "\n".join(line for row in rows for line in row)


def final_metrics_ui(snapshot: jobs.JobSnapshot) -> None:
    """Headline numbers of a finished training."""
    report = snapshot.evaluation
    test_column, drawn_column, time_column, speed_column = st.columns(4)
    test_column.metric("MNIST test accuracy", percent(report.test_accuracy if report else None))
    drawn_column.metric("Drawn-digit accuracy", percent(report.drawn_accuracy if report else None))
    time_column.metric("Total time", format_duration(snapshot.elapsed))
    speed_column.metric("Images / s", speed_text(snapshot), help=SPEED_HELP)
    user_accuracy_ui(report)


def user_accuracy_ui(report: evaluation.Evaluation | None) -> None:
    """Accuracy on the user's held-out drawings, when the training mixed them in."""
    if report is not None and report.user_accuracy is not None:
        st.caption(
            f"Your held-out drawings: {percent(report.user_accuracy)} of "
            f"{report.user_held_out} read right."
        )


def history_ui(
    history: tuple[training.EpochReport, ...], batches: tuple[progress.BatchPoint, ...], live: bool
) -> None:
    """Loss and accuracy curves (training by batch, validation by epoch), the per-epoch table."""
    if not batches and not history:
        if live:
            st.caption("The curves appear after the first batches.")
        return
    frame = history_frame(history, batches)
    st.markdown(CURVES_LEGEND, unsafe_allow_html=True)
    loss_column, accuracy_column = st.columns(2)
    loss_column.altair_chart(curve_chart(frame, "loss", "Loss"), width="stretch")
    accuracy_column.altair_chart(curve_chart(frame, "accuracy", "Accuracy"), width="stretch")
    if not history:
        return
    st.dataframe(
        metrics_table(history), hide_index=True, width="stretch", column_config=TABLE_FORMATS
    )


def evaluation_ui(report: evaluation.Evaluation) -> None:
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
