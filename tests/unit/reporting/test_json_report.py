"""reporting/json_report.py: the versioned JSON report, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from publish_action.errors import MismatchError
from publish_action.redaction import Redactor
from publish_action.reporting import JsonReport, RunResult, Status
from tests.unit.reporting.harness import outcome


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


def test_a_dry_run_reports_its_verdict_on_the_credentials(tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add("s3cret")
    path = tmp_path / "report.json"
    report = JsonReport(path, redactor)
    report.write(
        RunResult(
            (outcome(Status.WOULD_UPLOAD),),
            0,
            0.1,
            dry_run=True,
            credentials_verified=False,
            credentials_note="the index answers anonymous reads (s3cret)",
        )
    )
    data = json.loads(path.read_text())
    assert data["credentials_verified"] is False
    assert data["credentials_note"] == "the index answers anonymous reads (***)"
    report.write(RunResult((), 0, 0.1))
    data = json.loads(path.read_text())
    assert data["credentials_verified"] is None and data["credentials_note"] == ""
