"""Issue 10: with the DEFAULT settings, a server that stops answering or trickles — on the
check, an upload or the confirmation — ends the run with exit 6 within 3 minutes, naming the
phase and the URL.

The three runs are real processes started together (each against its own FaultProxy in front of
the same real pypiserver), so the suite pays for the slowest one (about a minute: two 30 s
timeouts), not for three.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support import samples, servers
from tests.support.fault_proxy import FaultProxy, Forward, Rule, SlowRead, Stall

SRC = Path(__file__).resolve().parents[2] / "src"
BOUND = 180.0


def test_a_dead_or_trickling_index_ends_the_run_within_three_minutes(
    pypiserver_index: servers.RunningIndex,
    tmp_path: Path,
) -> None:
    phases = {"check": r"bounds-check/$", "upload": "", "confirmation": r"bounds-confirmation/$"}
    with (
        FaultProxy(pypiserver_index.root_url) as check,
        FaultProxy(pypiserver_index.root_url) as upload,
        FaultProxy(pypiserver_index.root_url) as confirmation,
    ):
        check.add(Rule(Stall(), method="GET", path=phases["check"]))
        # The body read in trickles: the index never has the whole file, so no re-read can
        # find it stored (a trickled *answer* comes after pypiserver stored the file, and the
        # re-read then rightly decides "uploaded").
        upload.add(Rule(SlowRead(20), method="POST"))
        confirmation.add(Rule(Forward(), method="GET", path=phases["confirmation"], times=1))
        confirmation.add(Rule(Stall(), method="GET", path=phases["confirmation"]))
        proxies = {"check": check, "upload": upload, "confirmation": confirmation}
        runs = {}
        start = time.monotonic()
        for phase, proxy in proxies.items():
            files = samples.build_project(tmp_path / phase, f"bounds-{phase}", "1.0")
            runs[phase] = _start(proxy.index(pypiserver_index), files[0].parent)
        done = {phase: _finish(proc) for phase, proc in runs.items()}
        elapsed = time.monotonic() - start
    assert elapsed < BOUND
    for phase, (code, err, seconds) in done.items():
        assert code == 6, f"{phase}: exit {code}\n{err}"
        assert seconds < BOUND
        assert f"{phase}:" in err, err
        assert proxies[phase].origin in err, err
        assert "Traceback" not in err


def _start(index: servers.RunningIndex, dist: Path) -> tuple[subprocess.Popen[str], float]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "INPUT_PASSWORD": index.password,
    }
    argv = [
        sys.executable,
        "-m",
        "publish_action",
        "--repository-url",
        index.upload_url,
        "--user",
        index.username,
        "--packages-dir",
        str(dist),
    ]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return proc, time.monotonic()


def _finish(started: tuple[subprocess.Popen[str], float]) -> tuple[int, str, float]:
    proc, at = started
    _, err = proc.communicate(timeout=BOUND + 30)
    return proc.returncode, err, time.monotonic() - at
