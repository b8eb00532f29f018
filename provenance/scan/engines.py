"""Engines run :class:`~provenance.scan.item.Verifier` over many paths.

``local``: in this process for one job, else a process pool (forkserver: no
fork of a process holding threads) fed a bounded window of paths, so memory
stays flat whatever the archive size. Workers import this package the way the
parent did, never from the current folder (see :func:`_pool_context`). ``ray``: the same function through Ray
Data (``from_items`` -> ``map_batches`` with a stateful verifier per worker ->
streamed back), joining ``--ray-address`` or starting a local Ray. Results come
back in completion order; the caller checkpoints and orders them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import re
import site
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from provenance.errors import MissingExtraError, UsageError
from provenance.scan.item import ItemOptions, ScanRow, Verifier

_WINDOW_PER_JOB = 8
_RAY_BATCH = 8
_WORKER: dict[str, Verifier] = {}  # this process's verifier, set once by the pool's initializer


def _init_worker(options: ItemOptions) -> None:
    _WORKER["verifier"] = Verifier(options)


def _verify_in_worker(path: str) -> ScanRow:
    return _WORKER["verifier"](path)


def run_local(paths: list[str], options: ItemOptions, jobs: int) -> Iterator[ScanRow]:
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    if jobs == 1 or len(paths) <= 1:
        verifier = Verifier(options)
        for path in paths:
            yield verifier(path)
        return
    context = _pool_context()
    pending = iter(paths)
    window = jobs * _WINDOW_PER_JOB
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(options,)) as pool:
        running: set[Future[ScanRow]] = set()
        try:
            for path in pending:
                running.add(pool.submit(_verify_in_worker, path))
                if len(running) >= window:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in done)
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        except BaseException:
            for future in running:
                future.cancel()
            raise


def _pool_context() -> multiprocessing.context.BaseContext:
    """A forkserver context that preloads nothing of ours.

    The forkserver starts as ``python -c``, so its ``sys.path`` begins with the
    current folder, and Python before 3.12.8 / 3.13.1 drops the parent's
    ``sys.path`` it was handed (CPython gh-117378). A preloaded ``provenance``
    would then come from the current folder: run from the parent of a clone, the
    clone's folder is a namespace package that shadows the installed one and
    every worker failed with ImportError. Unpreloaded, each worker takes the
    parent's ``sys.path`` before it imports anything of ours (about 0.7 s of
    imports per worker, once).
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([])
    return context


# A row a worker makes from a path: JSON-able (it travels back from Ray as JSON text).
RowT = TypeVar("RowT")


def _ray_udf(make_worker: Callable[[], Callable[[str], object]]) -> type:
    """A Ray Data batch UDF class: one worker per actor (built once), rows back as JSON
    text. The factory rides in the class itself (small), not as object-store arguments."""

    class PathWorker:
        def __init__(self) -> None:
            self.work = make_worker()

        def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:  # Ray Data's batch: its numpy arrays
            return {"row": [json.dumps(self.work(str(path))) for path in batch["path"]]}

    return PathWorker


def run_ray(paths: list[str], options: ItemOptions, jobs: int, address: str | None) -> Iterator[ScanRow]:
    """Verify ``paths`` on Ray."""
    return ray_map(paths, partial(Verifier, options), jobs, address)


def ray_map(
    paths: list[str], make_worker: Callable[[], Callable[[str], RowT]], jobs: int, address: str | None
) -> Iterator[RowT]:
    """Run ``make_worker()`` (once per Ray actor) over ``paths`` with Ray Data; rows as they finish."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise MissingExtraError("The Ray engine", "ray") from None
    if not paths:
        return
    started = _ray_init(ray, jobs, address)
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        blocks = min(len(paths), max(jobs, min(len(paths) // _RAY_BATCH, jobs * 16)))
        dataset = ray.data.from_items([{"path": p} for p in paths], override_num_blocks=blocks)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "fewer inputs than actors" on tiny scans
            verified = dataset.map_batches(
                _ray_udf(make_worker),
                batch_size=_RAY_BATCH,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=jobs),
                num_cpus=1,
            )
        for row in verified.iter_rows():
            found: RowT = json.loads(row["row"])  # what make_worker's worker returned, as JSON
            yield found
    finally:
        if started:
            ray.shutdown()


def _ray_init(ray: Any, jobs: int, address: str | None) -> bool:
    """Join ``address`` or start a local Ray with ``jobs`` CPUs; whether we started it.

    A local Ray registers and listens on 127.0.0.1 only, dashboard off: a scan on a
    reporter's laptop opens no port to the network. Without ``address`` it is always
    a new local instance (``address="local"``), never a cluster found some other way."""
    if ray.is_initialized():
        return False
    # Ray's C++ core logs internal notes to stderr; a scan's stderr is for its own progress.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    kwargs: dict[str, object] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": "ERROR",
        "configure_logging": True,
    }
    if address:
        kwargs["address"] = address
    else:
        kwargs.update(address="local", num_cpus=jobs, _node_ip_address="127.0.0.1")
        if path := _import_path():
            kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
    try:
        with _without_ray_notes():
            ray.init(**kwargs)
    except Exception as exc:  # noqa: BLE001 - Ray raises its own roots; one line either way
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise UsageError(f"could not start or join {where} ({_cause(exc)})", hint=_hint(exc)) from None
    return True


# the one note Ray's C++ core writes to stderr whatever its log level: that it read the level
_RAY_NOTE = re.compile(rb"logging\.cc:\d+: Set ray log level from environment variable")


@contextlib.contextmanager
def _without_ray_notes() -> Iterator[None]:
    """Stderr (the file descriptor: Ray's core writes past Python) kept aside while Ray starts,
    then written back without Ray's own note on its log level (a walkthrough saw it before the
    scan's progress); anything else it wrote, an error's cause included, is passed on."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as aside:
        os.dup2(aside.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            aside.seek(0)
            kept = b"".join(line for line in aside.readlines() if not _RAY_NOTE.search(line))
            if kept:
                os.write(2, kept)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _cause(exc: BaseException) -> str:
    """The first line of the error, and the innermost cause's type and words when
    they differ (an InvalidAuthToken under a "Failed to connect")."""

    def line(e: BaseException) -> str:
        text = str(e).strip()
        return text.splitlines()[0] if text else type(e).__name__

    chain = _chain(exc)
    inner = chain[-1]
    if inner is exc:
        return line(exc)
    return f"{line(exc)}; caused by {type(inner).__name__}: {line(inner)}"


def _hint(exc: BaseException) -> str | None:
    words = " ".join(f"{type(e).__name__} {e}" for e in _chain(exc)).lower()
    if "authtoken" in words or "auth token" in words or "unauthenticated" in words or "authentication" in words:
        return (
            "The cluster requires token authentication: set RAY_AUTH_TOKEN (or its token file) as the cluster expects."
        )
    return None


def _import_path() -> str | None:
    """PYTHONPATH for local Ray workers when this package is not in site-packages.

    Ray puts the driver's current folder first on its workers' ``sys.path``; run
    from the parent of a clone, that folder's ``provenance`` (a namespace package)
    shadowed an editable install and the workers failed with ImportError. Naming
    the folder this package came from lets Python find the real package first.
    """
    root = str(Path(__file__).resolve().parents[2])
    if root in {str(Path(p).resolve()) for p in [*site.getsitepackages(), site.getusersitepackages()]}:
        return None
    return os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
