"""The action's set-up: a virtual environment holding exactly the hash lock, ready in seconds.

Run by action.yml's first step with the runner's Python (3.10+, standard library only):

    python -I -S action/prepare.py --lock requirements/runtime.txt \
        --bootstrap requirements/bootstrap.txt --tool-cache "$RUNNER_TOOL_CACHE" \
        --temp "$RUNNER_TEMP" --output "$GITHUB_OUTPUT"

The environment is kept in the runner's tool cache (its temp folder when that cannot be
written) under a key of the lock, the Python
and the machine, so a self-hosted runner builds it once. A GitHub-hosted runner starts with an
empty tool cache every job, so the cold path is the one users wait for, and pip is its slow
part (~15 s: its own start-up, byte-compiling every module, installing pip into the new
environment). uv installs the same lock in well under a second, so:

1. uv on PATH is used as it is;
2. otherwise the uv wheel pinned in ``requirements/bootstrap.txt`` is fetched, checked against
   its hashes and only its binary kept (in DIR, for later jobs). Straight from the index when
   the index is plain (PIP_INDEX_URL, or PyPI when no pip configuration exists); through the
   runner's pip otherwise, so its configured index, proxy and certificates apply;
3. if neither works (no network to the index, an old platform), pip installs the lock as
   before, without byte-compiling.

Every path installs with hashes required, no dependencies resolved and wheels only: what runs
is exactly the lock of the action version the workflow pinned.
"""

from __future__ import annotations

# Only what the warm path needs is imported here: it runs before every publish, and the
# modules for fetching and installing (http.client, ssl, zipfile, subprocess, ...) cost a
# Python start-up's worth of time. The cold path imports them where it uses them.
import argparse
import hashlib
import os
import platform
import re
import struct
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import http.client
    import ssl
    import subprocess

READY = ".publish-action-ready"
FETCH_TIMEOUT = 60.0
STEP_TIMEOUT = 900.0
PYPI_SIMPLE = "https://pypi.org/simple/"


class SetupError(RuntimeError):
    """One failure of the set-up, already phrased for the job log."""


def log(message: str) -> None:
    print(f"publish-action: {message}", flush=True)


# -- the environment --------------------------------------------------------------------------


def environment_key(lock: bytes) -> str:
    """Same lock, Python and machine: the same environment."""
    digest = hashlib.sha256(lock)
    digest.update(f"{sys.version}|{sys.executable}|{platform.machine()}".encode())
    return digest.hexdigest()[:20]


def venv_python(venv: Path) -> Path:
    unix = venv / "bin" / "python"
    return unix if unix.exists() or os.name != "nt" else venv / "Scripts" / "python.exe"


def is_ready(venv: Path, *, probe: bool = False) -> bool:
    """The marker is written only after a complete install and the rename is atomic, so on
    the warm path (every later run) the marker and the interpreter suffice: starting Python
    to import would cost a tenth of a second each time. `probe`: import, after a build."""
    if not (venv / READY).is_file() or not venv_python(venv).is_file():
        return False
    if not probe:
        return True
    argv = [str(venv_python(venv)), "-I", "-c", "import httpx, packaging"]
    try:
        return run_quiet(argv, timeout=60).returncode == 0
    except OSError:  # not an executable at all
        return False


_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def tail(output: str, limit: int) -> str:
    """The end of an installer's output for the job log, with any user:password@ in a URL
    (an index URL from PIP_INDEX_URL may carry them) replaced."""
    return _USERINFO.sub("***@", output.strip()[-limit:])


def run_quiet(argv: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    import subprocess

    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        list(argv), capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, **kwargs
    )


# -- uv ---------------------------------------------------------------------------------------


def pinned_uv(bootstrap: Path) -> tuple[str, frozenset[str]]:
    """The uv version and wheel hashes of the bootstrap lock."""
    text = bootstrap.read_text(encoding="utf-8")
    found = re.search(r"^uv==(\S+)", text, re.MULTILINE)
    if found is None:
        raise SetupError(f"{bootstrap} pins no uv version")
    return found.group(1), frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", text))


