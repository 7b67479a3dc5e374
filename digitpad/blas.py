"""NumPy's matrix products in the calling thread alone, while a drawing or a number is read.

A few small images gain nothing from OpenBLAS's worker threads, and on a busy CPU the caller
waits for a worker to be scheduled: reading a 6-digit number from its strokes took 27-40 ms
(median) instead of 12 ms while the 2-core machine was shared. TensorFlow and OpenCV keep
their own threads.
"""

import functools

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    """The thread pools loaded in this process, found once."""
    return ThreadpoolController()


def one_thread():
    """A context in which NumPy's BLAS computes in the calling thread only."""
    return _controller().limit(limits=1, user_api="blas")
