"""Writer folds of the pendigits file: tune on some writers, report on writers never seen.

A drawn-digit figure is honest only on writers the model did not train on and no decision
was tuned on. The 30 writers are split into five folds of six (a fixed shuffle, seed 2026,
written out so that it never changes). Folds 0-3 are for tuning and cross-validation;
REPORT_FOLD is looked at only to report a figure, never to choose anything.
"""

from collections.abc import Iterable

FOLDS = (
    (4, 17, 21, 22, 24, 27),
    (10, 13, 18, 19, 25, 29),
    (1, 2, 7, 12, 14, 26),
    (3, 9, 15, 16, 23, 28),
    (5, 6, 8, 11, 20, 30),
)
REPORT_FOLD = 4
TUNING_FOLDS = tuple(index for index in range(len(FOLDS)) if index != REPORT_FOLD)
ALL_WRITERS = tuple(sorted(writer for fold in FOLDS for writer in fold))


def fold_writers(fold: int) -> tuple[int, ...]:
    """The six writers of fold `fold` (0-4)."""
    if not 0 <= fold < len(FOLDS):
        raise ValueError(f"fold must be from 0 to {len(FOLDS) - 1}, got {fold!r}")
    return FOLDS[fold]


def report_writers() -> tuple[int, ...]:
    """The writers kept to report figures on: never trained on or tuned on in development."""
    return FOLDS[REPORT_FOLD]


def split_by_writer(digits: Iterable, held_out: Iterable[int]) -> tuple[list, list]:
    """Split pen digits into (others, held-out writers' digits); each has a `.writer`."""
    held = set(held_out)
    others, kept = [], []
    for digit in digits:
        (kept if digit.writer in held else others).append(digit)
    return others, kept
