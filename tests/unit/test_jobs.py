"""Tests for digitpad.jobs: background training with progress, stop, and one job per model."""

import dataclasses
import json

import keras
import numpy as np
import pytest
from helpers import BatchGate

from digitpad import config, evaluation, inference, jobs, models, progress, training, verdict

JOIN_SECONDS = 120.0  # generous: a loaded CI machine may be slow, the tests never wait idly
IMAGE_COUNT = 320
TEST_COUNT = 200


@pytest.fixture(scope="module")
def synthetic_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random 28 x 28 uint8 digits with random labels: enough to exercise the job."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (IMAGE_COUNT + TEST_COUNT, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, config.NUM_CLASSES, IMAGE_COUNT + TEST_COUNT).astype(np.uint8)
    return images[:IMAGE_COUNT], labels[:IMAGE_COUNT], images[IMAGE_COUNT:], labels[IMAGE_COUNT:]


@pytest.fixture
def gate(monkeypatch):
    """Hold trainings at their first batch; always released at the end of the test."""
    batch_gate = BatchGate().install(monkeypatch)
    yield batch_gate
    batch_gate.release()


def tiny_settings(name: str = "mlp") -> config.TrainingConfig:
    return config.TrainingConfig(
        model_name=name, epochs=1, batch_size=32, augment=False, pen_replays=0, non_digits=0
    )


def start_job(synthetic_mnist, tmp_path, name="mlp", registry=None) -> jobs.TrainingJob:
    """Start a one-epoch job on the synthetic data that saves into `tmp_path`."""
    images, labels, test_images, test_labels = synthetic_mnist
    registry = registry or jobs.JobRegistry()
    return registry.start(
        tiny_settings(name), images, labels, test_images=test_images, test_labels=test_labels,
        models_dir=tmp_path, drawn_count=0, compare_count=0,
    )  # fmt: skip


def test_job_reports_batch_progress_then_epoch_metrics_and_saves(synthetic_mnist, tmp_path, gate):
    job = start_job(synthetic_mnist, tmp_path)
    assert gate.reached.wait(JOIN_SECONDS)
    running = job.snapshot()
    assert running.status == jobs.RUNNING and running.active
    assert (running.epoch, running.epochs) == (1, 1)
    assert 0.0 < running.batch_fraction < 1.0
    assert running.history == ()
    gate.release()
    assert job.join(JOIN_SECONDS)
    done = job.snapshot()
    assert done.status == jobs.FINISHED and not done.active, done.error
    assert done.batch_fraction == 1.0
    [report] = done.history
    assert report.epoch == 1 and report.loss > 0 and 0.0 <= report.accuracy <= 1.0
    assert report.val_accuracy is not None and report.images_per_second > 0
    assert len(done.batches) == 9  # 288 training images in batches of 32: a point per batch
    assert [point.progress for point in done.batches][-1] == pytest.approx(1.0)
    assert all(point.loss > 0 and 0.0 <= point.accuracy <= 1.0 for point in done.batches)
    assert done.timed_images == (9 - progress.WARMUP_BATCHES) * 32  # after the warm-up
    assert done.images_per_second > 0
    assert done.model_path == tmp_path / "mlp.keras" and not done.model_path.exists()
    assert done.candidate_path == tmp_path / "mlp.candidate.keras"
    assert done.candidate_path.is_file() and done.awaiting_choice
    info = inference.read_sidecar(done.candidate_path)
    assert info["mnist_test_accuracy"] == pytest.approx(done.evaluation.test_accuracy)
    assert info["training_images"] == done.training_images == int(IMAGE_COUNT * 0.9)
    assert info["job_id"] == done.job_id
    assert inference.load_model(done.candidate_path).count_params() == info["parameters"]


def test_finished_job_holds_its_evaluation(synthetic_mnist, tmp_path):
    job = start_job(synthetic_mnist, tmp_path)
    assert job.join(JOIN_SECONDS)
    report = job.snapshot().evaluation
    test_labels = synthetic_mnist[3]
    assert report.test_images == TEST_COUNT
    assert report.confusion.shape == (10, 10) and report.confusion.sum() == TEST_COUNT
    assert report.test_accuracy == pytest.approx(np.trace(report.confusion) / TEST_COUNT)
    shown = len(report.misclassified_images)
    assert 0 < shown <= evaluation.MISCLASSIFIED_COUNT
    assert report.misclassified_images.shape == (shown, 28, 28)
    assert np.all(report.misclassified_labels != report.misclassified_predictions)
    assert set(report.misclassified_labels) <= set(test_labels)
    assert report.drawn_accuracy is None  # drawn_count=0: no replayed drawings


