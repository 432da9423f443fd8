"""A real Pulp (pulpcore + pulp-python) on loopback, started without Docker, for end-to-end tests.

:func:`pulp` starts a private PostgreSQL cluster and Pulp's three services (``pulpcore-api``,
``pulpcore-content`` and one ``pulpcore-worker``) on free ``127.0.0.1`` ports, waits until they
answer, yields a :class:`PulpServer` and stops everything on exit (terminate, wait, kill),
PostgreSQL last. :meth:`PulpServer.index` then makes an index the way a test needs it (a python
repository and a distribution, with or without a publication) and returns a
:class:`~tests.support.servers.RunningIndex` of kind ``"pulp"``. Pulp runs from its own venv,
``.venv-pulp`` (made by ``scripts/pulp-env`` from the hash lock ``requirements/pulp.txt``).

Typical session fixture (``tests/conftest.py``)::

    @pytest.fixture(scope="session")
    def pulp_server(tmp_path_factory):
        with pulp.pulp(tmp_path_factory.mktemp("pulp")) as server:
            yield server

    def test_upload(pulp_server, wheel):
        index = pulp_server.index("team")
        response = servers.raw_upload(index, wheel)  # 202: a task adds the file later
        pulp.wait_for_tasks(index)
        assert wheel.name in pulp.list_files(index)

Facts this relies on (shared/notes/index-behaviour.md, "Pulp" and section 5, and measured again
with pulpcore 3.123.1 / pulp-python 3.36.4 while writing this module):

* Pulp needs PostgreSQL only (no Redis with ``WORKER_TYPE="pulpcore"``, ``CACHE_ENABLED=False``).
  PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres`` user, in a
  folder that user can reach (not under ``/root`` or pytest's 0700 temp folders).
* Settings come from the Python file named by ``PULP_SETTINGS``; ``DB_ENCRYPTION_KEY`` must name a
  file with a Fernet key (base64 of 32 bytes) or every command fails. ``ANALYTICS=False`` removes
  the daily task that posts to analytics.pulpproject.org: nothing here contacts the internet.
* ``pulpcore-api`` and ``pulpcore-content`` are gunicorn: ``--no-control-socket`` keeps them off
  ``~/.gunicorn/gunicorn.ctl`` (shared with any other gunicorn), and a ``gunicorn.conf.py`` in the
  working folder would be read, so they run in a private one.
* Uploads are asynchronous: ``POST <api>/pypi/<base_path>/legacy/`` answers 202
  ``{"task": "/pulp/api/v3/tasks/<id>/"}`` and the worker adds the file a moment later; use
  :func:`wait_for_tasks` before looking. A duplicate file name (same or different bytes) is a 400
  whose reason phrase (not the body) says ``Package <f> already exists in index``.
* Without a publication the simple pages (HTML with ``#sha256=``, or PEP 691 JSON when asked by
  ``Accept``; ``?format=`` is a 404) are served by the API from the repository's latest version.
  As soon as a publication of that version exists (``autopublish``), every ``simple/`` URL
  answers 302 to the same path on the content app (``CONTENT_ORIGIN``, another port). Measured
  here: for a distribution that points at the repository, the content app then answers 404
  (``PythonDistribution.SERVE_FROM_PUBLICATION`` is False, so it never looks at publications);
  only a distribution pinned to a publication (:meth:`PulpServer.publish`, read-only) gets its
  published HTML served there.
* ``reset-admin-password`` creates the ``admin`` superuser; Basic auth is checked per request.

Speed (2 cores, measured): ``migrate`` of an empty database takes ~14 s here (the notes saw
~40 s with the cluster on disk), so the first start builds a migrated template cluster once
(initdb + migrate + admin: ~17 s) and keeps it in ``.venv-pulp/pulp-template/<key>`` (the key
covers the venv's stamp, the names of all migration files and ``postgres --version``); later
starts copy it (0.1 s on the ``/dev/shm`` tmpfs, 0.9 s on disk) and only set a new admin
password. Passwords use Django's MD5 hasher (Django's own advice for tests): with the default
PBKDF2 each Basic-auth request would cost a few hundred milliseconds of CPU. The API runs one
gunicorn worker; the three services start in parallel (ready in ~3.5 s) and stop in ~0.7 s
(``--graceful-timeout 0``: the data is thrown away).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from packaging.utils import canonicalize_name

from tests.support.servers import RunningIndex, ServerStartError, dist_name_version, free_port

if TYPE_CHECKING:
    import pwd  # POSIX only, like fcntl: imported where used, so this module imports anywhere
    from collections.abc import Iterator, Mapping, Sequence

__all__ = [
    "ADMIN_USER",
    "PULP_VENV",
    "PulpServer",
    "PulpTaskError",
    "PulpUnavailableError",
    "list_files",
    "pulp",
    "settle",
    "wait_for_tasks",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
PULP_VENV = REPO_ROOT / ".venv-pulp"
ADMIN_USER = "admin"
START_TIMEOUT = 120.0
"""Seconds for PostgreSQL and the three services to answer (measured: ~3.5 s warm)."""
MIGRATE_TIMEOUT = 900.0
"""Seconds for ``migrate`` of an empty database (measured: ~14 s on 2 cores, tmpfs)."""
TASK_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
API_PATH = "/pulp/api/v3/"
_TEMPLATE_FORMAT = "1"  # bump when the template's recipe changes
_PORT_RETRIES = 3
_MIN_FREE_BYTES = 1 << 30
_STALE_AFTER = 3600.0
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class PulpUnavailableError(ServerStartError):
    """Pulp cannot be started here: ``.venv-pulp`` or PostgreSQL is missing."""


class PulpTaskError(RuntimeError):
    """A Pulp task failed, was cancelled, or did not finish in time."""


# --------------------------------------------------------------------------------------------
# Processes and logs


class _Log:
    """One combined log file; each process's lines are copied in with a ``name|`` prefix."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = path.open("ab", buffering=0)
        self._threads: list[threading.Thread] = []

    def write(self, name: str, text: str) -> None:
        data = b"".join(f"{name}| {line}\n".encode() for line in text.splitlines())
        with self._lock:
            self._file.write(data)

    def pump(self, name: str, stream: IO[bytes]) -> threading.Thread:
        def run() -> None:
            prefix = f"{name}| ".encode()
            with stream:
                for line in iter(stream.readline, b""):
                    with self._lock:
                        self._file.write(prefix + line.rstrip(b"\n") + b"\n")

        thread = threading.Thread(target=run, name=f"pulp-log-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def tail(self, lines: int = 60, *, only: str | None = None, since: int = 0) -> str:
        return self.tail_of(self.path, lines, only=only, since=since)

    def size(self) -> int:
        """Bytes written so far: a mark for ``tail(since=...)``."""
        with self._lock:
            return self._file.tell()

    @staticmethod
    def tail_of(path: Path, lines: int = 60, *, only: str | None = None, since: int = 0) -> str:
        try:
            with path.open("rb") as handle:
                handle.seek(since)
                text = handle.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"<cannot read {path}: {exc}>"
        rows = text.splitlines()
        if only is not None:
            rows = [row for row in rows if row.startswith(f"{only}| ")]
        return "\n".join(rows[-lines:])

    def close(self) -> None:
        for thread in self._threads:
            thread.join(2.0)
        self._file.close()


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    pump: threading.Thread
    stop_signal: int = signal.SIGTERM
    started: float = field(default_factory=time.monotonic)

    def drain(self) -> None:
        """Wait (briefly) until the process's last output is in the log."""
        self.pump.join(2.0)


def _spawn(
    name: str,
    argv: Sequence[str],
    log: _Log,
    *,
    env: Mapping[str, str],
    cwd: Path,
    as_user: pwd.struct_passwd | None = None,
    stop_signal: int = signal.SIGTERM,
) -> _Proc:
    log.write("fixture", f"starting {name}: {' '.join(argv)}")
    user_kwargs: dict[str, Any] = {}
    if as_user is not None:
        user_kwargs = {"user": as_user.pw_uid, "group": as_user.pw_gid, "extra_groups": []}
    popen = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=dict(env),
        start_new_session=True,  # its own process group: a kill reaches gunicorn's workers too
        **user_kwargs,
    )
    assert popen.stdout is not None
    return _Proc(name, popen, log.pump(name, popen.stdout), stop_signal)


