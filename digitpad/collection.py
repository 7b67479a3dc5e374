"""The user's own labelled drawings: saved safely, listed, deleted, exported and imported.

A collection is a folder of PNG files (each drawing's canvas and its 28 x 28 MNIST image)
and an ``index.json`` that lists them. Files are written first and the index last, each
through a temporary file and ``os.replace``: a crash mid-save leaves the previous index,
so no earlier drawing is ever lost (at worst two orphan PNGs stay behind).
"""

import dataclasses
import datetime
import io
import json
import os
import pathlib
import re
import uuid
import zipfile

import cv2
import numpy as np

from digitpad import config, files, preprocess

COLLECTION_ENV_VAR = "DIGITPAD_COLLECTION"
INDEX_NAME = "index.json"
INDEX_VERSION = 1
CANVAS_SUFFIX = "-canvas.png"
DIGIT_SUFFIX = "-digit.png"
ID_PATTERN = re.compile(r"[0-9a-f]{12}")
MEMBER_PATTERN = re.compile(r"([0-9a-f]{12})(-canvas\.png|-digit\.png)")
MAX_MEMBER_BYTES = 1024 * 1024  # one PNG (a 280 x 280 canvas is a few KB)
MAX_INDEX_BYTES = 4 * 1024 * 1024
MAX_IMPORT_ENTRIES = 5000
MAX_CANVAS_SIDE = 2048


@dataclasses.dataclass(frozen=True)
class Entry:
    """One saved drawing: its id, digit, creation time (ISO 8601) and file names."""

    id: str
    label: int
    created: str
    canvas_file: str
    digit_file: str


def resolve_dir(collection_dir: str | os.PathLike | None = None) -> pathlib.Path:
    """The collection folder: the argument, else $DIGITPAD_COLLECTION, else USER_DIR/collection."""
    chosen = collection_dir or os.environ.get(COLLECTION_ENV_VAR)
    return pathlib.Path(chosen) if chosen else config.USER_DIR / "collection"


def add(drawing_rgba: np.ndarray, label: int, collection_dir=None) -> Entry:
    """Save a drawing with its digit; ValueError when the label or the drawing is unusable."""
    label = _checked_label(label)
    digit = np.round(preprocess.to_mnist(drawing_rgba) * 255).astype(np.uint8)
    folder = resolve_dir(collection_dir)
    folder.mkdir(parents=True, exist_ok=True)
    entry_id = uuid.uuid4().hex[:12]
    created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    entry = Entry(entry_id, label, created, entry_id + CANVAS_SUFFIX, entry_id + DIGIT_SUFFIX)
    _write_bytes(folder / entry.canvas_file, _encode_png(_as_bgra(drawing_rgba)))
    _write_bytes(folder / entry.digit_file, _encode_png(digit))
    _write_index(folder, [*entries(folder), entry])
    return entry


def entries(collection_dir=None) -> list[Entry]:
    """Every saved drawing, oldest first (an empty list for a new collection)."""
    path = resolve_dir(collection_dir) / INDEX_NAME
    if not path.is_file():
        return []
    try:
        return _parse_index(path.read_bytes())
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def delete(entry_id: str, collection_dir=None) -> None:
    """Remove one drawing; ValueError when the collection has no drawing with that id."""
    folder = resolve_dir(collection_dir)
    current = entries(folder)
    remaining = [entry for entry in current if entry.id != entry_id]
    if len(remaining) == len(current):
        raise ValueError(f"There is no saved drawing with id {entry_id!r}.")
    _write_index(folder, remaining)
    removed = next(entry for entry in current if entry.id == entry_id)
    for name in (removed.canvas_file, removed.digit_file):
        (folder / name).unlink(missing_ok=True)


def counts(collection_dir=None) -> np.ndarray:
    """How many drawings of each digit 0-9 the collection holds, as a (10,) int array."""
    labels = [entry.label for entry in entries(collection_dir)]
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=config.NUM_CLASSES)


