"""The command line: `python -m digitpad train|evaluate|predict`, run in-process and for real."""

import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest
from helpers import REPO_ROOT
from PIL import Image

from digitpad import cli, config, train_command, verdict

EPOCH_LINE = re.compile(r"^epoch 1/1  loss \d+\.\d{4}  acc \d\.\d{4}  val_loss .* img/s$", re.M)
SIDECAR_KEYS = {
    "model", "parameters", "mnist_test_accuracy", "drawn_digit_accuracy", "training_images",
    "epochs", "training_seconds", "logit_scale", "recipe", "trained_at", "not_digit_margin",
    "training_set", "pen_images", "pen_writers",
}  # fmt: skip
SUBPROCESS_DEADLINE = 120.0  # seconds; generous for a loaded 2-core machine


@pytest.fixture(autouse=True)
def few_drawn_digits(monkeypatch):
    """Keep the drawn-digit evaluation after training short."""
    monkeypatch.setattr(config, "PENDIGITS_EVAL_COUNT", 40)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory, mnist_source):
    """A folder with a tiny CNN trained once (1 epoch on 1,000 images) through the CLI."""
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "PENDIGITS_EVAL_COUNT", 40)
        arguments = [
            "train",
            "--model",
            "cnn",
            "--limit",
            "1000",
            "--epochs",
            "1",
            "--replays",
            "0",
        ]
        status = cli.main([*arguments, "--data", str(mnist_source), "--out", str(folder)])
    assert status == 0
    return folder


def draw_seven(size: int = 280) -> np.ndarray:
    """A white canvas with a thick black 7."""
    canvas = np.full((size, size), 255, np.uint8)
    cv2.polylines(canvas, [np.array([[70, 60], [210, 60], [120, 230]])], False, 0, 18)
    return canvas


def save_png(path, pixels: np.ndarray, mode: str | None = None) -> None:
    Image.fromarray(pixels, mode).save(path)


# --------------------------------------------------------------------------- general


