"""Issue 13, item 6: what a person at a terminal sees, and what a CI log gets.

The CLI runs as a real process whose stdout and stderr are a pseudo-terminal (as in a shell),
uploading to a real pypiserver behind a FaultProxy that reads uploads slowly, so that the bar
has time to show. Everything the process wrote is replayed by `tests.support.terminal`, which
gives the screen a person would see at the end: only the run's lines, no bar left over, the
cursor back. The same run with ``CI=true`` writes plain lines only, without a single escape.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from tests.support import samples, servers
from tests.support.dists import write_wheel
from tests.support.fault_proxy import FaultProxy, Rule, SlowRead
from tests.support.terminal import screen

SRC = Path(__file__).resolve().parents[2] / "src"
# Plain in-flight lines every half second instead of every ten (a CI log's heartbeat).
PROBE = (
    "import sys; import publish_action.upload.batch as batch; batch.PROGRESS_EVERY = 0.5; "
    "from publish_action.cli import main; sys.exit(main(sys.argv[1:]))"
)
BAR_GLYPHS = ("━", " ETA ", "uploading 0/", "uploading 1/", "uploading 2/")


class Terminal:
    """A process on a pseudo-terminal of 120 columns; `text` is all it wrote."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen(
            argv, env=env, stdin=follower, stdout=follower, stderr=follower, close_fds=True
        )
        os.close(follower)
        self._leader = leader
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._leader, 65536)
            except OSError:  # EIO: the process is gone and the terminal closed
                return
            if not data:
                return
            self._chunks.append(data)

    @property
    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        until = time.monotonic() + timeout
        while needle not in self.text:
            assert time.monotonic() < until, f"never saw {needle!r}:\n{self.text[-2000:]!r}"
            time.sleep(0.05)

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        os.close(self._leader)
        return code


@pytest.fixture
def slow_dist(project: str, tmp_path: Path) -> Path:
    """A 16 MB wheel and a small sdist: at 4 MB/s the wheel takes seconds to send (more than
    the socket buffers between us and the proxy hold, so the bytes sent show a real rate)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    write_wheel(dist, project, "1.0", members={"blob.bin": os.urandom(16 * 1024 * 1024)})
    for path in samples.build_project(tmp_path / "build", project, "1.0"):
        if path.name.endswith(".tar.gz"):
            path.rename(dist / path.name)
    return dist


def start(index: servers.RunningIndex, dist: Path, tmp_path: Path, **env: str) -> Terminal:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "INPUT_PASSWORD": index.password,
        "TERM": "xterm-256color",
        **env,
    }
    argv = [
        sys.executable,
        "-c",
        PROBE,
        "--repository-url",
        index.upload_url,
        "--user",
        index.username,
        "--packages-dir",
        str(dist),
        "--print-hash",
        "false",
        "--confirm-timeout",
        "2",
        "--report-path",
        str(tmp_path / f"report-{time.monotonic_ns()}.json"),
    ]
    return Terminal(argv, environ)


def test_a_terminal_gets_a_live_bar_with_rate_and_eta_that_leaves_a_clean_screen(
    pypiserver_index: servers.RunningIndex, slow_dist: Path, tmp_path: Path
) -> None:
    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(SlowRead(4_000_000), method="POST"))
        terminal = start(proxy.index(pypiserver_index), slow_dist, tmp_path)
        code = terminal.finish()
    raw = terminal.text
    assert code == 0, raw[-3000:]
    # While the wheel was sent, the bar showed the whole and the file, with rate and ETA.
    frames = re.findall(
        r"uploading \d/2 file\(s\)[^\r\n]*", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    )
    assert frames, raw[-3000:]
    assert any(re.search(r"[0-9.]+ [kM]B/s ETA \d:\d\d:\d\d", f) for f in frames), frames[-5:]
    assert "\x1b[?25l" in raw  # it hid the cursor while drawing
    shown = screen(raw)
    assert shown.cursor_visible
    lines = shown.text
    assert not [ln for ln in lines if any(glyph in ln for glyph in BAR_GLYPHS)], lines
    wheel, sdist = sorted(p.name for p in slow_dist.iterdir())
    uploaded = [ln for ln in lines if ln.startswith("uploaded ")]
    assert sorted(ln.split()[1] for ln in uploaded) == sorted([wheel, sdist])
    assert lines[-2] == "confirmed: the index lists all 2 uploaded file(s)"
    assert re.fullmatch(r"2 uploaded in [0-9.]+ s — ok", lines[-1])
    # A terminal gets no plain in-flight lines: the bar said it.
    assert not [ln for ln in lines if ln.startswith("uploading ")]


def test_a_ci_log_gets_plain_lines_and_not_one_escape(
    pypiserver_index: servers.RunningIndex, slow_dist: Path, tmp_path: Path
) -> None:
    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(SlowRead(4_000_000), method="POST"))
        terminal = start(proxy.index(pypiserver_index), slow_dist, tmp_path, CI="true")
        code = terminal.finish()
    raw = terminal.text
    assert code == 0, raw[-3000:]
    assert "\x1b" not in raw
    wheel = next(p.name for p in slow_dist.iterdir() if p.suffix == ".whl")
    line = rf"^uploading +{re.escape(wheel)}  [0-9.]+ [KM]B of 16\.8 MB \(\d+%\) after \d+ s\r?$"
    assert re.search(line, raw, re.MULTILINE), raw


def test_ctrl_c_mid_upload_stops_the_run_and_leaves_the_terminal_clean(
    pypiserver_index: servers.RunningIndex, slow_dist: Path, tmp_path: Path
) -> None:
    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(SlowRead(1_000_000), method="POST"))
        terminal = start(proxy.index(pypiserver_index), slow_dist, tmp_path)
        terminal.wait_for("ETA")
        terminal.proc.send_signal(signal.SIGINT)
        code = terminal.finish()
    raw = terminal.text
    assert code == 130, raw[-3000:]
    shown = screen(raw)
    assert shown.cursor_visible
    lines = shown.text
    assert not [ln for ln in lines if any(glyph in ln for glyph in BAR_GLYPHS)], lines
    assert any(ln.startswith("interrupted ") for ln in lines), lines
    assert "error: the run stopped: interrupted (SIGINT" in "\n".join(lines), lines
    assert re.fullmatch(r".* in [0-9.]+ s — exit code 130", lines[-1]), lines
