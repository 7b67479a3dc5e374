"""Every session-state key of the page, its accessors, and the one-shot (flash) messages."""

import dataclasses

import streamlit as st

# Widgets: the key of each is also how the tests find it.
MODEL_KEY = "model"
PEN_KEY = "pen_width"
CANVAS_KEY = "canvas"
TAB_KEY = "view"
NUMBER_KEY = "number_mode"
NUMBER_CANVAS_KEY = "number_canvas"
SALIENCY_KEY = "saliency"
PHOTO_KEY = "photo"
EPOCHS_KEY = "epochs"
BATCH_KEY = "batch_size"
RATE_KEY = "learning_rate"
AUGMENT_KEY = "augment"
INCLUDE_DRAWINGS_KEY = "include_drawings"
TRAIN_BUTTON_KEY = "train"
STOP_BUTTON_KEY = "stop"
TAB_TRAIN_KEY = "train_in_tab"  # the Train tab's own Train and Stop (the sidebar hides on phones)
TAB_STOP_KEY = "stop_in_tab"
RESTORE_BUTTON_KEY = "restore"
RESTORE_CONFIRM_BUTTON_KEY = "restore_confirmed"
RESTORE_CANCEL_KEY = "restore_cancel"
USE_NEW_KEY = "use_new_model"
KEEP_CURRENT_KEY = "keep_current_model"
CORRECTION_KEY = "correct"
DELETE_KEY = "delete"  # one button per drawing: f"{DELETE_KEY}_{entry id}"
IMPORT_KEY = "import"
DRAWINGS_KEY = "drawings"  # the "Your drawings" expander: stays open across reruns
UNDO_SAVE_KEY = "undo_save"
NUMBER_FIX_KEY = "number_fix"  # one digit picker per piece: f"{NUMBER_FIX_KEY}_{its box}"

# Values the page keeps between reruns.
TRAIN_ERROR_KEY = "train_error"
IMPORTED_KEY = "imported"  # the file id of the last imported zip: import it once
COLLECTION_CHANGED_KEY = "collection_changed"
RESTORE_ASKED_KEY = "restore_asked"  # the model whose Restore waits for a confirmation
DRAWINGS_OPEN_KEY = "drawings_open"  # whether "Your drawings" was last open
SAVED_CORRECTION_KEY = "saved_correction"  # the drawing last saved by a correction pill

# Flash messages: shown once, on the next rerun, then gone.
SIDEBAR_ERROR_KEY = "sidebar_error"
COLLECTION_MESSAGE_KEY = "collection_message"
COLLECTION_ERROR_KEY = "collection_error"
CHOICE_ERROR_KEY = "choice_error"  # why Use the new model / Keep the current one failed

DRAW_TAB, TRAIN_TAB = "Draw", "Train"


@dataclasses.dataclass(frozen=True)
class TrainingError:
    """Why the last Train press did not start a training."""

    message: str
    missing_data: bool


@dataclasses.dataclass(frozen=True)
class SavedCorrection:
    """The drawing a correction pill saved: which drawing, its entry and label, and the message."""

    fingerprint: str
    entry_id: str
    digit: int
    message: str


def flash(key: str, message: str) -> None:
    """Keep `message` to show once on the next rerun."""
    st.session_state[key] = message


def pop_flash(key: str) -> str | None:
    """The message kept under `key`, removed so that it shows only once."""
    return st.session_state.pop(key, None)


def delete_key(entry_id: str) -> str:
    """The key of the delete button of drawing `entry_id`."""
    return f"{DELETE_KEY}_{entry_id}"


def number_fix_key(box: tuple[int, int, int, int]) -> str:
    """The key of the digit picker of the piece of a number in `box`: a piece drawn anew
    (another box) starts uncorrected, the others keep their correction."""
    return f"{NUMBER_FIX_KEY}_{'_'.join(str(value) for value in box)}"


def number_fixes(boxes: tuple) -> list[int | None]:
    """The digit picked for each piece (by its box), or None where none was picked."""
    return [st.session_state.get(number_fix_key(box)) for box in boxes]


def chosen_model() -> str:
    """The model picked in the sidebar."""
    return st.session_state[MODEL_KEY]


def show_train_tab() -> None:
    """Open the Train tab on the next rerun."""
    st.session_state[TAB_KEY] = TRAIN_TAB


def training_error() -> TrainingError | None:
    """Why the last Train press failed, or None."""
    return st.session_state.get(TRAIN_ERROR_KEY)


def set_training_error(error: TrainingError | None) -> None:
    """Remember (or forget, with None) why the last Train press failed."""
    st.session_state[TRAIN_ERROR_KEY] = error


def settings_values() -> dict:
    """The training settings' widget values, by setting name."""
    return {
        "model_name": st.session_state[MODEL_KEY],
        "epochs": int(st.session_state[EPOCHS_KEY]),
        "batch_size": int(st.session_state[BATCH_KEY]),
        "learning_rate": float(st.session_state[RATE_KEY]),
        "augment": bool(st.session_state[AUGMENT_KEY]),
    }


def include_drawings() -> bool:
    """Whether "Include my drawings" is ticked."""
    return bool(st.session_state.get(INCLUDE_DRAWINGS_KEY))


def take_correction() -> int:
    """The digit of the correction pill just clicked; the pills are cleared for the next one."""
    digit = st.session_state[CORRECTION_KEY]
    st.session_state[CORRECTION_KEY] = None  # a pill, not a choice that stays selected
    return digit


def mark_collection_changed() -> None:
    """Rerun the whole page after this fragment: the gallery counts the new drawing."""
    st.session_state[COLLECTION_CHANGED_KEY] = True


def collection_changed() -> bool:
    """Whether a drawing was saved since the last check (the mark is cleared)."""
    return st.session_state.pop(COLLECTION_CHANGED_KEY, False)


def first_import_of(file_id: str) -> bool:
    """True the first time a given uploaded zip is seen (a rerun keeps the file)."""
    if st.session_state.get(IMPORTED_KEY) == file_id:
        return False
    st.session_state[IMPORTED_KEY] = file_id
    return True


def restore_asked() -> str | None:
    """The model whose Restore button was pressed and waits for Delete or Cancel, or None."""
    return st.session_state.get(RESTORE_ASKED_KEY)


def set_restore_asked(name: str | None) -> None:
    """Ask (with a model name) or stop asking (None) to confirm a Restore."""
    st.session_state[RESTORE_ASKED_KEY] = name


def keep_value(key: str) -> None:
    """Keep a widget's value through the reruns that do not show it (e.g. a cleared canvas)."""
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def saved_correction() -> SavedCorrection | None:
    """The drawing the correction pills saved last, or None."""
    return st.session_state.get(SAVED_CORRECTION_KEY)


def set_saved_correction(saved: SavedCorrection | None) -> None:
    """Remember (or forget, with None) the drawing the correction pills saved last."""
    st.session_state[SAVED_CORRECTION_KEY] = saved


def remember_drawings_open() -> None:
    """The "Your drawings" expander was opened or closed: remember which."""
    st.session_state[DRAWINGS_OPEN_KEY] = bool(st.session_state.get(DRAWINGS_KEY))


def drawings_open() -> bool:
    """Whether "Your drawings" was open when last seen."""
    return bool(st.session_state.get(DRAWINGS_OPEN_KEY))