def test_stop_ends_the_job_early_and_keeps_the_old_model(synthetic_mnist, tmp_path, gate):
    old_model = tmp_path / "mlp.keras"
    old_model.write_bytes(b"the model in use")
    inference.sidecar_path(old_model).write_text(json.dumps({"epochs": 7}))
    job = start_job(synthetic_mnist, tmp_path)
    assert gate.reached.wait(JOIN_SECONDS)
    job.stop()
    assert job.snapshot().stopping
    gate.release()
    assert job.join(JOIN_SECONDS)
    snapshot = job.snapshot()
    assert snapshot.status == jobs.STOPPED
    assert snapshot.history == () and snapshot.evaluation is None
    assert old_model.read_bytes() == b"the model in use"
    assert inference.read_sidecar(old_model) == {"epochs": 7}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mlp.json", "mlp.keras"]


def test_second_start_of_a_running_model_is_refused(synthetic_mnist, tmp_path, gate):
    registry = jobs.JobRegistry()
    first = start_job(synthetic_mnist, tmp_path, "mlp", registry)
    assert gate.reached.wait(JOIN_SECONDS)
    with pytest.raises(ValueError, match="An MLP training is already running"):
        start_job(synthetic_mnist, tmp_path, "mlp", registry)
    assert registry.get("mlp") is first
    assert registry.active_names() == ["mlp"]
    first.stop()
    gate.release()
    assert first.join(JOIN_SECONDS)
    assert registry.active_names() == []
    second = start_job(synthetic_mnist, tmp_path, "mlp", registry)  # allowed once it ended
    assert second is not first and registry.get("mlp") is second
    registry.stop_all(JOIN_SECONDS)
    assert not second.active


def test_registry_keeps_one_job_per_model(synthetic_mnist, tmp_path):
    registry = jobs.JobRegistry()
    assert registry.get("cnn") is None
    job = start_job(synthetic_mnist, tmp_path, "mlp", registry)
    assert registry.get("cnn") is None and registry.get("mlp") is job
    assert job.join(JOIN_SECONDS)


def test_a_failing_training_is_reported_not_raised(synthetic_mnist, tmp_path, monkeypatch):
    def broken_train(*arguments, **options):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(training, "train", broken_train)
    job = start_job(synthetic_mnist, tmp_path)
    assert job.join(JOIN_SECONDS)
    snapshot = job.snapshot()
    assert snapshot.status == jobs.FAILED
    assert snapshot.error == "RuntimeError: out of memory"
    assert not (tmp_path / "mlp.keras").exists()


def test_settings_that_cannot_train_are_refused_before_any_thread(synthetic_mnist, tmp_path):
    images, labels, _, _ = synthetic_mnist
    registry = jobs.JobRegistry()
    settings = config.TrainingConfig(model_name="mlp", epochs=1, batch_size=IMAGE_COUNT * 2)
    with pytest.raises(ValueError, match="batch size"):
        registry.start(settings, images, labels, models_dir=tmp_path)
    assert registry.get("mlp") is None


def test_keras_state_survives_streamlit_clearing_it_while_a_job_runs(
    synthetic_mnist, tmp_path, gate
):
    # Streamlit calls keras.backend.clear_session() after every script run, from its thread.
    from keras.src.backend.common import global_state

    job = start_job(synthetic_mnist, tmp_path)
    assert gate.reached.wait(JOIN_SECONDS)
    global_state.set_global_attribute("digitpad_probe", "kept")
    keras.backend.clear_session()
    assert global_state.get_global_attribute("digitpad_probe") == "kept"
    gate.release()
    assert job.join(JOIN_SECONDS) and job.snapshot().status == jobs.FINISHED
    assert not jobs.keras_state_in_use()
    keras.backend.clear_session()
    assert global_state.get_global_attribute("digitpad_probe") is None


def save_current_model(folder, name: str = "mlp") -> dict:
    """An untrained model as the one in use in `folder`; return its sidecar."""
    info = {"model": name, "epochs": 0}
    training.save_model(models.build_model(name), inference.model_path(name, folder), info)
    return info


def test_a_finished_job_waits_for_a_choice_and_the_model_in_use_stays(synthetic_mnist, tmp_path):
    old_info = save_current_model(tmp_path)
    old_bytes = (tmp_path / "mlp.keras").read_bytes()
    job = start_job(synthetic_mnist, tmp_path)
    assert job.join(JOIN_SECONDS)
    snapshot = job.snapshot()
    assert snapshot.awaiting_choice and snapshot.decision is None
    assert (tmp_path / "mlp.keras").read_bytes() == old_bytes
    assert inference.read_sidecar(tmp_path / "mlp.keras") == old_info
    figures = snapshot.comparison
    assert figures.test_images == TEST_COUNT and figures.drawn_digits == 0
    assert figures.candidate.mnist_test_accuracy == pytest.approx(snapshot.evaluation.test_accuracy)
    assert 0.0 <= figures.current.mnist_test_accuracy <= 1.0
    assert figures.current.drawn_accuracy is None


