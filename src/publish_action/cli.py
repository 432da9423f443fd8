"""The command line: parse inputs at the edge, run the pipeline, turn errors into exit codes.

This is the only place errors are caught and rendered. SIGINT and SIGTERM are turned into a
cancellation of the run: new uploads stop at once, the run writes its report and outputs, and
the process exits 130 or 143.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

from publish_action.cancellation import Cancellation, Reason
from publish_action.errors import ExitCode, InternalError, PublishError
from publish_action.redaction import Redactor


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
            from publish_action.reporting.github import escape_data

            out.write(f"::error title=publish-action::{escape_data(redactor(error.message))}\n")
        return int(error.exit_code)
    except SystemExit as exit_:  # argparse: --help, --version, or a usage error
        return 0 if exit_.code in (0, None) else int(ExitCode.INPUT)

    from publish_action.pipeline import publish
    from publish_action.reporting import RunResult
    from publish_action.reporting.build import build_reporter, unwritable_outputs

    settings = parsed.settings
    reporter = build_reporter(settings, env, redactor, out=out, err=err)
    for warning in parsed.warnings:
        reporter.warning(warning)
    for note in parsed.notes:
        reporter.info(note)
    # Found now, not after the files are out: a report that cannot be written must not fail
    # a release that already happened.
    problem = unwritable_outputs(settings, env)
    if problem is not None:
        result = RunResult(outcomes=(), exit_code=int(problem.exit_code), seconds=0.0,
                           error=problem, dry_run=settings.dry_run)
    else:
        cancellation = Cancellation()
        with _signals_cancel(cancellation):
            result = publish(settings, reporter, environ=env, redactor=redactor,
                             trust_config=trust_config, cancellation=cancellation)
    if result.error is not None:
        trace = result.error.traceback if isinstance(result.error, InternalError) else ""
        reporter.failed(result.error, traceback=trace)
    reporter.finish(result)
    return result.exit_code


@contextmanager
def _signals_cancel(cancellation: Cancellation) -> Iterator[None]:
    """SIGINT (GitHub's cancel, Ctrl-C) and SIGTERM (`docker stop`) cancel the run."""
    wanted = {signal.SIGINT: Reason.SIGINT, signal.SIGTERM: Reason.SIGTERM}
    previous: dict[signal.Signals, object] = {}
    try:
        for number, reason in wanted.items():
            previous[number] = signal.signal(number, _handler(cancellation, reason))
    except ValueError:  # not the main thread (an embedding program): it handles signals
        previous.clear()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def _handler(cancellation: Cancellation, reason: Reason) -> Callable[[int, object], None]:
    def handle(_number: int, _frame: object) -> None:
        cancellation.request(reason)

    return handle
