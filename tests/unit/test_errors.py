"""errors.py: each error's exit code, how it renders (details, causes, advice) and copies that
leave the original alone."""

from __future__ import annotations

import pytest

from publish_action.cancellation import Reason
from publish_action.errors import (
    AttestationError,
    AuthError,
    DistributionError,
    ExitCode,
    IndexError_,
    InputError,
    InternalError,
    MismatchError,
    PublishError,
    RunStopped,
    TrustedPublishingError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (PublishError, 1),
        (InternalError, 1),
        (InputError, 2),
        (DistributionError, 3),
        (MismatchError, 4),
        (AuthError, 5),
        (IndexError_, 6),
        (TrustedPublishingError, 7),
        (AttestationError, 8),
    ],
)
def test_each_error_has_its_documented_exit_code(error: type[PublishError], code: int) -> None:
    assert error("x").exit_code == code


def test_exit_codes_are_never_renumbered() -> None:
    assert {c.name: c.value for c in ExitCode} == {
        "OK": 0,
        "INTERNAL": 1,
        "INPUT": 2,
        "DISTRIBUTION": 3,
        "MISMATCH": 4,
        "AUTH": 5,
        "INDEX": 6,
        "TRUSTED_PUBLISHING": 7,
        "ATTESTATION": 8,
        "INTERRUPTED": 130,
        "TERMINATED": 143,
    }


@pytest.mark.parametrize(
    ("reason", "code"),
    [(Reason.SIGINT, 130), (Reason.SIGTERM, 143), (Reason.DEADLINE, 6)],
)
def test_a_stopped_run_exits_by_its_reason(reason: Reason, code: int) -> None:
    error = RunStopped(reason, "stopped", details=("d",))
    assert error.exit_code == code and error.reason is reason and error.details == ("d",)


def test_render_lists_details_then_the_chain_of_causes_then_the_hint() -> None:
    root = OSError("connection reset")
    middle = ValueError("")
    middle.__cause__ = root
    error = IndexError_("upload failed", advice="re-run the job", details=("file a", "file b"))
    error.__cause__ = middle
    assert error.render() == (
        "error: upload failed\n"
        "  file a\n"
        "  file b\n"
        "  caused by: ValueError\n"  # an empty message is named by its type
        "  caused by: connection reset\n"
        "hint: re-run the job"
    )


def test_a_cycle_of_causes_is_rendered_once() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    error = InputError("bad")
    error.__cause__ = a
    assert error.render() == "error: bad\n  caused by: a\n  caused by: b"


def test_with_details_copies_and_never_changes_the_original() -> None:
    cause = OSError("why")
    error = AuthError("refused", advice="check the token", details=("first",))
    error.__cause__ = cause
    copy = error.with_details("second", "third")
    assert type(copy) is AuthError and copy is not error
    assert copy.details == ("first", "second", "third") and error.details == ("first",)
    assert (copy.message, copy.advice, copy.exit_code) == ("refused", "check the token", 5)
    assert copy.__cause__ is cause and str(copy) == "refused"


def test_with_details_keeps_a_stopped_runs_exit_code() -> None:
    copy = RunStopped(Reason.SIGTERM, "stopped").with_details("more")
    assert isinstance(copy, RunStopped) and copy.exit_code == 143 and copy.details == ("more",)


def test_an_internal_error_carries_its_traceback() -> None:
    error = InternalError("bug", traceback="Traceback ...")
    assert error.traceback == "Traceback ..." and error.render() == "error: bug"
