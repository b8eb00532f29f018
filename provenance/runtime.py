"""Process-wide runtime settings for long-running workers (scan workers, the service)."""

from __future__ import annotations

import io
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    threadpool_limits(limits=1)


def one_blas_thread() -> None:
    """numpy's OpenBLAS with one thread, unless the environment already chose: to be called
    before numpy is imported. A picture's matrix products are small; OpenBLAS's pool only
    spins beside them (a verify of a 1 MP photo: 0.62 s of CPU for 0.47 s of wall time on 2
    cores; with one thread 0.43 s for 0.44 s). The CLI calls this; torch, which generation
    uses, keeps its own threads."""
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Let glibc reuse the memory of freed picture-sized arrays instead of returning it.

    By default glibc serves every allocation over 32 MB with a fresh ``mmap`` and returns
    it on free, so each float plane of a large picture is faulted in page by page again;
    on virtual machines that costs about 10 ms per MB (a stamp of an 8 MP photo spent 1 to
    2 s in the kernel for 1 s of work; tuned, 0.02 s). Raising the mmap and trim
    thresholds to 1 GB keeps freed memory in the heap for the next plane. The peak is
    unchanged; the process keeps its high-water mark until it exits. The CLI, the service
    and scan workers call this; a library user decides for their own process. Returns
    whether it applied (glibc only; elsewhere nothing changes)."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols (no ldconfig subprocess)
    except (OSError, AttributeError):
        return False  # not glibc (musl has no mallopt)
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES) and mallopt(_M_TRIM_THRESHOLD, 2 * _KEEP_BYTES))


class _Expired(BaseException):
    """Raised by the alarm. A BaseException so that no ``except Exception`` (or our own
    ``except InputError``) on the way can swallow it; turned into InputError at the edge."""


class _Alarm:
    """The main thread's alarm state, shared by :func:`time_limit` and :func:`foreign_calls`."""

    armed = False  # a time limit is running
    deferred = False  # it went off inside foreign code and is raised when that returns
    foreign = 0  # depth of foreign_calls in the main thread


@contextmanager
def foreign_calls() -> Iterator[None]:
    """Hold the time limit's alarm while a C library that calls back into Python runs.

    c2pa-python reads its streams through ctypes callbacks. An exception raised inside one
    cannot travel through the Rust frames: ctypes prints it and hands Rust an undefined
    return value, which can abort the whole process (the likely end of a CI run; 34 of 400 verifies
    under a 0.5-60 ms limit had the alarm land in a callback). Inside this block the alarm
    only marks itself, streams made by :func:`interruptible` fail their next read (an error
    the library reports cleanly), and the limit is raised once the library has returned.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Alarm.foreign += 1
    try:
        yield
    finally:
        _Alarm.foreign -= 1
    if _Alarm.foreign == 0 and _Alarm.deferred:
        _Alarm.deferred = False
        raise _Expired


class _Interruptible(io.BytesIO):
    """Bytes for a foreign reader that stop reading once a deferred alarm is pending."""

    def readinto(self, buffer: Any, /) -> int:
        self._check()
        return super().readinto(buffer)

    def read(self, size: int | None = -1, /) -> bytes:
        self._check()
        return super().read(size)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        self._check()
        return super().seek(offset, whence)

    @staticmethod
    def _check() -> None:
        if _Alarm.deferred:
            raise OSError("time limit reached")  # an ordinary error: the library's callback catches it


def interruptible(data: bytes) -> io.BytesIO:
    """``data`` as a stream for a library run under :func:`foreign_calls`: once the time limit
    has gone off, its reads fail, so a library stuck reading cannot outlast the limit."""
    return _Interruptible(data)


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`InputError` if the block runs longer than ``seconds`` (a hostile
    file must not hold a worker forever). Uses SIGALRM, so only in the main thread
    of a process (CLI, scan workers); elsewhere it is a no-op and the caller bounds
    time itself (the service answers 504). Foreign code that calls back into Python runs
    under :func:`foreign_calls`, where the alarm waits for it to return."""
    if (
        seconds <= 0
        or _Alarm.armed
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "SIGALRM")
    ):
        yield
        return

    fired = False

    def expired(signum: int, frame: object) -> None:
        nonlocal fired
        if fired:
            return
        fired = True
        if _Alarm.foreign:
            _Alarm.deferred = True
        else:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expired)
    _Alarm.armed, _Alarm.deferred = True, False
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            _Alarm.armed, _Alarm.deferred = False, False
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
