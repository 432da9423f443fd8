"""The contenders: how each tool is started for a scenario, and the curl lower bound.

Every tool gets the same files, the same index and the same credentials; each runs in a
clean environment (private HOME and cache, no keyring, no proxy, no CI variables).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distgen import Generated

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# twine and uv are bench-only tools: when the running venv lacks them, ensure_tools() puts
# these pinned versions into a private venv (from the package registry, once).
TOOLS_VENV = Path(__file__).resolve().parent / ".cache" / "tools-venv"
TOOL_PINS = ("twine==7.0.0", "uv==0.13.9")
# Ours runs as users run it: the hash-locked runtime only (no developer tools: with `click`
# installed, httpx alone imports its CLI, rich and pygments, ~90 ms), this checkout's source.
OURS_VENV = Path(__file__).resolve().parent / ".cache" / "ours-venv"
RUNTIME_LOCK = Path(__file__).resolve().parents[1] / "requirements" / "runtime.txt"


def _bin(name: str) -> str:
    for folder in (VENV_BIN, TOOLS_VENV / "bin"):
        here = folder / name
        if here.exists():
            return str(here)
    found = shutil.which(name)
    if not found:
        raise SystemExit(
            f"bench: {name} is not installed (looked in {VENV_BIN}, "
            f"{TOOLS_VENV / 'bin'} and PATH); run bench/run.py to install it"
        )
    return found


def ensure_tools(log: Callable[[str], None] = print) -> None:
    """Install twine and uv into bench/.cache/tools-venv unless they are already there (or in
    the running venv). pip's own configuration (index, certificates) is used as it is."""
    missing = [
        pin
        for pin in TOOL_PINS
        if not any((d / pin.split("==")[0]).exists() for d in (VENV_BIN, TOOLS_VENV / "bin"))
    ]
    if not missing:
        return
    log(f"installing {' '.join(missing)} into {TOOLS_VENV} (bench-only tools, once)")
    python = TOOLS_VENV / "bin" / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(TOOLS_VENV)], check=True, timeout=300)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *missing],
        check=True,
        timeout=900,
    )


def ensure_ours(log: Callable[[str], None] = print) -> None:
    """(Re)build bench/.cache/ours-venv from the runtime lock when the lock changed, and
    byte-compile this checkout's code."""
    stamp = OURS_VENV / ".lock-sha256"
    want = hashlib.sha256(RUNTIME_LOCK.read_bytes()).hexdigest()
    if not (stamp.is_file() and stamp.read_text() == want):
        _install_ours(want, stamp, log)
    # The action runs its code byte-compiled (action/prepare.py keeps a compiled copy), but
    # the measured runs get PYTHONDONTWRITEBYTECODE: without this, every module edited since
    # its .pyc was written would be compiled again in every run.
    subprocess.run(
        [ours_python(), "-m", "compileall", "-q", str(REPO / "src"), str(REPO / "entrypoint.py")],
        check=True,
        timeout=300,
    )


def _install_ours(want: str, stamp: Path, log: Callable[[str], None]) -> None:
    log(f"installing the runtime lock into {OURS_VENV} (what the action installs)")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(OURS_VENV)], check=True, timeout=300)
    subprocess.run(
        [str(OURS_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "--require-hashes", "--no-deps", "-r",
         str(RUNTIME_LOCK)],
        check=True,
        timeout=900,
    )  # fmt: skip
    stamp.write_text(want)


def ours_python() -> str:
    python = OURS_VENV / "bin" / "python"
    return str(python) if python.exists() else sys.executable


def clean_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
        "NO_COLOR": "1",
        # Installed tools (twine) read the .pyc files pip wrote; nothing new is written.
        "PYTHONDONTWRITEBYTECODE": "1",
        # twine: never ask a keyring; uv: private cache, no config files, no progress bars.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "UV_CACHE_DIR": str(home / "uv-cache"),
        "UV_NO_CONFIG": "1",
        "UV_NO_PROGRESS": "1",
        "NO_PROXY": "*",
    }


@dataclass(frozen=True)
class Target:
    """Where and how to publish: one running index."""

    upload_url: str
    index_url: str
    username: str
    password: str

    def simple_page(self, project: str) -> str:
        return f"{self.index_url}{project}/"


@dataclass(frozen=True)
class Job:
    tool: str
    argv: list[str]
    report: Path | None = None  # our JSON report (phase timings)
    env: dict[str, str] | None = None  # added to clean_env()

    def environment(self, home: Path) -> dict[str, str]:
        env = clean_env(home)
        for key, value in (self.env or {}).items():
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        return env


# publish-action runs from a checkout (src/ on sys.path), which has no .pyc files unless
# something wrote them; an installed package or a built image has them. Compiled once into
# this private tree (warmed up before the first measured run), never into src/.
PYCACHE = Path(__file__).resolve().parent / ".cache" / "pycache"
OURS_ENV = {
    "PYTHONPYCACHEPREFIX": str(PYCACHE),
    "PYTHONDONTWRITEBYTECODE": "",
    "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
}


# -- the tools ---------------------------------------------------------------------------------


