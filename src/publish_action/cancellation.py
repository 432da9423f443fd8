"""Stopping a run early: a signal (SIGINT, SIGTERM) or the run's deadline.

One `Cancellation` per run. Whoever stops the run calls `request(...)`; whoever does work asks
`is_set()` before starting something new. Work already in flight gets a grace period, then the
callbacks registered with `on_abort` cut it short (the HTTP layer shuts its sockets down), so a
cancelled run ends within seconds and still writes its report.

Why a grace period: GitHub sends SIGINT when a run is cancelled, then SIGTERM 7.5 s later, then
kills the process 2.5 s after that; `docker stop` sends SIGTERM and kills 10 s later. An upload
that finishes within the grace period is one fewer file left in doubt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Reason(Enum):
    """Why the run stopped early; each has its exit code (see errors.ExitCode)."""

    SIGINT = "interrupted (SIGINT: the run was cancelled, or Ctrl-C)"
    SIGTERM = "terminated (SIGTERM: the job or container is being stopped)"
    DEADLINE = "the run's deadline passed"


# Seconds in-flight transfers may go on after the stop was asked for.
GRACE = {Reason.SIGINT: 5.0, Reason.SIGTERM: 1.0, Reason.DEADLINE: 0.0}


class Stopped(Exception):
    """Raised where work notices the run was stopped (a signal, the deadline).

    Not an error of the work itself: nothing is wrong with the server, and nothing may be
    retried.
    """

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Stop:
    reason: Reason
    at: float  # time.monotonic() when it was asked for


class Cancellation:
    def __init__(self) -> None:
        self._stop: Stop | None = None
        self._requested = threading.Event()
        self._aborted = threading.Event()
        self._lock = threading.Lock()
        self._on_abort: list[Callable[[Reason], None]] = []
        self._timer: threading.Timer | None = None

    @property
    def stop(self) -> Stop | None:
        return self._stop

    def is_set(self) -> bool:
        return self._stop is not None

    @property
    def aborted(self) -> bool:
        """True once in-flight work has been told to stop (the grace period is over)."""
        return self._aborted.is_set()

    def on_abort(self, callback: Callable[[Reason], None]) -> None:
        with self._lock:
            self._on_abort.append(callback)
            already = self._stop if self._aborted.is_set() else None
        if already is not None:
            callback(already.reason)

    def request(self, reason: Reason) -> None:
        """Stop starting new work now; abort in-flight work after the grace period.

        Safe to call from a signal handler: it only sets state and starts a timer. A second
        request (a second Ctrl-C, or SIGTERM after SIGINT) aborts at once.
        """
        with self._lock:
            first = self._stop is None
            if first:
                self._stop = Stop(reason, time.monotonic())
                self._requested.set()
        if not first or GRACE[reason] <= 0:
            self._abort()
            return
        timer = threading.Timer(GRACE[reason], self._abort)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def raise_if_set(self) -> None:
        if self._stop is not None:
            raise Stopped(self._stop.reason)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when the run was stopped meanwhile (then at once)."""
        return self._requested.wait(seconds)

    def _abort(self) -> None:
        with self._lock:
            if self._aborted.is_set() or self._stop is None:
                return
            self._aborted.set()
            callbacks = list(self._on_abort)
            reason = self._stop.reason
        for callback in callbacks:
            callback(reason)
