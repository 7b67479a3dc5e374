"""scripts/retune_verdict.py: a saved model's sidecar gets the threshold `train` would give it."""

import importlib.util
import json
import shutil

from helpers import REPO_ROOT

from digitpad import config, inference, verdict


def load_script():
    spec = importlib.util.spec_from_file_location(
        "retune_verdict", REPO_ROOT / "scripts" / "retune_verdict.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sidecar_gets_the_new_threshold_and_loses_the_old_key(
    tmp_path, pendigits_path, monkeypatch
):
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(pendigits_path))
    monkeypatch.setattr(verdict, "TUNING_COUNT", 200)
    shutil.copy(config.MODELS_DIR / "cnn.keras", tmp_path / "cnn.keras")
    info = json.loads((config.MODELS_DIR / "cnn.json").read_text())
    old = {key: value for key, value in info.items() if key != verdict.THRESHOLD_KEY}
    (tmp_path / "cnn.json").write_text(json.dumps({**old, "not_digit_threshold": 0.83}))
    weights = (tmp_path / "cnn.keras").read_bytes()
    thresholds = load_script().retune(tmp_path)
    sidecar = json.loads((tmp_path / "cnn.json").read_text())
    expected = verdict.threshold_for(inference.Predictor.load("cnn").probabilities, "cnn")
    assert thresholds == {"cnn": expected} and sidecar[verdict.THRESHOLD_KEY] == expected
    assert "not_digit_threshold" not in sidecar and sidecar["recipe"] == info["recipe"]
    assert (tmp_path / "cnn.keras").read_bytes() == weights  # the weights stay as they were
