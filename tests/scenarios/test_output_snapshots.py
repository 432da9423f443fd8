"""Issue 11, step 1: the whole console output of a run, pinned per exit code.

Each case runs the real CLI against a real pypiserver (through a FaultProxy where the case
needs a fault) and compares stdout, stderr and the exit code with `tests/snapshots/<case>.txt`
after normalising what varies (ports, paths, times, digests). A refactor that changes what a
user reads fails here; a deliberate change is made with `SNAPSHOT_UPDATE=1` and reviewed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from publish_action.pipeline import stages as publish_module
from tests.scenarios.conftest import Publisher, Result, seed
from tests.support import runner_log, samples, servers, snapshots
from tests.support.dists import write_wheel
from tests.support.fault_proxy import FaultProxy, Respond, Rule

PROJECT = "snap-sample"


def shown(result: Result, env: dict[str, str] | None = None) -> str:
    text = f"exit {result.code}\n--- stdout ---\n{result.out}--- stderr ---\n{result.err}"
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        if env and Path(env[name]).exists():
            text += f"--- {name} ---\n{Path(env[name]).read_text(encoding='utf-8')}"
    return text


@pytest.fixture
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    """A pypiserver of its own: the snapshots see no other test's files."""
    context = servers.pypiserver(tmp_path_factory.mktemp("snapshots"))
    index = context.__enter__()
    yield index
    context.__exit__(None, None, None)


@pytest.fixture
def built(tmp_path: Path) -> list[Path]:
    return samples.build_project(tmp_path / "build", PROJECT, "1.0.0")


def test_exit_0_upload_then_rerun(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    folder = dist_dir(*built)
    first = publish(index, folder)
    second = publish(index, folder)
    assert (first.code, second.code) == (0, 0)
    snapshots.check("exit-0-upload", shown(first))
    snapshots.check("exit-0-rerun", shown(second))


def test_exit_0_dry_run(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    result = publish(index, dist_dir(*built), "--dry-run", "true")
    snapshots.check("exit-0-dry-run", shown(result))


def test_exit_0_under_github(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
    tmp_path: Path,
) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "RUNNER_TEMP": str(tmp_path),
    }
    result = publish(index, dist_dir(*built), environ=env)
    assert result.code == 0
    snapshots.check("exit-0-github", shown(result, env))


def test_exit_0_verbose(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """Every request and its answer, one line each (one upload at a time: a fixed order)."""
    result = publish(index, dist_dir(*built), "--verbose", "true", "--max-parallel", "1")
    assert result.code == 0
    snapshots.check("exit-0-verbose", shown(result))


def test_exit_5_under_github(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
    tmp_path: Path,
) -> None:
    """One problem: one error block, one annotation (linked to the refused file)."""
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "RUNNER_TEMP": str(tmp_path),
        "INPUT_USER": index.username,
        "INPUT_PASSWORD": "wrong-password",
    }
    result = publish(
        index,
        dist_dir(*built),
        "--max-parallel",
        "1",
        credentials=False,
        environ=env,
        secrets=("wrong-password",),
    )
    assert result.code == 5
    assert len(runner_log.annotation_lines(result.out, result.err)) == 1
    snapshots.check("exit-5-github", shown(result, env))


def test_exit_2_input(publish: Publisher, tmp_path: Path) -> None:
    result = publish(None, tmp_path, "--dry-run", "perhaps")
    snapshots.check("exit-2-input", shown(result))


def test_exit_3_invalid(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
    tmp_path: Path,
) -> None:
    folder = dist_dir(*built)
    broken = write_wheel(folder, PROJECT, "2.0")
    data = bytearray(broken.read_bytes())
    data[45] ^= 0xFF
    broken.write_bytes(bytes(data))
    (folder / "snap_sample-3.0.tar.gz").write_bytes(b"<html>404 Not Found</html>")
    result = publish(index, folder)
    assert result.code == 3
    snapshots.check("exit-3-invalid", shown(result))


def test_exit_4_mismatch(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
    tmp_path: Path,
) -> None:
    seed(index, samples.build_project(tmp_path / "other", PROJECT, "1.0.0", payload="other"))
    result = publish(index, dist_dir(*built))
    assert result.code == 4
    snapshots.check("exit-4-mismatch", shown(result))


def test_exit_5_refused(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    result = publish(
        index,
        dist_dir(*built),
        "--max-parallel=1",  # one at a time: failures are announced as they come
        credentials=False,
        environ={"INPUT_USER": index.username, "INPUT_PASSWORD": "wrong-password"},
        secrets=("wrong-password",),
    )
    assert result.code == 5
    snapshots.check("exit-5-refused", shown(result))


def test_exit_6_junk_on_the_check(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    with FaultProxy(index.root_url) as proxy:
        proxy.add(
            Rule(
                Respond(
                    200,
                    {"Content-Type": "text/html"},
                    "<html><body><h1>Down for maintenance</h1></body></html>",
                ),
                method="GET",
                path=rf"{PROJECT}/$",
            )
        )
        result = publish(proxy.index(index), dist_dir(*built))
    assert result.code == 6
    snapshots.check("exit-6-junk-check", shown(result))


def test_exit_1_internal_error_keeps_the_record(
    index: servers.RunningIndex,
    built: list[Path],
    publish: Publisher,
    dist_dir: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(publish_module, "confirm_uploads", bug)
    result = publish(index, dist_dir(*built))
    assert result.code == 1
    snapshots.check("exit-1-internal", shown(result))
