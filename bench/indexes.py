"""Index servers for the bench: started with the test suite's own launchers
(``tests/support/servers.py``), plus what the bench needs on top: the server's pid (for its
CPU time), request counts from its access log, and an exact inventory of what it stores.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import measure  # noqa: E402

from tests.support import servers  # noqa: E402
from tests.support.servers import RunningIndex, list_files  # noqa: E402

SERVER_KINDS = ("pypiserver", "devpi")
_LAUNCHER = {"pypiserver": "_pypiserver_main.py", "devpi": "_devpi_main.py"}
PYPISERVER_THREADS = 4
# pypiserver as deployed: its Docker image installs watchdog, which turns on its cache of
# listings and digests (pypiserver docker/docker-requirements.txt). Without it every simple
# page re-hashes the project's files, and the server, not the client, sets the pace.
CACHE_EXTRA = REPO / "bench" / ".cache" / "pypiserver-cache"


@contextmanager
def start(kind: str, tmp: Path) -> Iterator[tuple[RunningIndex, int]]:
    """A fresh server in ``tmp``; yields (index, server pid)."""
    if kind == "pypiserver":
        manager = servers.pypiserver(tmp, threads=PYPISERVER_THREADS)
    else:
        manager = servers.devpi(tmp)
    with _cache_extra(kind), manager as index:
        # RunningIndex does not expose the process; it is our direct child.
        pids = measure.children_matching(os.getpid(), _LAUNCHER[kind])
        if len(pids) != 1:
            raise RuntimeError(f"cannot identify the {kind} process (found {pids})")
        yield index, pids[0]


@contextmanager
def _cache_extra(kind: str) -> Iterator[None]:
    """The server process starts with watchdog importable (pypiserver only)."""
    if kind != "pypiserver":
        yield
        return
    if not (CACHE_EXTRA / "watchdog").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--target", str(CACHE_EXTRA), "watchdog"],
            check=True,
            timeout=600,
        )  # fmt: skip
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(CACHE_EXTRA), before) if p)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


# -- access logs ---------------------------------------------------------------------------

_PYPISERVER_LINE = re.compile(r"<LocalRequest: ([A-Z]+) (\S+)>")
_DEVPI_LINE = re.compile(r"\[req\d+\] ([A-Z]+) (\S+)\s*$")


def log_offset(index: RunningIndex) -> int:
    return index.log_path.stat().st_size


def requests_since(index: RunningIndex, offset: int) -> Counter[str]:
    """``"METHOD /path/pattern"`` → count, from the server's own log after ``offset``."""
    with index.log_path.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    pattern = _PYPISERVER_LINE if index.kind == "pypiserver" else _DEVPI_LINE
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        match = pattern.search(line)
        if match:
            method, target = match.groups()
            counts[f"{method} {_normalize_path(urlsplit(target).path)}"] += 1
    return counts


def _normalize_path(path: str) -> str:
    path = re.sub(r"/[^/]+\.(whl|tar\.gz|zip)$", "/{file}", path)
    path = re.sub(r"/\+f/[0-9a-f]+/[0-9a-f]+/", "/+f/{hash}/", path)
    path = re.sub(r"/bench-[a-z]+(-\d+)?/", "/{project}/", path)
    return path


def summarize(counts: Counter[str]) -> dict[str, int]:
    gets = sum(n for k, n in counts.items() if k.startswith("GET "))
    posts = sum(n for k, n in counts.items() if k.startswith("POST "))
    page_gets = sum(n for k, n in counts.items() if k.startswith("GET ") and "{project}" in k)
    return {
        "total": sum(counts.values()),
        "GET": gets,
        "POST": posts,
        "GET_project_page": page_gets,
    }


# -- what the index stores -------------------------------------------------------------------


def inventory(index: RunningIndex) -> dict[str, dict[str, str]]:
    """project → {filename: sha256} for *everything* on the index."""
    if index.kind == "pypiserver":
        projects = set()
        for path in index.data_dir.rglob("*"):
            if path.is_file():
                try:
                    projects.add(servers.dist_name_version(path.name)[0])
                except Exception:  # noqa: BLE001, S112 - not a distribution: not counted
                    continue
    else:
        response = httpx.get(
            index.upload_url, headers={"Accept": "application/json"}, timeout=30.0, trust_env=False
        )
        response.raise_for_status()
        projects = set(response.json()["result"].get("projects", []))
    return {project: list_files(index, project) for project in sorted(projects)}


def verify(index: RunningIndex, expected: dict[str, dict[str, str]]) -> str | None:
    """None when the index holds exactly ``expected``; otherwise what differs."""
    found = inventory(index)
    if found == expected:
        return None
    problems = []
    for project in sorted(set(found) | set(expected)):
        have, want = found.get(project, {}), expected.get(project, {})
        for name in sorted(set(have) | set(want)):
            if name not in have:
                problems.append(f"missing {name}")
            elif name not in want:
                problems.append(f"unexpected {name}")
            elif have[name] != want[name]:
                problems.append(f"{name}: sha256 {have[name][:12]}… ≠ {want[name][:12]}…")
    return f"{len(problems)} problem(s): " + "; ".join(problems[:5])
