"""The user's drawings: the correction pills, the "Your drawings" gallery, export and import."""

import hashlib

import numpy as np
import streamlit as st

from digitpad import collection, config
from ui import state
from ui.formatting import GALLERY_SIZE, enlarged

GALLERY_LIMIT, GALLERY_COLUMNS = 40, 8  # the newest drawings shown in "Your drawings"
EXPORT_NAME = "digitpad-drawings.zip"


def correction_ui(drawing: np.ndarray) -> None:
    """A row of 0-9 pills: one click saves the drawing with the digit it really is."""
    st.pills("That's not it — it's …", range(config.NUM_CLASSES), key=state.CORRECTION_KEY,
             on_change=save_correction, args=(drawing,))  # fmt: skip
    saved = state.saved_correction()
    if saved is not None and saved.fingerprint == fingerprint(drawing):
        message_column, undo_column = st.columns([5, 1], vertical_alignment="center")
        message_column.success(saved.message)
        undo_column.button("Undo save", key=state.UNDO_SAVE_KEY, on_click=undo_correction)
    message = state.pop_flash(state.COLLECTION_MESSAGE_KEY)
    if message:
        st.success(message)


def fingerprint(drawing: np.ndarray) -> str:
    """A short digest that tells one drawing from another."""
    return hashlib.blake2b(np.ascontiguousarray(drawing).tobytes(), digest_size=16).hexdigest()


def save_correction(drawing: np.ndarray) -> None:
    """Correction pill: save the drawing with the digit clicked; once per drawing, so a second
    click on another digit changes its label and one on the same digit changes nothing."""
    digit = state.take_correction()
    saved = state.saved_correction()
    drawing_id = fingerprint(drawing)
    again = saved is not None and saved.fingerprint == drawing_id
    if digit is None or (again and saved.digit == digit):
        return
    try:
        if again:
            collection.delete(saved.entry_id)
        entry = collection.add(drawing, digit)
        total = len(collection.entries())
    except (ValueError, OSError) as error:
        state.flash(state.COLLECTION_ERROR_KEY, f"Cannot save the drawing: {error}")
        return
    message = f"Saved as a {digit}: {total} drawing{'s' if total != 1 else ''} in your collection."
    state.set_saved_correction(state.SavedCorrection(drawing_id, entry.id, digit, message))
    state.mark_collection_changed()


def undo_correction() -> None:
    """Undo button: take the drawing the pills saved back out of the collection."""
    saved = state.saved_correction()
    if saved is None:
        return
    try:
        collection.delete(saved.entry_id)
    except (ValueError, OSError) as error:
        state.flash(state.COLLECTION_ERROR_KEY, f"Cannot undo the save: {error}")
        return
    state.set_saved_correction(None)
    state.mark_collection_changed()
    state.flash(state.COLLECTION_MESSAGE_KEY, "Undone: the drawing is no longer saved.")


def delete_drawing(entry_id: str) -> None:
    """Delete button of the gallery."""
    try:
        collection.delete(entry_id)
    except (ValueError, OSError) as error:
        state.flash(state.COLLECTION_ERROR_KEY, f"Cannot delete the drawing: {error}")


def collection_ui() -> None:
    """The "Your drawings" expander: the gallery, export and import."""
    error = state.pop_flash(state.COLLECTION_ERROR_KEY)
    if error:
        st.error(error)
    try:
        listed = collection.entries()
    except (ValueError, OSError) as problem:
        st.error(f"Cannot read your drawings: {problem}")
        return
    # A new count in its label makes it a new expander: it opens as the last one was.
    drawings = st.expander(
        f"Your drawings ({len(listed)})", expanded=state.drawings_open(),
        key=state.DRAWINGS_KEY, on_change=state.remember_drawings_open,
    )  # fmt: skip
    # Filled only while open (opening reruns the page): closed, its gallery is not on the page,
    # where every element is redrawn several times after each stroke.
    if drawings.open is not False:
        with drawings:
            drawings_content_ui(listed)


def drawings_content_ui(listed: list) -> None:
    """Inside "Your drawings": the count per digit, the gallery, export and import."""
    shown = listed[-GALLERY_LIMIT:]
    try:
        images = collection.load_digits(shown)  # only the drawings the gallery shows
        counts = collection.counts()
    except (ValueError, OSError) as problem:
        st.error(f"Cannot read your drawings: {problem}")
        return
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
            column.button("Delete", key=state.delete_key(entry.id), on_click=delete_drawing,
                          args=(entry.id,))  # fmt: skip


def drawings_transfer_ui(has_drawings: bool) -> None:
    """Export the collection as a zip; import one (within the server's upload cap)."""
    export_column, import_column = st.columns(2)
    export_column.download_button(
        "Export (zip)", data=collection.export_zip() if has_drawings else b"",
        file_name=EXPORT_NAME, mime="application/zip", disabled=not has_drawings,
    )  # fmt: skip
    uploaded = import_column.file_uploader("Import (zip)", type=["zip"], key=state.IMPORT_KEY)
    if uploaded is None or not state.first_import_of(uploaded.file_id):
        return
    try:
        added = collection.import_zip(uploaded.getvalue())
    except (ValueError, OSError) as error:
        st.error(f"Cannot import {uploaded.name}: {error}")
        return
    state.flash(state.COLLECTION_MESSAGE_KEY, f"Imported {added} new drawings.")
    st.rerun()


def user_drawings_for_training() -> tuple[np.ndarray, np.ndarray] | None:
    """The user's drawings when "Include my drawings" is ticked and there are some."""
    if not state.include_drawings():
        return None
    images, labels = collection.load_arrays()
    return (images, labels) if len(images) else None


def drawings_count() -> int:
    """How many drawings the user saved."""
    return len(collection.entries())