def load_arrays(collection_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """The 28 x 28 images as uint8 (N, 28, 28) and their labels as int64 (N,)."""
    folder = resolve_dir(collection_dir)
    listed = entries(folder)
    return load_digits(listed, folder), np.array([entry.label for entry in listed], np.int64)


def load_digits(listed: list[Entry], collection_dir=None) -> np.ndarray:
    """The 28 x 28 images of the entries `listed`, as uint8 (N, 28, 28)."""
    folder = resolve_dir(collection_dir)
    images = np.zeros((len(listed), config.IMAGE_SIZE, config.IMAGE_SIZE), np.uint8)
    for index, entry in enumerate(listed):
        images[index] = _decode_digit((folder / entry.digit_file).read_bytes(), entry.digit_file)
    return images


def load_canvas(entry: Entry, collection_dir=None) -> np.ndarray:
    """The saved canvas of `entry` as RGBA uint8 (H, W, 4)."""
    raw = (resolve_dir(collection_dir) / entry.canvas_file).read_bytes()
    return cv2.cvtColor(_decode_canvas(raw, entry.canvas_file), cv2.COLOR_BGRA2RGBA)


# ------------------------------------------------------------------------ zip files


def export_zip(path: str | os.PathLike | None = None, collection_dir=None) -> bytes:
    """The whole collection as zip bytes (index + PNGs), also written to `path` if given."""
    folder = resolve_dir(collection_dir)
    listed = entries(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(INDEX_NAME, _index_text(listed))
        for entry in listed:
            for name in (entry.canvas_file, entry.digit_file):
                archive.write(folder / name, name)
    content = buffer.getvalue()
    if path is not None:
        _write_bytes(pathlib.Path(path), content)
    return content


def import_zip(source, collection_dir=None) -> int:
    """Add the drawings of an exported zip (path or bytes); return how many were new.

    Everything is checked before anything is written: ValueError says what is wrong.
    """
    raw = pathlib.Path(source).read_bytes() if isinstance(source, str | os.PathLike) else source
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as error:
        raise ValueError("This is not a zip file of saved drawings.") from error
    with archive:
        incoming, files = _checked_archive(archive)
    folder = resolve_dir(collection_dir)
    folder.mkdir(parents=True, exist_ok=True)
    known = {entry.id for entry in entries(folder)}
    new = [entry for entry in incoming if entry.id not in known]
    for entry in new:
        for name in (entry.canvas_file, entry.digit_file):
            _write_bytes(folder / name, files[name])
    _write_index(folder, [*entries(folder), *new])
    return len(new)


def _checked_archive(archive: zipfile.ZipFile) -> tuple[list[Entry], dict[str, bytes]]:
    """The entries and file contents of an archive, once every name, size and PNG is valid."""
    names = archive.namelist()
    if INDEX_NAME not in names:
        raise ValueError(f"The zip has no {INDEX_NAME}: it was not exported by digitpad.")
    for name in names:
        if name != INDEX_NAME and not MEMBER_PATTERN.fullmatch(name):
            raise ValueError(f"Unexpected file {name!r} in the zip: only drawings are allowed.")
    if len(names) > 2 * MAX_IMPORT_ENTRIES + 1:
        raise ValueError(f"The zip holds more than {MAX_IMPORT_ENTRIES} drawings.")
    incoming = _parse_index(_read_member(archive, INDEX_NAME, MAX_INDEX_BYTES))
    files = {}
    for entry in incoming:
        canvas = _read_member(archive, entry.canvas_file, MAX_MEMBER_BYTES)
        digit = _read_member(archive, entry.digit_file, MAX_MEMBER_BYTES)
        _decode_canvas(canvas, entry.canvas_file)
        _decode_digit(digit, entry.digit_file)
        files[entry.canvas_file], files[entry.digit_file] = canvas, digit
    return incoming, files


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, reading at most `limit` + 1 (the header's size may lie)."""
    try:
        with archive.open(name) as member:
            content = member.read(limit + 1)
    except KeyError as error:
        raise ValueError(f"The zip lists {name!r} in its index but does not hold it.") from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"{name!r} in the zip is damaged ({error}).") from error
    if len(content) > limit:
        raise ValueError(f"{name!r} in the zip is larger than {limit // 1024} KB.")
    return content


# --------------------------------------------------------------------- index and PNG


def _parse_index(raw: bytes) -> list[Entry]:
    """Entries from index JSON; ValueError when it is malformed or names unexpected files."""
    try:
        document = json.loads(raw)
        listed = document["entries"]
        parsed = [_entry_from(item) for item in listed]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"the index of drawings is malformed ({error}).") from error
    if len({entry.id for entry in parsed}) != len(parsed):
        raise ValueError("the index lists the same drawing twice.")
    return parsed


def _entry_from(item: dict) -> Entry:
    """One checked Entry from its JSON object."""
    entry_id = str(item["id"])
    if not ID_PATTERN.fullmatch(entry_id):
        raise ValueError(f"bad drawing id {entry_id!r}")
    label = _checked_label(item["label"])
    datetime.datetime.fromisoformat(str(item["created"]))  # ValueError when not a date
    return Entry(entry_id, label, str(item["created"]), entry_id + CANVAS_SUFFIX,
                 entry_id + DIGIT_SUFFIX)  # fmt: skip


def _checked_label(label) -> int:
    """`label` as an int 0-9, else ValueError."""
    if isinstance(label, bool) or not isinstance(label, int | np.integer):
        raise ValueError(f"A drawing's label must be a digit from 0 to 9, got {label!r}.")
    if not 0 <= label < config.NUM_CLASSES:
        raise ValueError(f"A drawing's label must be a digit from 0 to 9, got {label}.")
    return int(label)


def _index_text(listed: list[Entry]) -> str:
    items = [{"id": e.id, "label": e.label, "created": e.created} for e in listed]
    return json.dumps({"version": INDEX_VERSION, "entries": items}, indent=1) + "\n"


def _write_index(folder: pathlib.Path, listed: list[Entry]) -> None:
    _write_bytes(folder / INDEX_NAME, _index_text(listed).encode())


def _write_bytes(path: pathlib.Path, content: bytes) -> None:
    files.atomic_write(path, lambda temporary: pathlib.Path(temporary).write_bytes(content))


def _as_bgra(drawing: np.ndarray) -> np.ndarray:
    """The canvas as uint8 BGRA (what cv2 writes), from RGBA, RGB or gray pixels."""
    pixels = preprocess.validated(drawing)
    if pixels.ndim == 2:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGRA)
    conversion = cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4 else cv2.COLOR_RGB2BGRA
    return cv2.cvtColor(pixels, conversion)


