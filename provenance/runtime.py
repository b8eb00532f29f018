"""Process-wide runtime settings for long-running workers (scan workers, the service)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from provenance.errors import InputError


def single_threaded() -> None:
    """One thread per worker for BLAS, OpenMP and OpenCV.

    Per-image work is small; their pools only spin. Measured on 1-megapixel
    verifies: 4.5 s of CPU for 2.4 s of wall time with the default pools,
    2.2 s for 2.1 s with one thread, so even a single process is faster, and
    parallel workers no longer fight over cores (benchmarks/results/scan.md).
    """
    import cv2
    import faiss  # noqa: F401 - loaded now so that its OpenMP pool is limited too
    import scipy.ndimage  # noqa: F401
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    threadpool_limits(limits=1)


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`InputError` if the block runs longer than ``seconds`` (a hostile
    file must not hold a worker forever). Uses SIGALRM, so only in the main thread
    of a process (CLI, scan workers); elsewhere it is a no-op and the caller bounds
    time itself (the service answers 504)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise InputError(f"{what}: took longer than {seconds:g} s; refused")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