def wheel_platforms() -> tuple[str, ...]:
    """Platform tags of uv's wheels this machine runs, best first; () for none we know."""
    machine = platform.machine().lower()
    system: str = sys.platform  # a plain str: the runner's, not the type checker's platform
    if system == "darwin":
        return ("macosx_11_0_arm64",) if machine == "arm64" else ("macosx_10_12_x86_64",)
    if system == "win32":
        return {"amd64": ("win_amd64",), "arm64": ("win_arm64",)}.get(machine, ())
    if system.startswith("linux"):
        arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
        if arch not in ("x86_64", "aarch64"):
            return ()
        libc = platform.libc_ver()[0]
        return (f"musllinux_1_1_{arch}",) if libc != "glibc" else (f"manylinux_2_17_{arch}",)
    return ()


def uv_binary_name() -> str:
    return "uv.exe" if sys.platform == "win32" else "uv"


def find_uv(cache: Path, version: str) -> Path | None:
    """A uv already here: on PATH (any recent one), or the one an earlier job fetched."""
    import shutil

    on_path = shutil.which("uv")
    if on_path and run_quiet([on_path, "--version"], timeout=30).returncode == 0:
        return Path(on_path)
    kept = cache / f"uv-{version}" / uv_binary_name()
    return kept if kept.is_file() else None


def plain_index() -> str | None:
    """The index to fetch uv's wheel from directly, or None when pip should (its config may
    name another index, credentials, a proxy or certificates that only pip reads)."""
    import urllib.parse

    url = os.environ.get("PIP_INDEX_URL")
    if url is None:
        if pip_config_files():
            return None
        url = PYPI_SIMPLE
    parts = urllib.parse.urlsplit(url)
    # Plain http is as safe here as https: the wheel is checked against the lock's hashes.
    if parts.scheme not in ("https", "http") or parts.username or parts.password:
        return None
    return url.rstrip("/") + "/"


def pip_config_files() -> list[Path]:
    named = os.environ.get("PIP_CONFIG_FILE")
    if named:
        return [] if named == os.devnull else [Path(named)]
    home = Path.home()
    candidates = [
        Path("/etc/pip.conf"),
        Path("/etc/xdg/pip/pip.conf"),
        home / ".pip" / "pip.conf",
        home / ".config" / "pip" / "pip.conf",
        home / "Library" / "Application Support" / "pip" / "pip.conf",
        Path(os.environ.get("APPDATA", home)) / "pip" / "pip.ini",
        Path(os.environ.get("PROGRAMDATA", "/nonexistent")) / "pip" / "pip.ini",
    ]
    return [path for path in candidates if path.is_file() and _configures_anything(path)]


def _configures_anything(path: Path) -> bool:
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return True  # pip may read it differently: let pip do the fetching
    return any(parser.items(section) for section in parser.sections())


def ssl_context() -> ssl.SSLContext:
    import ssl

    cafile = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    return ssl.create_default_context(cafile=cafile or None)


def open_url(url: str, accept: str = "*/*") -> http.client.HTTPResponse:
    """An HTTP(S) answer (never file: or another scheme a crafted page could name)."""
    import urllib.parse
    import urllib.request

    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise SetupError(f"refusing to fetch {url}: not an HTTP(S) address")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 (checked)
    answer: http.client.HTTPResponse = urllib.request.urlopen(  # noqa: S310 (checked above)
        request, timeout=FETCH_TIMEOUT, context=ssl_context()
    )
    return answer


