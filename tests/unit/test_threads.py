"""The numeric kernels run in the caller's thread once `single_threaded_kernels` is called."""

import cv2
import numpy as np
import pytest
import threadpoolctl

from digitpad import threads


@pytest.fixture
def restored_thread_counts():
    """Put OpenBLAS's and OpenCV's thread counts back as they were after the test."""
    blas = threadpoolctl.threadpool_info()
    opencv = cv2.getNumThreads()
    yield
    threadpoolctl.threadpool_limits({info["prefix"]: info["num_threads"] for info in blas})
    cv2.setNumThreads(opencv)


def blas_thread_counts() -> list[int]:
    """The thread count of every BLAS library loaded (NumPy's OpenBLAS among them)."""
    return [info["num_threads"] for info in threadpoolctl.threadpool_info()
            if info["user_api"] == "blas"]  # fmt: skip


def test_numpy_and_opencv_use_one_thread(restored_thread_counts):
    threads.single_threaded_kernels()
    assert blas_thread_counts() and set(blas_thread_counts()) == {1}
    assert cv2.getNumThreads() == 1


def test_results_are_the_same_with_one_thread(restored_thread_counts):
    rng = np.random.default_rng(0)
    left, right = rng.random((300, 300), np.float32), rng.random((300, 64), np.float32)
    before = left @ right
    threads.single_threaded_kernels()
    np.testing.assert_allclose(left @ right, before, rtol=1e-5)


def test_one_blas_thread_limits_blas_for_a_while_and_restores_it():
    before = blas_thread_counts()
    with threads.one_blas_thread():
        assert set(blas_thread_counts()) == {1}
        product = np.ones((64, 64)) @ np.ones((64, 64))
    assert blas_thread_counts() == before
    assert product[0, 0] == 64
