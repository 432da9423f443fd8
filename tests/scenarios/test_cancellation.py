"""Issue 10: cancelling stops a release cleanly, and the re-run converges.

The CLI runs as a real process (signals go to processes) against a real pypiserver behind a
FaultProxy that makes uploads slow. GitHub sends SIGINT when a run is cancelled, then SIGTERM
7.5 s later; `docker stop` sends SIGTERM. Each case asserts the exit code (130/143), that the
JSON report and GitHub's outputs were written with the real exit code, what each file's outcome
says, what the index holds, and that a plain re-run then publishes the rest (exit 0).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.conftest import hashes
from tests.support import runner_log, samples, servers
from tests.support.dists import write_wheel
from tests.support.fault_proxy import Delay, FaultProxy, Rule, SlowRead, Stall

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class Run:
    code: int
    out: str
    err: str
    report: dict[str, Any]
    outputs: str
    seconds: float

    @property
    def log(self) -> str:
        """What the job's log shows: under GitHub the error is an annotation on stdout."""
        return runner_log.shown(self.out, self.err)

    def outcome(self, filename: str) -> tuple[str, str]:
        files = self.report["files"]
        assert isinstance(files, list)
        entry = next(f for f in files if f["filename"] == filename)
        return entry["status"], entry["message"]


class Job:
    """One CI job's worth of files and output paths; each `start` is one run of the CLI."""

    def __init__(self, tmp: Path, index: servers.RunningIndex, dist: Path) -> None:
        self.tmp, self.index, self.dist = tmp, index, dist
        self.runs = 0

    def start(self, via: servers.RunningIndex) -> tuple[subprocess.Popen[bytes], Path]:
        self.runs += 1
        folder = self.tmp / f"run-{self.runs}"
        folder.mkdir()
        (folder / "output").touch()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(SRC),
            "INPUT_PASSWORD": via.password,
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(folder / "output"),
            "GITHUB_STEP_SUMMARY": str(folder / "summary"),
            "RUNNER_TEMP": str(folder),
        }
        argv = [
            sys.executable,
            "-m",
            "publish_action",
            "--repository-url",
            via.upload_url,
            "--user",
            via.username,
            "--packages-dir",
            str(self.dist),
            "--report-path",
            str(folder / "report.json"),
            "--confirm-timeout",
            "2",
            # One upload at a time, so "the upload in flight" is exactly one file.
            "--max-parallel",
            "1",
        ]
        out = (folder / "stdout").open("wb")
        err = (folder / "stderr").open("wb")
        return subprocess.Popen(argv, env=env, stdout=out, stderr=err), folder

    def finish(self, proc: subprocess.Popen[bytes], folder: Path, started: float) -> Run:
        proc.wait(timeout=60)
        report_file = folder / "report.json"
        return Run(
            proc.returncode,
            (folder / "stdout").read_text(),
            (folder / "stderr").read_text(),
            json.loads(report_file.read_text()) if report_file.exists() else {},
            (folder / "output").read_text(),
            time.monotonic() - started,
        )

    def run(self, via: servers.RunningIndex) -> Run:
        started = time.monotonic()
        proc, folder = self.start(via)
        return self.finish(proc, folder, started)


@pytest.fixture
def job(pypiserver_index: servers.RunningIndex, project: str, tmp_path: Path) -> Job:
    dist = tmp_path / "dist"
    dist.mkdir()
    for version in ("1.0", "1.1", "1.2"):
        for path in samples.build_project(tmp_path / version, project, version):
            path.rename(dist / path.name)
    return Job(tmp_path, pypiserver_index, dist)


def _cancel(job: Job, proxy: FaultProxy, sig: int, *, twice: bool = False) -> Run:
    started = time.monotonic()
    proc, folder = job.start(proxy.index(job.index))
    proxy.wait_for(1, method="POST", timeout=30)
    time.sleep(0.3)
    proc.send_signal(sig)
    if twice:
        time.sleep(0.2)
        proc.send_signal(sig)
    return job.finish(proc, folder, started)


def _assert_reported(run: Run, code: int) -> None:
    assert run.code == code, run.err
    assert run.report["exit_code"] == code
    assert "exit-code<<" in run.outputs and f"\n{code}\n" in run.outputs
    assert "Traceback" not in run.err
    assert "re-run the job" in run.log


def test_sigint_lets_the_upload_in_flight_finish_and_stops_the_rest(job: Job) -> None:
    with FaultProxy(job.index.root_url) as proxy:
        proxy.add(Rule(Delay(2.0), method="POST"))
        run = _cancel(job, proxy, signal.SIGINT)
        sent = len(proxy.requests(method="POST"))
    _assert_reported(run, 130)
    assert "interrupted (SIGINT" in run.log
    statuses = {f: run.outcome(f)[0] for f in hashes(sorted(job.dist.iterdir()))}
    assert sent == 1 and list(statuses.values()).count("uploaded") == 1  # finished in grace
    assert list(statuses.values()).count("not-attempted") == 5
    assert run.seconds < 15
    on_index = servers.list_files(job.index, next(iter(statuses)).split("-")[0].replace("_", "-"))
    assert len(on_index) == 1

    rerun = job.run(job.index)
    assert rerun.code == 0, rerun.err
    assert servers.list_files(job.index, run.report["files"][0]["project"]) == hashes(
        sorted(job.dist.iterdir())
    )


def test_sigterm_aborts_a_stalled_upload_within_seconds(job: Job) -> None:
    with FaultProxy(job.index.root_url) as proxy:
        proxy.add(Rule(Stall(), method="POST"))
        run = _cancel(job, proxy, signal.SIGTERM)
    _assert_reported(run, 143)
    assert run.seconds < 15
    interrupted = [f["filename"] for f in run.report["files"] if f["status"] == "interrupted"]
    assert len(interrupted) == 1
    assert "may be on the index" in run.outcome(interrupted[0])[1]
    assert servers.list_files(job.index, run.report["files"][0]["project"]) == {}
    assert job.run(job.index).code == 0


def test_an_upload_cut_mid_body_is_not_stored(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
) -> None:
    # Larger than every socket buffer between us and the server: the body is really mid-way.
    dist = tmp_path / "dist"
    dist.mkdir()
    write_wheel(dist, project, "1.0", members={"blob.bin": os.urandom(32 * 1024 * 1024)})
    job = Job(tmp_path, pypiserver_index, dist)
    with FaultProxy(job.index.root_url) as proxy:
        proxy.add(Rule(SlowRead(100_000), method="POST"))
        run = _cancel(job, proxy, signal.SIGTERM)
    _assert_reported(run, 143)
    [entry] = run.report["files"]
    assert entry["status"] == "interrupted"
    assert "cut off before its end, so the index did not store it" in entry["message"]
    assert servers.list_files(job.index, project) == {}
    assert job.run(job.index).code == 0
    assert servers.list_files(job.index, project) == hashes(sorted(dist.iterdir()))


def test_a_second_sigint_aborts_at_once(job: Job) -> None:
    with FaultProxy(job.index.root_url) as proxy:
        proxy.add(Rule(Stall(), method="POST"))
        run = _cancel(job, proxy, signal.SIGINT, twice=True)
    _assert_reported(run, 130)
    assert run.seconds < 5  # not the 5 s grace
