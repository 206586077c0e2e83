"""A background sweep every process runs: once at start, then every `interval` seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

log = logging.getLogger(__name__)

HOURLY = 3600.0


class Sweep(ABC):
    """Runs `run_once` now and then every `interval` seconds until stopped.

    A round that fails is logged and the next one comes all the same. Several processes
    may sweep at once: each `run_once` must be safe with that (short transactions,
    guarded deletes).
    """

    name = "sweep"

    def __init__(self, interval: float = HOURLY) -> None:
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def run_once(self) -> object:
        """One round now; what it did (for logs and tests)."""

    def start(self) -> None:
        """Sweep now and then every `interval` seconds, in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        """End the loop (a round in progress is cancelled; its batches already committed)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("%s failed", self.name)
            await asyncio.sleep(self._interval)