def _stop_all(procs: Sequence[_Proc]) -> None:
    """Signal every process at once, then wait for each; SIGKILL its group after STOP_TIMEOUT."""
    for proc in procs:
        if proc.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.popen.send_signal(proc.stop_signal)
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in procs:
        try:
            proc.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.wait(STOP_TIMEOUT)
        # gunicorn's workers are in the master's group; none may outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.popen.pid, signal.SIGKILL)


def _run(
    name: str,
    argv: Sequence[str],
    log: _Log,
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float,
    as_user: pwd.struct_passwd | None = None,
) -> None:
    proc = _spawn(name, argv, log, env=env, cwd=cwd, as_user=as_user)
    try:
        code = proc.popen.wait(timeout)
    except subprocess.TimeoutExpired:
        _stop_all([proc])
        raise ServerStartError(
            f"{name} did not finish within {timeout:.0f}s.\n"
            f"--- {log.path} (tail) ---\n{log.tail(only=name)}"
        ) from None
    proc.drain()
    log.write(
        "fixture", f"{name} exited with code {code} after {time.monotonic() - proc.started:.1f}s"
    )
    if code != 0:
        raise ServerStartError(
            f"{name} exited with code {code}: {' '.join(argv)}\n"
            f"--- {log.path} (tail) ---\n{log.tail(only=name)}"
        )


# --------------------------------------------------------------------------------------------
# PostgreSQL


