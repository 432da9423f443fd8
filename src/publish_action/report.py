"""Results and the reporter interface: the core never prints, it tells a reporter.

`ConsoleReporter` writes readable CI-log lines; other reporters (GitHub step summary, outputs,
annotations; the JSON report) implement the same protocol and are combined with `FanOut`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Protocol, TextIO

from publish_action import __version__
from publish_action.errors import PublishError
from publish_action.hashing import Hashes
from publish_action.redaction import Redactor, printable

REPORT_VERSION = 1


class Status(Enum):
    UPLOADED = "uploaded"
    SKIPPED_IDENTICAL = "skipped-identical"
    SKIPPED_EXISTING = "skipped-existing"
    MISMATCH = "mismatch"
    FAILED = "failed"
    WOULD_UPLOAD = "would-upload"  # dry-run
    NOT_ATTEMPTED = "not-attempted"  # an earlier failure stopped the run first
    INTERRUPTED = "interrupted"  # the run was stopped while this file was being sent

    @property
    def ok(self) -> bool:
        return self in (
            Status.UPLOADED,
            Status.SKIPPED_IDENTICAL,
            Status.SKIPPED_EXISTING,
            Status.WOULD_UPLOAD,
        )


@dataclass(frozen=True)
class FileOutcome:
    filename: str
    project: str
    version: str
    size: int
    status: Status
    hashes: Hashes
    seconds: float = 0.0
    message: str = ""  # the index's own words, or why this outcome
    remote_hash: str = ""  # "algorithm=hex" of the index's copy, when it differs


@dataclass(frozen=True)
class RunResult:
    outcomes: tuple[FileOutcome, ...]
    exit_code: int
    seconds: float
    dry_run: bool = False
    error: PublishError | None = None
    repository_url: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    report_path: Path | None = None  # where the JSON report was written, if it was

    def count(self, *statuses: Status) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def warning(self, message: str, *, filename: str | None = None) -> None: ...
    def debug(self, message: str) -> None: ...
    def file_done(self, outcome: FileOutcome) -> None: ...
    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None: ...
    def failed(self, error: PublishError, *, traceback: str = "") -> None: ...
    def finish(self, result: RunResult) -> None: ...


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


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
            line += f"\n    sha256 {h.sha256}\n    blake2b-256 {h.blake2b_256}\n    md5 {h.md5}"
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
        summary = ", ".join(parts) or "no files"
        self._write(self._out, f"{prefix}{summary} in {result.seconds:.2f} s — {verdict}")


def _defused(line: str) -> str:
    """A line the GitHub runner will not read as a command (`::cmd::` or legacy `##[cmd]`)."""
    bare = line.lstrip()
    if bare.startswith("::"):
        return "  " + bare.replace("::", ": :", 1)
    if bare.startswith("##"):
        return "  " + bare.replace("##", "# #", 1)
    return line


class FanOut:
    """Sends every event to several reporters (console, GitHub, JSON report)."""

    def __init__(self, reporters: Sequence[Reporter], *, report: JsonReport | None = None) -> \
            None:
        self.reporters = tuple(reporters)
        self.report = report

    def info(self, message: str) -> None:
        for r in self.reporters:
            r.info(message)

    def warning(self, message: str, *, filename: str | None = None) -> None:
        for r in self.reporters:
            r.warning(message, filename=filename)

    def debug(self, message: str) -> None:
        for r in self.reporters:
            r.debug(message)

    def file_done(self, outcome: FileOutcome) -> None:
        for r in self.reporters:
            r.file_done(outcome)

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        for r in self.reporters:
            r.in_flight(filename, sent, total, seconds)

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        for r in self.reporters:
            r.failed(error, traceback=traceback)

    def finish(self, result: RunResult) -> None:
        """The JSON report first, so that the outputs can say where it is; a report that
        cannot be written is a warning: it never changes the run's exit code."""
        if self.report is not None:
            try:
                self.report.write(result)
                result = replace(result, report_path=self.report.path)
            except OSError as exc:
                self.warning(f"could not write the JSON report {self.report.path}: "
                             f"{exc.strerror or exc}")
        for r in self.reporters:
            r.finish(result)


class SilentReporter:
    """Base for reporters that only care about a few events."""

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str, *, filename: str | None = None) -> None:
        pass

    def debug(self, message: str) -> None:
        pass

    def file_done(self, outcome: FileOutcome) -> None:
        pass

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        pass

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        pass

    def finish(self, result: RunResult) -> None:
        pass


def result_json(result: RunResult, redact: Redactor) -> dict[str, object]:
    return {
        "version": REPORT_VERSION,
        "tool": f"publish-action {__version__}",
        "repository_url": result.repository_url,
        "dry_run": result.dry_run,
        "exit_code": result.exit_code,
        "error": redact(result.error.render()) if result.error else None,
        "seconds": round(result.seconds, 3),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "counts": {s.value: result.count(s) for s in Status},
        "files": [
            {
                "filename": o.filename,
                "project": o.project,
                "version": o.version,
                "size": o.size,
                "status": o.status.value,
                "seconds": round(o.seconds, 3),
                "sha256": o.hashes.sha256,
                "blake2b_256": o.hashes.blake2b_256,
                "md5": o.hashes.md5,
                "message": redact(o.message),
                "remote_hash": o.remote_hash,
            }
            for o in result.outcomes
        ],
    }


class JsonReport:
    """Writes the versioned JSON report atomically (temp file, then rename) when the run ends."""

    def __init__(self, path: Path, redact: Redactor) -> None:
        self.path = path
        self._redact = redact

    def write(self, result: RunResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(result_json(result, self._redact), indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".report-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(data)
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
