"""Bounded work: at most ``max_concurrent`` images at once and at most ``budget`` bytes of
estimated memory in use, a bounded queue before that, a time limit per request.

A count alone does not bound memory: one 7000 x 7000 upload costs what a hundred small
ones do. Each piece of work declares its estimated cost (from the picture's declared
size, read from its header before anything decodes it) and waits, in arrival order,
until it fits the budget; one costing more than the whole budget runs alone. A burst
waits in line instead of exhausting memory; past the line it gets 503 at once. A slot
and its memory are freed when the work really ends, not when a timeout answered the
client, so the bounds hold."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from provenance.service.errors import Busy, Timeout

T = TypeVar("T")


class Gate:
    def __init__(self, concurrent: int, queue: int, timeout_s: float, budget: int | None = None) -> None:
        self.concurrent = concurrent
        self.queue = queue
        self.timeout_s = timeout_s
        self.budget = budget  # bytes of estimated memory in use at once; None: no memory bound
        self.waiting = 0
        self.in_use = 0  # estimated bytes of the work running now
        self._slots: asyncio.Semaphore | None = None
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    async def run(self, func: Callable[[], T], cost: int = 0) -> T:
        """Run ``func`` in a worker thread once a slot and ``cost`` bytes of the budget are free."""
        slots = self._slots = self._slots or asyncio.Semaphore(self.concurrent)
        if self.waiting >= self.queue:
            raise Busy("the service is at capacity; retry shortly", retry_after=2)
        cost = max(0, cost) if self.budget is None else min(max(0, cost), self.budget)
        self.waiting += 1
        try:
            await self._reserve(cost)
            try:
                await slots.acquire()
            except BaseException:
                self._release(cost)
                raise
        finally:
            self.waiting -= 1
        task = asyncio.ensure_future(run_in_threadpool(func))

        def done(_: object) -> None:
            slots.release()
            self._release(cost)

        task.add_done_callback(done)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout_s)
        except TimeoutError:
            raise Timeout(f"the work took longer than {self.timeout_s:g} s") from None

    def _fits(self, cost: int) -> bool:
        return self.budget is None or self.in_use + cost <= self.budget

    async def _reserve(self, cost: int) -> None:
        """Take ``cost`` bytes of the budget, waiting behind earlier arrivals (first come, first served)."""
        while self._waiters and self._waiters[0][1].cancelled():
            self._waiters.popleft()
        if not self._waiters and self._fits(cost):
            self.in_use += cost
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((cost, ticket))
        try:
            await ticket
        except asyncio.CancelledError:
            granted = ticket.done() and not ticket.cancelled()
            self._release(cost if granted else 0)  # hand on what it held; wake those behind it
            raise

    def _release(self, cost: int) -> None:
        self.in_use -= cost
        while self._waiters:
            want, ticket = self._waiters[0]
            if ticket.cancelled():
                self._waiters.popleft()
                continue
            if not self._fits(want):
                break
            self._waiters.popleft()
            self.in_use += want
            ticket.set_result(None)
