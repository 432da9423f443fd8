"""Issue 3, scenarios 1-5, 10 and 11: the everyday paths, on real pypiserver, devpi and Pulp.

Each test publishes real distributions (built by hatchling) under a project name unique to the
test, through the real CLI, and proves the result three ways: exit code, console lines and JSON
report, and what the index really stores (``servers.list_files``, no product code). Request
counts come from a counting proxy in front of the real server.
"""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import pytest

from tests.scenarios.conftest import hashes, path_of, pip_download, seed, sha256
from tests.support import http_stubs, samples, servers

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.scenarios.conftest import Publisher, Result


# -- 1. fresh upload ------------------------------------------------------------------------------


def test_fresh_upload_then_pip_downloads_the_same_bytes(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        result = publish(http_stubs.index_via(any_index, proxy), dist_dir(*files))

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(any_index, project) == hashes(files)
    assert proxy.hits("POST") == 2
    assert "confirmed: the index lists all 2 uploaded file(s)" in result.out
    assert result.report["counts"]["uploaded"] == 2
    for entry in result.report["files"]:
        assert entry["sha256"] == hashes(files)[entry["filename"]]

    # What a user gets from the index is byte-for-byte what was built.
    downloads = tmp_path / "pip"
    wheel = pip_download(any_index.index_url, f"{project}==1.0", downloads, sdist=False)
    sdist = pip_download(any_index.index_url, f"{project}==1.0", downloads, sdist=True)
    assert hashes([*sdist, *wheel]) == hashes(files)


# -- 2. re-run ------------------------------------------------------------------------------------


def test_rerun_skips_everything_with_one_read_per_project_and_no_upload(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = [
        *samples.build_project(tmp_path, project + "-a", "1.0"),
        *samples.build_project(tmp_path, project + "-b", "2.0"),
    ]
    packages = dist_dir(*files)
    first = publish(any_index, packages)
    assert first.code == 0, first.describe()

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        via = http_stubs.index_via(any_index, proxy)
        again = publish(via, packages)

    assert again.code == 0, again.describe()
    again.assert_outcomes({p.name: "skipped-identical" for p in files})
    assert "nothing to upload: every file is already on the index" in again.out
    assert proxy.hits("POST") == 0
    expected = {
        ("GET", path_of(via.simple_url(project + "-a"))): 1,
        ("GET", path_of(via.simple_url(project + "-b"))): 1,
    }
    if any_index.kind != "pulp":  # one question tells pypiserver from devpi (shared shapes)
        expected[("GET", path_of(via.upload_url))] = 1
    assert dict(proxy.counts) == expected
    for name in (project + "-a", project + "-b"):
        assert servers.list_files(any_index, name) == {
            p.name: sha256(p) for p in files if servers.dist_name_version(p.name)[0] == name
        }


# -- 3. same version rebuilt with different content -----------------------------------------------


def test_rebuilt_with_different_content_is_a_mismatch_and_nothing_is_uploaded(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    # devpi's session index is volatile: it would silently replace the file, so the safety
    # here comes from the product's check alone.
    published = samples.build_project(tmp_path, project, "1.0", payload="first build")
    seed(any_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="second build")
    newer = samples.build_project(tmp_path, project, "1.1", payload="second build")
    assert [p.name for p in rebuilt] == [p.name for p in published]
    assert hashes(rebuilt) != hashes(published)

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        result = publish(http_stubs.index_via(any_index, proxy), dist_dir(*rebuilt, *newer))

    assert result.code == 4, result.describe()
    result.assert_outcomes(
        {
            **{p.name: "mismatch" for p in rebuilt},
            **{p.name: "not-attempted" for p in newer},  # stopped before the first upload
        }
    )
    assert proxy.hits("POST") == 0
    assert servers.list_files(any_index, project) == hashes(published)
    assert "2 file(s) are already on" in result.err and "nothing was uploaded" in result.err
    for old, new in zip(published, rebuilt, strict=True):
        detail = result.line_with(new.name, "local sha256=")
        assert sha256(new) in detail and sha256(old) in detail
    assert result.report["counts"]["mismatch"] == 2


# -- 4. half-published release --------------------------------------------------------------------


def test_half_published_release_uploads_only_the_missing_wheel(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    sdist, wheel = samples.build_project(tmp_path, project, "1.0")
    seed(any_index, [sdist])

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        result = publish(http_stubs.index_via(any_index, proxy), dist_dir(sdist, wheel))

    assert result.code == 0, result.describe()
    result.assert_outcomes({sdist.name: "skipped-identical", wheel.name: "uploaded"})
    assert proxy.hits("POST") == 1
    (post,) = [r for r in proxy.requests if r.method == "POST"]
    assert f'filename="{wheel.name}"'.encode() in post.body
    assert servers.list_files(any_index, project) == hashes([sdist, wheel])


# -- 5. dist/ holds an old, published version and a new one ---------------------------------------


def test_old_version_still_in_dist_is_skipped_new_one_uploaded(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    old = samples.build_project(tmp_path, project, "1.0")
    seed(any_index, old)
    new = samples.build_project(tmp_path, project, "1.1", payload="new")

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        via = http_stubs.index_via(any_index, proxy)
        result = publish(via, dist_dir(*old, *new))

    assert result.code == 0, result.describe()
    result.assert_outcomes(
        {
            **{p.name: "skipped-identical" for p in old},
            **{p.name: "uploaded" for p in new},
        }
    )
    assert proxy.hits("POST") == 2
    reads = proxy.hits("GET", path_of(via.simple_url(project)))
    if any_index.kind == "pulp":  # stored by a task after the 202: the confirm may read again
        assert reads >= 2
    else:
        assert reads == 2  # check + confirm
    assert servers.list_files(any_index, project) == hashes([*old, *new])


# -- 10. dry-run ----------------------------------------------------------------------------------


def test_dry_run_of_a_clean_plan_uploads_nothing_and_exits_like_the_real_run(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    sdist, wheel = samples.build_project(tmp_path, project, "1.0")
    seed(any_index, [sdist])
    packages = dist_dir(sdist, wheel)

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        via = http_stubs.index_via(any_index, proxy)
        dry = publish(via, packages, "--dry-run", "true")
        assert proxy.hits("POST") == 0
        assert servers.list_files(any_index, project) == hashes([sdist])
        real = publish(via, packages)

    assert dry.code == real.code == 0, dry.describe() + real.describe()
    dry.assert_outcomes({sdist.name: "skipped-identical", wheel.name: "would-upload"})
    assert dry.report["dry_run"] is True
    assert "dry run: 1 would upload, 1 already on the index (identical)" in dry.out
    real.assert_outcomes({sdist.name: "skipped-identical", wheel.name: "uploaded"})
    assert proxy.hits("POST") == 1  # the real run's only
    assert servers.list_files(any_index, project) == hashes([sdist, wheel])


def test_dry_run_finds_the_mismatch_the_real_run_would_stop_on(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    published = samples.build_project(tmp_path, project, "1.0", payload="one")
    seed(any_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="two")
    packages = dist_dir(*rebuilt)

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        via = http_stubs.index_via(any_index, proxy)
        dry = publish(via, packages, "--dry-run", "true")
        real = publish(via, packages)

    assert dry.code == real.code == 4, dry.describe() + real.describe()
    dry.assert_outcomes({p.name: "mismatch" for p in rebuilt})
    assert proxy.hits("POST") == 0
    assert servers.list_files(any_index, project) == hashes(published)


@pytest.fixture(scope="module")
def read_protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    """pypiserver that wants the password for reading too: reads can test it."""
    with servers.pypiserver(
        tmp_path_factory.mktemp("read-protected"), authenticate="download,update,list"
    ) as index:
        yield index


def _wrong_password(
    publish: Publisher, index: servers.RunningIndex, packages: Path, *extra: str
) -> Result:
    return publish(
        index,
        packages,
        *extra,
        credentials=False,
        environ={"INPUT_USER": index.username, "INPUT_PASSWORD": "not-the-password"},
        secrets=("not-the-password",),
    )


def test_a_dry_run_verifies_the_password_where_reads_need_it_and_exits_as_the_real_run(
    read_protected: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    packages = dist_dir(*samples.build_project(tmp_path, project, "1.0"))
    dry_wrong = _wrong_password(publish, read_protected, packages, "--dry-run", "true")
    real_wrong = _wrong_password(publish, read_protected, packages)
    assert dry_wrong.code == real_wrong.code == 5, dry_wrong.describe() + real_wrong.describe()
    assert servers.list_files(read_protected, project) == {}

    dry = publish(read_protected, packages, "--dry-run", "true")
    assert dry.code == 0, dry.describe()
    assert (
        "dry run: credentials verified: the index refuses anonymous reads (HTTP 401) and "
        f"accepted user '{read_protected.username}' for the check's reads" in dry.out
    ), dry.describe()
    assert dry.report["credentials_verified"] is True
    assert servers.list_files(read_protected, project) == {}


def test_a_dry_run_says_plainly_when_only_an_upload_could_test_the_password(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    packages = dist_dir(*samples.build_project(tmp_path, project, "1.0"))
    dry = _wrong_password(publish, pypiserver_index, packages, "--dry-run", "true")
    real = _wrong_password(publish, pypiserver_index, packages)
    # pypiserver lets anyone read: nothing but an upload tests the password.
    assert (dry.code, real.code) == (0, 5), dry.describe() + real.describe()
    assert "dry run: credentials NOT verified: the index answers anonymous reads" in dry.out
    assert "a refusal fails the real run (exit code 5), not this dry run" in dry.out
    assert dry.report["dry_run"] is True and dry.report["credentials_verified"] is False
    assert dry.report["credentials_note"].startswith("the index answers anonymous reads")
    assert real.report["credentials_verified"] is None


# -- 11. invalid distributions --------------------------------------------------------------------


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_invalid_distributions_are_all_reported_before_any_request(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    sdist, wheel = samples.build_project(tmp_path, project, "1.0")
    stem = project.replace("-", "_")
    bad = tmp_path / "bad"
    bad.mkdir()
    corrupt = bad / f"{stem}-2.0-py3-none-any.whl"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip archive at all")
    wrong_version = bad / f"{stem}-3.0-py3-none-any.whl"
    wrong_version.write_bytes(wheel.read_bytes())  # METADATA says 1.0
    wrong_name = bad / "someone_else-1.0.tar.gz"
    wrong_name.write_bytes(sdist.read_bytes())  # PKG-INFO names our project
    bad_metadata = _zip(
        bad / f"{stem}-4.0-py3-none-any.whl",
        {
            f"{stem}-4.0.dist-info/METADATA": (
                f"Metadata-Version: 2.1\nName: {project}\nVersion: 4.0\n"
                "Requires-Python: >=3.8,,banana\n"
            ),
            f"{stem}-4.0.dist-info/WHEEL": "Wheel-Version: 1.0\n",
        },
    )
    no_metadata = _zip(bad / f"{stem}-5.0-py3-none-any.whl", {f"{stem}/__init__.py": ""})
    invalid = [corrupt, wrong_version, wrong_name, bad_metadata, no_metadata]

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        result = publish(http_stubs.index_via(any_index, proxy), dist_dir(sdist, wheel, *invalid))

    assert result.code == 3, result.describe()
    assert sum(proxy.counts.values()) == 0  # not even the check
    assert servers.list_files(any_index, project) == {}
    assert "5 of 7 distribution(s) are invalid; nothing was uploaded" in result.err
    assert "not a zip archive" in result.lines_with(corrupt.name)
    assert "version 3.0 but metadata Version is '1.0'" in result.lines_with(wrong_version.name)
    assert "not named for" in result.lines_with(wrong_version.name)  # its .dist-info folder
    assert "outside the one top folder someone_else-1.0/" in result.lines_with(wrong_name.name)
    assert "requires-python" in result.lines_with(bad_metadata.name)
    assert "no .dist-info folder" in result.lines_with(no_metadata.name)
    for valid in (sdist, wheel):  # the valid files are listed, not blamed
        assert f"{valid.name}:" not in result.err
    assert result.report["exit_code"] == 3
    assert result.report_outcomes == {}
