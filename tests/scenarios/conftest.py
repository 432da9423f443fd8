"""Helpers for the end-to-end scenarios: run the real CLI, read its outcome three ways.

Every run goes through ``publish_action.cli.main`` with an empty environment, captures
stdout/stderr, writes the JSON report, and checks that no secret leaked into any of them.
What is on the index is always read independently with ``servers.list_files``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from publish_action.cli import main
from tests.support import runner_log, servers

OUTCOMES = (
    "uploaded",
    "skipped-identical",
    "skipped-existing",
    "mismatch",
    "failed",
    "would-upload",
    "not-attempted",
)
_OUTCOME_LINE = re.compile(rf"^({'|'.join(OUTCOMES)})\s+(\S+)  ", re.MULTILINE)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(paths: Sequence[Path]) -> dict[str, str]:
    """``{filename: sha256}`` of local files, comparable with ``servers.list_files``."""
    return {p.name: sha256(p) for p in paths}


def path_of(url: str) -> str:
    return urlsplit(url).path


@dataclasses.dataclass
class Result:
    """One run of the product: exit code, console, JSON report."""

    code: int
    out: str
    err: str
    report: dict[str, Any]
    secrets: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def log(self) -> str:
        """What the job's log shows: under GitHub the error and warnings are annotations on
        stdout, which the runner prints as "Error: ..." and "Warning: ..."."""
        return runner_log.shown(self.out, self.err)

    @property
    def console_outcomes(self) -> dict[str, str]:
        """``{filename: outcome word}`` from the per-file console lines: each file is
        announced exactly once, with its final outcome."""
        found: dict[str, str] = {}
        for status, filename in _OUTCOME_LINE.findall(self.text):
            assert filename not in found, f"{filename} reported twice:\n{self.text}"
            found[filename] = status
        return found

    @property
    def report_outcomes(self) -> dict[str, str]:
        return {f["filename"]: f["status"] for f in self.report["files"]}

    def assert_outcomes(self, expected: dict[str, str]) -> None:
        """The console lines and the JSON report both say exactly ``expected``."""
        assert self.console_outcomes == expected, self.describe()
        assert self.report_outcomes == expected, self.describe()
        assert self.report["exit_code"] == self.code

    def line_with(self, *needles: str) -> str:
        """The single console line containing every needle."""
        lines = [ln for ln in self.text.splitlines() if all(n in ln for n in needles)]
        assert len(lines) == 1, f"expected one line with {needles}, got {lines}\n{self.describe()}"
        return lines[0]

    def lines_with(self, *needles: str) -> str:
        """Every console line containing every needle (at least one), joined."""
        lines = [ln for ln in self.text.splitlines() if all(n in ln for n in needles)]
        assert lines, f"no line with {needles}\n{self.describe()}"
        return "\n".join(lines)

    def describe(self) -> str:
        return (
            f"exit {self.code}\n--- stdout ---\n{self.out}--- stderr ---\n{self.err}"
            f"--- report ---\n{json.dumps(self.report, indent=1)[:4000]}"
        )


class Publisher:
    """Runs ``publish_action.cli.main`` against a (possibly proxied) index."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._runs = 0

    def __call__(
        self,
        index: servers.RunningIndex | None,
        packages_dir: Path,
        *extra: str,
        credentials: bool = True,
        environ: dict[str, str] | None = None,
        report_path: Path | None = None,
        secrets: tuple[str, ...] = (),
        trust_config: object | None = None,
    ) -> Result:
        """`environ`: more variables (GitHub's, say); `secrets`: more values that must not
        appear in any output (beyond the index password and its Basic header); `trust_config`:
        the Sigstore trust root attestations are verified with (never a TUF download)."""
        self._runs += 1
        report_path = report_path or self._tmp / f"report-{self._runs}.json"
        argv = [
            "--packages-dir",
            str(packages_dir),
            "--confirm-timeout",
            # 2 s is plenty where an upload is stored before its answer; Pulp stores it in a task
            # afterwards (one worker, so a release's files queue): the product's default there.
            "20" if index is not None and index.kind == "pulp" else "2",
            "--report-path",
            str(report_path),
        ]
        environ = dict(environ or {})
        if index is not None:
            argv += ["--repository-url", index.upload_url]
            derived = index.upload_url.removesuffix("legacy/") + "simple/"
            if index.kind == "pulp" and index.index_url != derived:
                # A published Pulp index is read through a second distribution (see
                # tests/support/pulp.py): its check URL cannot be derived from the upload URL.
                argv += ["--index-url", index.index_url]
            if credentials:
                # As a user should: the secret in the environment, not on the command line.
                argv += [f"--user={index.username}"]
                environ["INPUT_PASSWORD"] = index.password
                basic = base64.b64encode(f"{index.username}:{index.password}".encode()).decode()
                secrets += (index.password, basic)
        argv += list(extra)
        for arg in extra:
            if arg.startswith(("--check-password=", "--password=")):
                secrets += (arg.split("=", 1)[1],)
        out, err = io.StringIO(), io.StringIO()
        code = main(argv, environ=environ, stdout=out, stderr=err, trust_config=trust_config)
        report: dict[str, Any] = (
            json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else {}
        )
        result = Result(code, out.getvalue(), err.getvalue(), report, secrets)
        outputs = {
            "stdout": result.out,
            "stderr": result.err,
            "the JSON report": _read(report_path),
        }
        for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
            if environ.get(name):
                outputs[name] = _read(Path(environ[name]))
        assert_no_secret(secrets, outputs)
        return result


