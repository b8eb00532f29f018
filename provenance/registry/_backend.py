"""The two databases behind one small interface: SQLite (default) and PostgreSQL.

SQL is written once with ``?`` placeholders; the PostgreSQL connection rewrites them
to psycopg's ``%s``. Each backend knows how to run a transaction.

Every error of a database driver (sqlite3, psycopg) or of the file system under it
becomes a :class:`RegistryError` here, in :meth:`Backend.translated` and nowhere
else: a read-only file, a full disk, a lock held too long or a corrupt page is one
line that says so (exit 2), never a crash reported as a bug (exit 5).
"""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from provenance.errors import RegistryError

Row = tuple[Any, ...]


class Backend:
    """A connection that runs ``?``-style SQL and transactions; its driver's errors
    come out as :class:`RegistryError` (:meth:`translated`)."""

    dialect: str
    location: str
    folder: Path | None = None  # where a SQLite file lives (to tell a full disk from other I/O errors)
    driver_errors: tuple[type[BaseException], ...] = (OSError,)

    @contextmanager
    def translated(self) -> Iterator[None]:
        """The one place where driver and file-system errors become RegistryError."""
        try:
            yield
        except RegistryError:
            raise
        except self.driver_errors as exc:
            if isinstance(exc, OSError) and exc.filename and not self._ours(str(exc.filename)):
                raise  # another file (a stamp's output in a read-only folder): not the registry's fault
            raise registry_error(self.location, exc, self.folder) from exc

    def _ours(self, filename: str) -> bool:
        """Whether a file an OSError names is the registry's own (its database, journal, indexes)."""
        folder = getattr(self, "folder", None)
        return folder is None or Path(filename).resolve().is_relative_to(Path(folder).resolve())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.translated():
            return self._execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.translated():
            self._executemany(sql, rows)

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        with self.translated():
            yield from self._iterate(sql, params)

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Many rows at once (inside a transaction): INSERTs here, COPY on PostgreSQL."""
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: committed at the end, rolled back on any exception."""
        with self.translated(), self._transaction():
            yield

    def script(self, sql: str) -> None:
        for statement in filter(str.strip, sql.split(";")):
            self.execute(statement)

    def has_table(self, name: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        with self.translated():
            self._close()

    # what each driver implements
    def _execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _iterate(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class SQLiteBackend(Backend):
    dialect = "sqlite"
    driver_errors = (sqlite3.Error, OSError)

    def __init__(self, path: Path, *, readonly: bool) -> None:
        self.path = path
        self.location = str(path)
        self.folder = path.parent
        with self.translated():
            self._conn = self._connect(readonly)

    def _connect(self, readonly: bool) -> sqlite3.Connection:
        if readonly:
            conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
            try:
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            except sqlite3.OperationalError:
                # A WAL database on read-only media: its shared-memory file cannot be
                # made, and nothing can write there either, so read it as immutable.
                conn.close()
                conn = sqlite3.connect(f"{self.path.as_uri()}?immutable=1", uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return [tuple(r) for r in self._conn.execute(sql, tuple(params)).fetchall()]

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, (tuple(r) for r in rows))

    def _iterate(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        yield from self._conn.execute(sql, tuple(params))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:  # SQLite may have rolled back already (disk full)
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def has_table(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def _close(self) -> None:
        self._conn.close()


_PLACEHOLDER = re.compile(r"\?")


class PostgresBackend(Backend):
    dialect = "postgresql"

    def __init__(self, url: str, *, readonly: bool) -> None:
        try:
            import psycopg
        except ImportError:
            raise RegistryError(
                "PostgreSQL registries need psycopg", hint="pip install 'provenance[postgresql]'"
            ) from None
        self.location = redact(url)
        self.driver_errors = (psycopg.Error, OSError)
        with self.translated():
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
            if readonly:
                self._conn.execute("SET default_transaction_read_only = on")

    def _sql(self, sql: str) -> str:
        return _PLACEHOLDER.sub("%s", sql)

    def _execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        cur = self._conn.execute(self._sql(sql), tuple(params))
        return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """COPY: an order of magnitude faster than INSERTs for bulk registration."""
        with (
            self.translated(),
            self._conn.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(tuple(row))

    def _iterate(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        with self._conn.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            while batch := cur.fetchmany(50_000):
                yield from (tuple(r) for r in batch)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._conn.transaction():
            yield

    def has_table(self, name: str) -> bool:
        return self.execute("SELECT to_regclass(?)", (name,))[0][0] is not None

    def _close(self) -> None:
        self._conn.close()


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password, for messages and index names."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


_CAUSES = (  # (words in the driver's message, what it means, what to do)
    (("readonly database", "read-only", "read only", "permission denied"), "the registry is read-only",
     "Make the file and its folder writable, or point --registry at a writable copy."),
    (("disk is full", "no space left", "disk full"), "the disk is full",
     "Free some space; nothing was half-written (each write is one transaction)."),
    (("database is locked", "database table is locked", "lock timeout"), "the registry is locked by another process",
     "Wait for the other writer to finish and try again."),
    (("malformed", "not a database", "file is encrypted"), "the registry file is damaged",
     "Restore it from a backup; provenance registry check says what is wrong."),
    (("unable to open database",), "the registry file cannot be opened",
     "Check that its folder exists and is readable."),
)  # fmt: skip


_NEARLY_FULL = 4 * 1024 * 1024


def registry_error(location: str, exc: BaseException, folder: Path | None = None) -> RegistryError:
    """A driver or file-system error as one line: what it means, the driver's words, a hint.
    SQLite reports a full disk under its shared-memory file as a plain "disk I/O error":
    the free space of ``folder`` tells that case apart."""
    detail = _first_line(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        detail = "no space left on device"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        detail = "read-only file system"
    if "disk i/o error" in detail.lower() and folder is not None and _free_bytes(folder) < _NEARLY_FULL:
        detail = f"{detail}; no space left on device"
    lowered = detail.lower()
    for words, meaning, hint in _CAUSES:
        if any(word in lowered for word in words):
            return RegistryError(f"{location}: {meaning} ({detail})", hint=hint)
    return RegistryError(f"{location}: registry error ({detail})")


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return _NEARLY_FULL


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