def _pg_bin_dir() -> Path:
    """The folder of ``initdb``: on PATH, else the newest ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]

    def major(path: Path) -> int:
        version = path.parent.name
        return int(version) if version.isdigit() else 0

    if candidates:
        return max(candidates, key=major)
    raise PulpUnavailableError(
        "No PostgreSQL server (initdb) on this machine: run scripts/pulp-env, which installs it "
        "with apt-get (Debian: apt-get install postgresql)."
    )


def _pg_user() -> pwd.struct_passwd | None:
    """Who runs PostgreSQL: ``postgres`` when we are root (it refuses root), else ourselves."""
    import pwd

    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PulpUnavailableError(
            "Running as root, but there is no 'postgres' user to run PostgreSQL as "
            "(apt-get install postgresql creates it)."
        ) from None


def _reachable_tmp(user: pwd.struct_passwd | None) -> Path:
    """A temp folder for the cluster that the PostgreSQL user can enter: ``/dev/shm`` when it is
    a roomy tmpfs (copying the template there takes 0.1 s instead of 0.9 s on disk), else the
    system temp folder. With root, every parent must be enterable by others (not ``/root``)."""
    candidates = [Path("/dev/shm"), Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp")]  # noqa: S108
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            usage = os.statvfs(resolved)
            if not os.access(resolved, os.W_OK | os.X_OK):
                continue
            if usage.f_bavail * usage.f_frsize < _MIN_FREE_BYTES:
                continue
            if user is not None and not all(
                os.stat(p).st_mode & 0o001 for p in (resolved, *resolved.parents)
            ):
                continue
        except OSError:
            continue
        return resolved
    raise PulpUnavailableError(
        "No temp folder with 1 GiB free that the PostgreSQL user can reach "
        f"(tried {', '.join(map(str, candidates))})."
    )


def _chown_tree(root: Path, user: pwd.struct_passwd | None) -> None:
    if user is None:
        return
    os.chown(root, user.pw_uid, user.pw_gid)
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            os.chown(os.path.join(folder, name), user.pw_uid, user.pw_gid, follow_symlinks=False)


_PG_SETTINGS = (
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=100",
    "shared_buffers=64MB",
    "max_wal_size=1GB",
    "checkpoint_timeout=30min",
    "autovacuum=off",
    "log_min_messages=warning",
    "log_checkpoints=off",
)


@dataclass
class _Postgres:
    bin_dir: Path
    cluster: Path
    """Holds ``data/`` and the unix socket; owned by the PostgreSQL user."""
    user: pwd.struct_passwd | None
    port: int = 0
    proc: _Proc | None = None

    @property
    def data(self) -> Path:
        return self.cluster / "data"

    def env(self) -> dict[str, str]:
        env = _clean_env()
        env.update(LC_ALL="C", LANG="C", PGHOST="127.0.0.1", PGUSER="pulp", PGDATABASE="pulp")
        if self.port:
            env["PGPORT"] = str(self.port)
        return env

    def initdb(self, log: _Log) -> None:
        self.data.mkdir(mode=0o700)
        _chown_tree(self.cluster, self.user)
        argv = [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "pulp"]
        argv += ["--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]
        _run("initdb", argv, log, env=self.env(), cwd=self.cluster, timeout=120, as_user=self.user)

    def start(self, log: _Log) -> None:
        for _attempt in range(_PORT_RETRIES):
            self.port = free_port()
            argv = [str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
            argv += ["-k", str(self.cluster)]
            for setting in _PG_SETTINGS:
                argv += ["-c", setting]
            # SIGINT is PostgreSQL's "fast" shutdown (SIGTERM waits for clients to leave).
            self.proc = _spawn(
                "postgres",
                argv,
                log,
                env=self.env(),
                cwd=self.cluster,
                as_user=self.user,
                stop_signal=signal.SIGINT,
            )
            if self._wait_ready(log):
                return
        raise ServerStartError(f"postgres: no free port after {_PORT_RETRIES} attempts")

    def _wait_ready(self, log: _Log) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        isready = [str(self.bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        while True:
            code = self.proc.popen.poll()
            if code is not None:
                self.proc.drain()
                tail = log.tail(only="postgres")
                if "already in use" in tail:
                    return False
                raise ServerStartError(f"postgres exited with code {code}.\n{tail}")
            if subprocess.run(isready, env=self.env(), check=False).returncode == 0:
                return True
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"postgres did not accept connections within {START_TIMEOUT:.0f}s.\n"
                    f"{log.tail(only='postgres')}"
                )
            time.sleep(0.05)

    def psql(
        self,
        sql: str,
        log: _Log,
        *,
        database: str = "pulp",
        variables: Mapping[str, str] | None = None,
    ) -> None:
        """Run ``sql`` (read from stdin, so ``:'name'`` quotes ``variables`` safely)."""
        argv = [str(self.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database]
        for name, value in (variables or {}).items():
            argv += ["-v", f"{name}={value}"]
        log.write("fixture", f"psql: {sql}")
        result = subprocess.run(
            argv,
            input=sql.encode(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env(),
            cwd=self.cluster,
            timeout=60,
            check=False,
        )
        log.write("psql", result.stdout.decode(errors="replace"))
        if result.returncode != 0:
            raise ServerStartError(
                f"psql exited with code {result.returncode}: {sql}\n"
                f"{result.stdout.decode(errors='replace')}"
            )

    def stop(self) -> None:
        if self.proc is not None:
            _stop_all([self.proc])
            self.proc = None


# --------------------------------------------------------------------------------------------
# Pulp settings and the migrated template


def _clean_env() -> dict[str, str]:
    """The environment without anything that could redirect or reconfigure the servers."""
    drop_prefixes = ("PULP_", "DJANGO_", "GUNICORN_", "PG", "HTTP_PROXY", "HTTPS_PROXY")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(drop_prefixes) and key.upper() != "ALL_PROXY"
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _check_venv() -> None:
    """``.venv-pulp`` exists, is complete, and was made from this checkout's lock and script
    (the stamp scripts/pulp-env writes last: sha256 of the lock, the script and sys.version)."""
    python = PULP_VENV / "bin" / "python"
    stamp = PULP_VENV / ".pulp-env-stamp"
    if not python.is_file() or not stamp.is_file():
        raise PulpUnavailableError(
            f"{PULP_VENV} is missing or incomplete: run scripts/pulp-env (it makes it with "
            "pulpcore and pulp-python from requirements/pulp.txt, and PostgreSQL if missing)."
        )
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    digest = hashlib.sha256()
    for part in (REPO_ROOT / "requirements" / "pulp.txt", REPO_ROOT / "scripts" / "pulp-env"):
        digest.update(part.read_bytes())
    digest.update(version.encode())
    if stamp.read_text(encoding="utf-8").strip() != digest.hexdigest():
        raise PulpUnavailableError(
            f"{PULP_VENV} was made from another requirements/pulp.txt or scripts/pulp-env: "
            "run scripts/pulp-env again."
        )


def _sweep_stale(folder: Path) -> None:
    """Remove clusters that killed test runs left behind (1 h old, no live postmaster)."""
    for path in [*folder.glob("pulp-pg-*"), *folder.glob("pulp-template-*")]:
        try:
            if time.time() - path.stat().st_mtime < _STALE_AFTER:
                continue
            pid_files = list(path.glob("*/postmaster.pid")) + list(path.glob("*/*/postmaster.pid"))
            if any(_alive(int(f.read_text().split()[0])) for f in pid_files):
                continue
        except (OSError, ValueError, IndexError):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pulp_bin(name: str) -> str:
    path = PULP_VENV / "bin" / name
    if not path.is_file():
        raise PulpUnavailableError(
            f"{path} is missing: run scripts/pulp-env (it makes {PULP_VENV.name} with pulpcore "
            "and pulp-python from requirements/pulp.txt)."
        )
    return str(path)


def _fernet_key() -> bytes:
    return base64.urlsafe_b64encode(secrets.token_bytes(32))


def _md5_password(password: str) -> str:
    """Django's ``MD5PasswordHasher`` encoding (``md5$<salt>$<hex>``), as Pulp will check it."""
    salt = secrets.token_hex(8)
    digest = hashlib.md5((salt + password).encode()).hexdigest()  # noqa: S324
    return f"md5${salt}${digest}"


