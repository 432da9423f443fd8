"""pipeline/state.py: what a run carries between stages, and the result it ends with."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.ci import CiEnvironment
from publish_action.errors import AuthError
from publish_action.ledger import Ledger
from publish_action.pipeline.state import RunState
from publish_action.reporting import FileOutcome, SilentReporter, Status
from publish_action.settings import Credentials, Settings
from publish_action.targets import classify
from tests.support.dists import distribution

URL = "https://user:secret-pass@127.0.0.1:1/legacy/"


def state(*, hold: bool = False) -> RunState:
    settings = Settings(
        repository_url=URL,
        index=classify(URL),
        index_url=None,
        index_url_note="",
        upload_credentials=Credentials("user", "secret-pass"),
        check_credentials=None,
        check_credentials_explicit=False,
        packages_dir=Path("dist"),
        dry_run=True,
    )
    return RunState(
        settings=settings,
        reporter=SilentReporter(),
        ledger=Ledger(SilentReporter(), hold_uploads=hold),
        cancellation=Cancellation(),
        ci_env=CiEnvironment.read({}),
    )


def test_lap_records_the_time_since_and_returns_now() -> None:
    run = state()
    since = time.monotonic() - 1.0
    now = run.lap("check", since)
    assert run.timings["check"] >= 1.0 and now >= since + run.timings["check"]


def test_raise_if_stopped_follows_the_cancellation() -> None:
    run = state()
    run.raise_if_stopped()
    run.cancellation.request(Reason.DEADLINE)
    with pytest.raises(Stopped):
        run.raise_if_stopped()


def test_the_result_closes_the_ledger_and_hides_the_urls_password() -> None:
    run = state(hold=True)
    run.ledger.record(FileOutcome.of(distribution(), Status.UPLOADED))  # held, unconfirmed
    run.timings["check"] = 0.5
    result = run.result(None)
    assert result.exit_code == 0 and result.error is None and result.dry_run
    assert [o.status for o in result.outcomes] == [Status.UPLOADED]  # announced at close
    assert (
        "secret-pass" not in result.repository_url
        and "127.0.0.1:1/legacy/" in result.repository_url
    )
    run.timings["later"] = 1.0
    assert "later" not in result.timings  # a copy: the record does not change afterwards


def test_the_result_of_a_failed_run_has_the_errors_exit_code() -> None:
    error = AuthError("refused")
    result = state().result(error)
    assert result.exit_code == 5 and result.error is error
