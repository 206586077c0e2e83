"""A clock the test moves by hand: business hours flip when it is moved, not with time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass
class _Call:
    when: datetime
    callback: Callable[[], None]
    loop: asyncio.AbstractEventLoop
    cancelled: bool = False


class FakeClock:
    """`chats.ids.Clock` for tests: `now()` is what the test set; calls run when it passes them.

    The server runs on its own thread and loop: due calls are handed to that loop.
    """

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._calls: list[_Call] = []
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def call_at(self, when: datetime, callback: Callable[[], None]) -> Callable[[], None]:
        call = _Call(when, callback, asyncio.get_running_loop())
        with self._lock:
            self._calls.append(call)

        def cancel() -> None:
            call.cancelled = True

        return cancel

    def pending(self) -> list[datetime]:
        """The times of the calls booked and not yet run or cancelled, earliest first."""
        with self._lock:
            return sorted(c.when for c in self._calls if not c.cancelled)

    def move_to(self, moment: datetime) -> None:
        """Set the time; run (on their loops) the calls now due."""
        with self._lock:
            self._now = moment
            due = [c for c in self._calls if c.when <= moment and not c.cancelled]
            self._calls = [c for c in self._calls if c not in due and not c.cancelled]
        for call in due:
            call.loop.call_soon_threadsafe(call.callback)
