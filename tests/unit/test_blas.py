"""NumPy's BLAS computes in the caller's thread while a number is read."""

import numpy as np
from threadpoolctl import threadpool_info

from digitpad import blas


def blas_threads() -> set[int]:
    """How many threads each loaded BLAS library may use now."""
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_one_thread_limits_blas_and_restores_it():
    before = blas_threads()
    with blas.one_thread():
        assert blas_threads() == {1}
        product = np.ones((64, 64)) @ np.ones((64, 64))
    assert blas_threads() == before
    assert product[0, 0] == 64
