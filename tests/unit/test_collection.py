"""The user's collection of labelled drawings: saving, crash safety, zip export and import."""

import io
import json
import os
import zipfile

import cv2
import numpy as np
import pytest

from digitpad import collection, config, preprocess


def drawing(label: int = 7) -> np.ndarray:
    """An RGBA canvas with a thick stroke shaped by `label` (a 1 or a 7)."""
    canvas = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE, 4), 255, np.uint8)
    points = [(140, 40), (140, 240)] if label == 1 else [(60, 50), (220, 50), (120, 240)]
    cv2.polylines(canvas, [np.array(points)], False, (0, 0, 0, 255), 18)
    return canvas


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty collection folder; the default folder points into tmp_path too."""
    monkeypatch.setattr(config, "USER_DIR", tmp_path / "home")
    monkeypatch.delenv(collection.COLLECTION_ENV_VAR, raising=False)
    return tmp_path / "drawings"


def test_add_saves_both_pngs_and_indexes_the_drawing(folder):
    entry = collection.add(drawing(7), 7, folder)
    assert (entry.label, len(entry.id)) == (7, 12)
    assert (folder / entry.canvas_file).is_file() and (folder / entry.digit_file).is_file()
    assert collection.entries(folder) == [entry]
    images, labels = collection.load_arrays(folder)
    assert images.dtype == np.uint8 and images.shape == (1, 28, 28) and labels.tolist() == [7]
    expected = np.round(preprocess.to_mnist(drawing(7)) * 255)
    assert np.array_equal(images[0], expected.astype(np.uint8))
    assert np.array_equal(collection.load_canvas(entry, folder), drawing(7))


def test_counts_and_delete(folder):
    first = collection.add(drawing(1), 1, folder)
    collection.add(drawing(7), 7, folder)
    collection.add(drawing(7), 7, folder)
    assert collection.counts(folder).tolist() == [0, 1, 0, 0, 0, 0, 0, 2, 0, 0]
    collection.delete(first.id, folder)
    assert collection.counts(folder)[1] == 0 and len(collection.entries(folder)) == 2
    assert not (folder / first.canvas_file).exists()
    with pytest.raises(ValueError, match="no saved drawing"):
        collection.delete(first.id, folder)


def test_default_folder_is_under_the_user_dir_unless_the_env_var_says(folder, monkeypatch):
    assert collection.resolve_dir() == config.USER_DIR / "collection"
    collection.add(drawing(1), 1)
    assert len(collection.entries(config.USER_DIR / "collection")) == 1
    monkeypatch.setenv(collection.COLLECTION_ENV_VAR, str(folder))
    assert collection.resolve_dir() == folder and collection.entries() == []


@pytest.mark.parametrize("label", [-1, 10, 3.0, "7", True, None])
def test_bad_labels_are_refused(folder, label):
    with pytest.raises(ValueError, match="digit from 0 to 9"):
        collection.add(drawing(7), label, folder)
    assert collection.entries(folder) == []


def test_a_blank_drawing_is_refused(folder):
    blank = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE, 4), 255, np.uint8)
    with pytest.raises(preprocess.BlankDrawingError):
        collection.add(blank, 3, folder)


def test_a_crash_while_saving_keeps_every_earlier_drawing(folder, monkeypatch):
    kept = [collection.add(drawing(7), 7, folder), collection.add(drawing(1), 1, folder)]
    real_replace = os.replace

    def crash_on_index(source, target):
        if str(target).endswith(collection.INDEX_NAME):
            raise OSError("simulated power cut")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", crash_on_index)
    with pytest.raises(OSError, match="power cut"):
        collection.add(drawing(1), 1, folder)
    monkeypatch.setattr(os, "replace", real_replace)
    assert collection.entries(folder) == kept
    assert collection.load_arrays(folder)[1].tolist() == [7, 1]
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]  # no temp left


def test_zip_round_trip_adds_only_new_drawings(folder, tmp_path):
    saved = [collection.add(drawing(7), 7, folder), collection.add(drawing(1), 1, folder)]
    archive = tmp_path / "export.zip"
    content = collection.export_zip(archive, folder)
    assert archive.read_bytes() == content
    other = tmp_path / "other"
    assert collection.import_zip(archive, other) == 2
    assert collection.entries(other) == saved
    assert np.array_equal(collection.load_arrays(other)[0], collection.load_arrays(folder)[0])
    assert collection.import_zip(content, other) == 0  # importing twice adds nothing


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def exported_members(folder) -> dict[str, bytes]:
    collection.add(drawing(7), 7, folder)
    with zipfile.ZipFile(io.BytesIO(collection.export_zip(collection_dir=folder))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def relabelled(members: dict[str, bytes], label) -> dict[str, bytes]:
    index = json.loads(members[collection.INDEX_NAME])
    index["entries"][0]["label"] = label
    return {**members, collection.INDEX_NAME: json.dumps(index).encode()}


def test_malicious_or_broken_zips_are_refused_and_write_nothing(folder, tmp_path):
    members = exported_members(folder)
    digit_name = next(name for name in members if name.endswith(collection.DIGIT_SUFFIX))
    huge_png = cv2.imencode(".png", np.zeros((4000, 10), np.uint8))[1].tobytes()
    cases = {
        "../escape.png": {**members, "../escape.png": b"x"},
        "Unexpected file": {**members, "notes.txt": b"hi"},
        "no index.json": {name: data for name, data in members.items() if name != "index.json"},
        "digit from 0 to 9": relabelled(members, 12),
        "not a PNG": {**members, digit_name: b"GIF89a not a png"},
        "larger than": {**members, digit_name: huge_png},
        "not a 28 x 28": {
            **members,
            digit_name: cv2.imencode(".png", np.zeros((5, 5)))[1].tobytes(),
        },
        "malformed": {**members, "index.json": b"{not json"},
    }
    target = tmp_path / "target"
    for message, bad in cases.items():
        with pytest.raises(ValueError, match=message.replace(".", r"\.")):
            collection.import_zip(zip_bytes(bad), target)
    with pytest.raises(ValueError, match="not a zip"):
        collection.import_zip(b"plain bytes", target)
    assert collection.entries(target) == []


def test_an_oversized_member_is_refused_even_when_its_header_lies(folder):
    members = exported_members(folder)
    digit_name = next(name for name in members if name.endswith(collection.DIGIT_SUFFIX))
    big = members[digit_name] + bytes(collection.MAX_MEMBER_BYTES)
    with pytest.raises(ValueError, match="larger than"):
        collection.import_zip(zip_bytes({**members, digit_name: big}), folder / "other")
