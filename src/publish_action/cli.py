"""The command line: read the environment and the inputs at the edge, run the pipeline, turn
the result into an exit code.

This is the only place errors are rendered, and every error — a bad input included — goes
through the same reporters (console, GitHub annotations and outputs). SIGINT and SIGTERM
cancel the run: new uploads stop at once, the report and outputs are written, and the process
exits 130 or 143.
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


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    trust_config: object | None = None,
) -> int:
    from publish_action import inputs
    from publish_action.ci import CiEnvironment
    from publish_action.redaction import Redactor
    from publish_action.reporting import RunResult, build_reporter, unwritable_outputs

    env = dict(os.environ if environ is None else environ)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    ci_env = CiEnvironment.read(env)
    redactor = Redactor()
    for secret in ci_env.secrets():
        redactor.add(secret)
    try:
        parsed = inputs.parse(argv, env, redactor, ci_env)
    except PublishError as error:
        reporter = build_reporter(None, ci_env, redactor, out=out, err=err, environ=env)
        reporter.failed(error)
        reporter.finish(
            RunResult(outcomes=(), exit_code=int(error.exit_code), seconds=0.0, error=error)
        )
        return int(error.exit_code)
    except SystemExit as exit_:  # argparse: --help, --version
        return 0 if exit_.code in (0, None) else int(ExitCode.INPUT)

    from publish_action.pipeline import publish

    settings = parsed.settings
    reporter = build_reporter(settings, ci_env, redactor, out=out, err=err, environ=env)
    for warning in parsed.warnings:
        reporter.warning(warning)
    for note in parsed.notes:
        reporter.info(note)
    for line in parsed.sources:  # where each setting came from; never a value
        reporter.debug(line)
    # Found now, not after the files are out: a report that cannot be written must not fail
    # a release that already happened.
    problem = unwritable_outputs(settings, ci_env)
    if problem is not None:
        result = RunResult(
            outcomes=(),
            exit_code=int(problem.exit_code),
            seconds=0.0,
            error=problem,
            dry_run=settings.dry_run,
        )
    else:
        cancellation = Cancellation()
        with _signals_cancel(cancellation):
            result = publish(
                settings,
                reporter,
                ci_env=ci_env,
                environ=env,
                redactor=redactor,
                trust_config=trust_config,
                cancellation=cancellation,
            )
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
