"""net/errors.py: what each failure of the HTTP layer carries for the error a user reads."""

from __future__ import annotations

from publish_action.cancellation import Stopped as CancellationStopped
from publish_action.net import NetError, Stalled, Stopped, TlsFailure, TooLarge, Unreachable


def test_every_failure_is_a_net_error_with_a_printable_url_and_message() -> None:
    url = "https://127.0.0.1:1/simple/demo/"
    errors = [
        Unreachable("refused", url=url, attempts=3, timed_out=False),
        Stalled("no answer", url=url),
        TlsFailure("bad certificate", url=url, host="127.0.0.1"),
        TooLarge("too large", url=url, limit=10),
    ]
    for error in errors:
        assert isinstance(error, NetError)
        assert error.url == url and str(error) == error.message


def test_unreachable_says_how_often_and_why() -> None:
    error = Unreachable(
        "connection refused after 3 attempts",
        url="u",
        attempts=3,
        timed_out=True,
        reason="connection refused",
    )
    assert (error.attempts, error.timed_out, error.reason) == (3, True, "connection refused")
    # Without a separate reason, the message is the reason.
    assert Unreachable("reset", url="u", attempts=1, timed_out=False).reason == "reset"


def test_tls_and_size_failures_name_their_host_and_limit() -> None:
    assert TlsFailure("m", url="u", host="index.internal").host == "index.internal"
    assert TooLarge("m", url="u", limit=4096).limit == 4096


def test_stopped_is_the_cancellations_own_not_a_net_error() -> None:
    # A stop is not a failure of the server: callers must not retry or call it unreachable.
    assert Stopped is CancellationStopped
    assert not issubclass(Stopped, NetError)
