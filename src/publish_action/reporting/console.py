"""Lines for people and CI logs: no colours; one writer (`LogStream`) for everything printed.

`LogStream` is the only thing that writes the run's stdout and stderr: the console's lines, and
under GitHub the workflow commands of `github.GitHubReporter`. One lock orders them all, so a
line is never split by another thread's, a verbose detail group (``::group::``) never swallows
a result line, and on a terminal with a live progress bar every line goes above the bar.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TextIO

from publish_action.errors import PublishError
from publish_action.redaction import Redactor, printable
from publish_action.reporting.results import FileOutcome, RunResult, Status, Transfer, human_size

if TYPE_CHECKING:
    from publish_action.reporting.progress import ProgressBar

_GROUP = "::group::publish-action details"
_END_GROUP = "::endgroup::"


class LogStream:
    """Writes lines to stdout/stderr in one order. `group_details` (GitHub, verbose): detail
    lines are folded into a ``::group::`` that any other line closes first. `bar`: a live
    progress bar; while it shows, lines for a terminal are printed above it."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        group_details: bool = False,
        bar: ProgressBar | None = None,
    ) -> None:
        self._out = out
        self._err = err
        self._group_details = group_details
        self._group_open = False
        self.bar = bar
        # A stream that is the bar's own, or the same kind of terminal, must not be written
        # behind the bar's back while it is drawn.
        self._via_bar = {
            id(stream): bar is not None and (stream is bar.stream or is_terminal(stream))
            for stream in (out, err)
        }
        self._lock = threading.Lock()

    def line(self, text: str, *, err: bool = False, detail: bool = False) -> None:
        """`text` (already redacted), defused line by line: none passes for a command."""
        safe = "\n".join(_defused(ln) for ln in text.split("\n"))
        with self._lock:
            if self._group_details and detail != self._group_open:
                self._write(self._out, _GROUP if detail else _END_GROUP)
                self._group_open = detail
            self._write(self._err if err else self._out, safe)

    def command(self, line: str, *, close_group: bool = True) -> None:
        """A workflow command, as is (the caller escaped and redacted it)."""
        with self._lock:
            if close_group and self._group_open:
                self._write(self._out, _END_GROUP)
                self._group_open = False
            self._write(self._out, line)

    def close_group(self) -> None:
        with self._lock:
            if self._group_open:
                self._write(self._out, _END_GROUP)
                self._group_open = False

    def progress(self, transfer: Transfer) -> None:
        """Feed the bar; under the lock, so that it never starts or ends mid-line."""
        if self.bar is None:
            return
        with self._lock:
            self.bar.update(transfer)

    def end_bar(self) -> None:
        if self.bar is None:
            return
        with self._lock:
            self.bar.stop()

    def _write(self, stream: TextIO, text: str) -> None:
        if self.bar is not None and self.bar.showing and self._via_bar[id(stream)]:
            self.bar.print(text)
            return
        stream.write(text + "\n")
        stream.flush()


class ConsoleReporter:
    """Plain lines for CI logs and terminals: no colours or redrawing (a terminal's progress
    bar aside), safe across threads. `annotated`: warnings and the run's error go out as
    GitHub annotations, which the runner shows in the log: not printed a second time."""

    def __init__(
        self,
        redact: Redactor,
        *,
        verbose: bool = False,
        print_hash: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
        log: LogStream | None = None,
        annotated: bool = False,
    ) -> None:
        self._redact = redact
        self.verbose = verbose
        self.print_hash = print_hash
        self.annotated = annotated
        self._log = log or LogStream(out or sys.stdout, err or sys.stderr)

    def _write(self, text: str, *, err: bool = False, detail: bool = False) -> None:
        # We print an index's own words and file names: redacted, and no terminal tricks.
        self._log.line(printable(self._redact(text)), err=err, detail=detail)

    def info(self, message: str) -> None:
        self._write(message)

    def warning(self, message: str, *, filename: str | None = None) -> None:
        if self.annotated:
            return
        where = f"{filename}: " if filename else ""
        self._write(f"warning: {where}{message}", err=True)

    def debug(self, message: str) -> None:
        if self.verbose:
            self._write(f"  · {message}", detail=True)

    def file_done(self, outcome: FileOutcome) -> None:
        line = (
            f"{outcome.status.value:<18} {outcome.filename}  {human_size(outcome.size)}"
            f"  {outcome.seconds:.2f} s"
        )
        if outcome.status is Status.UPLOADED and outcome.seconds > 0:
            line += f"  {outcome.size / outcome.seconds / 1e6:.1f} MB/s"
        if outcome.message:
            line += f"  ({outcome.message})"
        if self.print_hash:
            h = outcome.hashes
            line += f"\n    sha256 {h.sha256}\n    blake2b-256 {h.blake2b_256}"
            line += f"\n    md5 {h.md5}" if h.md5 else ""
        self._write(line, err=not outcome.status.ok)

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        if self._log.bar is not None:
            return  # a terminal: the bar shows it
        percent = 100 * sent / total if total else 100
        self._write(
            f"uploading          {filename}  {human_size(sent)} of {human_size(total)} "
            f"({percent:.0f}%) after {seconds:.0f} s",
        )

    def progress(self, transfer: Transfer) -> None:
        self._log.progress(transfer)

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        self._log.end_bar()
        if traceback:
            self._write(traceback.rstrip(), err=True)
        if not self.annotated:
            self._write(error.render(), err=True)

    def finish(self, result: RunResult) -> None:
        self._log.end_bar()
        counts = [
            (Status.UPLOADED, "uploaded"),
            (Status.WOULD_UPLOAD, "would upload"),
            (Status.SKIPPED_IDENTICAL, "already on the index (identical)"),
            (Status.SKIPPED_EXISTING, "skipped (existing)"),
            (Status.MISMATCH, "mismatched"),
            (Status.FAILED, "failed"),
            (Status.INTERRUPTED, "interrupted"),
            (Status.NOT_ATTEMPTED, "not attempted"),
        ]
        parts = [f"{result.count(s)} {label}" for s, label in counts if result.count(s)]
        verdict = "ok" if result.exit_code == 0 else f"exit code {result.exit_code}"
        prefix = "dry run: " if result.dry_run else ""
        summary = ", ".join(parts) or "nothing uploaded"
        self._write(f"{prefix}{summary} in {result.seconds:.2f} s — {verdict}")


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False


def _defused(line: str) -> str:
    """A line the GitHub runner will not read as a command (`::cmd::` or legacy `##[cmd]`)."""
    bare = line.lstrip()
    if bare.startswith("::"):
        return "  " + bare.replace("::", ": :", 1)
    if bare.startswith("##"):
        return "  " + bare.replace("##", "# #", 1)
    return line