def ours(
    target: Target,
    gen: Generated,
    work: Path,
    *,
    max_parallel: int | None = None,
    extra: tuple[str, ...] = (),
) -> Job:
    report = work / "report.json"
    argv = [
        ours_python(),
        str(REPO / "entrypoint.py"),
        "--repository-url",
        target.upload_url,
        # "--flag=value": a generated password may begin with "-".
        f"--user={target.username}",
        f"--password={target.password}",
        "--packages-dir",
        str(gen.directory),
        "--print-hash",
        "false",
        "--report-path",
        str(report),
        *(["--max-parallel", str(max_parallel)] if max_parallel else []),
        *extra,
    ]
    return Job("ours", argv, report, OURS_ENV)


def twine(target: Target, gen: Generated, *, rerun: bool) -> Job:
    argv = [
        _bin("twine"),
        "--no-color",
        "upload",
        "--repository-url",
        target.upload_url,
        f"--username={target.username}",
        f"--password={target.password}",
        "--non-interactive",
        "--disable-progress-bar",
        *(["--skip-existing"] if rerun else []),
        *[str(p) for p in gen.paths()],
    ]
    return Job("twine", argv)


def uv(target: Target, gen: Generated, *, check: bool) -> Job:
    argv = [
        _bin("uv"),
        "publish",
        "--no-config",
        "--no-progress",
        "--publish-url",
        target.upload_url,
        f"--username={target.username}",
        f"--password={target.password}",
        "--trusted-publishing",
        "never",
        *(["--check-url", target.index_url] if check else []),
        *[str(p) for p in gen.paths()],
    ]
    return Job("uv", argv)


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _upload_fields(meta: dict[str, object]) -> list[tuple[str, str]]:
    """The same multipart form fields a publishing tool sends (metadata + digests)."""
    return [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", str(meta["name"])),
        ("version", str(meta["version"])),
        ("filetype", "bdist_wheel" if meta["kind"] == "wheel" else "sdist"),
        ("pyversion", str(meta["pyversion"])),
        ("summary", str(meta["summary"])),
        ("requires_python", ">=3.9"),
        ("description_content_type", "text/plain"),
        ("description", "Random payload; deterministic from a seed."),
        ("sha256_digest", str(meta["sha256"])),
    ]


def curl_upload_config(target: Target, gen: Generated, path: Path, *, parallel: int) -> Path:
    """A curl config: one multipart POST per file, one process, keep-alive, no logic."""
    lines = ["silent", "show-error"]
    if parallel > 1:
        lines += ["parallel", f"parallel-max = {parallel}", "parallel-immediate"]
    for index, name in enumerate(sorted(gen.files)):
        if index:
            lines.append("next")
        lines += [
            f"url = {_q(target.upload_url)}",
            f"user = {_q(target.username + ':' + target.password)}",
            # No "Expect: 100-continue" round trip (curl sends it for bodies > 1 MB).
            'header = "Expect:"',
            'output = "/dev/null"',
            'write-out = "%{http_code}\\n"',
        ]
        lines += [f"form-string = {_q(k + '=' + v)}" for k, v in _upload_fields(gen.files[name])]
        part = f"content=@{gen.directory / name};type=application/octet-stream"
        lines.append(f"form = {_q(part)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def curl_get_config(target: Target, projects: list[str], path: Path, *, parallel: int) -> Path:
    lines = ["silent", "show-error"]
    if parallel > 1:
        lines += ["parallel", f"parallel-max = {parallel}", "parallel-immediate"]
    for index, project in enumerate(projects):
        if index:
            lines.append("next")
        lines += [
            f"url = {_q(target.simple_page(project))}",
            'output = "/dev/null"',
            'write-out = "%{http_code}\\n"',
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def curl(config: Path, name: str) -> Job:
    return Job(name, [_bin("curl"), "--config", str(config)])


def curl_codes_ok(stdout: str, expected: int, ok: tuple[str, ...] = ("200",)) -> bool:
    codes = stdout.split()
    return len(codes) == expected and all(code in ok for code in codes)


def seed(target: Target, gen: Generated, work: Path) -> None:
    """Put every file of ``gen`` on the index with bare POSTs (for the re-run scenario)."""
    config = curl_upload_config(target, gen, work / "seed.curl", parallel=4)
    done = subprocess.run(
        [_bin("curl"), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not curl_codes_ok(done.stdout, len(gen.files)):
        raise RuntimeError(
            f"seeding failed: rc={done.returncode} {done.stdout!r} {done.stderr[-2000:]}"
        )


def engine_fingerprint() -> str:
    """Short digest of the engine's source: other people edit src/ while the bench runs."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "publish_action").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def versions() -> dict[str, str]:
    def out(argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        except OSError as exc:
            return f"unavailable ({exc})"
        return (
            (done.stdout or done.stderr).strip().splitlines()[0]
            if (done.stdout or done.stderr)
            else "?"
        )

    from importlib.metadata import version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except Exception:  # noqa: BLE001
            return "not installed"

    sys.path.insert(0, str(REPO / "src"))
    from publish_action import __version__

    return {
        "publish-action": f"{__version__} (src {engine_fingerprint()})",
        "python": sys.version.split()[0],
        "httpx": pkg("httpx"),
        "twine": out([_bin("twine"), "--version"]).split()[2]
        if pkg("twine") == ("not installed")
        else pkg("twine"),
        "uv": out([_bin("uv"), "--version"]).removeprefix("uv "),
        "curl": " ".join(out([_bin("curl"), "--version"]).split()[1:3]),
        "pypiserver": pkg("pypiserver"),
        "waitress": pkg("waitress"),
        "devpi-server": pkg("devpi-server"),
    }
