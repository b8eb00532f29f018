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


class _Expired(BaseException):
    """Raised by the alarm. A BaseException so that no ``except Exception`` (or our own
    ``except InputError``) on the way can swallow it; turned into InputError at the edge."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`InputError` if the block runs longer than ``seconds`` (a hostile
    file must not hold a worker forever). Uses SIGALRM, so only in the main thread
    of a process (CLI, scan workers); elsewhere it is a no-op and the caller bounds
    time itself (the service answers 504)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    fired = False

    def expired(signum: int, frame: object) -> None:
        nonlocal fired
        if not fired:
            fired = True
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException:
        # Once the alarm fired, whatever came out of the block is void: the interruption
        # may have been caught and turned into something else (a C library's read error,
        # a "no manifest") on its way out, so the result cannot be trusted.
        if not fired:
            raise
    finally:
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise InputError(f"{what}: took longer than {seconds:g} s; refused")
