"""The run's record of every file, and the only place a file's outcome is announced.

Each file is announced once, with its final outcome. An upload the index accepted is not final
until the index lists it (when confirmation is on), so it is held until its project's
confirmation read says so; a file the confirmation never finds is announced once, as failed.
Whatever is still held when the run ends is announced then, as it stands.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from publish_action.distributions import Distribution
from publish_action.reporting import FileOutcome, Reporter, Status


class Ledger:
    def __init__(self, reporter: Reporter, *, hold_uploads: bool) -> None:
        self._reporter = reporter
        self._hold = hold_uploads
        self._outcomes: dict[str, FileOutcome] = {}
        self._held: set[str] = set()
        self._order: dict[str, int] = {}
        self._lock = threading.Lock()

    def hold_until_confirmed(self, hold: bool) -> None:
        """Whether accepted uploads wait for the confirmation (known once the check URL is)."""
        self._hold = hold

    def expect(self, filenames: Iterable[str]) -> None:
        """The files of the run, in the order the record lists them (whatever order they
        finish in)."""
        self._order = {name: i for i, name in enumerate(filenames)}

    def record(self, outcome: FileOutcome) -> None:
        """A file's outcome; an accepted upload waits for its confirmation."""
        hold = self._hold and outcome.status is Status.UPLOADED
        with self._lock:
            self._outcomes[outcome.filename] = outcome
            if hold:
                self._held.add(outcome.filename)
                return
            self._held.discard(outcome.filename)
        self._reporter.file_done(outcome)

    def confirmed(self, filenames: Iterable[str]) -> None:
        """The index lists these uploads: announce them."""
        for name in filenames:
            with self._lock:
                if name not in self._held:
                    continue
                self._held.discard(name)
                outcome = self._outcomes[name]
            self._reporter.file_done(outcome)

    def unconfirmed(self, filename: str, why: str, *, listed_as: str = "") -> None:
        """The index never listed this upload (it failed), or lists other bytes under its name
        (a mismatch)."""
        with self._lock:
            old = self._outcomes[filename]
        status = Status.MISMATCH if listed_as else Status.FAILED
        self.record(
            replace(old, status=status, message=f"accepted but {why}", remote_hash=listed_as)
        )

    def not_attempted(self, dists: Iterable[Distribution], why: str) -> None:
        """Every file not decided yet: the record lists them all."""
        for dist in dists:
            if dist.filename not in self._outcomes:
                self.record(FileOutcome.of(dist, Status.NOT_ATTEMPTED, message=why))

    def close(self) -> None:
        """The run is over: announce what is still held, as it stands."""
        with self._lock:
            held = sorted(self._held)
        self.confirmed(held)

    def status(self, filename: str) -> Status | None:
        outcome = self._outcomes.get(filename)
        return outcome.status if outcome else None

    def outcomes(self) -> tuple[FileOutcome, ...]:
        with self._lock:
            known = list(self._outcomes.values())
        return tuple(sorted(known, key=lambda o: self._order.get(o.filename, len(self._order))))

    def names(self, *statuses: Status) -> list[str]:
        return [o.filename for o in self.outcomes() if o.status in statuses]
