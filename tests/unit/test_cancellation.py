"""cancellation.py: a stop asked for once stops new work at once and in-flight work after the
reason's grace period; a second stop, or a reason without grace, aborts at once."""

from __future__ import annotations

import threading
import time

import pytest

from publish_action.cancellation import GRACE, Cancellation, Reason, Stopped


def test_nothing_is_set_until_a_stop_is_asked_for() -> None:
    cancel = Cancellation()
    assert not cancel.is_set() and not cancel.aborted and cancel.stop is None
    cancel.raise_if_set()  # no stop: nothing raised
    started = time.monotonic()
    assert cancel.wait(0.05) is False
    assert time.monotonic() - started >= 0.04


def test_a_deadline_aborts_at_once_and_calls_every_callback_with_its_reason() -> None:
    cancel = Cancellation()
    seen: list[Reason] = []
    cancel.on_abort(seen.append)
    cancel.on_abort(seen.append)
    before = time.monotonic()
    cancel.request(Reason.DEADLINE)
    assert GRACE[Reason.DEADLINE] == 0.0
    assert cancel.is_set() and cancel.aborted
    assert seen == [Reason.DEADLINE, Reason.DEADLINE]
    assert cancel.stop is not None and cancel.stop.reason is Reason.DEADLINE
    assert before <= cancel.stop.at <= time.monotonic()
    with pytest.raises(Stopped) as caught:
        cancel.raise_if_set()
    assert caught.value.reason is Reason.DEADLINE
    assert str(caught.value) == "the run's deadline passed"


def test_sigterm_gives_in_flight_work_its_grace_then_aborts() -> None:
    cancel = Cancellation()
    aborted = threading.Event()
    cancel.on_abort(lambda reason: aborted.set())
    cancel.request(Reason.SIGTERM)
    assert cancel.is_set() and not cancel.aborted  # new work stops, in-flight work goes on
    assert cancel.wait(10) is True  # a waiter wakes at once
    assert aborted.wait(GRACE[Reason.SIGTERM] + 5)
    assert cancel.aborted


def test_a_second_request_aborts_at_once_and_keeps_the_first_reason() -> None:
    cancel = Cancellation()
    seen: list[Reason] = []
    cancel.on_abort(seen.append)
    cancel.request(Reason.SIGINT)  # 5 s grace
    assert (seen, cancel.aborted) == ([], False)
    cancel.request(Reason.SIGTERM)
    assert (seen, cancel.aborted) == ([Reason.SIGINT], True)
    assert cancel.stop is not None and cancel.stop.reason is Reason.SIGINT
    cancel.request(Reason.SIGTERM)  # aborting twice calls nobody twice
    assert seen == [Reason.SIGINT]


def test_a_callback_registered_after_the_abort_is_called_at_once() -> None:
    cancel = Cancellation()
    cancel.request(Reason.DEADLINE)
    seen: list[Reason] = []
    cancel.on_abort(seen.append)
    assert seen == [Reason.DEADLINE]


def test_a_callback_registered_during_the_grace_waits_for_the_abort() -> None:
    cancel = Cancellation()
    cancel.request(Reason.SIGINT)
    seen: list[Reason] = []
    cancel.on_abort(seen.append)
    assert seen == []
    cancel.request(Reason.SIGINT)
    assert seen == [Reason.SIGINT]


def test_every_reason_has_a_grace_and_the_signals_read_as_such() -> None:
    assert set(GRACE) == set(Reason)
    assert GRACE[Reason.SIGINT] > GRACE[Reason.SIGTERM] > GRACE[Reason.DEADLINE]
    assert "SIGINT" in Reason.SIGINT.value and "SIGTERM" in Reason.SIGTERM.value