SECRET_SCANS = [0]  # (form of a secret, output) pairs checked this session: the closing note


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def assert_no_secret(secrets: Sequence[str], outputs: dict[str, str]) -> None:
    """No secret in any output, as given or in the encoded forms a server might echo."""
    from urllib.parse import quote, quote_plus

    for secret in secrets:
        forms = {secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret)}
        for form in forms:
            for name, raw in outputs.items():
                # The one line meant to carry it: it tells the runner to hide it everywhere.
                text = "\n".join(ln for ln in raw.splitlines() if not ln.startswith("::add-mask::"))
                SECRET_SCANS[0] += 1
                assert form not in text, f"a secret ({form[:3]}…) leaked into {name}"


@pytest.fixture
def publish(tmp_path: Path) -> Publisher:
    return Publisher(tmp_path / "reports")


@pytest.fixture
def project(request: pytest.FixtureRequest) -> str:
    """A project name unique to this test (and parameter), so tests share servers safely."""
    name = request.node.name.removeprefix("test_")
    return "sc-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@pytest.fixture
def dist_dir(tmp_path: Path) -> Callable[..., Path]:
    """``dist_dir(*files)``: a fresh packages-dir holding copies of ``files``."""
    count = [0]

    def make(*files: Path) -> Path:
        count[0] += 1
        folder = tmp_path / f"packages-{count[0]}"
        folder.mkdir()
        for path in files:
            shutil.copy2(path, folder / path.name)
        return folder

    return make


def seed(index: servers.RunningIndex, files: Sequence[Path]) -> None:
    """Put files on the index without product code; on return they are really there (Pulp
    stores an upload in a task after its 202: ``raw_upload`` waits for it, and this checks)."""
    for path in files:
        response = servers.raw_upload(index, path)
        assert response.status_code < 300, (response.status_code, response.text[:500])
        if index.kind == "pulp":
            project = servers.dist_name_version(path.name)[0]
            stored = servers.list_files(index, project)
            assert stored.get(path.name) == sha256(path), (path.name, stored)


