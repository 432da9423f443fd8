"""Errors: every failure a user can cause or meet has a message, advice and an exit code.

`cli.main()` is the only place these are caught and rendered.
"""

from __future__ import annotations

from enum import IntEnum

from publish_action.cancellation import Reason


class ExitCode(IntEnum):
    """Documented exit codes; scripts branch on them, so never renumber."""

    OK = 0
    INTERNAL = 1
    INPUT = 2
    DISTRIBUTION = 3
    MISMATCH = 4
    AUTH = 5
    INDEX = 6
    TRUSTED_PUBLISHING = 7
    ATTESTATION = 8
    INTERRUPTED = 130  # SIGINT: the run was cancelled (GitHub) or Ctrl-C; 128 + 2, as shells say
    TERMINATED = 143  # SIGTERM: `docker stop`, a job timeout; 128 + 15


class PublishError(Exception):
    """Base class: a problem the user can act on.

    `message` says what failed; `advice` says what to do about it. Neither may contain a secret.
    """

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, advice: str = "", details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice
        self.details = details

    def with_details(self, *more: str) -> PublishError:
        """A copy with `more` details appended: errors are never changed in flight."""
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.args = self.args
        other.details = (*self.details, *more)
        other.__cause__ = self.__cause__
        return other

    def render(self) -> str:
        lines = [f"error: {self.message}"]
        lines.extend(f"  {line}" for line in self.details)
        cause = self.__cause__
        seen: set[int] = set()
        while cause is not None and id(cause) not in seen:
            seen.add(id(cause))
            text = str(cause).strip() or type(cause).__name__
            lines.append(f"  caused by: {text}")
            cause = cause.__cause__
        if self.advice:
            lines.append(f"hint: {self.advice}")
        return "\n".join(lines)


class InternalError(PublishError):
    """A bug: `traceback` is printed with it, and the run's record is kept."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str, *, advice: str = "", traceback: str = "") -> None:
        super().__init__(message, advice=advice)
        self.traceback = traceback


class InputError(PublishError):
    exit_code = ExitCode.INPUT


class DistributionError(PublishError):
    exit_code = ExitCode.DISTRIBUTION


class MismatchError(PublishError):
    exit_code = ExitCode.MISMATCH


class AuthError(PublishError):
    exit_code = ExitCode.AUTH


class IndexError_(PublishError):
    exit_code = ExitCode.INDEX


class TrustedPublishingError(PublishError):
    exit_code = ExitCode.TRUSTED_PUBLISHING


class AttestationError(PublishError):
    exit_code = ExitCode.ATTESTATION


class RunStopped(PublishError):
    """The run was stopped early: by a signal (exit 130/143) or by its deadline (exit 6)."""

    def __init__(
        self, reason: Reason, message: str, *, advice: str = "", details: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, advice=advice, details=details)
        self.reason = reason
        self.exit_code = {
            Reason.SIGINT: ExitCode.INTERRUPTED,
            Reason.SIGTERM: ExitCode.TERMINATED,
        }.get(reason, ExitCode.INDEX)


def rerun_note(checked: bool) -> str:
    """What a re-run will do, as advice may promise it: skipping needs a check URL."""
    if checked:
        return "files already on the index are checked and skipped"
    return (
        "without a check URL ('index-url') a re-run sends every file again and the index "
        "refuses the ones it has"
    )
