"""Process-wide runtime settings for long-running workers (scan workers, the service)."""

from __future__ import annotations


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