def _settings_text(
    *, base: Path, db_port: int, api_port: int, content_port: int, key_file: Path, domains: bool
) -> str:
    settings: dict[str, Any] = {
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "pulp",
                "USER": "pulp",
                "HOST": "127.0.0.1",
                "PORT": str(db_port),
                "CONN_MAX_AGE": 0,
            }
        },
        "CONTENT_ORIGIN": f"http://127.0.0.1:{content_port}",
        "PYPI_API_HOSTNAME": f"http://127.0.0.1:{api_port}",
        "DEPLOY_ROOT": str(base),
        "MEDIA_ROOT": str(base / "media"),
        "STATIC_ROOT": str(base / "assets"),
        "WORKING_DIRECTORY": str(base / "tmp"),
        "FILE_UPLOAD_TEMP_DIR": str(base / "tmp"),
        "DB_ENCRYPTION_KEY": str(key_file),
        "CACHE_ENABLED": False,
        "ANALYTICS": False,
        "OTEL_ENABLED": False,
        "DOMAIN_ENABLED": domains,
        "WORKER_TYPE": "pulpcore",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
    }
    lines = ["# Written by tests/support/pulp.py for one test run."]
    lines += [f"{name} = {value!r}" for name, value in settings.items()]
    return "\n".join(lines) + "\n"


def _template_key(pg_bin: Path) -> str:
    """What the migrated database depends on: Pulp's code (its migrations) and PostgreSQL."""
    digest = hashlib.sha256(_TEMPLATE_FORMAT.encode())
    stamp = PULP_VENV / ".pulp-env-stamp"
    digest.update(stamp.read_bytes() if stamp.is_file() else b"no stamp")
    for migrations in sorted(PULP_VENV.glob("lib/python*/site-packages/*/app/migrations")):
        digest.update(str(migrations.relative_to(PULP_VENV)).encode())
        for path in sorted(migrations.glob("*.py")):
            digest.update(path.name.encode())
    version = subprocess.run(
        [str(pg_bin / "postgres"), "--version"], capture_output=True, check=True, text=True
    ).stdout
    digest.update(version.encode())
    return digest.hexdigest()[:16]