def _encode_png(pixels: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", pixels)
    if not ok:
        raise ValueError("The drawing could not be saved as a PNG.")
    return encoded.tobytes()


def _decode_png(raw: bytes, name: str, flags: int) -> np.ndarray:
    """Decode PNG bytes (checking the signature first: cv2 reads other formats too)."""
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"{name!r} is not a PNG image.")
    width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    if max(width, height) > MAX_CANVAS_SIDE:  # refuse before decoding: a tiny file can be huge
        raise ValueError(f"{name!r} is larger than {MAX_CANVAS_SIDE} px.")
    pixels = cv2.imdecode(np.frombuffer(raw, np.uint8), flags)
    if pixels is None:
        raise ValueError(f"{name!r} is not a readable PNG image.")
    return pixels


def _decode_digit(raw: bytes, name: str) -> np.ndarray:
    pixels = _decode_png(raw, name, cv2.IMREAD_GRAYSCALE)
    if pixels.shape != (config.IMAGE_SIZE, config.IMAGE_SIZE):
        raise ValueError(f"{name!r} is not a 28 x 28 digit image.")
    return pixels


def _decode_canvas(raw: bytes, name: str) -> np.ndarray:
    pixels = _decode_png(raw, name, cv2.IMREAD_UNCHANGED)
    if pixels.ndim != 3 or pixels.shape[2] != 4 or max(pixels.shape[:2]) > MAX_CANVAS_SIDE:
        raise ValueError(f"{name!r} is not a drawing canvas (RGBA, at most {MAX_CANVAS_SIDE} px).")
    return pixels
