"""Real package-index servers on loopback, for end-to-end tests.

Both context managers start a server as a subprocess on ``127.0.0.1`` with a free
port and private temp directories, wait until it answers HTTP, yield a
:class:`RunningIndex` and stop the server on exit (terminate, wait, kill). They
never contact the internet: pypiserver runs with ``--disable-fallback`` unless a
fallback URL is given, devpi runs with ``--offline-mode`` and without ``root/pypi``.

Typical session fixture (``tests/conftest.py``)::

    @pytest.fixture(scope="session")
    def pypi_index(tmp_path_factory):
        with servers.pypiserver(tmp_path_factory.mktemp("pypiserver")) as index:
            yield index
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

__all__ = [
    "DEFAULT_USER",
    "RunningIndex",
    "ServerStartError",
    "devpi",
    "dist_name_version",
    "free_port",
    "list_files",
    "pypiserver",
    "raw_upload",
]

DEFAULT_USER = "uploader"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
_HERE = Path(__file__).resolve().parent
_PORT_RETRIES = 3


class ServerStartError(RuntimeError):
    """A server process died or never answered during start-up."""


@dataclass(frozen=True)
class RunningIndex:
    """A started index server and everything a test needs to talk to it."""

    kind: str
    """``"pypiserver"``, ``"devpi"`` or ``"pulp"`` (``tests/support/pulp.py``)."""
    upload_url: str
    """Legacy upload endpoint (``repository-url``); ends in ``/``."""
    index_url: str
    """PEP 503 simple index base; ends in ``/``."""
    username: str
    password: str
    root_url: str
    """``http://127.0.0.1:PORT/``."""
    data_dir: Path
    """pypiserver: the packages directory. devpi: the server directory."""
    log_path: Path
    """Combined stdout/stderr of the server process."""

    def simple_url(self, project: str) -> str:
        """Simple page of a project (normalised name)."""
        return f"{self.index_url}{canonicalize_name(project)}/"

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT)


class _PortInUseError(Exception):
    pass


def _start(
    name: str, argv: Sequence[str], ready_url: str, log_path: Path, *, cwd: Path
) -> subprocess.Popen[bytes]:
    """Start ``argv``, poll ``ready_url`` until it answers < 500, or raise."""
    with log_path.open("ab") as log:
        log.write(f"\n=== starting {name}: {' '.join(argv)}\n".encode())
        log.flush()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # Loopback only: a proxy set in the environment must not intercept us.
        env.pop("HTTP_PROXY", None)
        env.pop("http_proxy", None)
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
        )
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                code = proc.poll()
                if code is not None:
                    tail = _tail(log_path)
                    if "Address already in use" in tail or "address already in use" in tail:
                        raise _PortInUseError
                    raise ServerStartError(
                        f"{name} exited with code {code} during start-up.\n"
                        f"--- {log_path} (tail) ---\n{tail}"
                    )
                try:
                    response = client.get(ready_url)
                except httpx.TransportError:
                    pass
                else:
                    if response.status_code < 500:
                        return proc
                if time.monotonic() > deadline:
                    raise ServerStartError(
                        f"{name} did not answer {ready_url} within {READY_TIMEOUT:.0f}s.\n"
                        f"--- {log_path} (tail) ---\n{_tail(log_path)}"
                    )
                time.sleep(0.05)
    except BaseException:
        _stop(proc)
        raise


def _start_on_free_port(
    name: str,
    make_argv: Callable[[int], Sequence[str]],
    ready_path: str,
    log_path: Path,
    *,
    cwd: Path,
) -> tuple[subprocess.Popen[bytes], int]:
    for _attempt in range(_PORT_RETRIES):
        port = free_port()
        try:
            proc = _start(
                name, make_argv(port), f"http://127.0.0.1:{port}{ready_path}", log_path, cwd=cwd
            )
        except _PortInUseError:
            continue
        return proc, port
    raise ServerStartError(
        f"{name}: no free port after {_PORT_RETRIES} attempts.\n{_tail(log_path)}"
    )


def _htpasswd_line(user: str, password: str) -> str:
    # Apache "{SHA}" scheme (passlib: ldap_sha1); stdlib-only and instant to verify.
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()  # noqa: S324
    return f"{user}:{{SHA}}{digest}\n"


