"""An append-only JSONL checkpoint: one line per finished image, resumable after a kill.

Only the coordinating process writes it, one ``write`` per line, flushed at once
and fsynced every few lines. A SIGKILL can cut the last line short; loading
drops that torn tail (and truncates the file to the last whole line) and keeps
the first row per path, so a resumed run has each image exactly once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.scan.item import ScanRow  # the row's type only: this module stays light

FSYNC_EVERY = 32


class Checkpoint:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._pending = 0

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
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps(row, separators=(",", ":")) + "\n")
        self._handle.flush()
        self._pending += 1
        if self._pending >= FSYNC_EVERY:
            os.fsync(self._handle.fileno())
            self._pending = 0

    def close(self) -> None:
        if self._handle is not None:
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
