"""Choose the reporters for this run: the console always; the JSON report when asked for or
when running under GitHub Actions; GitHub's summary, annotations and outputs there only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from publish_action.report import ConsoleReporter, FanOut, JsonReport, Reporter
from publish_action.secrets import Redactor
from publish_action.settings import Settings


def report_path(settings: Settings, environ: Mapping[str, str]) -> Path | None:
    if settings.report_path is not None:
        return settings.report_path
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("RUNNER_TEMP"):
        return Path(environ["RUNNER_TEMP"]) / "publish-action-report.json"
    return None


def build_reporter(
    settings: Settings,
    environ: Mapping[str, str],
    redactor: Redactor,
    *,
    out: TextIO,
    err: TextIO,
) -> Reporter:
    reporters: list[Reporter] = [
        ConsoleReporter(redactor, verbose=settings.verbose, print_hash=settings.print_hash,
                        out=out, err=err)
    ]
    path = report_path(settings, environ)
    if path is not None:
        reporters.append(JsonReport(path, redactor))
    return FanOut(reporters)