def devpi_stage(
    devpi_index: servers.RunningIndex, name: str, *, volatile: bool
) -> servers.RunningIndex:
    """A new index ``uploader/<name>`` on the session's devpi-server, with its own flags."""
    stage = re.sub(r"[^a-z0-9]+", "-", name.lower())[-60:].strip("-")
    with httpx.Client(base_url=devpi_index.root_url, timeout=30.0, trust_env=False) as client:
        response = client.put(
            f"/{devpi_index.username}/{stage}",
            json={
                "type": "stage",
                "bases": [],
                "volatile": volatile,
                "acl_upload": [devpi_index.username],
            },
            auth=(devpi_index.username, devpi_index.password),
            headers={"Accept": "application/json"},
        )
    assert response.status_code < 300, response.text[:500]
    base = f"{devpi_index.root_url}{devpi_index.username}/{stage}/"
    return dataclasses.replace(devpi_index, upload_url=base, index_url=base + "+simple/")


@pytest.fixture
def strict_index(
    request: pytest.FixtureRequest, any_index: servers.RunningIndex, project: str
) -> servers.RunningIndex:
    """An index that refuses to replace a file: pypiserver as started (no --overwrite), or a
    non-volatile devpi index (the session's devpi index is volatile: it silently replaces)."""
    if any_index.kind == "devpi":
        return devpi_stage(any_index, project, volatile=False)
    return any_index


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fail any name lookup (the socket guard already stops non-loopback connects)."""
    import socket

    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        attempts.append(args)
        raise AssertionError(f"network lookup attempted: {args[:2]}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == []


def pip_download(index_url: str, requirement: str, dest: Path, *, sdist: bool) -> list[Path]:
    """Download with the real pip, as a user would; loopback only, no cache, no config."""
    assert urlsplit(index_url).hostname == "127.0.0.1"
    argv = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--isolated",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--no-input",
        "--no-deps",
        "--index-url",
        index_url,
        "--trusted-host",
        "127.0.0.1",
        "--dest",
        str(dest),
    ]
    # An sdist needs its metadata prepared: with the backend already installed, offline.
    argv += (
        ["--no-binary", ":all:", "--no-build-isolation"] if sdist else ["--only-binary", ":all:"]
    )
    env = {
        k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("PIP_")
    }
    env["NO_PROXY"] = "*"
    before = set(dest.iterdir()) if dest.exists() else set()
    done = subprocess.run(
        [*argv, requirement], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, f"pip download failed:\n{done.stdout}\n{done.stderr}"
    return sorted(set(dest.iterdir()) - before)


@pytest.fixture(scope="session")
def tool_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One runner tool cache per test session, as a self-hosted runner keeps one: the action
    harness (test_action.py, test_migration.py) builds its environment once."""
    return tmp_path_factory.mktemp("hostedtoolcache")


# -- the container image, without Docker (test_action.py, test_ci_recipes.py) ---------------

_ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Image:
    """A stand-in for the image: a fresh venv from the lock plus /app, as the Dockerfile."""

    python: Path
    app: Path
    build_seconds: float


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    root = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    venv = root / "opt-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    # The Dockerfile's command, except that pip's cache is kept (`--no-cache-dir` in the image).
    subprocess.run(
        [
            *pip,
            "install",
            "--quiet",
            "--require-hashes",
            "--no-deps",
            "--only-binary=:all:",
            "-r",
            str(_ROOT / "requirements" / "runtime.txt"),
        ],
        check=True,
        timeout=600,
    )
    subprocess.run([*pip, "uninstall", "--quiet", "--yes", "pip"], check=True, timeout=120)
    app = root / "app"
    (app / "src").mkdir(parents=True)
    shutil.copy2(_ROOT / "entrypoint.py", app / "entrypoint.py")
    shutil.copytree(
        _ROOT / "src" / "publish_action",
        app / "src" / "publish_action",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return Image(python, app, time.monotonic() - started)


def image_env(home: Path, **extra: str) -> dict[str, str]:
    """The image's own ENV (Dockerfile), a PATH, and nothing of the test process."""
    env = {
        "PATH": os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"]),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUTF8": "1",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    env.update(extra)
    return env
