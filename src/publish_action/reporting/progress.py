"""The live progress bar of a terminal: bytes through of the planned total, rate and ETA, and
one row per file in flight.

Only for a person at a terminal (`build.build_reporter` decides: stderr a TTY, no CI); CI logs
get plain lines instead. rich draws it and is imported only when the first upload starts, so
start-up (``--help``, a dry run, a run with nothing to upload) never loads it. While the bar
shows, every line of the run is printed through its console (`print`), above the bar, so that
a result line or an error is never drawn into it; the bar is transient: when the uploads end
(or fail, or are stopped) it is erased and the cursor is shown again, leaving only the lines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from publish_action.redaction import printable
from publish_action.reporting.results import Transfer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

#: A batch over sooner than this never shows a bar: no flicker for a few small files.
SHOW_AFTER = 0.5
#: Redraws per second: the rate and ETA need no more, and the CPU notices no less.
REFRESH = 4.0
_NAME_WIDTH = 40


class ProgressBar:
    """A rich live display on `stream`, fed `Transfer` snapshots; thread-safe."""

    def __init__(
        self,
        stream: TextIO,
        *,
        environ: Mapping[str, str] | None = None,
        show_after: float | None = None,
        refresh: float = REFRESH,
        width: int | None = None,
    ) -> None:
        self.stream = stream
        self._environ = dict(environ) if environ is not None else None
        self._show_after = SHOW_AFTER if show_after is None else show_after
        self._refresh = refresh
        self._width = width
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._first_seen: float | None = None
        self._overall: TaskID | None = None
        self._rows: dict[str, tuple[TaskID, int]] = {}  # file name → (row, bytes sent)
        self._through = 0

    @property
    def showing(self) -> bool:
        return self._progress is not None

    def update(self, transfer: Transfer) -> None:
        """Start (once the batch has run `show_after`), redraw, or end with `transfer.over`."""
        with self._lock:
            if transfer.over:
                self._stop_locked()
                self._first_seen = None
                return
            if self._progress is None:
                now = time.monotonic()
                if self._first_seen is None:
                    self._first_seen = now
                if transfer.files == 0 or now - self._first_seen < self._show_after:
                    return
                self._start_locked()
            self._sync_locked(transfer)

    def print(self, text: str) -> None:
        """One line above the bar (or plainly, once it is gone)."""
        progress = self._progress
        if progress is None:
            self.stream.write(text + "\n")
            self.stream.flush()
            return
        progress.console.out(text, highlight=False)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    # -- rich ------------------------------------------------------------------------------

    def _start_locked(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(
            file=self.stream,
            force_terminal=True,
            highlight=False,
            emoji=False,
            markup=False,
            width=self._width,
            _environ=self._environ,
        )
        self._progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=None),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("ETA", markup=False),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            refresh_per_second=self._refresh,
            # Our lines reach the console through `print`; nothing else is redirected.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._overall = self._progress.add_task("uploading", total=1)
        self._rows = {}
        self._through = 0
        self._progress.start()

    def _sync_locked(self, transfer: Transfer) -> None:
        progress, overall = self._progress, self._overall
        assert progress is not None and overall is not None
        # Never backwards: a retried file starts again, the whole does not.
        self._through = max(self._through, transfer.sent)
        progress.update(
            overall,
            description=f"uploading {transfer.done}/{transfer.files} file(s)",
            total=max(transfer.total, 1),
            completed=self._through,
        )
        names = {name for name, _, _ in transfer.in_flight}
        for name in [n for n in self._rows if n not in names]:
            progress.remove_task(self._rows.pop(name)[0])
        for name, sent, size in transfer.in_flight:
            known = self._rows.get(name)
            if known is None:
                row = progress.add_task("  " + _short(name), total=max(size, 1), completed=sent)
            else:
                row = known[0]
                if sent < known[1]:  # a retry sends the file again: its rate starts afresh
                    progress.reset(row, total=max(size, 1), completed=sent)
                else:
                    progress.update(row, completed=sent)
            self._rows[name] = (row, sent)

    def _stop_locked(self) -> None:
        progress, self._progress = self._progress, None
        if progress is not None:
            progress.stop()


def _short(name: str) -> str:
    name = printable(name, one_line=True)
    return name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "…"


__all__ = ["REFRESH", "SHOW_AFTER", "ProgressBar"]