@contextmanager
def pypiserver(
    tmp: Path,
    *,
    authenticate: str = "update",
    overwrite: bool = False,
    fallback_url: str | None = None,
    threads: int = 4,
) -> Iterator[RunningIndex]:
    """Run pypiserver 2.x (waitress, ``threads`` worker threads) on a free port.

    ``authenticate`` is pypiserver's ``-a``: ``"update"`` (default: uploads need
    the password), ``"download,update,list"`` (reads need it too; anonymous
    reads get 401), or ``"."`` (no authentication at all). ``overwrite=True``
    lets re-uploads replace files; otherwise a duplicate upload is refused with
    409. Without ``fallback_url`` the server runs with ``--disable-fallback``,
    so unknown projects get 404 instead of a redirect to pypi.org.
    """
    base = Path(tempfile.mkdtemp(prefix="pypiserver-", dir=tmp))
    packages = base / "packages"
    packages.mkdir()
    log_path = base / "server.log"
    username = DEFAULT_USER
    password = secrets.token_urlsafe(12)
    auth_ops = authenticate.strip() or "."
    if auth_ops == ".":
        pw_arg = "."
    else:
        htpasswd = base / "htpasswd"
        htpasswd.write_text(_htpasswd_line(username, password), encoding="utf-8")
        pw_arg = str(htpasswd)
    fallback = ["--fallback-url", fallback_url] if fallback_url else ["--disable-fallback"]

    def argv(port: int) -> list[str]:
        return [
            sys.executable,
            str(_HERE / "_pypiserver_main.py"),
            str(threads),
            "-p",
            str(port),
            "-i",
            "127.0.0.1",
            "-a",
            auth_ops,
            "-P",
            pw_arg,
            *fallback,
            *(["--overwrite"] if overwrite else []),
            "-v",
            str(packages),
        ]

    proc, port = _start_on_free_port("pypiserver", argv, "/health", log_path, cwd=base)
    root = f"http://127.0.0.1:{port}/"
    try:
        yield RunningIndex(
            kind="pypiserver",
            upload_url=root,
            index_url=root + "simple/",
            username=username,
            password=password,
            root_url=root,
            data_dir=packages,
            log_path=log_path,
        )
    finally:
        _stop(proc)


@contextmanager
def devpi(
    tmp: Path,
    *,
    volatile: bool = True,
    index: str = "dev",
    fast_hashing: bool = True,
) -> Iterator[RunningIndex]:
    """Run devpi-server 6 offline on a free port with user ``uploader`` and
    index ``uploader/<index>`` (no bases, so no mirror is ever consulted).

    ``volatile=True`` (devpi's default) lets a re-upload of an existing file
    name *replace* it (200). ``volatile=False`` makes devpi refuse a re-upload of
    different content under an existing file name (409); an identical re-upload
    is still accepted as a no-op (200).

    ``fast_hashing`` (default) makes devpi's password hashing and start-up key
    derivation cheap (server-internal only, protocol unchanged). devpi's defaults
    cost ~4 s at start-up and ~0.12-0.24 s per basic-auth request.
    """
    base = Path(tempfile.mkdtemp(prefix="devpi-", dir=tmp))
    serverdir = base / "server"
    log_path = base / "server.log"
    username = DEFAULT_USER
    password = secrets.token_urlsafe(12)
    argon_args = (
        ["--argon2-memory-cost", "8", "--argon2-time-cost", "1", "--argon2-parallelism", "1"]
        if fast_hashing
        else []
    )

    def argv(port: int) -> list[str]:
        return [
            sys.executable,
            str(_HERE / "_devpi_main.py"),
            *(["--fast-hashing"] if fast_hashing else []),
            str(serverdir),
            "--",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--offline-mode",
            "--threads",
            "8",
            *argon_args,
        ]

    proc, port = _start_on_free_port("devpi-server", argv, "/+api", log_path, cwd=base)
    root = f"http://127.0.0.1:{port}/"
    try:
        _devpi_setup(root, username, password, index, volatile=volatile)
        yield RunningIndex(
            kind="devpi",
            upload_url=f"{root}{username}/{index}/",
            index_url=f"{root}{username}/{index}/+simple/",
            username=username,
            password=password,
            root_url=root,
            data_dir=serverdir,
            log_path=log_path,
        )
    finally:
        _stop(proc)