def fetch_direct(
    index: str, version: str, hashes: frozenset[str], folder: Path, tap: MemberTap | None = None
) -> Path:
    """uv's wheel for this machine, from the index's project page (PEP 691 JSON or PEP 503
    HTML), checked against `hashes`: the lock, not the page or the transport, is trusted."""
    import urllib.parse

    tags = wheel_platforms()
    if not tags:
        raise SetupError(f"no uv wheel is known for {sys.platform}/{platform.machine()}")
    page_url = urllib.parse.urljoin(index, "uv/")
    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    with open_url(page_url, accept=accept) as answer:
        kind = answer.headers.get("Content-Type", "")
        files = listed_files(answer.read(8 << 20).decode("utf-8", "replace"), kind)
    prefix = f"uv-{version}-"
    for tag in tags:
        for name, url, sha256 in files:
            wanted = name.startswith(prefix) and name.endswith(".whl")
            if wanted and tag in name.split("-")[-1] and sha256 in hashes:
                return download(urllib.parse.urljoin(page_url, url), name, hashes, folder, tap)
    raise SetupError(f"{page_url} lists no uv {version} wheel for {', '.join(tags)}")


_ANCHOR = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>([^<]+)</a>", re.IGNORECASE)


def listed_files(page: str, content_type: str) -> list[tuple[str, str, str]]:
    """(file name, URL, sha256) of each file a project page lists with a sha256."""
    import html
    import json
    import urllib.parse

    if "json" in content_type:
        return [
            (entry["filename"], entry["url"], entry.get("hashes", {}).get("sha256", ""))
            for entry in json.loads(page)["files"]
        ]
    found = []
    for href, text in _ANCHOR.findall(page):
        url = html.unescape(href)
        fragment = urllib.parse.urlsplit(url).fragment
        sha256 = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else ""
        found.append((html.unescape(text).strip(), url.split("#", 1)[0], sha256))
    return found


def download(
    url: str, name: str, hashes: frozenset[str], folder: Path, tap: MemberTap | None = None
) -> Path:
    """`url` saved as `folder/name`, refused unless its sha256 is one of `hashes`; `tap` sees
    every byte on the way (it is the caller's to trust only once this returns)."""
    target = folder / name
    digest = hashlib.sha256()
    with open_url(url) as answer, target.open("wb") as out:
        while chunk := answer.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
            if tap is not None:
                tap.feed(chunk)
    if tap is not None:
        tap.end()
    if digest.hexdigest() not in hashes:
        raise SetupError(f"{name} from {url} does not match requirements/bootstrap.txt's hashes")
    return target


class MemberTap:
    """One member of a zip, written to `target` while the zip streams past, so that uv's
    binary is out when its download ends (extracting it from the finished wheel took another
    quarter of a second for its 38 MB). It reads only the local file headers, so any layout
    it does not expect (sizes in a data descriptor, another compression, the member missing,
    a CRC or size mismatch) leaves `complete` False and the caller extracts from the file."""

    # signature, version, flags, method, time, date, crc32, compressed and plain size,
    # name and extra field length (APPNOTE.TXT 4.3.7)
    _HEADER = struct.Struct("<4s5H3I2H")

    def __init__(self, member: str, target: Path) -> None:
        self.member, self.target = member, target
        self.complete = False
        self._stopped = False
        self._buffer = bytearray()
        self._skip = 0  # bytes of another member still to pass over
        self._left = 0  # compressed bytes of the member still to come
        self._out: BinaryIO | None = None
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._method = 0
        self._crc = self._size = self._want_crc = self._want_size = 0

    def feed(self, chunk: bytes) -> None:
        if self._stopped:
            return
        self._buffer += chunk
        try:
            self._advance()
        except (OSError, zlib.error):
            self._stop(complete=False)

    def end(self) -> None:
        """The stream is over: a member not written out by now never will be."""
        self._stop(complete=False)

    def _advance(self) -> None:
        while not self._stopped:
            if self._skip:
                passed = min(self._skip, len(self._buffer))
                del self._buffer[:passed]
                self._skip -= passed
                if self._skip:
                    return
            elif self._out is not None:
                if not self._take(self._out):
                    return
            elif not self._header():
                return

    def _header(self) -> bool:
        """Reads the next local header; False when more bytes are needed or it stopped."""
        size = self._HEADER.size
        if len(self._buffer) < size:
            return False
        magic, _, flags, method, _, _, crc, packed, plain, name_len, extra_len = (
            self._HEADER.unpack_from(self._buffer)
        )
        if magic != b"PK\x03\x04" or flags & 0x08 or 0xFFFFFFFF in (packed, plain):
            self._stop(complete=False)  # the central directory, a data descriptor or zip64
            return False
        if len(self._buffer) < size + name_len + extra_len:
            return False
        name = bytes(self._buffer[size : size + name_len]).decode("utf-8", "replace")
        del self._buffer[: size + name_len + extra_len]
        if name != self.member:
            self._skip = packed
            return True
        if method not in (0, 8):
            self._stop(complete=False)
            return False
        self._method, self._left, self._want_crc, self._want_size = method, packed, crc, plain
        self._out = self.target.open("wb")
        return True

    def _take(self, out: BinaryIO) -> bool:
        """Writes out what has arrived of the member; False while more of it is to come."""
        piece = bytes(self._buffer[: self._left])
        del self._buffer[: len(piece)]
        self._left -= len(piece)
        data = self._inflate.decompress(piece) if self._method == 8 else piece
        if not self._left and self._method == 8:
            data += self._inflate.flush()
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        out.write(data)
        if self._left:
            return False
        whole = self._method == 0 or self._inflate.eof
        self._stop(complete=whole and (self._crc, self._size) == (self._want_crc, self._want_size))
        return False

    def _stop(self, *, complete: bool) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.complete = complete
        if self._out is not None:
            self._out.close()


