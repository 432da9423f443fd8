"""Plain lines for CI logs: no colours or redrawing, safe to interleave across threads."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from publish_action.errors import PublishError
from publish_action.redaction import Redactor, printable
from publish_action.reporting.results import FileOutcome, RunResult, Status, human_size


class ConsoleReporter:
    """Plain lines for CI logs: no colours or redrawing, safe to interleave across threads."""

    def __init__(
        self,
        redact: Redactor,
        *,
        verbose: bool = False,
        print_hash: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self._redact = redact
        self.verbose = verbose
        self.print_hash = print_hash
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self._lock = threading.Lock()

    def _write(self, stream: TextIO, text: str) -> None:
        lines = printable(self._redact(text)).split("\n")
        # We print an index's own words and file names; none may pass for a workflow command.
        safe = "\n".join(_defused(ln) for ln in lines)
        with self._lock:
            stream.write(safe + "\n")
            stream.flush()

    def info(self, message: str) -> None:
        self._write(self._out, message)

    def warning(self, message: str, *, filename: str | None = None) -> None:
        where = f"{filename}: " if filename else ""
        self._write(self._err, f"warning: {where}{message}")

    def debug(self, message: str) -> None:
        if self.verbose:
            self._write(self._out, f"  · {message}")

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
        self._write(self._err if not outcome.status.ok else self._out, line)

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        percent = 100 * sent / total if total else 100
        self._write(
            self._out,
            f"uploading          {filename}  {human_size(sent)} of {human_size(total)} "
            f"({percent:.0f}%) after {seconds:.0f} s",
        )

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        if traceback:
            self._write(self._err, traceback.rstrip())
        self._write(self._err, error.render())

    def finish(self, result: RunResult) -> None:
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
        self._write(self._out, f"{prefix}{summary} in {result.seconds:.2f} s — {verdict}")


def _defused(line: str) -> str:
    """A line the GitHub runner will not read as a command (`::cmd::` or legacy `##[cmd]`)."""
    bare = line.lstrip()
    if bare.startswith("::"):
        return "  " + bare.replace("::", ": :", 1)
    if bare.startswith("##"):
        return "  " + bare.replace("##", "# #", 1)
    return line
