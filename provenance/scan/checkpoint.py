"""An append-only JSONL checkpoint: one line per finished image, resumable after a kill.

Only the coordinating process writes it, one ``write`` per line, flushed at once
and fsynced every few lines. A SIGKILL can cut the last line short; loading
drops that torn tail (and truncates the file to the last whole line) and keeps
the first row per path, so a resumed run has each image exactly once.

One scan at a time: a scan holds an exclusive lock (``flock``) on its checkpoint while it
writes, so a second scan of the same report, resumed or forced, is refused instead of
appending the same images beside it or deleting the file under it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from provenance.errors import InputError, UsageError

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from provenance.scan.item import ScanRow  # the row's type only: this module stays light

FSYNC_EVERY = 32


class Checkpoint:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None
        self._pending = 0

    def check_free(self) -> None:
        """Raise :class:`UsageError` now if another scan holds the checkpoint (before a scan plans
        its work; :meth:`claim` takes the lock when it starts writing)."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read the checkpoint ({exc.strerror})") from None
        with handle:
            if not _lock(handle):
                raise _busy(self.path)

    def claim(self, *, start_over: bool) -> None:
        """Open and lock the checkpoint for this scan (``start_over``: empty it first).

        Raises :class:`UsageError` when another scan holds it."""
        for _ in range(3):
            try:
                handle = self.path.open("ab")
            except OSError as exc:
                raise InputError(f"{self.path}: cannot write the checkpoint ({exc.strerror})") from None
            if not _lock(handle):
                handle.close()
                raise _busy(self.path)
            if _same_file(handle, self.path):
                if start_over:
                    handle.truncate(0)
                self._handle = handle
                return
            handle.close()  # the scan that held it finished and removed it meanwhile: open the new one
        raise UsageError(f"{self.path}: the checkpoint keeps changing under this scan")

    def load(self) -> dict[str, ScanRow]:
        """Rows already done, by path; repairs a torn last line."""
        if not self.path.exists():
            return {}
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read the checkpoint ({exc})") from None
        whole = data[: data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(len(whole))
        rows: dict[str, ScanRow] = {}
        for line in whole.decode("utf-8", errors="replace").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("path"), str):
                rows.setdefault(row["path"], cast("ScanRow", row))  # a row this class wrote
        return rows

    def append(self, row: ScanRow) -> None:
        if self._handle is None:
            self.claim(start_over=False)
        assert self._handle is not None
        self._handle.write((json.dumps(row, separators=(",", ":")) + "\n").encode("utf-8"))
        self._handle.flush()
        self._pending += 1
        if self._pending >= FSYNC_EVERY:
            os.fsync(self._handle.fileno())
            self._pending = 0

    def close(self) -> None:
        """Sync and unlock; a checkpoint that holds nothing is not left behind."""
        if self._handle is not None:
            os.fsync(self._handle.fileno())
            if os.fstat(self._handle.fileno()).st_size == 0:
                self.path.unlink(missing_ok=True)
            self._handle.close()
            self._handle = None

    def remove(self) -> None:
        """Delete the checkpoint its report supersedes, unless another scan has taken it over."""
        self.close()
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            if _lock(handle) and _same_file(handle, self.path):
                self.path.unlink(missing_ok=True)


def _busy(path: Path) -> UsageError:
    return UsageError(
        f"{path}: another scan is writing this checkpoint now",
        hint="Let it finish (or stop it), or give this scan another --report or --checkpoint.",
    )


def _lock(handle: IO[bytes]) -> bool:
    """An exclusive lock on ``handle``'s file, without waiting; False when another holds it."""
    if sys.platform == "win32":  # no flock: unlocked, as before
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(handle: IO[bytes], path: Path) -> bool:
    """Whether ``path`` still names the file ``handle`` has open (not removed or replaced since)."""
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except FileNotFoundError:
        return False
