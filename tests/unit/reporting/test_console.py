from __future__ import annotations

import io
import json
from pathlib import Path

from publish_action.distributions.hashing import Hashes
from publish_action.errors import MismatchError
from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, FileOutcome, JsonReport, RunResult, Status

HASHES = Hashes("a" * 64, "b" * 64, "c" * 32)


def outcome(status: Status, message: str = "") -> FileOutcome:
    return FileOutcome("demo-1.0.tar.gz", "demo", "1.0", 2_500_000, status, HASHES, 0.5, message)


def test_console_lines_and_summary_are_redacted() -> None:
    redactor = Redactor()
    redactor.add("tok-123456")
    out, err = io.StringIO(), io.StringIO()
    reporter = ConsoleReporter(redactor, out=out, err=err)
    reporter.file_done(outcome(Status.UPLOADED))
    reporter.file_done(outcome(Status.FAILED, "server said tok-123456 is bad"))
    reporter.finish(RunResult((outcome(Status.UPLOADED), outcome(Status.FAILED)), 6, 1.25))
    assert "uploaded           demo-1.0.tar.gz  2.5 MB  0.50 s  5.0 MB/s" in out.getvalue()
    assert "1 uploaded, 1 failed in 1.25 s — exit code 6" in out.getvalue()
    assert "tok-123456" not in err.getvalue() and "***" in err.getvalue()


def test_verbose_only_debug() -> None:
    out = io.StringIO()
    ConsoleReporter(Redactor(), out=out, err=io.StringIO()).debug("hidden")
    ConsoleReporter(Redactor(), verbose=True, out=out, err=io.StringIO()).debug("shown")
    assert "hidden" not in out.getvalue() and "shown" in out.getvalue()


def test_json_report_is_versioned_and_atomic(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "report.json"
    error = MismatchError("1 file(s) differ", details=("x",))
    JsonReport(path, Redactor()).write(
        RunResult((outcome(Status.MISMATCH),), 4, 0.1, error=error, repository_url="http://i/")
    )
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert data["exit_code"] == 4
    assert data["counts"]["mismatch"] == 1
    assert data["files"][0]["sha256"] == "a" * 64
    assert "1 file(s) differ" in data["error"]
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]


def test_console_never_emits_a_workflow_command() -> None:
    out = io.StringIO()
    reporter = ConsoleReporter(Redactor(), out=out, err=out)
    reporter.info("ok line\n::add-mask::x\n  ::error::from the index")
    assert not any(line.lstrip().startswith("::") for line in out.getvalue().splitlines())
    assert "ok line" in out.getvalue()
