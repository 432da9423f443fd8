"""Issue 10: broken and hostile distributions are refused before the first request.

Every case of the catalogue in `tests/support/hostile.py` (crafted byte by byte: corrupt
members, lying headers, bombs, path tricks, control characters, ambiguous packages-dir
contents) goes through the real CLI against a real pypiserver behind a counting proxy. Each
must exit 3 naming the file (and the member, where there is one), with no traceback, within a
few seconds, and without a single request reaching the index. The bombs also run in a child
process whose peak memory is measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from publish_action.redaction import printable
from tests.scenarios.conftest import Publisher
from tests.support import hostile, http_stubs, servers

LEGITIMATE = {"none-inside-link"}
# Defects of the container itself, found before any member is read: the message names the file.
WHOLE_FILE = {"concatenated-zip", "concatenated-gzip", "gzip-bomb"}
CASES = [case for case in hostile.all_cases() if case.defect not in LEGITIMATE]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_hostile_distribution_is_refused_before_any_request(
    case: hostile.HostileCase,
    pypiserver_index: servers.RunningIndex,
    tmp_path: Path,
    publish: Publisher,
) -> None:
    folder = tmp_path / "dist"
    paths = case.make(folder)
    with http_stubs.counting_proxy(pypiserver_index.root_url) as proxy:
        start = time.monotonic()
        result = publish(http_stubs.index_via(pypiserver_index, proxy), folder)
        seconds = time.monotonic() - start
    assert result.code == 3, result.describe()
    assert "Traceback" not in result.text
    assert sum(proxy.counts.values()) == 0  # not even the check
    assert "nothing was uploaded" in result.err
    names = [
        printable(p.name, one_line=True)
        for p in paths
        if p.name.startswith(("hostile", "Hostile", "Foo", "foo", "x-"))
    ] or [printable(paths[0].name, one_line=True)]
    assert any(name in result.err for name in names), result.describe()
    if case.member and case.defect not in WHOLE_FILE:
        member = printable(case.member, one_line=True)
        # The member itself, or its folder (a .dist-info or top folder named as a whole).
        assert member in result.err or member.rsplit("/", 1)[0] in result.err, result.describe()
    assert "\x1b" not in result.text and "\n::error::" not in result.text
    assert servers.list_files(pypiserver_index, hostile.PROJECT) == {}
    assert seconds < 10


def test_a_link_inside_an_sdist_is_legitimate(
    pypiserver_index: servers.RunningIndex,
    tmp_path: Path,
    publish: Publisher,
) -> None:
    [case] = hostile.by_defect("none-inside-link")
    folder = tmp_path / "dist"
    case.make(folder)
    result = publish(pypiserver_index, folder, "--dry-run", "true")
    assert result.code == 0, result.describe()
    assert result.console_outcomes == {hostile.SDIST_NAME: "would-upload"}


@pytest.mark.parametrize(
    "case_id",
    [
        "wheel-bomb-size-lie",
        "wheel-bomb-zip64-lie",
        "wheel-bomb-ratio",
        "wheel-bomb-overlap",
        "wheel-metadata-50mb",
        "sdist-gzip-bomb",
        "sdist-pkg-info-50mb",
    ],
)
def test_bombs_are_refused_with_bounded_memory_and_time(
    case_id: str,
    tmp_path: Path,
    dist_dir: Callable[..., Path],
) -> None:
    folder = tmp_path / "dist"
    hostile.get(case_id).make(folder)
    code, peak_mb, seconds, err = _run_child(folder)
    assert code == 3, err
    assert "Traceback" not in err
    assert peak_mb < 100, f"{case_id}: peak memory {peak_mb:.0f} MB"
    assert seconds < 15


# The CLI's own peak memory, read in the child itself: a forked child's rusage counts the
# parent's pages too (Linux keeps the high-water mark across exec), /proc's VmHWM does not.
_CHILD = """
import resource, sys
from publish_action.cli import main
code = main(sys.argv[1:])
try:
    peak = next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # macOS: bytes
print(f"peak-mb {peak:.1f}")
sys.exit(code)
"""


def _run_child(folder: Path) -> tuple[int, float, float, str]:
    """The CLI in its own process (a dry run, no index): exit code, peak memory, time, stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    argv = [
        sys.executable,
        "-c",
        _CHILD,
        "--packages-dir",
        str(folder),
        "--dry-run",
        "true",
        "--repository-url",
        "http://127.0.0.1:9/",
    ]
    start = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    seconds = time.monotonic() - start
    peak = float(done.stdout.rsplit("peak-mb ", 1)[1])
    return done.returncode, peak, seconds, done.stderr
