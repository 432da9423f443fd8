from __future__ import annotations

import io

from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, RunResult, Status
from tests.unit.reporting.harness import outcome


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


def test_console_never_emits_a_workflow_command() -> None:
    out = io.StringIO()
    reporter = ConsoleReporter(Redactor(), out=out, err=out)
    reporter.info("ok line\n::add-mask::x\n  ::error::from the index")
    assert not any(line.lstrip().startswith("::") for line in out.getvalue().splitlines())
    assert "ok line" in out.getvalue()
