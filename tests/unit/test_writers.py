import pytest

from digitpad import pendigits, writers


def test_the_folds_cover_every_writer_once():
    assert tuple(range(1, 31)) == writers.ALL_WRITERS
    assert all(len(fold) == 6 for fold in writers.FOLDS)
    assert writers.REPORT_FOLD not in writers.TUNING_FOLDS
    assert len(writers.TUNING_FOLDS) == len(writers.FOLDS) - 1


def test_a_fold_outside_the_range_is_refused():
    with pytest.raises(ValueError, match="fold must be from 0 to 4"):
        writers.fold_writers(5)


def test_split_by_writer_keeps_each_writer_on_one_side(pendigits_path):
    digits = pendigits.load_pendigits(pendigits_path)
    others, held = writers.split_by_writer(digits, writers.report_writers())
    assert len(others) + len(held) == len(digits)
    assert {digit.writer for digit in held} == set(writers.report_writers())
    assert not {digit.writer for digit in others} & set(writers.report_writers())