def test_use_the_new_model_puts_it_in_place_once(synthetic_mnist, tmp_path):
    save_current_model(tmp_path)
    job = start_job(synthetic_mnist, tmp_path)
    assert job.join(JOIN_SECONDS)
    job.decide(use_new=True)
    snapshot = job.snapshot()
    assert snapshot.decision == jobs.ADOPTED and not snapshot.awaiting_choice
    assert inference.read_sidecar(tmp_path / "mlp.keras")["job_id"] == snapshot.job_id
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mlp.json", "mlp.keras"]
    with pytest.raises(ValueError, match="no new model waiting"):
        job.decide(use_new=False)
    assert (tmp_path / "mlp.keras").is_file()


def test_keep_the_current_one_deletes_only_the_new_model(synthetic_mnist, tmp_path):
    old_info = save_current_model(tmp_path)
    job = start_job(synthetic_mnist, tmp_path)
    assert job.join(JOIN_SECONDS)
    job.decide(use_new=False)
    assert job.snapshot().decision == jobs.KEPT
    assert inference.read_sidecar(tmp_path / "mlp.keras") == old_info
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mlp.json", "mlp.keras"]


def test_a_running_or_stopped_job_has_nothing_to_choose(synthetic_mnist, tmp_path, gate):
    job = start_job(synthetic_mnist, tmp_path)
    assert gate.reached.wait(JOIN_SECONDS)
    with pytest.raises(ValueError, match="no new model waiting"):
        job.decide(use_new=True)
    job.stop()
    gate.release()
    assert job.join(JOIN_SECONDS)
    with pytest.raises(ValueError, match="no new model waiting"):
        job.decide(use_new=True)
    assert list(tmp_path.iterdir()) == []


def test_a_vanished_candidate_is_refused_with_advice(tmp_path):
    with pytest.raises(ValueError, match="is gone: train again"):
        jobs.adopt_candidate(tmp_path / "mlp.candidate.keras", tmp_path / "mlp.keras")


@pytest.mark.parametrize(("label", "said"), [("MLP", "An MLP"), ("CNN", "A CNN")])
def test_article_follows_how_the_label_is_said(label, said):
    assert jobs.article(label) == said


def test_a_job_mixes_in_replayed_pen_digits_and_says_so(synthetic_mnist, tmp_path, monkeypatch):
    pen_file = tmp_path / "pen.tra"
    pen_file.write_text('.SEGMENT DIGIT 0 ? "1"\n.COMMENT 1 7 1\n.PEN_DOWN\n 250 400\n 250 100\n'
                        '.PEN_UP\n')  # fmt: skip
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(pen_file))
    tuned_on = []
    monkeypatch.setattr(
        verdict, "threshold_for", lambda p, name, held_out: tuned_on.append(held_out)
    )
    images, labels, test_images, test_labels = synthetic_mnist
    settings = dataclasses.replace(tiny_settings(), pen_replays=3, pen_images=None)
    job = jobs.JobRegistry().start(
        settings, images, labels, test_images=test_images, test_labels=test_labels,
        models_dir=tmp_path, drawn_count=0,
    )  # fmt: skip
    assert job.join(JOIN_SECONDS)
    done = job.snapshot()
    assert done.status == jobs.FINISHED, done.error
    assert done.training_images == IMAGE_COUNT + 3 - int((IMAGE_COUNT + 3) * 0.1)
    assert done.data_note.endswith("3 pen replays (3 of each of 1 digits by 1 pendigits writers)")
    info = inference.read_sidecar(done.candidate_path)
    assert info["pen_images"] == 3 and info["pen_writers"] == [7]
    assert tuned_on == [[7]]  # its threshold: the tuning writers it trained on (writer 7 only)


def test_a_job_can_leave_writers_out_of_its_pen_replays(synthetic_mnist, tmp_path, monkeypatch):
    pen_file = tmp_path / "pen.tra"
    pen_file.write_text('.SEGMENT DIGIT 0 ? "1"\n.COMMENT 1 7 1\n.PEN_DOWN\n 250 400\n 250 100\n'
                        '.PEN_UP\n.SEGMENT DIGIT 1 ? "1"\n.COMMENT 1 8 1\n.PEN_DOWN\n 250 400\n'
                        ' 250 100\n.PEN_UP\n')  # fmt: skip
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(pen_file))
    images, labels, _, _ = synthetic_mnist
    settings = dataclasses.replace(tiny_settings(), pen_replays=1, pen_images=None)
    job = jobs.TrainingJob(settings, images, labels, models_dir=tmp_path, drawn_count=0,
                           compare_count=0, exclude_writers=(7,))  # fmt: skip
    assert job.start().join(JOIN_SECONDS)
    assert job.snapshot().status == jobs.FINISHED, job.snapshot().error
    assert inference.read_sidecar(job.candidate_path)["pen_writers"] == [8]
