"""The action's cold start: its own set-up steps, run as a GitHub runner runs them, with an empty
tool cache, against a package index on the emulated link; then the engine, until its first
request.

    python bench/run.py --link rtt=20ms,bw=400mbit --scenarios coldstart   # the usual way
    python bench/coldstart.py measure --link rtt=20ms,bw=400mbit --reps 3  # alone (JSON + MD)

What one measured *action run* is:

1. **The package index**: a static PEP 503 tree (``simple/<project>/index.html`` with sha256
   fragments, ``files/*.whl``) of exactly the wheels of the hash-locked requirement files the
   set-up needs: ``requirements/runtime.txt`` and every other ``requirements/*.txt`` that a
   set-up step names. They are downloaded once into ``bench/.cache/coldstart/`` with
   ``pip download --no-deps --only-binary=:all: --require-hashes`` for this interpreter (a lock
   entry without a wheel stops the measurement, named). It is served over HTTP/1.1 (keep-alive,
   as a CDN does) by ``python bench/coldstart.py serve``, behind a fresh link proxy per run.
2. **The action**: ``action.yml`` is parsed *when the bench runs*, so the measurement follows
   whatever it does then. The steps before the one that runs ``entrypoint.py`` are the set-up;
   each ``run:`` script is written to a file and run as the runner does
   (``bash --noprofile --norc -eo pipefail FILE``), with ``${{ inputs.* }}``,
   ``${{ steps.*.outputs.* }}``, ``${{ github.action_path }}`` and ``${{ runner.* }}``
   substituted, a fresh ``GITHUB_OUTPUT``/``GITHUB_ENV``/``GITHUB_PATH`` file per step (read
   back afterwards, as the runner does) and the step's ``env:``. Anything else (a ``uses:``
   step, an ``if:``, another shell, another expression) stops the measurement with a message
   rather than being guessed.
3. **The environment**: a clean one, not this machine's (which has ``/etc/pip.conf`` and
   ``PIP_*`` variables pointing at local wheel folders): ``PATH`` = a folder with only
   ``python3``/``python`` (this interpreter's base Python, >= 3.10) + ``/usr/bin:/bin``;
   ``HOME``, ``RUNNER_TOOL_CACHE``, ``RUNNER_TEMP``, ``GITHUB_WORKSPACE`` fresh empty folders;
   ``GITHUB_ACTION_PATH`` a fresh copy of the checkout (the files git knows, as the runner
   downloads the action for each job: no ``.pyc`` in it); ``CI``, ``GITHUB_ACTIONS``,
   ``RUNNER_OS``, ``RUNNER_ARCH``; ``PIP_CONFIG_FILE=/dev/null`` and only ``PIP_INDEX_URL``,
   ``UV_INDEX_URL``, ``UV_DEFAULT_INDEX`` pointing at the local index through the link.
4. **The engine**: the step that runs ``entrypoint.py``, with its ``env:`` from action.yml's
   inputs (defaults, plus repository-url, user, password and packages-dir of a fresh
   pypiserver behind its own link proxy, holding one tiny wheel to publish).

**Cold** = from the start of the first set-up step to the moment the engine sends its first
request (its first byte reaches the link proxy in front of the publish index; from the proxy's
log, on the same monotonic clock). Steps run back to back; the bench's own time between steps
(~ms) is inside, the runner's (~0.1-1 s per step on GitHub) is not. The publish index is then
checked to hold the file. **Warm** = the same again right after, tool cache and ``HOME`` kept
(fresh temp, workspace and action copy: a second job on the same self-hosted runner).
**pip reference** = today's pip path as a fixed script that never reads action.yml:
``python3 -I -m venv V && V/bin/python -I -m pip install --disable-pip-version-check --no-input
--progress-bar off --require-hashes --no-deps -r requirements/runtime.txt``, from the same index
over the same link; a later action.yml is compared with it as the ratio cold / pip.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import link  # noqa: E402
import measure  # noqa: E402

CACHE = BENCH / ".cache" / "coldstart"
RUNTIME_LOCK = "requirements/runtime.txt"
STEP_TIMEOUT = 600.0
MAX_ATTEMPTS = 3  # a disturbed action run is repeated at most twice, as in run.py
PIP_REFERENCE = """set -euo pipefail
python3 -I -m venv "$RUNNER_TEMP/ref-venv"
"$RUNNER_TEMP/ref-venv/bin/python" -I -m pip install --disable-pip-version-check --no-input \\
  --progress-bar off --require-hashes --no-deps -r "$GITHUB_ACTION_PATH/requirements/runtime.txt"