def _devpi_setup(root: str, user: str, password: str, index: str, *, volatile: bool) -> None:
    headers = {"Accept": "application/json"}
    with httpx.Client(base_url=root, headers=headers, timeout=30.0, trust_env=False) as client:
        response = client.put(
            f"/{user}", json={"password": password, "email": f"{user}@example.invalid"}
        )
        _expect(response, "create devpi user")
        response = client.put(
            f"/{user}/{index}",
            json={"type": "stage", "bases": [], "volatile": volatile, "acl_upload": [user]},
            auth=(user, password),
        )
        _expect(response, "create devpi index")


def _expect(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise ServerStartError(
            f"{what}: {response.request.method} {response.request.url} -> "
            f"{response.status_code}\n{response.text[:2000]}"
        )


def dist_name_version(filename: str) -> tuple[str, str]:
    """(normalised project name, version) of a wheel or sdist file name."""
    if filename.endswith(".whl"):
        name, version, _build, _tags = parse_wheel_filename(filename)
    else:
        name, version = parse_sdist_filename(filename)
    return str(name), str(version)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_files(index: RunningIndex, project: str) -> dict[str, str]:
    """``{filename: sha256}`` of what the index really stores for ``project``.

    Independent of the product code: pypiserver's packages directory is read
    from disk; devpi is asked through its JSON API (``GET /user/index/project``); Pulp through
    its REST API, once every upload answered so far has been stored (its uploads are 202 + a
    task: see ``pulp.settle``).
    """
    wanted = canonicalize_name(project)
    if index.kind == "pulp":
        from tests.support import pulp  # imports this module

        pulp.settle(index)
        return pulp.list_files(index, project)
    found: dict[str, str] = {}
    if index.kind == "pypiserver":
        for path in sorted(index.data_dir.rglob("*")):
            if not path.is_file():
                continue
            try:
                name, _version = dist_name_version(path.name)
            except (InvalidSdistFilename, InvalidWheelFilename):
                continue
            if name == wanted:
                found[path.name] = _sha256(path)
        return found
    if index.kind == "devpi":
        url = index.upload_url + wanted
        with httpx.Client(timeout=30.0, trust_env=False) as client:
            response = client.get(url, headers={"Accept": "application/json"})
        if response.status_code == 404:
            return found
        response.raise_for_status()
        versions = response.json()["result"]
        for data in versions.values():
            for link in data.get("+links", []):
                if link.get("rel") != "releasefile":
                    continue
                filename = link["href"].rsplit("/", 1)[-1].split("#", 1)[0]
                algo, _, value = link.get("hash_spec", "").partition("=")
                if algo != "sha256":
                    raise AssertionError(f"devpi gave no sha256 for {filename}: {link}")
                found[filename] = value
        return found
    raise ValueError(f"unknown index kind {index.kind!r}")


def raw_upload(
    index: RunningIndex,
    path: Path,
    *,
    auth: bool = True,
    extra_fields: dict[str, str] | None = None,
) -> httpx.Response:
    """Upload one file with a bare legacy-API multipart POST (no product code).

    For seeding an index in tests and for probing server behaviour. Pulp answers a fresh
    upload with 202 and stores the file in a task: this returns once that task (and, for a
    published index, its publication) is done, so what follows sees the file or its failure.
    """
    name, version = dist_name_version(path.name)
    data = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name,
        "version": version,
        "filetype": "bdist_wheel" if path.name.endswith(".whl") else "sdist",
        "pyversion": "py3" if path.name.endswith(".whl") else "source",
        "sha256_digest": _sha256(path),
        **(extra_fields or {}),
    }
    credentials = (index.username, index.password) if auth else None
    with httpx.Client(timeout=60.0, trust_env=False, auth=credentials) as client:
        response = client.post(
            index.upload_url,
            data=data,
            files={"content": (path.name, path.read_bytes(), "application/octet-stream")},
        )
    if index.kind == "pulp" and response.status_code == 202:
        from tests.support import pulp  # imports this module

        pulp.settle(index)
    return response
