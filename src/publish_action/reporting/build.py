"""Choose the reporters for this run: the console always (with a live progress bar on a
terminal); the JSON report when asked for or when running under GitHub Actions; GitHub's
summary, annotations and outputs there only. They share one `LogStream`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from publish_action.ci import CiEnvironment
from publish_action.errors import InputError
from publish_action.redaction import Redactor
from publish_action.reporting.base import FanOut, Reporter
from publish_action.reporting.console import ConsoleReporter, LogStream, is_terminal
from publish_action.reporting.json_report import JsonReport
from publish_action.reporting.progress import ProgressBar
from publish_action.settings import Settings

_REPORT_NAME = "publish-action-report"


def report_path(settings: Settings, ci_env: CiEnvironment) -> Path | None:
    """The JSON report's path: as given, else (under GitHub Actions only) in $RUNNER_TEMP.

    The runner empties $RUNNER_TEMP for every job, so the first run in a job writes
    ``publish-action-report.json``; a later run in the same job (TestPyPI, then PyPI) writes
    ``publish-action-report-2.json`` and so on, so each run's ``report-path`` output keeps
    pointing at that run's own report.
    """
    if settings.report_path is not None:
        return settings.report_path
    base = ci_env.runner_temp
    if base is not None:
        path = base / f"{_REPORT_NAME}.json"
        number = 1
        while path.exists():
            number += 1
            path = base / f"{_REPORT_NAME}-{number}.json"
        return path
    return None


def build_reporter(
    settings: Settings | None,
    ci_env: CiEnvironment,
    redactor: Redactor,
    *,
    out: TextIO,
    err: TextIO,
    environ: Mapping[str, str] | None = None,
) -> FanOut:
    """The run's reporters; without settings (the inputs were invalid), the console and
    GitHub only, so that an input error shows like any other. `environ`: what a terminal's
    progress bar reads (its width, NO_COLOR)."""
    reporters: list[Reporter] = []
    path = report_path(settings, ci_env) if settings is not None else None
    verbose = settings.verbose if settings else False
    github = ci_env.github
    log = LogStream(
        out,
        err,
        group_details=github is not None and verbose,
        bar=progress_bar(ci_env, err, environ),
    )
    if github is not None:
        from publish_action.reporting.github import GitHubReporter

        # Built first: it masks every known secret before anything else can print, and it
        # annotates the run's error before the console's last line.
        reporters.append(
            GitHubReporter(
                redactor,
                github,
                out=out,
                packages_dir=settings.packages_dir if settings else None,
                files=settings.files if settings else (),
                log=log,
            )
        )
    reporters.append(
        ConsoleReporter(
            redactor,
            verbose=verbose,
            print_hash=settings.print_hash if settings else False,
            log=log,
            annotated=github is not None,
        )
    )
    return FanOut(reporters, report=JsonReport(path, redactor) if path is not None else None)


def progress_bar(
    ci_env: CiEnvironment, err: TextIO, environ: Mapping[str, str] | None = None
) -> ProgressBar | None:
    """A live bar for a person at a terminal: stderr is a TTY and no CI says it runs the
    job, and the terminal can redraw (CI logs get plain lines: a bar there is only escape
    codes)."""
    if ci_env.in_ci or ci_env.dumb_terminal or not is_terminal(err):
        return None
    return ProgressBar(err, environ=environ)


def unwritable_outputs(settings: Settings, ci_env: CiEnvironment) -> InputError | None:
    """Every file the run writes at its end, tried now: the report, GitHub's outputs and
    summary. One error naming each that cannot be written, or None."""
    files: list[tuple[str, Path]] = []
    path = report_path(settings, ci_env)
    if path is not None:
        files.append(("report-path", path))
    if ci_env.github is not None:
        files += [
            (name, file)
            for name, file in (
                ("GITHUB_OUTPUT", ci_env.github.output_file),
                ("GITHUB_STEP_SUMMARY", ci_env.github.summary_file),
            )
            if file
        ]
    problems = [
        f"{what} {file}: {why}"
        for what, file in files
        if (why := _unwritable(file, append=what != "report-path")) is not None
    ]
    if not problems:
        return None
    return InputError(
        f"cannot write {len(problems)} of the files this run must write at its end; nothing "
        "was sent",
        details=tuple(problems),
        advice="point 'report-path' at a writable place (in a container, a mounted folder the "
        "container's user may write), or leave it empty",
    )


def _unwritable(path: Path, *, append: bool) -> str | None:
    if path.is_dir():
        return "is a folder"
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        return f"{above} is a file, not a folder"
    try:
        if append or path.exists():
            with path.open("a", encoding="utf-8"):
                pass
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-check-")
        os.close(fd)
        Path(tmp).unlink()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