"""

Log = Callable[[str], None]


class Unsupported(RuntimeError):
    """action.yml does something this emulation of the runner does not do."""


# -- the wheels and the static index ---------------------------------------------------------


def locks_for(setup_scripts: list[str], repo: Path = REPO) -> list[str]:
    """The runtime lock plus every ``requirements/*.txt`` a set-up script names."""
    found = [RUNTIME_LOCK]
    for script in setup_scripts:
        for name in re.findall(r"requirements/[A-Za-z0-9_.-]+\.txt", script):
            if name not in found and (repo / name).is_file():
                found.append(name)
    return found


def ensure_wheels(locks: list[str], log: Log = print, repo: Path = REPO) -> Path:
    """Download (once) every wheel of ``locks`` for this interpreter into a cache folder."""
    digest = hashlib.sha256(f"{sys.version}|{sys.platform}".encode())
    for name in locks:
        digest.update(name.encode() + b"\0" + (repo / name).read_bytes())
    folder = CACHE / f"wheels-{digest.hexdigest()[:16]}"
    stamp = folder / ".complete"
    if stamp.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    # The registry as this machine reaches it (its pip config), but not its local wheel folders:
    # every file must come from the locks' hashes.
    env = {k: v for k, v in os.environ.items() if k != "PIP_FIND_LINKS"}
    for name in locks:
        log(f"coldstart: downloading the wheels of {name} into {folder} (once)")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--require-hashes",
                "--disable-pip-version-check",
                "-r",
                str(repo / name),
                "-d",
                str(folder),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            check=False,
        )
        if done.returncode:
            missing = re.findall(r"No matching distribution found for (\S+)", done.stderr)
            raise RuntimeError(
                f"pip download of {name} failed"
                + (f"; no wheel for: {', '.join(missing)}" if missing else "")
                + f"\n{done.stderr[-2000:]}"
            )
    stamp.write_text("\n".join(locks) + "\n")
    return folder


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build_static_index(wheels: Path, root: Path) -> dict[str, int]:
    """A PEP 503 tree of ``wheels`` under ``root``; returns {"projects", "files", "bytes"}."""
    files_dir = root / "files"
    files_dir.mkdir(parents=True)
    projects: dict[str, list[tuple[str, str]]] = {}
    total = 0
    for wheel in sorted(wheels.glob("*.whl")):
        data = wheel.read_bytes()
        total += len(data)
        shutil.copyfile(wheel, files_dir / wheel.name)
        project = _canonical(wheel.name.split("-", 1)[0])
        projects.setdefault(project, []).append((wheel.name, hashlib.sha256(data).hexdigest()))
    simple = root / "simple"
    simple.mkdir()
    index = ["<!DOCTYPE html><html><body>"]
    for project, entries in sorted(projects.items()):
        index.append(f'<a href="{project}/">{project}</a>')
        page = [f"<!DOCTYPE html><html><head><title>Links for {project}</title></head><body>"]
        for filename, sha in entries:
            page.append(
                f'<a href="../../files/{html.escape(filename)}#sha256={sha}">'
                f"{html.escape(filename)}</a><br>"
            )
        (simple / project).mkdir()
        (simple / project / "index.html").write_text("\n".join([*page, "</body></html>"]))
    (simple / "index.html").write_text("\n".join([*index, "</body></html>"]))
    return {
        "projects": len(projects),
        "files": sum(len(v) for v in projects.values()),
        "bytes": total,
    }


class _Handler(SimpleHTTPRequestHandler):
    # Keep-alive (SimpleHTTPRequestHandler sends Content-Length): a CDN does not close the
    # connection after each file, and a reconnect would cost a round trip over the link.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, the body waits for the ACK of
    # the headers, which the peer delays (~40 ms per request even on loopback). A CDN sends
    # them without that wait.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the link proxy logs every request with its timings


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: uv opens ~35 connections at once, and the
    # connections beyond the backlog lose their handshake and wait for TCP's retransmissions
    # (0.2 s, then 0.4, 0.8, ... and 1 s for a dropped SYN). A CDN accepts them all.
    request_queue_size = 256
    daemon_threads = True


def _serve(root: str) -> int:
    server = _Server(("127.0.0.1", 0), partial(_Handler, directory=root))
    link._exit_with_parent()
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[tuple[int, int]]:
    """``python bench/coldstart.py serve ROOT``; yields (port, pid)."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", str(root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"static index server did not start: {line!r}")
        yield int(line.split()[1]), proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# -- action.yml, as the runner reads it ------------------------------------------------------


def load_action(repo: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load((repo / "action.yml").read_text())
    if not isinstance(data, dict) or data.get("runs", {}).get("using") != "composite":
        raise Unsupported("action.yml is not a composite action")
    return data


def split_steps(action: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(set-up steps, the engine's step): the engine's step is the first that runs
    entrypoint.py; every step before it is set-up."""
    steps: list[dict[str, Any]] = action["runs"]["steps"]
    for position, step in enumerate(steps):
        if "entrypoint.py" in str(step.get("run", "")):
            return steps[:position], step
    raise Unsupported("no step of action.yml runs entrypoint.py")


_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class Context:
    """What ``${{ }}`` may name: inputs, earlier steps' outputs, github.*, runner.*."""

    inputs: dict[str, str]
    action_path: str
    runner: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        parts = expression.split(".")
        if len(parts) == 2 and parts[0] == "inputs":
            return self.inputs.get(parts[1], "")
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if expression == "github.action_path":
            return self.action_path
        if len(parts) == 2 and parts[0] == "runner" and parts[1] in self.runner:
            return self.runner[parts[1]]
        raise Unsupported(f"expression ${{{{ {expression} }}}} is not emulated by the bench")

    def substitute(self, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self.value(m.group(1)), text)


def _read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV syntax: ``key=value`` lines and ``key<<EOF`` heredocs."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            i += 1
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            out[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
        i += 1
    return out


# -- one runner, one job ---------------------------------------------------------------------


def _base_python() -> str:
    """The interpreter the bench's venv was made from (the "runner's" python3)."""
    base = getattr(sys, "_base_executable", "") or sys.executable
    return str(Path(base).resolve())


def _copy_checkout(repo: Path, target: Path) -> None:
    """The files git knows (tracked, plus new ones not ignored), as the runner downloads them."""
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    for name in sorted(set(listed.stdout.decode().split("\0"))):
        source = repo / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@dataclass
class Runner:
    """A runner's folders. ``tool_cache`` and ``home`` survive between jobs (warm start)."""

    root: Path
    python: str
    tool_cache: Path = field(init=False)
    home: Path = field(init=False)
    pybin: Path = field(init=False)
    jobs: int = 0

    def __post_init__(self) -> None:
        self.tool_cache = self.root / "toolcache"
        self.home = self.root / "home"
        pybin = self.root / "pybin"
        for folder in (self.tool_cache, self.home, pybin):
            folder.mkdir(parents=True, exist_ok=True)
        for name in ("python3", "python"):
            (pybin / name).symlink_to(self.python)
        self.pybin = pybin

    def job(self) -> Job:
        self.jobs += 1
        job_dir = self.root / f"job-{self.jobs}"
        for name in ("temp", "workspace", "action"):
            (job_dir / name).mkdir(parents=True)
        _copy_checkout(REPO, job_dir / "action")
        return Job(self, job_dir)


@dataclass
class Job:
    runner: Runner
    root: Path
    env_added: dict[str, str] = field(default_factory=dict)
    path_added: list[str] = field(default_factory=list)
    steps_run: int = 0

    @property
    def action_path(self) -> Path:
        return self.root / "action"

    def environment(self, index_url: str) -> dict[str, str]:
        r = self.runner
        path = ":".join([*reversed(self.path_added), str(r.pybin), "/usr/bin", "/bin"])
        return {
            "PATH": path,
            "HOME": str(r.home),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(self.root / "workspace"),
            "RUNNER_TOOL_CACHE": str(r.tool_cache),
            "RUNNER_TEMP": str(self.root / "temp"),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            # The only package-index configuration: no machine pip.conf, no PIP_* of ours.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": index_url,
            "UV_INDEX_URL": index_url,
            "UV_DEFAULT_INDEX": index_url,
            "NO_PROXY": "*",
            **self.env_added,
        }

    def run_step(
        self,
        step: dict[str, Any],
        context: Context,
        index_url: str,
        helpers: tuple[int, ...],
        server_pid: int | None,
    ) -> dict[str, Any]:
        """Run one ``run:`` step as the runner does; returns its measurement and outputs."""
        name = str(step.get("name") or step.get("id") or f"step {self.steps_run + 1}")
        if "uses" in step:
            raise Unsupported(f"step {name!r} uses {step['uses']}: not runnable offline")
        if "if" in step:
            raise Unsupported(f"step {name!r} has an if: condition the bench does not evaluate")
        if str(step.get("shell", "")) != "bash":
            raise Unsupported(f"step {name!r}: shell {step.get('shell')!r} (only bash)")
        self.steps_run += 1
        files = self.root / "temp" / f"_step{self.steps_run}"
        files.mkdir()
        script = files / "script.sh"
        script.write_text(context.substitute(str(step["run"])))
        env = self.environment(index_url)
        for key, value in (step.get("env") or {}).items():
            env[str(key)] = context.substitute(str(value))
        step_files = {
            "GITHUB_OUTPUT": "output",
            "GITHUB_ENV": "env",
            "GITHUB_PATH": "path",
            "GITHUB_STEP_SUMMARY": "summary",
        }
        for variable, filename in step_files.items():
            (files / filename).touch()
            env[variable] = str(files / filename)
        cwd = self.root / "workspace"
        if step.get("working-directory"):
            cwd = cwd / context.substitute(str(step["working-directory"]))
        result = measure.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=env,
            cwd=cwd,
            server_pid=server_pid,
            timeout=STEP_TIMEOUT,
            out_dir=files,
            other_pids=helpers,
        )
        outputs = _read_outputs(files / "output")
        if step.get("id"):
            context.steps[str(step["id"])] = outputs
        self.env_added.update(_read_outputs(files / "env"))
        self.path_added += [p for p in (files / "path").read_text().splitlines() if p.strip()]
        return {
            "name": name,
            "exit_code": result.exit_code,
            "started": result.started,
            "wall_s": result.wall,
            "cpu_s": result.client_cpu,
            "foreign_cpu_s": result.foreign_cpu,
            "peak_rss_mb": result.peak_rss / 2**20,
            "outputs": outputs,
            "timed_out": result.timed_out,
            "stderr_tail": result.stderr[-1500:] if result.exit_code else "",
        }


# -- the measurement -------------------------------------------------------------------------


def _package_requests(conns: list[dict[str, Any]], start: float, rtt: float) -> dict[str, Any]:
    """What the set-up asked of the package index: counts, and when (from ``start``, the
    first set-up step's start): first request, last answer, time with a request outstanding."""
    requests = [r for c in conns for r in c["requests"]]
    lines = [r["line"] for r in requests]
    out: dict[str, Any] = {
        "connections": len(conns),
        "requests": len(lines),
        "simple_pages": sum(1 for line in lines if " /simple/" in line),
        "files": sum(1 for line in lines if " /files/" in line),
        "bytes_down": sum(int(c["down_bytes"]) for c in conns),
    }
    if requests:
        timeline = link.timeline(conns, start, start, rtt)
        out["first_request_s"] = timeline["first_request_s"]
        out["last_answer_s"] = max(float(r["last_response"] or r["sent"]) for r in requests) - start
        out["waiting_s"] = timeline["waiting_s"]
        out["max_in_flight"] = timeline["max_in_flight"]
    return out


@dataclass
class Run:
    kind: str  # cold, warm, pip
    rep: int
    attempt: int
    ok: bool = False
    error: str = ""
    first_request_s: float | None = None  # cold/warm: start -> the engine's first request
    setup_s: float | None = None  # the set-up steps (pip: the reference script)
    engine_to_first_request_s: float | None = None
    publish_step_s: float | None = None
    cpu_s: float = 0.0
    foreign_cpu_s: float = 0.0
    disturbed: bool = False
    package_index: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)


class Bench:
    """Everything one coldstart measurement shares: the link, the package index, the probe."""

    def __init__(
        self,
        spec: link.LinkSpec,
        scratch: Path,
        log: Log,
        patience: Callable[[], float] = lambda: 20.0,
    ) -> None:
        self.spec, self.scratch, self.log = spec, scratch, log
        self.patience = patience
        action = load_action(REPO)
        setup, self.engine_step = split_steps(action)
        self.setup_steps = setup
        self.inputs_defaults = {
            str(k): str(v.get("default", "")) if isinstance(v, dict) else ""
            for k, v in (action.get("inputs") or {}).items()
        }
        self.locks = locks_for([str(s.get("run", "")) for s in setup])
        self.python = _base_python()

    def _probe(self, work: Path) -> tuple[Path, dict[str, dict[str, str]]]:
        """One tiny wheel to publish (the engine must get as far as its first request)."""
        import distgen

        spec = distgen.FileSpec("bench-coldstart", "1.0.0", "wheel", 4096, seed=7000)
        folder = work / "dist"
        folder.mkdir()
        distgen.write_wheel(spec, folder / spec.filename)
        sha = hashlib.sha256((folder / spec.filename).read_bytes()).hexdigest()
        return folder, {"bench-coldstart": {spec.filename: sha}}

    def action_run(
        self, runner: Runner, kind: str, rep: int, attempt: int, index_port: int, index_pid: int
    ) -> Run:
        record = Run(kind, rep, attempt)
        job = runner.job()
        with link.subprocess_proxy(self.spec, index_port, job.root / "pkg-link.jsonl") as (
            pkg,
            pkg_stop,
        ):
            index_url = f"http://127.0.0.1:{pkg.port}/simple/"
            if kind == "pip":
                self._pip_run(record, job, index_url, pkg, index_pid)
            else:
                self._action_run(record, job, index_url, pkg, index_pid)
            pkg_stop()
            start = record.steps[0]["started"] if record.steps else 0.0
            record.package_index = _package_requests(pkg.connections(), start, self.spec.rtt)
        record.ok = not record.error
        return record

    def _pip_run(
        self, record: Run, job: Job, index_url: str, pkg: link.RunningLink, index_pid: int
    ) -> None:
        step = {"name": "pip reference", "shell": "bash", "run": PIP_REFERENCE}
        context = Context({}, str(job.action_path), {})
        measure.wait_until_quiet([index_pid, pkg.pid], log=self.log, patience=self.patience())
        result = job.run_step(step, context, index_url, (pkg.pid,), index_pid)
        record.steps.append(result)
        record.setup_s = result["wall_s"]
        record.cpu_s, record.foreign_cpu_s = result["cpu_s"], result["foreign_cpu_s"]
        record.error = _step_error(result)

    def _action_run(
        self, record: Run, job: Job, index_url: str, pkg: link.RunningLink, index_pid: int
    ) -> None:
        import indexes

        with (
            indexes.start("pypiserver", job.root) as (server, server_pid),
            link.subprocess_proxy(
                self.spec, int(urlsplit(server.root_url).port or 0), job.root / "publish-link.jsonl"
            ) as (pub, pub_stop),
        ):
            dist, expected = self._probe(job.root)
            inputs = dict(self.inputs_defaults)
            inputs.update(
                {
                    "repository-url": pub.url(server.upload_url),
                    "user": server.username,
                    "password": server.password,
                    "packages-dir": str(dist),
                    "report-path": str(job.root / "report.json"),
                }
            )
            context = Context(
                inputs,
                str(job.action_path),
                {
                    "temp": str(job.root / "temp"),
                    "tool_cache": str(job.runner.tool_cache),
                    "os": "Linux",
                    "arch": "X64",
                },
            )
            helpers = (pkg.pid, pub.pid)
            measure.wait_until_quiet(
                [index_pid, server_pid, *helpers], log=self.log, patience=self.patience()
            )
            for step in self.setup_steps:
                result = job.run_step(step, context, index_url, helpers, index_pid)
                record.steps.append(result)
                if _step_error(result):
                    record.error = f"set-up step {result['name']!r}: {_step_error(result)}"
                    return
            result = job.run_step(self.engine_step, context, index_url, helpers, server_pid)
            record.steps.append(result)
            pub_stop()  # flushes its log
            start = record.steps[0]["started"]
            record.setup_s = result["started"] - start
            record.publish_step_s = result["wall_s"]
            record.cpu_s = sum(s["cpu_s"] for s in record.steps)
            record.foreign_cpu_s = sum(s["foreign_cpu_s"] for s in record.steps)
            sent = [r["sent"] for c in pub.connections() for r in c["requests"]]
            if sent:
                record.first_request_s = min(sent) - start
                record.engine_to_first_request_s = min(sent) - result["started"]
            record.error = _step_error(result)
            if not record.error and not sent:
                record.error = "the engine sent no request"
            if not record.error:
                problem = indexes.verify(server, expected)
                if problem:
                    record.error = f"publish index content wrong after the run: {problem}"


def _step_error(result: dict[str, Any]) -> str:
    if result["timed_out"]:
        return f"timed out after {STEP_TIMEOUT:.0f} s"
    if result["exit_code"]:
        tail = " ".join(result["stderr_tail"].split())[-300:]
        return f"exit {result['exit_code']}: {tail}"
    return ""


def _disturbed(run: Run) -> bool:
    wall = (run.setup_s or 0.0) + (run.publish_step_s or 0.0)
    return run.foreign_cpu_s > 0.2 + 0.12 * wall


def measure_all(
    spec: link.LinkSpec,
    *,
    reps: int,
    scratch: Path,
    log: Log = print,
    patience: Callable[[], float] = lambda: 20.0,
) -> dict[str, Any]:
    """Cold, warm and the pip reference, ``reps`` times each, in rotated order. ``patience``:
    how long to wait for a quiet machine before each run (run.py shortens it when late)."""
    bench = Bench(spec, scratch, log, patience)
    wheels = ensure_wheels(bench.locks, log)
    root = Path(tempfile.mkdtemp(prefix="coldstart-", dir=scratch))
    runs: list[Run] = []
    started = time.monotonic()
    try:
        index_info = build_static_index(wheels, root / "index")
        log(
            f"coldstart: {spec.describe()}; package index of {index_info['files']} wheels "
            f"({index_info['bytes'] / 2**20:.1f} MiB) from {', '.join(bench.locks)}; "
            f"set-up steps {[s.get('name') for s in bench.setup_steps]}; python {bench.python}"
        )
        with static_server(root / "index") as (port, pid):
            for rep in range(1, reps + 1):
                order = ["action", "pip"] if rep % 2 else ["pip", "action"]
                for unit in order:
                    runs += _unit(bench, unit, rep, root, port, pid, log)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "link": spec.to_json(),
        "python": f"{bench.python} ({sys.version.split()[0]})",
        "locks": bench.locks,
        "package_index": index_info,
        "setup_steps": [str(s.get("name") or s.get("id")) for s in bench.setup_steps],
        "action_yml_sha256": hashlib.sha256((REPO / "action.yml").read_bytes()).hexdigest()[:12],
        "seconds": round(time.monotonic() - started, 1),
        "summary": summarize(runs),
        "runs": [asdict(r) for r in runs],
    }


def _unit(
    bench: Bench, unit: str, rep: int, root: Path, port: int, pid: int, log: Log
) -> list[Run]:
    """One cold+warm pair on a fresh runner, or one pip reference run; repeated while disturbed
    (at most MAX_ATTEMPTS). Every attempt is returned: the summary counts the clean ones."""
    attempts: list[Run] = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        runner = Runner(Path(tempfile.mkdtemp(prefix=f"runner-{unit}-", dir=root)), bench.python)
        kinds = ["cold", "warm"] if unit == "action" else ["pip"]
        out = []
        for kind in kinds:
            try:
                run = bench.action_run(runner, kind, rep, attempt, port, pid)
            except Unsupported as exc:
                run = Run(kind, rep, attempt, error=f"unsupported: {exc}")
            except Exception as exc:  # noqa: BLE001 - a broken run is recorded, never counted
                run = Run(kind, rep, attempt, error=f"{type(exc).__name__}: {exc}")
            run.disturbed = _disturbed(run)
            out.append(run)
            headline = run.first_request_s if kind != "pip" else run.setup_s
            log(
                f"  coldstart {kind:5} rep {rep} try {attempt}: "
                f"{headline or 0:6.2f} s (set-up {run.setup_s or 0:.2f} s) "
                f"cpu {run.cpu_s:5.2f} s other {run.foreign_cpu_s:4.2f} s  "
                f"pkg {run.package_index.get('requests', 0)} req/"
                f"{run.package_index.get('connections', 0)} conn  "
                f"{'ok' if run.ok else 'FAILED (' + run.error[:200] + ')'}"
                f"{' DISTURBED' if run.disturbed else ''}"
            )
            if not run.ok:
                break
        shutil.rmtree(runner.root, ignore_errors=True)
        attempts += out
        if not any(r.disturbed for r in out):
            break
    return attempts


def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median_s": statistics.median(values),
        "min_s": min(values),
        "max_s": max(values),
        "n": len(values),
    }


def summarize(runs: list[Run]) -> dict[str, Any]:
    def clean(kind: str) -> list[Run]:
        ok = [r for r in runs if r.kind == kind and r.ok]
        return [r for r in ok if not r.disturbed] or ok

    out: dict[str, Any] = {}
    for kind in ("cold", "warm"):
        chosen = clean(kind)
        out[kind] = _stats([r.first_request_s for r in chosen if r.first_request_s is not None])
        out[f"{kind}_setup"] = _stats([r.setup_s for r in chosen if r.setup_s is not None])
        out[f"{kind}_engine_to_first_request"] = _stats(
            [r.engine_to_first_request_s for r in chosen if r.engine_to_first_request_s is not None]
        )
        out[f"{kind}_package_index"] = chosen[0].package_index if chosen else {}
    pip = clean("pip")
    out["pip"] = _stats([r.setup_s for r in pip if r.setup_s is not None])
    out["pip_package_index"] = pip[0].package_index if pip else {}
    out["failed"] = sorted({f"{r.kind}: {r.error}" for r in runs if not r.ok})
    out["disturbed"] = sum(1 for r in runs if r.disturbed)

    def ratio(a: str, b: str) -> float | None:
        x, y = out.get(a), out.get(b)
        return x["median_s"] / y["median_s"] if x and y and y["median_s"] else None

    out["ratio_cold_pip"] = ratio("cold", "pip")
    out["ratio_cold_setup_pip"] = ratio("cold_setup", "pip")
    out["ratio_warm_pip"] = ratio("warm", "pip")
    return out


# -- Markdown --------------------------------------------------------------------------------


def _cell(stats: dict[str, float] | None) -> str:
    if not stats:
        return "**failed**"
    return (
        f"{stats['median_s']:.2f} s ({stats['min_s']:.2f}\u2013{stats['max_s']:.2f}, "
        f"n={stats['n']})"
    )


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "n/a"


def markdown(result: dict[str, Any]) -> list[str]:
    if not result:
        return []
    if "error" in result:
        return [
            "",
            "## The action's set-up (cold start)",
            "",
            f"**Not measured**: {result['error'][:600]}",
        ]
    s = result["summary"]

    def req(info: dict[str, Any]) -> str:
        if not info:
            return "\u2013"
        text = (
            f"{info['requests']} ({info['simple_pages']} pages, {info['files']} files, "
            f"{info['bytes_down'] / 2**20:.1f} MiB), {info['connections']} connection(s)"
        )
        if info.get("waiting_s") is not None:
            text += (
                f"; requests from {info['first_request_s']:.2f} s to "
                f"{info['last_answer_s']:.2f} s, waiting {info['waiting_s']:.2f} s "
                f"({info['waiting_s'] / result['link']['rtt_s']:.0f} RTTs), at most "
                f"{info['max_in_flight']} in flight"
            )
        return text

    lines = [
        "",
        "## The action's set-up (cold start)",
        "",
        f"action.yml ({result['action_yml_sha256']}) set-up steps "
        f"{', '.join(result['setup_steps'])}, run by bash as the runner runs them, python "
        f"{result['python']}, package index: {result['package_index']['files']} wheels "
        f"({result['package_index']['bytes'] / 2**20:.1f} MiB) of {', '.join(result['locks'])}, "
        f"static PEP 503 over HTTP/1.1 behind the link ({result['link']['text']}). "
        "**cold** = start of the first set-up step → the engine's first request (empty tool "
        "cache); **warm** = the same with the tool cache kept; **pip reference** = venv + "
        "`pip install --require-hashes --no-deps -r requirements/runtime.txt`, today's pip path, "
        "fixed. Median (min\u2013max) of the clean runs; see bench/coldstart.py.",
        "",
        "| measure | cold | warm | pip reference |",
        "|---|---|---|---|",
        f"| start → engine's first request | {_cell(s['cold'])} | {_cell(s['warm'])} | \u2013 |",
        f"| set-up steps alone | {_cell(s['cold_setup'])} | {_cell(s['warm_setup'])} | "
        f"{_cell(s['pip'])} |",
        f"| engine start → first request | {_cell(s['cold_engine_to_first_request'])} | "
        f"{_cell(s['warm_engine_to_first_request'])} | \u2013 |",
        f"| package-index requests | {req(s['cold_package_index'])} | "
        f"{req(s['warm_package_index'])} | {req(s['pip_package_index'])} |",
        "",
        f"Ratios of medians: **cold / pip {_ratio(s['ratio_cold_pip'])}**, cold set-up / pip "
        f"{_ratio(s['ratio_cold_setup_pip'])}, warm / pip {_ratio(s['ratio_warm_pip'])}. "
        f"Disturbed attempts: {s['disturbed']}. Measured in {result['seconds']:.0f} s.",
    ]
    if s["failed"]:
        lines += ["", "Failed runs (not counted):", ""]
        lines += [f"- {failure[:400]}" for failure in s["failed"]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a static index folder over HTTP/1.1")
    serve.add_argument("root")
    run = sub.add_parser("measure", help="measure cold / warm / pip reference")
    run.add_argument(
        "--link", type=link.LinkSpec.parse, default=link.LinkSpec.parse("rtt=20ms,bw=400mbit")
    )
    run.add_argument("--reps", type=int, default=3)
    run.add_argument("--out", type=Path, default=BENCH / ".cache" / "coldstart-results")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args.root)
    # In RAM when it has room, as run.py does: disk write-back of one run's venvs would run in
    # kernel threads during the next run and look like foreign load.
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp() inside it
    room = shm.is_dir() and shutil.disk_usage(shm).free > 2 * 2**30
    scratch = Path(tempfile.mkdtemp(prefix="coldstart-bench-", dir=shm if room else None))
    try:
        result = measure_all(args.link, reps=args.reps, scratch=scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "coldstart.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / "coldstart.md").write_text("\n".join(markdown(result)) + "\n")
    print("\n".join(markdown(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