def test_help_runs_without_tensorflow():
    completed = subprocess.run(
        [sys.executable, "-m", "digitpad", "--help"], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=SUBPROCESS_DEADLINE,
    )  # fmt: skip
    assert completed.returncode == 0
    for command in ("train", "evaluate", "predict"):
        assert command in completed.stdout
    check = (
        "import sys; from digitpad import cli; cli.build_parser(); print('keras' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "False"


def test_unknown_option_is_a_usage_error(capsys):
    assert cli.main(["train", "--model", "nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_progress_line_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = train_command.ProgressLine(stream)
        progress.update(2, 5, 0.5)
        progress.update(2, 5, 0.5)  # unchanged: not written again
        progress.clear()
    assert pipe.getvalue() == ""
    shown = "epoch 2/5 [" + "#" * 15 + "-" * 15 + "]  50%"
    assert terminal.getvalue() == f"\r{shown}\r{' ' * len(shown)}\r"


# ----------------------------------------------------------------------------- train


@pytest.mark.slow
def test_train_tiny_run_saves_model_and_sidecar(tmp_path, mnist_source, capsys):
    arguments = ["train", "--model", "mlp", "--limit", "300", "--epochs", "1", "--batch-size", "64",
                 "--label-smoothing", "0.2", "--replays", "1", "--pen-images", "30",
                 "--non-digits", "20"]  # fmt: skip
    status = cli.main([*arguments, "--data", str(mnist_source), "--out", str(tmp_path)])
    output = capsys.readouterr().out
    assert status == 0
    assert EPOCH_LINE.search(output), output
    assert "MNIST test accuracy" in output
    assert (tmp_path / "mlp.keras").stat().st_size > 0
    sidecar = json.loads((tmp_path / "mlp.json").read_text())
    assert set(sidecar) == SIDECAR_KEYS
    assert sidecar["training_images"] == 350 - 35 and sidecar["epochs"] == 1
    assert sidecar["training_set"].endswith("+ 20 non-digits (letters, scribbles, shapes)")
    assert sidecar["pen_images"] == 30 and len(sidecar["pen_writers"]) > 1
    assert sidecar["recipe"]["batch_size"] == 64 and sidecar["recipe"]["label_smoothing"] == 0.2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mlp.json", "mlp.keras"]


@pytest.mark.slow
def test_train_without_the_report_writers_measures_on_them(tmp_path, mnist_source, capsys):
    arguments = ["train", "--model", "mlp", "--limit", "300", "--epochs", "1", "--replays", "1",
                 "--pen-images", "30", "--exclude-writers", "report"]  # fmt: skip
    status = cli.main([*arguments, "--data", str(mnist_source), "--out", str(tmp_path)])
    assert status == 0
    assert (
        "people it never saw (pendigits writers [5, 6, 8, 11, 20, 30])" in capsys.readouterr().out
    )
    sidecar = json.loads((tmp_path / "mlp.json").read_text())
    figure = sidecar["unseen_writers"]
    assert figure["writers"] == [5, 6, 8, 11, 20, 30] and 0.0 <= figure["ece"] <= 1.0
    assert not set(sidecar["pen_writers"]) & set(figure["writers"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--epochs", "0"], "Epochs must be between"),
        (["--batch-size", "100000", "--limit", "300"], "batch size must be between"),
        (["--learning-rate", "-1"], "learning rate must be above 0"),
        (["--validation-split", "0.7"], "validation split"),
        (["--optimizer", "lion"], "Unknown optimizer"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--replays", "11"], "Pen replays must be between"),
        (["--pen-images", "0"], "pen images must be at least 1"),
        (["--exclude-writers", "31"], "writers are 1 to 30"),
    ],
)
def test_train_refuses_invalid_settings(options, message, tmp_path, mnist_source, capsys):
    out = tmp_path / "out"
    arguments = ["train", "--model", "mlp", *options, "--data", str(mnist_source)]
    assert cli.main([*arguments, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert "epoch" not in captured.out
    assert not out.exists()


def test_train_refuses_a_file_as_output_folder(tmp_path, mnist_source, capsys):
    (tmp_path / "file").write_text("x")
    arguments = ["train", "--model", "mlp", "--data", str(mnist_source)]
    assert cli.main([*arguments, "--out", str(tmp_path / "file" / "models")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_train_without_data_says_how_to_provide_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(config.MNIST_ENV_VAR, str(tmp_path / "no-mnist-here"))
    assert cli.main(["train", "--model", "mlp", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "no-mnist-here" in error and config.MNIST_ENV_VAR in error
    assert "Traceback" not in error and len(error.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_ctrl_c_stops_and_keeps_the_previous_model(tmp_path, models_dir, mnist_source):
    for name in ("cnn.keras", "cnn.json"):
        shutil.copy(models_dir / name, tmp_path / name)
    previous = (tmp_path / "cnn.keras").read_bytes(), (tmp_path / "cnn.json").read_bytes()
    command = [sys.executable, "-m", "digitpad", "train", "--model", "cnn", "--limit", "3000"]
    command += ["--replays", "0"]
    command += ["--epochs", "50", "--data", str(mnist_source), "--out", str(tmp_path)]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines, readers = queue.Queue(), []
    for stream in (process.stdout, process.stderr):
        readers.append(threading.Thread(target=_read_lines, args=(stream, lines), daemon=True))
        readers[-1].start()
    try:
        output = _wait_for_epoch_line(lines, time.monotonic() + SUBPROCESS_DEADLINE)
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=SUBPROCESS_DEADLINE)
    finally:
        process.kill()
    for reader in readers:
        reader.join(timeout=10)
    output += "".join(lines.get() for _ in range(lines.qsize()))
    assert status == 130, output
    assert f"stopped: kept the previous model at {tmp_path / 'cnn.keras'}" in output
    assert ((tmp_path / "cnn.keras").read_bytes(), (tmp_path / "cnn.json").read_bytes()) == previous
    assert sorted(os.listdir(tmp_path)) == ["cnn.json", "cnn.keras"]


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def _wait_for_epoch_line(lines: queue.Queue, deadline: float) -> str:
    """Collect output until the first epoch line; fail at the deadline."""
    output = ""
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            break
        output += line
        if line.startswith("epoch 1/50"):
            return output
    pytest.fail(f"no epoch line before the deadline:\n{output}")


# -------------------------------------------------------------------------- evaluate


@pytest.mark.slow
def test_evaluate_json(models_dir, mnist_source, capsys):
    arguments = ["evaluate", "--model", "cnn", "--models-dir", str(models_dir), "--json"]
    assert cli.main([*arguments, "--data", str(mnist_source)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert 0.0 <= summary["accuracy"] <= 1.0
    assert summary["images"] == 10_000
    assert sorted(summary["per_class_accuracy"]) == [str(digit) for digit in range(10)]
    assert all(0.0 <= value <= 1.0 for value in summary["per_class_accuracy"].values())
    assert np.array(summary["confusion_matrix"]).sum() == 10_000


@pytest.mark.slow
def test_evaluate_without_data(models_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(config.MNIST_ENV_VAR, str(tmp_path / "no-mnist-here"))
    assert cli.main(["evaluate", "--model", "cnn", "--models-dir", str(models_dir)]) == 2
    assert config.MNIST_ENV_VAR in capsys.readouterr().err


def test_evaluate_missing_model(tmp_path, capsys):
    assert cli.main(["evaluate", "--model", "mlp", "--models-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path / "mlp.keras") in error and "missing" in error


# --------------------------------------------------------------------------- predict


@pytest.fixture
def image_folder(tmp_path):
    """Good, blank, fake, empty, truncated and transparent images, plus a non-image file."""
    folder = tmp_path / "images"
    folder.mkdir()
    seven = draw_seven()
    save_png(folder / "a-good.png", seven)
    save_png(folder / "blank.png", np.full((280, 280), 255, np.uint8))
    (folder / "x.png").write_text("not an image\n")
    (folder / "empty.png").write_bytes(b"")
    whole = (folder / "a-good.png").read_bytes()
    (folder / "truncated.png").write_bytes(whole[: len(whole) // 2])
    transparent = np.zeros((280, 280, 4), np.uint8)
    transparent[:, :, 3] = 255 - seven  # black ink only in the alpha channel
    save_png(folder / "transparent.png", transparent, "RGBA")
    (folder / "notes.txt").write_text("skipped: not an image suffix")
    return folder


@pytest.mark.slow
def test_predict_folder_reports_every_image(image_folder, models_dir, capsys):
    arguments = ["predict", str(image_folder), "--models-dir", str(models_dir), "--json"]
    assert cli.main(arguments) == 1
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    names = ["a-good.png", "blank.png", "empty.png", "transparent.png", "truncated.png", "x.png"]
    assert [result["path"] for result in results] == [str(image_folder / name) for name in names]
    by_name = dict(zip(names, results, strict=True))
    for name in ("a-good.png", "transparent.png"):
        assert by_name[name]["digit"] in range(10) and "error" not in by_name[name]
        assert len(by_name[name]["probabilities"]) == 10
        assert sum(by_name[name]["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    for name in ("blank.png", "empty.png", "truncated.png", "x.png"):
        assert by_name[name]["digit"] is None and by_name[name]["error"], name
    assert "blank" in by_name["blank.png"]["error"]
    assert by_name["a-good.png"]["probabilities"] == pytest.approx(
        by_name["transparent.png"]["probabilities"], abs=1e-3
    )


@pytest.mark.slow
def test_predict_single_file_as_text(image_folder, models_dir, capsys):
    path = image_folder / "a-good.png"
    assert cli.main(["predict", str(path), "--models-dir", str(models_dir)]) == 0
    assert re.fullmatch(rf"{re.escape(str(path))}: \d \(\d+\.\d%\)\n", capsys.readouterr().out)


@pytest.mark.slow
def test_predict_explicit_file_is_tried_whatever_its_suffix(tmp_path, models_dir, capsys):
    path = tmp_path / "seven.data"
    Image.fromarray(draw_seven()).save(path, format="PNG")
    assert cli.main(["predict", str(path), "--models-dir", str(models_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["digit"] in range(10)


@pytest.fixture
def strict_models(tmp_path):
    """The shipped CNN with a sidecar whose threshold refuses everything (over any score)."""
    folder = tmp_path / "strict"
    folder.mkdir()
    shutil.copy(config.MODELS_DIR / "cnn.keras", folder / "cnn.keras")
    info = json.loads((config.MODELS_DIR / "cnn.json").read_text())
    (folder / "cnn.json").write_text(json.dumps({**info, verdict.THRESHOLD_KEY: 1000.0}))
    return folder


def test_predict_says_not_a_digit_with_the_probabilities(tmp_path, strict_models, capsys):
    save_png(tmp_path / "seven.png", draw_seven())
    arguments = ["predict", str(tmp_path / "seven.png"), "--models-dir", str(strict_models)]
    assert cli.main([*arguments, "--json"]) == cli.EXIT_FAILED  # as for other unreadable input
    result = json.loads(capsys.readouterr().out)
    assert result["digit"] is None and result["error"].startswith("not a digit")
    assert len(result["probabilities"]) == 10
    assert sum(result["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    assert cli.main(arguments) == cli.EXIT_FAILED
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'seven.png'}: error: not a digit")


def test_the_mlp_refuses_what_the_cnn_beside_it_refuses(tmp_path, strict_models, capsys):
    save_png(tmp_path / "seven.png", draw_seven())
    arguments = ["predict", str(tmp_path / "seven.png"), "--model", "mlp", "--json"]
    assert cli.main(arguments) == 0  # the shipped pair: both read the seven
    assert json.loads(capsys.readouterr().out)["digit"] == 7
    shutil.copy(config.MODELS_DIR / "mlp.keras", strict_models / "mlp.keras")
    shutil.copy(config.MODELS_DIR / "mlp.json", strict_models / "mlp.json")
    assert cli.main([*arguments, "--models-dir", str(strict_models)]) == cli.EXIT_FAILED
    result = json.loads(capsys.readouterr().out)
    assert result["digit"] is None and result["error"].startswith("not a digit")
    assert max(result["probabilities"]) >= 0.5  # the MLP alone was sure: its judge refused


def test_predict_number_marks_a_piece_that_is_not_a_digit(
    tmp_path, strict_models, capsys, monkeypatch
):
    monkeypatch.setattr(config, "NUMBER_REFUSAL_SHARE", 1.0)  # the full threshold in a number
    save_png(tmp_path / "sevens.png", np.hstack([draw_seven(), draw_seven()]))
    arguments = ["predict", "--number", "--json", "--models-dir", str(strict_models)]
    assert cli.main([*arguments, str(tmp_path / "sevens.png")]) == cli.EXIT_FAILED
    result = json.loads(capsys.readouterr().out)
    assert result["number"] == "??" and [d["digit"] for d in result["digits"]] == [None, None]
    assert result["error"] == "not a digit: piece 1, 2 of 2"


def test_predict_keeps_the_blank_message(tmp_path, strict_models, capsys):
    save_png(tmp_path / "blank.png", np.full((280, 280), 255, np.uint8))
    arguments = ["predict", str(tmp_path / "blank.png"), "--models-dir", str(strict_models)]
    assert cli.main([*arguments, "--json"]) == cli.EXIT_FAILED
    assert "blank" in json.loads(capsys.readouterr().out)["error"]


def test_predict_broken_model(tmp_path, capsys):
    (tmp_path / "cnn.keras").write_bytes(b"not a zip file")
    save_png(tmp_path / "seven.png", draw_seven())
    assert cli.main(["predict", str(tmp_path / "seven.png"), "--models-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path / "cnn.keras") in error and "not a readable Keras model" in error


def test_predict_missing_path(tmp_path, capsys):
    assert cli.main(["predict", str(tmp_path / "nowhere.png")]) == 2
    assert "nowhere.png: no such file" in capsys.readouterr().err


def test_format_evaluation_lists_every_digit():
    matrix = np.diag(np.arange(1, 11)).tolist()
    summary = {
        "model": "mlp", "path": "m/mlp.keras", "images": 55, "accuracy": 1.0,
        "per_class_accuracy": {str(digit): 1.0 for digit in range(10)}, "confusion_matrix": matrix,
    }  # fmt: skip
    lines = cli.format_evaluation(summary).splitlines()
    assert lines[0] == "mlp (m/mlp.keras): MNIST test accuracy 100.00% on 55 images"
    assert len(lines) == 12 and lines[-1].split() == ["9", "100.00%", "10"]
