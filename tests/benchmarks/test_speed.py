"""Tests for the benchmark's report (the measurements themselves run in `make bench`)."""

import benchmarks.__main__ as benchmarks_main
from benchmarks import speed as bench

FIGURES = {
    "mnist_test": 0.9921,
    "drawn": 0.97,
    "drawn_naive": 0.37,
    "preprocess_ms": 0.5,
    "preprocess_predict_ms": 1.2,
    "keras_predict_ms": 30.0,
    "speedup": 25.0,
    "unseen": {
        "accuracy": 0.991,
        "worst_writer_accuracy": 0.962,
        "ece": 0.012,
        "writers": [5, 6, 8, 11, 20, 30],
        "digits": 1499,
        "replays": 2,
        "drawings": 2998,
        "seed": 1234,
    },
    "training": {
        "images_per_second": 3000.0,
        "test_after_epoch": [0.985, 0.9905],
        "seconds_to_99": 17.5,
        "seconds_to_99_by_seed": [17.5, 21.25, None],
        "seconds_total": 17.5,
        "epochs": 2,
    },
}
RESULTS = {
    "machine": "x86_64, 2 cores",
    "drawn_count": 2000,
    "models": {"mlp": FIGURES, "cnn": FIGURES},
}


def test_table_has_a_row_per_figure_and_a_column_per_model():
    table = bench.table(RESULTS)
    assert "| figure | MLP | CNN |" in table
    assert "| MNIST test accuracy (official 10,000) | 99.21 % | 99.21 % |" in table
    assert "25×" in table and "17.5 s" in table and "3,000 images/s" in table
    assert "| 17.5 s / 21.2 s / not reached |" in table
    assert "2,000 replayed drawings" in table
    assert "| **People it never saw**: replayed drawings of the report writers | 99.10 % |" in table
    assert "writers 5, 6, 8, 11, 20, 30 (fold 4, looked at only to report)" in table
    assert "1,499 digits × 2 replays = 2,998 drawings" in table


def test_table_says_when_there_are_no_twins():
    models = {name: {**FIGURES, "unseen": None} for name in ("mlp", "cnn")}
    table = bench.table({**RESULTS, "models": models})
    assert "People it never saw: no twins in" in table


def test_readme_table_is_replaced_between_markers_only(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.TABLE_START}\nold\n{bench.TABLE_END}\noutro\n")
    assert bench.write_readme("new table", readme)
    assert (
        readme.read_text() == f"intro\n{bench.TABLE_START}\nnew table\n{bench.TABLE_END}\noutro\n"
    )


def test_readme_without_markers_is_left_alone(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n")
    assert not bench.write_readme("new table", readme)
    assert readme.read_text() == "no table here\n"


def test_the_speed_benchmark_is_run_through_python_m_benchmarks(monkeypatch):
    calls = []
    monkeypatch.setattr(
        bench, "run", lambda json_output, quick: calls.append((json_output, quick)) or 0
    )
    assert benchmarks_main.main(["speed", "--json", "--quick"]) == 0
    assert benchmarks_main.main(["speed"]) == 0
    assert calls == [(True, True), (False, False)]
    assert benchmarks_main.main(["nonsense"]) == 2
