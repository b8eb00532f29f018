"""Bounded work: at most ``max_concurrent`` images at once, a bounded queue before
that, a time limit per request. A burst waits in line instead of exhausting
memory; past the line it gets 503 at once. A slot is freed when the work really
ends, not when a timeout answered the client, so the bound holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from provenance.service.errors import Busy, Timeout

T = TypeVar("T")


class Gate:
    def __init__(self, concurrent: int, queue: int, timeout_s: float) -> None:
        self.concurrent = concurrent
        self.queue = queue
        self.timeout_s = timeout_s
        self.waiting = 0
        self._slots: asyncio.Semaphore | None = None

    async def run(self, func: Callable[[], T]) -> T:
        slots = self._slots = self._slots or asyncio.Semaphore(self.concurrent)
        if self.waiting >= self.queue:
            raise Busy("the service is at capacity; retry shortly", retry_after=2)
        self.waiting += 1
        try:
            await slots.acquire()
        finally:
            self.waiting -= 1
        task = asyncio.ensure_future(run_in_threadpool(func))
        task.add_done_callback(lambda _: slots.release())
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout_s)
        except TimeoutError:
            raise Timeout(f"the work took longer than {self.timeout_s:g} s") from None
