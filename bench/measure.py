"""Run one command and measure it: wall time, CPU, peak RSS of its process tree, and how much
CPU *other* programs used on the machine meanwhile (to detect disturbed runs).

Linux only, stdlib only: everything comes from /proc and wait4().

* Peak RSS of the tree: every 10 ms the current RSS and the high-water mark (VmHWM) of the
  root process and its descendants (found by a /proc scan every 100 ms) are read; the peak is
  the largest sum seen, or the largest single high-water mark (exact for one process).
* Foreign CPU: the machine's busy time (``/proc/stat``: user+nice+system+irq+softirq+steal)
  over the run, minus the CPU of the measured tree (wait4 rusage), of the index server process
  and of this benchmark process. What is left was spent by someone else (or stolen by the
  hypervisor); a run where that is large is "disturbed" and repeated.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
HZ = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read().decode(errors="replace")
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'.
    return data[data.rindex(")") + 2 :].split()


def process_cpu(pid: int) -> float:
    """utime + stime of a live process (all its threads), in seconds; 0 if gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / HZ


def _memory(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS since exec) of a live process, in bytes; (0, 0) if gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
                elif line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                    break
    except (OSError, IndexError, ValueError):
        pass
    return rss, hwm


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(root: int) -> list[int]:
    tree = _children_map()
    out: list[int] = []
    stack = list(tree.get(root, []))
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(tree.get(pid, []))
    return out


def children_matching(parent: int, needle: str) -> list[int]:
    """Direct children of ``parent`` whose command line contains ``needle``."""
    found = []
    for pid in _children_map().get(parent, []):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in cmdline:
            found.append(pid)
    return found


def system_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    with open("/proc/stat") as handle:
        fields = handle.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / HZ


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def foreign_load(seconds: float, own_pids: list[int]) -> float:
    """Average cores used by programs other than this one and ``own_pids`` over ``seconds``."""
    busy0, self0 = system_busy(), self_cpu()
    own0 = sum(process_cpu(p) for p in own_pids)
    start = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    own = sum(process_cpu(p) for p in own_pids) - own0 + self_cpu() - self0
    return max(0.0, (system_busy() - busy0 - own) / elapsed)


def wait_until_quiet(
    own_pids: list[int],
    *,
    threshold: float = 0.15,
    patience: float = 20.0,
    log: Callable[[str], None] = print,
) -> float:
    """Wait (bounded) until other programs use < ``threshold`` cores; return the last load."""
    deadline = time.monotonic() + patience
    load = foreign_load(0.25, own_pids)
    warned = False
    while load > threshold and time.monotonic() < deadline:
        if not warned:
            log(f"    machine busy ({load:.2f} cores used by other programs); waiting")
            warned = True
        time.sleep(1.0)
        load = foreign_load(0.25, own_pids)
    return load


class _Sampler(threading.Thread):
    """Peak RSS of a process tree: the largest sum of current RSS seen over the samples, or the
    largest single process's high-water mark (VmHWM, exact), whichever is larger."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.stop = threading.Event()
        self._others: list[int] = []

    def run(self) -> None:
        tick = 0
        while not self.stop.is_set():
            if tick % 10 == 0:
                self._others = descendants(self.root)
            total = 0
            for pid in (self.root, *self._others):
                rss, hwm = _memory(pid)
                total += rss
                self.peak = max(self.peak, hwm)
            self.peak = max(self.peak, total)
            tick += 1
            self.stop.wait(0.01)


@dataclass
class Measurement:
    argv: list[str]
    exit_code: int
    wall: float
    client_cpu: float  # the measured tree (reaped descendants included)
    server_cpu: float
    bench_cpu: float
    other_cpu: float  # helpers of the bench (the link proxy): neither tool nor foreign
    system_busy: float
    peak_rss: int  # bytes, whole tree
    stdout: str
    stderr: str
    timed_out: bool = False
    started: float = 0.0  # time.monotonic() when the command was started

    @property
    def foreign_cpu(self) -> float:
        return max(
            0.0,
            self.system_busy - self.client_cpu - self.server_cpu - self.bench_cpu - self.other_cpu,
        )

    def disturbed(self) -> bool:
        """Other programs used more than ~12 % of one core on average (plus 0.1 s slack)."""
        return self.foreign_cpu > 0.1 + 0.12 * self.wall


def run(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    server_pid: int | None,
    timeout: float,
    out_dir: Path,
    other_pids: tuple[int, ...] = (),
) -> Measurement:
    out_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = out_dir / "stdout.txt", out_dir / "stderr.txt"
    server0 = process_cpu(server_pid) if server_pid else 0.0
    other0 = sum(process_cpu(pid) for pid in other_pids)
    busy0, self0 = system_busy(), self_cpu()
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        sampler = _Sampler(proc.pid)
        sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        sampler.join()
    busy = system_busy() - busy0
    bench = self_cpu() - self0
    server = (process_cpu(server_pid) - server0) if server_pid else 0.0
    other = sum(process_cpu(pid) for pid in other_pids) - other0
    return Measurement(
        argv=argv,
        exit_code=proc.returncode,
        wall=wall,
        client_cpu=usage.ru_utime + usage.ru_stime,
        server_cpu=server,
        bench_cpu=bench,
        other_cpu=other,
        system_busy=busy,
        # Not wait4's ru_maxrss: it counts the forked copy of this process before exec.
        peak_rss=sampler.peak,
        stdout=stdout_path.read_text(errors="replace"),
        stderr=stderr_path.read_text(errors="replace"),
        timed_out=timed_out.is_set(),
        started=start,
    )
