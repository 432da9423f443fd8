"""The command line: parse inputs at the edge, run the pipeline, turn errors into exit codes.

This is the only place errors are caught and rendered.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import TextIO

from publish_action.errors import ExitCode, PublishError
from publish_action.secrets import Redactor


class InternalError(PublishError):
    exit_code = ExitCode.INTERNAL


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    trust_config: object | None = None,
) -> int:
    from publish_action import inputs

    env = dict(os.environ if environ is None else environ)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    redactor = Redactor()
    try:
        parsed = inputs.parse(argv, env, redactor)
    except PublishError as error:
        err.write(redactor(error.render()) + "\n")
        if env.get("GITHUB_ACTIONS") == "true":
            # No reporter exists yet: annotate the input error so it shows on the run's page.
            from publish_action.github import escape_data

            out.write(f"::error title=publish-action::{escape_data(redactor(error.message))}\n")
        return int(error.exit_code)
    except SystemExit as exit_:  # argparse: --help, --version, or a usage error
        return 0 if exit_.code in (0, None) else int(ExitCode.INPUT)

    from publish_action.publish import publish
    from publish_action.reporters import build_reporter

    settings = parsed.settings
    reporter = build_reporter(settings, env, redactor, out=out, err=err)
    for warning in parsed.warnings:
        reporter.warning(warning)
    for note in parsed.notes:
        reporter.info(note)
    try:
        result = publish(settings, reporter, environ=env, redactor=redactor,
                         trust_config=trust_config)
    except Exception as exc:  # noqa: BLE001 - a bug: say so, with the traceback, and exit 1
        internal = InternalError(
            f"unexpected internal error: {type(exc).__name__}: {exc}",
            advice="this is a bug in publish-action; please report it with the output above",
        )
        reporter.failed(internal, traceback=traceback.format_exc())
        from publish_action.report import RunResult

        result = RunResult(outcomes=(), exit_code=int(ExitCode.INTERNAL), seconds=0.0,
                           error=internal, dry_run=settings.dry_run)
        reporter.finish(result)
        return int(ExitCode.INTERNAL)
    if result.error is not None:
        reporter.failed(result.error)
    reporter.finish(result)
    return result.exit_code