def fetch_with_pip(bootstrap: Path, folder: Path) -> Path:
    done = run_quiet(
        [
            sys.executable,
            "-I",
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--require-hashes",
            "-r",
            str(bootstrap),
            "-d",
            str(folder),
        ],
        timeout=STEP_TIMEOUT,
    )
    wheels = sorted(folder.glob("uv-*.whl"))
    if done.returncode or not wheels:
        raise SetupError(f"pip could not fetch uv: {tail(done.stderr, 500)}")
    return wheels[0]


def extract_uv(wheel: Path, version: str, cache: Path) -> Path:
    """Only the binary of the wheel, kept in the cache under its version."""
    import shutil
    import zipfile

    partial = uv_home(cache, version) / f".{uv_binary_name()}.{os.getpid()}"
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open(uv_member(version)) as source,
        partial.open("wb") as out,
    ):
        shutil.copyfileobj(source, out, 1 << 20)
    return keep_uv(partial, version, cache)


def uv_member(version: str) -> str:
    return f"uv-{version}.data/scripts/{uv_binary_name()}"


def uv_home(cache: Path, version: str) -> Path:
    home = cache / f"uv-{version}"
    home.mkdir(parents=True, exist_ok=True)
    return home


def keep_uv(binary: Path, version: str, cache: Path) -> Path:
    """`binary` (checked: from a wheel that matched the lock) made uv of the cache."""
    final = uv_home(cache, version) / uv_binary_name()
    binary.chmod(0o755)
    os.replace(binary, final)
    return final


def obtain_uv(cache: Path, bootstrap: Path, scratch: Path) -> Path | None:
    """uv, found or fetched; None (with the reason logged) when pip must install instead."""
    import zipfile

    version, hashes = pinned_uv(bootstrap)
    found = find_uv(cache, version)
    if found is not None:
        return found
    index = plain_index()
    tap = MemberTap(uv_member(version), scratch / f"streamed-{uv_binary_name()}")
    try:
        if index is not None:
            try:
                wheel = fetch_direct(index, version, hashes, scratch, tap)
            except (OSError, ValueError, KeyError, SetupError) as exc:
                log(f"fetching uv from {index} failed ({exc}); trying with pip")
                tap.complete = False
                wheel = fetch_with_pip(bootstrap, scratch)
        else:
            wheel = fetch_with_pip(bootstrap, scratch)
        if tap.complete:  # written while the download ran, and the wheel matched the lock
            return keep_uv(tap.target, version, cache)
        return extract_uv(wheel, version, cache)
    except (OSError, zipfile.BadZipFile, KeyError, SetupError) as exc:
        log(f"no uv ({exc}); installing with pip instead")
        return None


