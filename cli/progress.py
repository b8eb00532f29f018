"""A progress bar with rate and ETA on a terminal; nothing extra when piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import click

T = TypeVar("T")


class Progress(Generic[T]):
    """Iterate to advance; :meth:`echo` prints a line without breaking the bar."""

    def __init__(self, items: Iterable[T], length: int, label: str, live: bool) -> None:
        self._items = items
        self._length = length
        self._label = label
        self._live = live
        self._start = time.monotonic()
        self._done = 0

    def __iter__(self) -> Iterator[T]:
        if not self._live:
            yield from self._items
            return
        bar_context: Any = click.progressbar(
            length=self._length,
            label=self._label,
            file=sys.stderr,
            show_eta=True,
            show_pos=True,
            item_show_func=lambda _: self._rate(),
        )
        with bar_context as bar:
            for item in self._items:
                self._done += 1
                bar.update(1, item)
                yield item

    def _rate(self) -> str:
        elapsed = time.monotonic() - self._start
        return f"{self._done / elapsed:.1f}/s" if elapsed > 0 and self._done else ""

    def echo(self, message: str, *, err: bool = False) -> None:
        if self._live:
            click.echo("\r\033[K", nl=False, err=True)
        click.echo(message, err=err)


@contextmanager
def progress_bar(items: Iterable[T], length: int, label: str, *, enabled: bool = True) -> Iterator[Progress[T]]:
    """A bar only when stderr is a terminal and ``enabled``."""
    yield Progress(items, length, label, enabled and sys.stderr.isatty())
