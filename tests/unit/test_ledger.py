"""ledger.py: every file announced once with its final outcome; accepted uploads held until the
index lists them; the record in plan order whatever order files finish in."""

from __future__ import annotations

from publish_action.ledger import Ledger
from publish_action.reporting import FileOutcome, SilentReporter, Status
from tests.support.dists import distribution

A, B, C = (distribution(f"demo-1.0{n}.tar.gz", version=f"1.0{n}") for n in "abc")


class Announced(SilentReporter):
    def __init__(self) -> None:
        self.done: list[tuple[str, Status, str]] = []

    def file_done(self, outcome: FileOutcome) -> None:
        self.done.append((outcome.filename, outcome.status, outcome.message))


def test_without_holding_each_outcome_is_announced_as_it_is_recorded() -> None:
    seen = Announced()
    ledger = Ledger(seen, hold_uploads=False)
    ledger.record(FileOutcome.of(A, Status.UPLOADED))
    ledger.record(FileOutcome.of(B, Status.SKIPPED_IDENTICAL))
    assert seen.done == [
        (A.filename, Status.UPLOADED, ""),
        (B.filename, Status.SKIPPED_IDENTICAL, ""),
    ]
    ledger.close()
    assert len(seen.done) == 2  # nothing held, nothing announced again


def test_an_upload_is_held_until_its_confirmation_and_announced_once() -> None:
    seen = Announced()
    ledger = Ledger(seen, hold_uploads=True)
    ledger.record(FileOutcome.of(A, Status.UPLOADED))
    ledger.record(FileOutcome.of(B, Status.FAILED, message="500"))
    assert seen.done == [(B.filename, Status.FAILED, "500")]  # only the final one so far
    assert ledger.status(A.filename) is Status.UPLOADED
    ledger.confirmed([A.filename, A.filename, "unknown.tar.gz"])
    ledger.confirmed([A.filename])
    ledger.close()
    assert seen.done == [(B.filename, Status.FAILED, "500"), (A.filename, Status.UPLOADED, "")]


def test_an_upload_the_index_never_lists_is_announced_once_as_failed() -> None:
    seen = Announced()
    ledger = Ledger(seen, hold_uploads=True)
    ledger.record(FileOutcome.of(A, Status.UPLOADED, seconds=1.5))
    ledger.unconfirmed(A.filename, "the index does not list it after 20 s")
    ledger.close()
    assert seen.done == [
        (A.filename, Status.FAILED, "accepted but the index does not list it after 20 s")
    ]
    [outcome] = ledger.outcomes()
    assert outcome.seconds == 1.5  # the rest of the outcome is kept


def test_what_is_still_held_at_the_end_is_announced_as_it_stands() -> None:
    seen = Announced()
    ledger = Ledger(seen, hold_uploads=True)
    ledger.record(FileOutcome.of(B, Status.UPLOADED))
    ledger.record(FileOutcome.of(A, Status.UPLOADED))
    ledger.close()
    assert [name for name, _, _ in seen.done] == sorted([A.filename, B.filename])


def test_not_attempted_fills_in_only_the_undecided_files() -> None:
    seen = Announced()
    ledger = Ledger(seen, hold_uploads=False)
    ledger.record(FileOutcome.of(A, Status.FAILED))
    ledger.not_attempted([A, B, C], "an earlier file failed")
    assert ledger.status(A.filename) is Status.FAILED
    assert ledger.status(B.filename) is Status.NOT_ATTEMPTED
    assert ledger.names(Status.NOT_ATTEMPTED) == [B.filename, C.filename]
    assert ledger.status("other.tar.gz") is None


def test_the_record_lists_files_in_the_expected_order() -> None:
    ledger = Ledger(SilentReporter(), hold_uploads=False)
    ledger.expect([A.filename, B.filename, C.filename])
    for dist in (C, A, B):
        ledger.record(FileOutcome.of(dist, Status.UPLOADED))
    stray = distribution("zzz-1.0.tar.gz", project="zzz")
    ledger.record(FileOutcome.of(stray, Status.FAILED))
    assert [o.filename for o in ledger.outcomes()] == [
        A.filename,
        B.filename,
        C.filename,
        stray.filename,
    ]
    assert ledger.names(Status.UPLOADED, Status.FAILED)[-1] == stray.filename