# -- installing -------------------------------------------------------------------------------


def uv_environment(cache: Path) -> dict[str, str]:
    """The runner's settings for pip, given to uv too: the same index and certificates."""
    env = dict(os.environ)
    env.setdefault("UV_CACHE_DIR", str(cache / "uv-cache"))
    index = os.environ.get("PIP_INDEX_URL")
    if index and not ({"UV_INDEX_URL", "UV_DEFAULT_INDEX"} & env.keys()):
        env["UV_DEFAULT_INDEX"] = index
    if os.environ.get("PIP_CERT") and "SSL_CERT_FILE" not in env:
        env["SSL_CERT_FILE"] = os.environ["PIP_CERT"]
    env.pop("VIRTUAL_ENV", None)
    return env


def exactly_the_lock(lock: Path) -> list[str]:
    """What pip and uv are told alike: these hashes, nothing resolved, wheels only."""
    return ["--require-hashes", "--no-deps", "--only-binary", ":all:", "-r", str(lock)]


def install_with_uv(uv: Path, venv: Path, lock: Path, cache: Path) -> None:
    env = uv_environment(cache)
    made = run_quiet(
        [str(uv), "venv", "--no-config", "--python", sys.executable, str(venv)],
        env=env,
        timeout=STEP_TIMEOUT,
    )
    if made.returncode:
        raise SetupError(f"uv venv failed: {tail(made.stderr, 1000)}")
    installed = run_quiet(
        [
            str(uv),
            "pip",
            "install",
            "--no-config",
            "--python",
            str(venv_python(venv)),
            *exactly_the_lock(lock),
        ],
        env=env,
        timeout=STEP_TIMEOUT,
    )
    if installed.returncode:
        raise SetupError(f"uv pip install failed: {tail(installed.stderr, 2000)}")


def install_with_pip(venv: Path, lock: Path) -> None:
    made = run_quiet([sys.executable, "-I", "-m", "venv", str(venv)], timeout=STEP_TIMEOUT)
    if made.returncode:
        raise SetupError(
            f"{sys.executable} could not create a virtual environment. Install python3-venv "
            "(Debian/Ubuntu) or use actions/setup-python."
        )
    installed = run_quiet(
        [
            str(venv_python(venv)),
            "-I",
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
            "--no-compile",
            *exactly_the_lock(lock),
        ],
        timeout=STEP_TIMEOUT,
    )
    if installed.returncode:
        raise SetupError(f"pip install failed: {tail(installed.stderr, 2000)}")


def build(venv: Path, lock: Path, bootstrap: Path, cache: Path) -> str:
    """Build in a scratch folder, then rename into place: a rename never merges into a
    folder another job has just put there. Returns how it was installed."""
    import shutil
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="tmp-", dir=cache))
    try:
        staged = scratch / "venv"
        started = time.monotonic()
        uv = obtain_uv(cache, bootstrap, scratch)
        found = time.monotonic() - started
        how = "pip"
        if uv is not None:
            try:
                install_with_uv(uv, staged, lock, cache)
                installed = time.monotonic() - started - found
                how = f"uv ({uv}; found in {found:.1f}s, installed in {installed:.1f}s)"
            except SetupError as exc:
                log(f"{exc}; installing with pip instead")
                shutil.rmtree(staged, ignore_errors=True)
        if how == "pip":
            install_with_pip(staged, lock)
        (staged / READY).touch()
        shutil.rmtree(venv, ignore_errors=True)
        try:
            os.rename(staged, venv)
        except OSError:
            log(f"another job built {venv} at the same time; using that one")
        return how
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def writable_cache(tool_cache: Path, fallback: Path) -> Path:
    for base in (tool_cache, fallback):
        folder = base / "publish-action"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise SetupError(f"neither {tool_cache} nor {fallback} can be written")