def _make_template(template: Path, pg_bin: Path, pg_user: pwd.struct_passwd | None) -> None:
    """initdb + ``migrate`` + the admin user, once; kept as ``template/{data,db.key}``."""
    work = Path(tempfile.mkdtemp(prefix="pulp-template-", dir=_reachable_tmp(pg_user)))
    _chown_tree(work, pg_user)  # mkdtemp's 0700 folder: the PostgreSQL user must enter it
    building = template.with_name(template.name + f".building-{os.getpid()}")
    log_path = template.parent / f"{template.name}.log"
    log_path.unlink(missing_ok=True)
    log = _Log(log_path)
    postgres = _Postgres(pg_bin, work / "pg", pg_user)
    try:
        postgres.cluster.mkdir()
        postgres.initdb(log)
        postgres.start(log)
        postgres.psql("CREATE DATABASE pulp", log, database="postgres")
        base = work / "pulp"
        for sub in ("media", "assets", "tmp"):
            (base / sub).mkdir(parents=True)
        key_file = base / "db.key"
        key_file.write_bytes(_fernet_key())
        settings = base / "settings.py"
        settings.write_text(
            _settings_text(
                base=base,
                db_port=postgres.port,
                api_port=free_port(),
                content_port=free_port(),
                key_file=key_file,
                domains=False,
            ),
            encoding="utf-8",
        )
        env = _clean_env()
        env["PULP_SETTINGS"] = str(settings)
        manager = _pulp_bin("pulpcore-manager")
        _run(
            "migrate",
            [manager, "migrate", "--no-input"],
            log,
            env=env,
            cwd=base,
            timeout=MIGRATE_TIMEOUT,
        )
        password = secrets.token_urlsafe(16)
        _run(
            "admin",
            [manager, "reset-admin-password", "--password", password],
            log,
            env=env,
            cwd=base,
            timeout=120,
        )
        postgres.stop()
        building.mkdir(parents=True)
        shutil.copytree(postgres.data, building / "data", symlinks=True)
        shutil.copy2(key_file, building / "db.key")
        with contextlib.suppress(FileNotFoundError):
            (building / "data" / "postmaster.pid").unlink()
        building.rename(template)
    finally:
        postgres.stop()
        log.close()
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def _template(pg_bin: Path, pg_user: pwd.struct_passwd | None) -> tuple[Path, float]:
    """The migrated template for this venv and PostgreSQL (made now if missing), and the
    seconds spent making it (0 when it was cached)."""
    key = _template_key(pg_bin)
    template = PULP_VENV / "pulp-template" / key
    if (template / "data" / "PG_VERSION").is_file():
        return template, 0.0
    template.parent.mkdir(parents=True, exist_ok=True)
    import fcntl

    started = time.monotonic()
    with (template.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be making the same template
        if not (template / "data" / "PG_VERSION").is_file():
            for stale in template.parent.iterdir():
                if stale.is_dir() and stale.name != key:
                    shutil.rmtree(stale, ignore_errors=True)
            _make_template(template, pg_bin, pg_user)
    return template, time.monotonic() - started


# --------------------------------------------------------------------------------------------
# The server


@dataclass
class PulpServer:
    """A running Pulp: its API and content origins, the admin credentials and helpers."""

    api_url: str
    """``http://127.0.0.1:PORT/`` of ``pulpcore-api`` (REST API under ``/pulp/api/v3/``,
    simple and upload APIs under ``/pypi/``)."""
    content_url: str
    """``http://127.0.0.1:PORT/`` of ``pulpcore-content`` (``CONTENT_ORIGIN``): files, and the
    simple pages of publications."""
    username: str
    password: str
    base_dir: Path
    """``DEPLOY_ROOT``: settings, ``media/`` (stored files, by hash) and temp folders."""
    log_path: Path
    """All processes' output, each line prefixed with ``api|``, ``content|``, ``worker|``…"""
    domains: bool = False
    """``DOMAIN_ENABLED``: every URL names a domain (``/pypi/<domain>/<base_path>/``)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each start-up step (``template`` is 0 when the template was cached),
    and ``stop`` once stopped."""
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def client(self, *, timeout: float = 30.0) -> httpx.Client:
        """An httpx client for the REST API (``base_url`` is :attr:`api_url`), as the admin."""
        return _client(self.api_url, self.username, self.password, timeout=timeout)

    def api_root(self, domain: str | None = None) -> str:
        """REST API root path: ``/pulp/api/v3/``, or ``/pulp/<domain>/api/v3/`` with domains."""
        if not self.domains:
            if domain is not None:
                raise ValueError("domains are off: start with pulp(tmp, domains=True)")
            return API_PATH
        return f"/pulp/{domain or 'default'}/api/v3/"

    def log_tail(self, lines: int = 60) -> str:
        return _Log.tail_of(self.log_path, lines)

    def index(
        self, name: str | None = None, *, publication: bool = False, domain: str | None = None
    ) -> RunningIndex:
        """Make a python repository and a distribution (``base_path = name``; a fresh name when
        ``None``) and return the index. Uploads are accepted at once.

        ``publication=False``: no publication; the API serves the simple pages straight from the
        repository's latest version (HTML, or PEP 691 JSON when asked by ``Accept``).

        ``publication=True``: the repository has ``autopublish`` (every upload publishes the new
        version) and its empty version 0 is published at once, so from the start every
        ``simple/`` URL answers 302 to the same path on the content app. Measured with
        pulpcore 3.123.1 / pulp-python 3.36.4: the content app answers that redirect with
        **404** (a python distribution that points at a repository never serves its
        publications there: ``PythonDistribution.SERVE_FROM_PUBLICATION`` is False), so such an
        index takes uploads but has no readable simple pages. :meth:`publish` makes a
        read-only index whose redirects do work.

        ``domain`` (only with ``pulp(tmp, domains=True)``) puts it in that domain, made if
        missing with its own storage folder (``base_dir/domains/<domain>``).
        """
        if name is None:
            name = f"index-{next(self._names)}"
        _check_name(name, "repository name and base path")
        if domain is not None:
            _check_name(domain, "domain name")
        root = self.api_root(domain)
        with self.client() as client:
            if domain is not None and domain != "default":
                self._ensure_domain(client, domain)
            response = client.post(
                f"{root}repositories/python/python/",
                json={"name": name, "autopublish": publication},
            )
            _expect(response, f"create repository {name}")
            repository = str(response.json()["pulp_href"])
            if publication:
                response = client.post(
                    f"{root}publications/python/pypi/", json={"repository": repository}
                )
                _expect(response, f"publish repository {name}")
                _wait_task(client, str(response.json()["task"]), timeout=TASK_TIMEOUT)
            self._distribute(client, root, name, {"repository": repository})
        return self._running_index(name, domain)

    def publish(
        self, index: RunningIndex, name: str | None = None, *, timeout: float = TASK_TIMEOUT
    ) -> RunningIndex:
        """Publish ``index``'s repository as it is now, and serve that publication read-only
        from a new distribution ``name``: the returned index's ``simple/`` URLs answer 302 to
        the content app, which serves the published HTML (no PEP 691 JSON: it answers
        ``text/html`` whatever ``Accept`` says; file links are relative, ``../../<f>#sha256=``).
        Uploads to it are refused: 400 "Index is not pointing to a repository".
        """
        root, base_path = _api_root_of(index)
        domain = _domain_of(index)
        if name is None:
            name = f"index-{next(self._names)}"
        _check_name(name, "distribution name and base path")
        with self.client() as client:
            version = _served_version(client, root, base_path)
            response = client.post(
                f"{root}publications/python/pypi/", json={"repository_version": version}
            )
            _expect(response, f"publish {base_path}")
            task = _wait_task(client, str(response.json()["task"]), timeout=timeout)
            publications = [href for href in task["created_resources"] if "/publications/" in href]
            if len(publications) != 1:
                raise PulpTaskError(f"publish task created {task['created_resources']}")
            self._distribute(client, root, name, {"publication": publications[0]})
        return self._running_index(name, domain)

    @contextmanager
    def published_index(self, name: str | None = None) -> Iterator[RunningIndex]:
        """An index whose simple pages come from a publication on the content app, kept current
        while the context is open.

        Uploads go to ``<name>``: a repository with ``autopublish`` (each new version is
        published by the upload's own task). Reads go to ``<name>-read``: a distribution pinned
        to the newest publication, so every ``simple/`` URL answers 302 to the content app
        (another origin), which serves the published HTML. A thread re-points ``<name>-read`` at
        each new publication as it appears (what a deployment that serves publications does
        after each upload), and :func:`settle` does the same at once. Needed because in
        pulpcore 3.123.1 / pulp-python 3.36.4 a distribution that points at the repository
        never serves its publications (see :meth:`index`).
        """
        if name is None:
            name = f"index-{next(self._names)}"
        upload = self.index(name, publication=True)
        read = self.publish(upload, f"{name}-read")
        index = replace(upload, index_url=read.index_url)
        follower = _Follower(self, upload, f"{name}-read")
        with _FOLLOWERS_LOCK:
            _FOLLOWERS[_api_root_of(index)] = follower
        follower.start()
        try:
            yield index
        finally:
            follower.stop()
            with _FOLLOWERS_LOCK:
                _FOLLOWERS.pop(_api_root_of(index), None)

    def wait_task(self, task: str, *, timeout: float = TASK_TIMEOUT) -> dict[str, Any]:
        """Wait for one task (its href, e.g. a 202 body's ``task``) and return it; raise
        :class:`PulpTaskError` if it failed, was cancelled or is still pending after
        ``timeout`` seconds."""
        with self.client() as client:
            return _wait_task(client, task, timeout=timeout)

    def _distribute(
        self, client: httpx.Client, root: str, name: str, target: dict[str, str]
    ) -> None:
        response = client.post(
            f"{root}distributions/python/pypi/", json={"name": name, "base_path": name, **target}
        )
        _expect(response, f"create distribution {name}")
        _wait_task(client, str(response.json()["task"]), timeout=TASK_TIMEOUT)

    def _running_index(self, name: str, domain: str | None) -> RunningIndex:
        prefix = f"{self.api_url}pypi/"
        data_dir = self.base_dir / "media"
        if self.domains:
            prefix += f"{domain or 'default'}/"
            if domain not in (None, "default"):
                data_dir = self.base_dir / "domains" / str(domain)
        return RunningIndex(
            kind="pulp",
            upload_url=f"{prefix}{name}/legacy/",
            index_url=f"{prefix}{name}/simple/",
            username=self.username,
            password=self.password,
            root_url=self.api_url,
            data_dir=data_dir,
            log_path=self.log_path,
        )

    def _ensure_domain(self, client: httpx.Client, domain: str) -> None:
        root = self.api_root("default")
        response = client.get(f"{root}domains/", params={"name": domain})
        _expect(response, f"look up domain {domain}")
        if response.json()["count"]:
            return
        storage = self.base_dir / "domains" / domain
        storage.mkdir(parents=True, exist_ok=True)
        response = client.post(
            f"{root}domains/",
            json={
                "name": domain,
                "storage_class": "pulpcore.app.models.storage.FileSystem",
                "storage_settings": {"location": str(storage)},
            },
        )
        _expect(response, f"create domain {domain}")


class _Follower:
    """Keeps a read distribution pinned to the newest publication of a repository."""

    def __init__(self, server: PulpServer, upload: RunningIndex, read_base_path: str) -> None:
        self._server = server
        self._root, self._base_path = _api_root_of(upload)
        self._read_base_path = read_base_path
        self._lock = threading.Lock()
        self._served: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pulp-follower", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(TASK_TIMEOUT)
        if self.error is not None:
            raise PulpTaskError(f"following publications failed: {self.error!r}")

    def _run(self) -> None:
        with self._server.client() as client:
            while not self._stopping.wait(0.1):
                try:
                    self.step(client)
                except Exception as exc:  # noqa: BLE001 - reported by stop()
                    self.error = exc
                    return

    def step(self, client: httpx.Client) -> bool:
        """Re-point the read distribution if a newer publication exists; True when it now
        serves the repository's latest version."""
        with self._lock:
            version = _served_version(client, self._root, self._base_path)
            if version == self._served:
                return True
            response = client.get(
                f"{self._root}publications/python/pypi/",
                params={"repository_version": version, "limit": 1, "fields": "pulp_href"},
            )
            _expect(response, "find publication")
            results = response.json()["results"]
            if not results:
                return False  # the upload's task has not published it yet
            response = client.get(
                f"{self._root}distributions/python/pypi/",
                params={"base_path": self._read_base_path, "fields": "pulp_href"},
            )
            _expect(response, "find read distribution")
            distribution = urlsplit(response.json()["results"][0]["pulp_href"]).path
            response = client.patch(distribution, json={"publication": results[0]["pulp_href"]})
            _expect(response, "re-point read distribution")
            _wait_task(client, str(response.json()["task"]), timeout=TASK_TIMEOUT)
            self._served = version
            return True

    def sync(self, *, timeout: float = TASK_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._server.client() as client:
            while not self.step(client):
                if time.monotonic() > deadline:
                    raise PulpTaskError(f"no publication of {self._base_path} after {timeout}s")
                time.sleep(0.05)


_FOLLOWERS: dict[tuple[str, str], _Follower] = {}
"""Open :meth:`PulpServer.published_index` contexts by (API root, upload base_path): the same
path whether or not a test's proxy re-roots the index."""
_FOLLOWERS_LOCK = threading.Lock()


def _check_name(name: str, what: str) -> None:
    if not _NAME_RE.match(name):
        raise ValueError(f"not a usable {what}: {name!r}")


def _client(api_url: str, username: str, password: str, *, timeout: float) -> httpx.Client:
    return httpx.Client(
        base_url=api_url,
        auth=(username, password),
        timeout=timeout,
        trust_env=False,
        headers={"Accept": "application/json"},
    )


def _expect(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise ServerStartError(
            f"{what}: {response.request.method} {response.request.url} -> "
            f"{response.status_code} {response.reason_phrase}\n{response.text[:2000]}"
        )


def _wait_task(client: httpx.Client, task: str, *, timeout: float) -> dict[str, Any]:
    path = urlsplit(task).path
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        response = client.get(path)
        _expect(response, "read task")
        data: dict[str, Any] = response.json()
        state = data.get("state")
        if state == "completed":
            return data
        if state in {"failed", "canceled", "canceling", "skipped"}:
            raise PulpTaskError(f"task {path} {state}: {json.dumps(data.get('error'))}")
        if time.monotonic() > deadline:
            raise PulpTaskError(f"task {path} still {state} after {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _api_root_of(index: RunningIndex) -> tuple[str, str]:
    """(REST API root path, base_path) of a Pulp index, from its upload URL."""
    if index.kind != "pulp":
        raise ValueError(f"not a Pulp index: {index.kind!r}")
    path = urlsplit(index.upload_url).path.strip("/").split("/")
    # pypi/<base_path>/legacy or pypi/<domain>/<base_path>/legacy
    if len(path) == 3:
        return API_PATH, path[1]
    if len(path) == 4:
        return f"/pulp/{path[1]}/api/v3/", path[2]
    raise ValueError(f"unexpected Pulp upload URL {index.upload_url}")


def _domain_of(index: RunningIndex) -> str | None:
    path = urlsplit(index.upload_url).path.strip("/").split("/")
    return path[1] if len(path) == 4 else None


def _served_version(client: httpx.Client, root: str, base_path: str) -> str:
    """The href of the repository version that the distribution at ``base_path`` serves: its
    repository's latest version, or its publication's version."""
    response = client.get(f"{root}distributions/python/pypi/", params={"base_path": base_path})
    _expect(response, "find distribution")
    results = response.json()["results"]
    if not results:
        raise ValueError(f"no Pulp distribution at base_path {base_path!r}")
    distribution = results[0]
    if distribution.get("repository"):
        response = client.get(urlsplit(distribution["repository"]).path)
        _expect(response, "read repository")
        return str(response.json()["latest_version_href"])
    if distribution.get("publication"):
        response = client.get(urlsplit(distribution["publication"]).path)
        _expect(response, "read publication")
        return str(response.json()["repository_version"])
    if distribution.get("repository_version"):
        return str(distribution["repository_version"])
    raise ValueError(f"distribution {base_path!r} serves no repository, version or publication")


def wait_for_tasks(index: RunningIndex, *, timeout: float = TASK_TIMEOUT) -> None:
    """Wait until Pulp has no waiting or running task (uploads are 202 + a task): after this,
    every upload answered so far is either on the simple page or failed.

    Raises :class:`PulpTaskError` if tasks are still pending after ``timeout`` seconds.
    """
    root, _base_path = _api_root_of(index)
    deadline = time.monotonic() + timeout
    delay = 0.02
    with _client(index.root_url, index.username, index.password, timeout=30.0) as client:
        while True:
            response = client.get(
                f"{root}tasks/",
                params={
                    "state__in": "waiting,running,canceling",
                    "limit": 1,
                    "fields": "pulp_href",
                },
            )
            _expect(response, "list pending tasks")
            if response.json()["count"] == 0:
                return
            if time.monotonic() > deadline:
                raise PulpTaskError(
                    f"Pulp tasks still pending after {timeout:.0f}s: {response.text}"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def settle(index: RunningIndex, *, timeout: float = TASK_TIMEOUT) -> None:
    """Until every upload answered so far is stored (or failed) and, for a
    :meth:`PulpServer.published_index`, published and served by its read distribution."""
    wait_for_tasks(index, timeout=timeout)
    with _FOLLOWERS_LOCK:
        follower = _FOLLOWERS.get(_api_root_of(index))
    if follower is not None:
        follower.sync(timeout=timeout)
        wait_for_tasks(index, timeout=timeout)


def list_files(index: RunningIndex, project: str | None = None) -> dict[str, str]:
    """``{filename: sha256}`` of what the index serves (its repository's latest version, or
    its publication's version), optionally of one ``project``, read from Pulp's REST API (no
    product code, no simple page).

    Call :func:`wait_for_tasks` first: an upload answered 202 is not stored yet.
    """
    root, base_path = _api_root_of(index)
    wanted = canonicalize_name(project) if project is not None else None
    found: dict[str, str] = {}
    with _client(index.root_url, index.username, index.password, timeout=30.0) as client:
        version = _served_version(client, root, base_path)
        params: dict[str, str | int] = {
            "repository_version": version,
            "fields": "filename,sha256",
            "limit": 1000,
            "offset": 0,
        }
        while True:
            response = client.get(f"{root}content/python/packages/", params=params)
            _expect(response, "list packages")
            page = response.json()
            for item in page["results"]:
                filename = str(item["filename"])
                if wanted is None or dist_name_version(filename)[0] == wanted:
                    found[filename] = str(item["sha256"])
            if not page.get("next"):
                return found
            params["offset"] = int(params["offset"]) + len(page["results"])


# --------------------------------------------------------------------------------------------
# Start and stop


def _start_services(
    base: Path, settings: Path, api_port: int, content_port: int, log: _Log
) -> list[_Proc]:
    env = _clean_env()
    env["PULP_SETTINGS"] = str(settings)
    env["PATH"] = f"{PULP_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # gunicorn waits --graceful-timeout (default 30 s) for its workers after SIGTERM; the data
    # is thrown away, so there is nothing to wait for.
    common = ["--no-control-socket", "--graceful-timeout", "0"]
    api = [_pulp_bin("pulpcore-api"), "--bind", f"127.0.0.1:{api_port}", "--workers", "1"]
    api += [*common, "--access-logfile", "-"]
    content = [_pulp_bin("pulpcore-content"), "--bind", f"127.0.0.1:{content_port}"]
    content += ["--workers", "1", *common]
    worker = [_pulp_bin("pulpcore-worker")]
    return [
        _spawn("api", api, log, env=env, cwd=base),
        _spawn("content", content, log, env=env, cwd=base),
        _spawn("worker", worker, log, env=env, cwd=base),
    ]


class _PortTakenError(Exception):
    pass


def _wait_services(
    procs: Sequence[_Proc], api: str, content: str, log: _Log, root: str, *, mark: int
) -> None:
    """Until the API answers, lists a worker and a content app online, and content answers."""
    deadline = time.monotonic() + START_TIMEOUT
    status = "no answer yet"
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            for proc in procs:
                code = proc.popen.poll()
                if code is not None:
                    proc.drain()
                    own = log.tail(30, only=proc.name, since=mark)
                    if "already in use" in own or "Connection in use" in own:  # gunicorn's
                        raise _PortTakenError
                    raise ServerStartError(
                        f"pulp: {proc.name} exited with code {code} during start-up.\n"
                        f"--- {log.path}, {proc.name}'s lines (tail) ---\n{own}\n"
                        f"--- {log.path} (tail) ---\n{log.tail(30)}"
                    )
            if "Connection in use" in log.tail(1000, since=mark):
                raise _PortTakenError  # gunicorn would retry for 5 s, then exit
            try:
                response = client.get(f"{api}{root.lstrip('/')}status/")
                if response.status_code == 200:
                    data = response.json()
                    workers = len(data.get("online_workers") or [])
                    apps = len(data.get("online_content_apps") or [])
                    status = f"api ok, {workers} worker(s), {apps} content app(s) online"
                    if workers and apps and client.get(f"{content}pulp/content/").status_code < 500:
                        return
                else:
                    status = f"status page {response.status_code}"
            except httpx.TransportError as exc:
                status = f"{type(exc).__name__}"
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"pulp did not become ready within {START_TIMEOUT:.0f}s ({status}).\n"
                    f"--- {log.path} (tail) ---\n{log.tail()}"
                )
            time.sleep(0.1)


@contextmanager
def pulp(tmp: Path, *, domains: bool = False) -> Iterator[PulpServer]:
    """Run a real Pulp on loopback: PostgreSQL, ``pulpcore-api``, ``pulpcore-content`` and one
    ``pulpcore-worker``; yield a :class:`PulpServer`; stop everything on exit.

    ``tmp`` holds settings, stored files and the combined log; the PostgreSQL cluster lives in
    a temp folder the ``postgres`` user can reach (removed on exit). ``domains=True`` turns on
    ``DOMAIN_ENABLED`` (every URL then names a domain; see :meth:`PulpServer.index`).
    Raises :class:`PulpUnavailableError` when ``.venv-pulp`` or PostgreSQL is missing, and
    :class:`~tests.support.servers.ServerStartError` (with the log's tail) when a step fails.
    """
    timings: dict[str, float] = {}
    started = time.monotonic()
    if sys.platform != "linux":
        raise PulpUnavailableError(f"the Pulp fixture runs on Linux only, not {sys.platform}")
    _check_venv()  # a clear error first if the venv is missing or stale
    pg_bin = _pg_bin_dir()
    pg_user = _pg_user()
    _sweep_stale(_reachable_tmp(pg_user))
    template, timings["template"] = _template(pg_bin, pg_user)
    base = Path(tempfile.mkdtemp(prefix="pulp-", dir=tmp))
    for sub in ("media", "assets", "tmp"):
        (base / sub).mkdir()
    log = _Log(base / "pulp.log")
    cluster = Path(tempfile.mkdtemp(prefix="pulp-pg-", dir=_reachable_tmp(pg_user)))
    postgres = _Postgres(pg_bin, cluster, pg_user)
    procs: list[_Proc] = []
    try:
        step = time.monotonic()
        os.chmod(cluster, 0o700)
        shutil.copytree(template / "data", postgres.data, symlinks=True)
        os.chmod(postgres.data, 0o700)
        _chown_tree(cluster, pg_user)
        key_file = base / "db.key"
        shutil.copyfile(template / "db.key", key_file)
        postgres.start(log)
        password = secrets.token_urlsafe(16)
        postgres.psql(
            "UPDATE auth_user SET password = :'hash' WHERE username = :'user';",
            log,
            variables={"hash": _md5_password(password), "user": ADMIN_USER},
        )
        timings["postgres"] = time.monotonic() - step
        step = time.monotonic()
        for _attempt in range(_PORT_RETRIES):
            api_port, content_port = free_port(), free_port()
            settings = base / "settings.py"
            settings.write_text(
                _settings_text(
                    base=base,
                    db_port=postgres.port,
                    api_port=api_port,
                    content_port=content_port,
                    key_file=key_file,
                    domains=domains,
                ),
                encoding="utf-8",
            )
            api = f"http://127.0.0.1:{api_port}/"
            content = f"http://127.0.0.1:{content_port}/"
            mark = log.size()
            procs = _start_services(base, settings, api_port, content_port, log)
            try:
                root = "/pulp/default/api/v3/" if domains else API_PATH
                _wait_services(procs, api, content, log, root, mark=mark)
            except _PortTakenError:
                log.write("fixture", "a port was taken meanwhile: starting again on others")
                _stop_all(procs)
                procs = []
                continue
            break
        else:
            raise ServerStartError(f"pulp: no free ports after {_PORT_RETRIES} attempts")
        timings["services"] = time.monotonic() - step
        timings["start"] = time.monotonic() - started
        log.write("fixture", f"ready: {json.dumps(timings)}")
        yield PulpServer(
            api_url=api,
            content_url=content,
            username=ADMIN_USER,
            password=password,
            base_dir=base,
            log_path=log.path,
            domains=domains,
            timings=timings,
        )
    finally:
        step = time.monotonic()
        _stop_all(procs)
        postgres.stop()
        timings["stop"] = time.monotonic() - step
        log.write("fixture", f"stopped in {timings['stop']:.1f}s")
        log.close()
        shutil.rmtree(cluster, ignore_errors=True)
