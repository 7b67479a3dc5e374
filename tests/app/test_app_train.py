"""The Train tab: its own Train and Stop, the live view after a reload, the drawings note."""

import pytest
from app_helpers import (
    JOIN_SECONDS,
    run_app,
)

from digitpad import collection, personalize, writers
from ui import state
from ui.charts import history_frame
from ui.train import drawings_note

CURVES_LATER = "The curves appear"


def captions(app) -> str:
    return " ".join(caption.value for caption in app.caption)


def test_the_train_tab_starts_and_stops_a_training_without_the_sidebar(app_home, small_mnist, gate):
    app = run_app(view=state.TRAIN_TAB)
    assert app.button(key=state.TAB_STOP_KEY).disabled  # nothing to stop yet
    app.button(key=state.TAB_TRAIN_KEY).click().run()
    assert gate.reached.wait(JOIN_SECONDS), app_home.jobs[0].snapshot().error
    app.run()
    assert app.main.get("progress")[0].proto.text == "Training the CNN: epoch 1 / 3"
    assert app.button(key=state.TAB_TRAIN_KEY).disabled
    app.button(key=state.TAB_STOP_KEY).click().run()
    gate.release()
    [job] = app_home.jobs
    assert job.join(JOIN_SECONDS)
    app.run()
    assert "stopped" in app.info[-1].value
    assert CURVES_LATER not in captions(app)
    assert not app.button(key=state.TAB_TRAIN_KEY).disabled


def test_a_new_session_opens_on_the_running_training_whichever_model(app_home, small_mnist, gate):
    app = run_app(view=state.TRAIN_TAB)
    app.segmented_control(key=state.MODEL_KEY).set_value("mlp").run()
    app.button(key=state.TAB_TRAIN_KEY).click().run()
    assert gate.reached.wait(JOIN_SECONDS), app_home.jobs[0].snapshot().error
    reloaded = run_app()  # a reload is a new session: the CNN picked, the Draw tab by default
    assert reloaded.session_state[state.TAB_KEY] == state.TRAIN_TAB
    assert reloaded.main.get("progress")[0].proto.text == "Training the MLP: epoch 1 / 3"
    assert "An MLP training is running: pick the MLP" in captions(reloaded)
    reloaded.session_state[state.TAB_KEY] = state.DRAW_TAB  # the user may still go to Draw
    reloaded.run()
    assert reloaded.session_state[state.TAB_KEY] == state.DRAW_TAB


def test_a_one_epoch_training_draws_a_curve_and_times_images_after_warm_up(
    app_home, small_mnist, gate
):
    app = run_app(view=state.TRAIN_TAB)
    app.number_input(key=state.EPOCHS_KEY).set_value(1)
    app.select_slider(key=state.BATCH_KEY).set_value(32)
    app.button(key=state.TAB_TRAIN_KEY).click().run()
    gate.release()
    [job] = app_home.jobs
    assert job.join(JOIN_SECONDS)
    app.run()
    snapshot = job.snapshot()
    assert len(snapshot.batches) == 10  # 300 + 30 non-digits, 297 to train on, in batches of 32
    assert snapshot.batches[-1].progress == pytest.approx(1.0)
    frame = history_frame(snapshot.history, snapshot.batches)
    training_loss = frame[(frame["metric"] == "loss") & (frame["split"] == "training")]
    assert len(training_loss) == 10  # a line, not the one dot per epoch it was
    assert len(app.get("vega_lite_chart")) >= 2  # the loss and accuracy charts
    assert snapshot.timed_images == 6 * 32 + 9  # batches 4-10 of 32, 32, …, 9 images
    assert snapshot.images_per_second is not None
    speeds = [metric for metric in app.metric if metric.label == "Images / s"]
    assert speeds[0].value == f"{snapshot.images_per_second:,.0f}"
    assert "MNIST" in snapshot.data_note and "30 non-digits" in snapshot.data_note
    assert job.exclude_writers == writers.report_writers()  # what the comparison reads
    assert f"Trained on {snapshot.data_note}." in captions(app), snapshot.data_note


@pytest.mark.parametrize(
    ("count", "says"),
    [
        (0, "no saved drawings yet"),
        (3, f"none is held out, so how well the model reads you is not measured. From "
            f"{personalize.MIN_HELD_OUT_DRAWINGS} drawings on"),
        (12, "Of your 12 saved drawings, 9 are mixed in"),
    ],
)  # fmt: skip
def test_include_my_drawings_says_what_it_does_with_few_drawings(count, says):
    assert says in drawings_note(count)


def test_ticking_include_my_drawings_says_what_happens_in_the_sidebar_and_the_tab(
    app_home, tmp_path, monkeypatch
):
    monkeypatch.setenv(collection.COLLECTION_ENV_VAR, str(tmp_path / "no-drawings"))
    app = run_app(view=state.TRAIN_TAB)
    assert "no saved drawings yet" not in captions(app)
    app.checkbox(key=state.INCLUDE_DRAWINGS_KEY).check().run()
    sidebar = " ".join(caption.value for caption in app.sidebar.caption)
    assert "no saved drawings yet" in sidebar
    assert "no saved drawings yet" in " ".join(block.value for block in app.main.markdown)
