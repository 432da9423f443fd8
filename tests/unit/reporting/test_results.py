"""reporting/results.py: which outcomes are a success, outcomes made from a distribution, counts
and sizes as the console shows them."""

from __future__ import annotations

import pytest

from publish_action.reporting import FileOutcome, RunResult, Status
from publish_action.reporting.results import human_size
from tests.support.dists import distribution


def test_only_uploads_skips_and_dry_run_plans_are_ok() -> None:
    ok = {s for s in Status if s.ok}
    assert ok == {
        Status.UPLOADED,
        Status.SKIPPED_IDENTICAL,
        Status.SKIPPED_EXISTING,
        Status.WOULD_UPLOAD,
    }


def test_an_outcome_of_a_distribution_carries_its_identity_and_hashes() -> None:
    dist = distribution("demo-2.0-py3-none-any.whl", version="2.0", size=1234)
    outcome = FileOutcome.of(dist, Status.MISMATCH, 0.5, "differs", "sha256=" + "f" * 64)
    assert (outcome.filename, outcome.project, outcome.version, outcome.size) == (
        "demo-2.0-py3-none-any.whl",
        "demo",
        "2.0",
        1234,
    )
    assert outcome.hashes == dist.hashes and outcome.remote_hash == "sha256=" + "f" * 64
    assert (outcome.seconds, outcome.message) == (0.5, "differs")


def test_a_result_counts_outcomes_by_status() -> None:
    a, b, c = (distribution(f"demo-1.{n}.tar.gz", version=f"1.{n}") for n in range(3))
    result = RunResult(
        outcomes=(
            FileOutcome.of(a, Status.UPLOADED),
            FileOutcome.of(b, Status.UPLOADED),
            FileOutcome.of(c, Status.FAILED),
        ),
        exit_code=6,
        seconds=1.0,
    )
    assert result.count(Status.UPLOADED) == 2
    assert result.count(Status.UPLOADED, Status.FAILED) == 3
    assert result.count(Status.MISMATCH) == 0
    assert result.timings == {} and result.report_path is None


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 KB"),
        (1_500_000, "1.5 MB"),
        (2_000_000_000, "2.0 GB"),
        (5_000_000_000_000, "5000.0 GB"),  # no unit past GB
    ],
)
def test_human_size_in_decimal_units(size: int, shown: str) -> None:
    assert human_size(size) == shown
