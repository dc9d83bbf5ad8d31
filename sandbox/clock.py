"""Clocks that also run scheduled work: virtual (tests) and real (demo).

Both offer the same interface:
- ``now()``: the current time as an aware UTC ``datetime`` (task dates,
  activity log times);
- ``call_later(delay, fn, name)``: run ``fn()`` after ``delay`` seconds, returns a
  handle with ``cancel()``;
- ``close()``.

``VirtualClock`` never waits: ``advance(seconds)`` moves time forward and runs,
on the caller's thread, every piece of work that falls due, in time order
(ties in the order they were scheduled), including work scheduled by work
that ran.  ``RealClock`` runs work on one worker thread at wall-clock times.
"""
from __future__ import annotations

import datetime
import heapq
import itertools
import logging
import threading
import time

log = logging.getLogger("sandbox.clock")

UTC = datetime.timezone.utc


class Handle:
    def __init__(self, due: float, seq: int, fn, name: str):
        self.due = due
        self.seq = seq
        self.fn = fn
        self.name = name
        self.cancelled = False
        self.done = False

    def cancel(self):
        self.cancelled = True

    def __lt__(self, other):
        return (self.due, self.seq) < (other.due, other.seq)

    def __repr__(self):
        state = "cancelled" if self.cancelled else "done" if self.done else "pending"
        return "<%s at %.3f %s>" % (self.name, self.due, state)


def _run(handle: Handle):
    handle.done = True
    try:
        handle.fn()
    except Exception:  # one failing job must not stop the clock
        log.exception("scheduled work %s failed", handle.name)


class VirtualClock:
    """Time that moves only when ``advance`` is called."""

    def __init__(self, start: datetime.datetime | None = None):
        self._start = start or datetime.datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
        self._seconds = 0.0
        self._queue: list[Handle] = []
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._advancing = False

    def now(self) -> datetime.datetime:
        return self._start + datetime.timedelta(seconds=self._seconds)

    def monotonic(self) -> float:
        return self._seconds

    def call_later(self, delay: float, fn, name: str = "work") -> Handle:
        if delay < 0:
            raise ValueError("negative delay")
        with self._lock:
            handle = Handle(self._seconds + delay, next(self._seq), fn, name)
            heapq.heappush(self._queue, handle)
            return handle

    def pending(self) -> list[Handle]:
        with self._lock:
            return sorted(h for h in self._queue if not h.cancelled)

    def next_due(self) -> float | None:
        """Seconds until the next pending work, or None."""
        pending = self.pending()
        return None if not pending else max(0.0, pending[0].due - self._seconds)

    def advance(self, seconds: float = 0.0) -> int:
        """Move time forward by ``seconds``, running due work. Returns how many ran."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        if self._advancing:
            raise RuntimeError("advance() called from scheduled work")
        target = self._seconds + seconds
        ran = 0
        self._advancing = True
        try:
            while True:
                with self._lock:
                    while self._queue and self._queue[0].cancelled:
                        heapq.heappop(self._queue)
                    if not self._queue or self._queue[0].due > target:
                        break
                    handle = heapq.heappop(self._queue)
                    self._seconds = max(self._seconds, handle.due)
                _run(handle)
                ran += 1
            self._seconds = target
        finally:
            self._advancing = False
        return ran

    def run_due(self) -> int:
        """Run what is due now (``advance(0)``)."""
        return self.advance(0)

    def close(self):
        with self._lock:
            for handle in self._queue:
                handle.cancel()
            self._queue.clear()


class RealClock:
    """Wall-clock time; scheduled work runs on one daemon worker thread."""

    def __init__(self):
        self._queue: list[Handle] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="sandbox-scheduler", daemon=True)
        self._thread.start()

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, fn, name: str = "work") -> Handle:
        if delay < 0:
            raise ValueError("negative delay")
        with self._cond:
            if self._closed:
                raise RuntimeError("clock is closed")
            handle = Handle(time.monotonic() + delay, next(self._seq), fn, name)
            heapq.heappush(self._queue, handle)
            self._cond.notify_all()
            return handle

    def pending(self) -> list[Handle]:
        with self._cond:
            return sorted(h for h in self._queue if not h.cancelled)

    def _loop(self):
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    while self._queue and self._queue[0].cancelled:
                        heapq.heappop(self._queue)
                    if self._queue:
                        wait = self._queue[0].due - time.monotonic()
                        if wait <= 0:
                            handle = heapq.heappop(self._queue)
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
            _run(handle)

    def close(self, timeout: float = 30.0):
        with self._cond:
            self._closed = True
            for handle in self._queue:
                handle.cancel()
            self._queue.clear()
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
