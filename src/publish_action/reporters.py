"""Choose the reporters for this run: the console always; the JSON report when asked for or
when running under GitHub Actions; GitHub's summary, annotations and outputs there only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from publish_action.report import ConsoleReporter, FanOut, JsonReport, Reporter
from publish_action.secrets import Redactor
from publish_action.settings import Settings

_REPORT_NAME = "publish-action-report"


def report_path(settings: Settings, environ: Mapping[str, str]) -> Path | None:
    """The JSON report's path: as given, else (under GitHub Actions only) in $RUNNER_TEMP.

    The runner empties $RUNNER_TEMP for every job, so the first run in a job writes
    ``publish-action-report.json``; a later run in the same job (TestPyPI, then PyPI) writes
    ``publish-action-report-2.json`` and so on, so each run's ``report-path`` output keeps
    pointing at that run's own report.
    """
    if settings.report_path is not None:
        return settings.report_path
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("RUNNER_TEMP"):
        base = Path(environ["RUNNER_TEMP"])
        path = base / f"{_REPORT_NAME}.json"
        number = 1
        while path.exists():
            number += 1
            path = base / f"{_REPORT_NAME}-{number}.json"
        return path
    return None


def build_reporter(
    settings: Settings,
    environ: Mapping[str, str],
    redactor: Redactor,
    *,
    out: TextIO,
    err: TextIO,
) -> Reporter:
    reporters: list[Reporter] = []
    path = report_path(settings, environ)
    if environ.get("GITHUB_ACTIONS") == "true":
        from publish_action.github import GitHubReporter

        # Built first: it masks every known secret before anything else can print, and it
        # must see each event before the console does (its ::group:: line comes first).
        reporters.append(
            GitHubReporter(redactor, environ, out=out, packages_dir=settings.packages_dir,
                           report_path=path, verbose=settings.verbose)
        )
    reporters.append(
        ConsoleReporter(redactor, verbose=settings.verbose, print_hash=settings.print_hash,
                        out=out, err=err)
    )
    if path is not None:
        reporters.append(JsonReport(path, redactor))
    return FanOut(reporters)
