"""`acceptance`: what the target index's row says it refuses stops the run before uploading."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from publish_action.acceptance import refusals_against_pages, refusals_before_check
from publish_action.distributions import Distribution, inspect
from publish_action.errors import DistributionError, ExitCode
from publish_action.simple_index import ProjectPage, RemoteFile
from publish_action.targets import IndexKind, facts_of
from tests.support import samples

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> list[Distribution]:
    paths = samples.build_project(tmp_path_factory.mktemp("acc"), "accept-demo", "1.0")
    return list(inspect(paths, verify=True))


def with_metadata_version(dist: Distribution, version: str) -> Distribution:
    return replace(dist, metadata={**dist.metadata, "metadata_version": version})


def test_a_metadata_version_the_index_refuses_is_exit_3_naming_the_field(
    dists: list[Distribution],
) -> None:
    """pulp-python 3.36.4 accepts 1.0 to 2.5; 2.6 is "not a valid choice" (measured here,
    tests/support_selftest/test_pulp_fixture.py)."""
    newer = [with_metadata_version(d, "2.6") for d in dists]
    with pytest.raises(DistributionError) as info:
        refusals_before_check(newer, facts_of(IndexKind.PULP), max_file_size=None)
    error = info.value
    assert error.exit_code is ExitCode.DISTRIBUTION
    assert "nothing was uploaded" in error.message and "Pulp" in error.message
    assert all("field Metadata-Version is 2.6" in d for d in error.details)
    assert "core-metadata-version" in error.advice  # the build-backend setting that changes it
    refusals_before_check(
        [with_metadata_version(d, "2.5") for d in dists],
        facts_of(IndexKind.PULP),
        max_file_size=None,
    )
    # Azure's list today is unconfirmed: nothing is refused up front there.
    refusals_before_check(newer, facts_of(IndexKind.AZURE), max_file_size=None)


def test_metadata_2_0_is_refused_by_pypi_and_accepted_where_unknown(
    dists: list[Distribution],
) -> None:
    old = [with_metadata_version(dists[0], "2.0")]
    with pytest.raises(DistributionError, match=r"pypi\.org would refuse"):
        refusals_before_check(old, facts_of(IndexKind.PYPI), max_file_size=None)
    refusals_before_check(old, facts_of(IndexKind.DEVPI), max_file_size=None)


def test_a_file_over_the_index_limit_is_exit_3_unless_the_limit_was_raised(
    dists: list[Distribution],
) -> None:
    big = [replace(dists[0], size=150 * 1024 * 1024)]
    with pytest.raises(DistributionError) as info:
        refusals_before_check(big, facts_of(IndexKind.PYPI), max_file_size=None)
    assert "150.0 MiB, over pypi.org's limit of 100 MiB" in info.value.details[0]
    assert "'max-file-size'" in info.value.advice
    refusals_before_check(big, facts_of(IndexKind.PYPI), max_file_size=200 * 1024 * 1024)
    with pytest.raises(DistributionError, match="would refuse"):
        refusals_before_check(big, facts_of(IndexKind.DEVPI), max_file_size=100 * 1024 * 1024)
    refusals_before_check(big, facts_of(IndexKind.DEVPI), max_file_size=None)  # no known limit


def page_of(project: str, names: list[str], *, uploaded: datetime | None = None) -> ProjectPage:
    stamp = uploaded.isoformat() if uploaded else None
    files = {n: RemoteFile(n, f"https://x/{n}", {"sha256": "0" * 64}, stamp) for n in names}
    return ProjectPage(project, f"https://x/{project}/", found=True, files=files)


def test_codeartifact_refuses_more_than_150_files_per_version(dists: list[Distribution]) -> None:
    """AWS CodeArtifact quotas: 150 assets per package version (not adjustable)."""
    wheels = [f"accept_demo-1.0-cp3{i}-cp3{i}-manylinux_2_17_x86_64.whl" for i in range(149)]
    pages = {"accept-demo": page_of("accept-demo", wheels)}
    with pytest.raises(DistributionError) as info:
        refusals_against_pages(dists, pages, facts_of(IndexKind.CODEARTIFACT), now=NOW)
    assert "149 file(s) on the index and 2 to upload" in info.value.details[0]
    refusals_against_pages(dists[:1], pages, facts_of(IndexKind.CODEARTIFACT), now=NOW)


def test_pypi_refuses_new_files_on_a_release_older_than_14_days(
    dists: list[Distribution],
) -> None:
    """warehouse #19727: "Uploading new files to releases older than 14 days is not allowed"."""
    old = {
        "accept-demo": page_of(
            "accept-demo", ["accept_demo-1.0.tar.gz"], uploaded=NOW - timedelta(days=20)
        )
    }
    with pytest.raises(DistributionError) as info:
        refusals_against_pages(dists[1:], old, facts_of(IndexKind.PYPI), now=NOW)
    assert "released 20 days ago" in info.value.details[0]
    recent = {
        "accept-demo": page_of(
            "accept-demo", ["accept_demo-1.0.tar.gz"], uploaded=NOW - timedelta(days=3)
        )
    }
    refusals_against_pages(dists[1:], recent, facts_of(IndexKind.PYPI), now=NOW)
    other = {
        "accept-demo": page_of(
            "accept-demo", ["accept_demo-0.9.tar.gz"], uploaded=NOW - timedelta(days=400)
        )
    }
    refusals_against_pages(dists, other, facts_of(IndexKind.PYPI), now=NOW)  # a new version


def test_an_html_page_without_upload_times_decides_nothing(dists: list[Distribution]) -> None:
    pages = {"accept-demo": page_of("accept-demo", ["accept_demo-1.0.tar.gz"])}
    refusals_against_pages(dists, pages, facts_of(IndexKind.PYPI), now=NOW)


def test_the_paths_are_real(dists: list[Distribution]) -> None:
    assert all(isinstance(d.path, Path) and d.path.exists() for d in dists)