def prepare(lock: Path, bootstrap: Path, cache: Path) -> Path:
    venv = cache / f"venv-{environment_key(lock.read_bytes())}"
    if is_ready(venv):
        log(f"using the environment in {venv} (built with {sys.executable})")
        return venv_python(venv)
    started = time.monotonic()
    how = build(venv, lock, bootstrap, cache)
    if not is_ready(venv, probe=True):
        raise SetupError(f"the environment in {venv} does not import httpx and packaging")
    log(f"environment ready in {time.monotonic() - started:.1f}s with {how} ({venv})")
    return venv_python(venv)


# -- the action's own code ---------------------------------------------------------------


class EngineCopy:
    """The action's code (entrypoint.py and src/), kept in the cache under a key of its
    content and byte-compiled there. The runner puts a fresh copy of the action in every job,
    without .pyc files, so the engine compiled its own modules on every run (~0.2 s before its
    first request); a copy that never changes keeps its .pyc. Compiled in the background while
    the environment is built; anything unexpected, and the action's own checkout runs."""

    def __init__(self, action: Path, cache: Path) -> None:
        self.action = action
        files = [action / "entrypoint.py", *sorted((action / "src").rglob("*.py"))]
        digest = hashlib.sha256(sys.version.encode())
        for path in files:
            data = path.read_bytes()
            name = path.relative_to(action).as_posix().encode()
            digest.update(b"%d:%s%d:" % (len(name), name, len(data)) + data)
        self.home = cache / f"engine-{digest.hexdigest()[:20]}"
        self._files, self._cache = files, cache
        self._staged: Path | None = None
        self._compiling: subprocess.Popen[bytes] | None = None

    def start(self) -> EngineCopy:
        if (self.home / READY).is_file():
            return self
        import shutil
        import subprocess
        import tempfile

        self._staged = Path(tempfile.mkdtemp(prefix="tmp-engine-", dir=self._cache))
        for path in self._files:
            target = self._staged / path.relative_to(self.action)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        self._compiling = subprocess.Popen(
            [sys.executable, "-I", "-S", "-m", "compileall", "-q", str(self._staged)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def entrypoint(self) -> Path:
        """The copy's entrypoint.py once it is complete; else the action's own."""
        why = "not copied"
        if self._compiling is not None and self._staged is not None:
            import shutil
            import subprocess

            why = "compileall failed"
            try:
                if self._compiling.wait(STEP_TIMEOUT) == 0:
                    (self._staged / READY).touch()
                    os.rename(self._staged, self.home)
            except (OSError, subprocess.SubprocessError) as exc:
                self._compiling.kill()
                why = str(exc)
            finally:
                shutil.rmtree(self._staged, ignore_errors=True)
        if (self.home / READY).is_file():  # also when another job renamed its copy first
            return self.home / "entrypoint.py"
        log(f"the action's code runs from its checkout ({why})")
        return self.action / "entrypoint.py"


def start_engine_copy(action: Path, cache: Path) -> EngineCopy | None:
    try:
        return EngineCopy(action, cache).start()
    except OSError as exc:  # the copy only saves time: without it, the checkout runs
        log(f"the action's code runs from its checkout ({exc})")
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--bootstrap", type=Path, required=True)
    parser.add_argument("--tool-cache", type=Path, required=True)
    parser.add_argument("--temp", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--action", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    try:
        cache = writable_cache(args.tool_cache, args.temp)
        engine = start_engine_copy(args.action, cache)
        python = prepare(args.lock, args.bootstrap, cache)
        entrypoint = engine.entrypoint() if engine else args.action / "entrypoint.py"
    except (SetupError, OSError) as exc:
        print(f"::error title=publish-action could not prepare its environment::{exc}")
        return 2
    with args.output.open("a", encoding="utf-8") as out:
        out.write(f"python={python}\nentrypoint={entrypoint}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
