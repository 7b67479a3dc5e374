"""How many threads NumPy's matrix products and OpenCV use: one, the caller's.

A drawing's or a number's kernels are tiny: handing each to a pool of threads costs more than
the work, and on a busy CPU the caller waits for a pool's thread to be scheduled (reading a
6-digit number from its strokes took 27-40 ms instead of 12 ms while the 2-core machine was
shared). TensorFlow keeps its own threads.
"""

import functools

import cv2
import numpy as np  # noqa: F401  (loads OpenBLAS, so that its limit can be set)
import threadpoolctl


def single_threaded_kernels() -> None:
    """Make OpenBLAS (NumPy's matrix products) and OpenCV compute in the calling thread,
    process-wide: the app's server calls it once. Measured with one core busy: the CNN's
    NumPy forward pass took 4-12 ms with OpenBLAS's two threads and 0.2 ms with one.
    """
    threadpoolctl.threadpool_limits(1, user_api="blas")
    cv2.setNumThreads(1)


@functools.cache
def _controller() -> threadpoolctl.ThreadpoolController:
    """The thread pools loaded in this process, found once."""
    return threadpoolctl.ThreadpoolController()


def one_blas_thread():
    """A context in which NumPy's BLAS computes in the calling thread only (for the CLI and the
    benchmarks, whose processes keep their pools; the app limits them once for good)."""
    return _controller().limit(limits=1, user_api="blas")
