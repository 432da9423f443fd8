"""`acceptance`: what the target index's row says it refuses stops the run before uploading."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from publish_action.acceptance import refusals_against_pages, refusals_before_check
from publish_action.distributions import Distribution, inspect
from publish_action.errors import DistributionError, ExitCode
from publish_action.reporting import SilentReporter
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


# -- what an index validating metadata refuses (metadata_rules) -------------------------------

BROKEN = (
    "Metadata-Version: 2.1\nName: accept-demo\nVersion: {version}\nSummary: s\n"
    "Classifier: Programing Language :: Python\n\nTitle\n=====\n\nA `broken`_ link.\n"
)


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.warnings: list[tuple[str | None, str]] = []
        self.debugs: list[str] = []

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.warnings.append((filename, message))

    def debug(self, message: str) -> None:
        self.debugs.append(message)


@pytest.fixture
def broken(tmp_path: Path) -> list[Distribution]:
    from tests.support.dists import write_sdist, write_wheel

    text = BROKEN.format(version="1.0+corp")
    paths = [
        write_sdist(tmp_path, "accept-demo", "1.0+corp", text),
        write_wheel(tmp_path, "accept-demo", "1.0+corp", text),
    ]
    return list(inspect(paths, verify=True))


def reported(dists: list[Distribution], kind: IndexKind, verify: bool = True) -> Recorder:
    recorder = Recorder()
    refusals_before_check(
        dists,
        facts_of(kind),
        max_file_size=None,
        verify_metadata=verify,
        reporter=recorder,
    )
    return recorder


@pytest.mark.parametrize("kind", [IndexKind.PYPI, IndexKind.TESTPYPI])
def test_pypi_refusals_are_exit_3_naming_file_field_and_change(
    broken: list[Distribution], kind: IndexKind
) -> None:
    with pytest.raises(DistributionError) as info:
        reported(broken, kind)
    error = info.value
    assert error.exit_code is ExitCode.DISTRIBUTION
    assert error.message == f"{kind.value} would refuse 2 file(s); nothing was uploaded"
    sdist, wheel = (d.filename for d in broken)
    assert [d.split(": ")[:2] for d in error.details] == [
        [name, field]
        for name in (sdist, wheel)
        for field in ("Description", "Classifier", "Version")
    ]
    assert "did you mean 'Programming Language :: Python'?" in error.details[1]
    assert "'verify-metadata: false' skips them" in error.advice


def test_with_metadata_version_and_size_refusals_the_files_are_counted_once(
    broken: list[Distribution],
) -> None:
    big = [
        replace(
            broken[0],
            size=150 * 1024 * 1024,
            metadata={**broken[0].metadata, "metadata_version": "2.0"},
        )
    ]
    with pytest.raises(DistributionError) as info:
        reported(big, IndexKind.PYPI)
    assert info.value.message == "pypi.org would refuse 1 file(s); nothing was uploaded"
    assert len(info.value.details) == 5
    assert "core-metadata-version" in info.value.advice and "max-file-size" in info.value.advice


@pytest.mark.parametrize("kind", [IndexKind.DEVPI, IndexKind.PYPISERVER, IndexKind.UNKNOWN])
def test_elsewhere_the_readme_and_classifiers_are_warnings_and_pypi_rules_debug(
    broken: list[Distribution], kind: IndexKind
) -> None:
    recorder = reported(broken, kind)
    assert [(name, message.split(":")[0]) for name, message in recorder.warnings] == [
        (name, field)
        for name in (d.filename for d in broken)
        for field in ("Description", "Classifier")
    ]
    assert all(
        f"({kind.value} does not check it; PyPI would refuse the file)" in message
        for _, message in recorder.warnings
    )
    assert len(recorder.debugs) == 2 and all("local version label" in m for m in recorder.debugs)


def test_verify_metadata_false_skips_them(broken: list[Distribution]) -> None:
    assert reported(broken, IndexKind.PYPI, verify=False).warnings == []
    assert reported(broken, IndexKind.DEVPI, verify=False).warnings == []
