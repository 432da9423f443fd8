"""`action/prepare.py`: the action's set-up (uv found or fetched and checked, pip only as the
fallback). The real thing runs in tests/scenarios/test_action.py on every run of the suite."""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from action import prepare
from tests.support.static_server import Route, Static

ROOT = Path(__file__).resolve().parents[2]
VERSION = "0.13.9"


def fake_uv_wheel(platform_tag: str) -> tuple[str, bytes]:
    name = f"uv-{VERSION}-py3-none-{platform_tag}.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"uv-{VERSION}.data/scripts/uv", "#!/bin/sh\necho uv-stand-in\n")
        archive.writestr(f"uv-{VERSION}.dist-info/RECORD", "")
    return name, buffer.getvalue()


def test_the_bootstrap_lock_pins_one_uv_with_a_hash_per_wheel() -> None:
    version, hashes = prepare.pinned_uv(ROOT / "requirements" / "bootstrap.txt")
    assert version == VERSION
    # Linux x86_64/aarch64 (glibc and musl), macOS both, Windows x64/arm64 and the rest.
    assert len(hashes) >= 8
    assert all(len(h) == 64 for h in hashes)


def test_a_bootstrap_lock_without_uv_is_an_error(tmp_path: Path) -> None:
    lock = tmp_path / "bootstrap.txt"
    lock.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(prepare.SetupError, match="pins no uv"):
        prepare.pinned_uv(lock)


@pytest.mark.parametrize(
    ("system", "machine", "libc", "expected"),
    [
        ("linux", "x86_64", "glibc", ("manylinux_2_17_x86_64",)),
        ("linux", "aarch64", "glibc", ("manylinux_2_17_aarch64",)),
        ("linux", "x86_64", "", ("musllinux_1_1_x86_64",)),
        ("linux", "riscv64", "glibc", ()),
        ("darwin", "arm64", "", ("macosx_11_0_arm64",)),
        ("darwin", "x86_64", "", ("macosx_10_12_x86_64",)),
        ("win32", "AMD64", "", ("win_amd64",)),
        ("win32", "ARM64", "", ("win_arm64",)),
        ("freebsd14", "amd64", "", ()),
    ],
)
def test_the_wheel_for_each_runner_platform(
    monkeypatch: pytest.MonkeyPatch, system: str, machine: str, libc: str, expected: tuple[str]
) -> None:
    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    monkeypatch.setattr(platform, "libc_ver", lambda: (libc, "2.35" if libc else ""))
    assert prepare.wheel_platforms() == expected


def test_every_platform_named_has_a_wheel_in_the_lock() -> None:
    # The names come from uv's wheel files on PyPI (https://pypi.org/simple/uv/): each tag we
    # look for must be one of them, or the direct fetch could never succeed on that runner.
    published = {
        "manylinux_2_17_x86_64",
        "manylinux_2_17_aarch64",
        "musllinux_1_1_x86_64",
        "musllinux_1_1_aarch64",
        "macosx_10_12_x86_64",
        "macosx_11_0_arm64",
        "win_amd64",
        "win_arm64",
    }
    source = (ROOT / "action" / "prepare.py").read_text(encoding="utf-8")
    for tag in ("x86_64", "aarch64"):
        assert f"musllinux_1_1_{tag}" in published and f"manylinux_2_17_{tag}" in published
    for tag in ("macosx_11_0_arm64", "macosx_10_12_x86_64", "win_amd64", "win_arm64"):
        assert tag in source and tag in published


def test_plain_index_only_when_nothing_but_pip_would_know_better(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert prepare.plain_index() == prepare.PYPI_SIMPLE
    config = tmp_path / "pip.conf"
    config.write_text("[global]\nindex-url = https://mirror.example/simple\n", encoding="utf-8")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    assert prepare.plain_index() is None  # pip reads its own configuration
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    assert prepare.plain_index() == "https://mirror.example/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:8080/simple")
    assert prepare.plain_index() == "http://127.0.0.1:8080/simple/"  # the lock's hash decides
    for url in ("https://user:pw@mirror.example/simple", "file:///srv/simple"):
        monkeypatch.setenv("PIP_INDEX_URL", url)
        assert prepare.plain_index() is None


def serve_uv(static: Callable[[dict[str, Route]], Static], tag: str) -> tuple[Static, str]:
    name, body = fake_uv_wheel(tag)
    digest = hashlib.sha256(body).hexdigest()
    page = {
        "files": [{"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": digest}}]
    }
    server = static(
        {
            "/simple/uv/": (
                200,
                {"Content-Type": "application/vnd.pypi.simple.v1+json"},
                json.dumps(page).encode(),
            ),
            f"/files/{name}": (200, {"Content-Type": "application/octet-stream"}, body),
        }
    )
    return server, digest


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in uv is a shell script")
def test_fetch_direct_checks_the_hash_and_keeps_only_the_binary(
    static: Callable[[dict[str, Route]], Static],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    [tag] = prepare.wheel_platforms() or ("manylinux_2_17_x86_64",)
    monkeypatch.setattr(prepare, "wheel_platforms", lambda: (tag,))
    server, digest = serve_uv(static, tag)
    index = f"{server.url}/simple/"
    wheel = prepare.fetch_direct(index, VERSION, frozenset({digest}), tmp_path)
    binary = prepare.extract_uv(wheel, VERSION, tmp_path / "cache")
    assert binary == tmp_path / "cache" / f"uv-{VERSION}" / "uv"
    assert binary.stat().st_mode & stat.S_IXUSR
    assert [p.name for p in binary.parent.iterdir()] == ["uv"]
    assert ("GET", "/simple/uv/", None) in server.seen
    # A wheel whose hash the lock does not hold is never used.
    with pytest.raises(prepare.SetupError, match="lists no uv"):
        prepare.fetch_direct(index, VERSION, frozenset({"0" * 64}), tmp_path)


def zip_of(members: dict[str, bytes], compression: int, *, seekable: bool = True) -> bytes:
    """A zip as zipfile writes it; `seekable=False` writes to a pipe-like stream, which puts
    the sizes in a data descriptor after each member instead of its local header."""
    buffer = io.BytesIO()
    target: io.BytesIO | Unseekable = buffer if seekable else Unseekable(buffer)
    with zipfile.ZipFile(target, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class Unseekable(io.RawIOBase):
    def __init__(self, inner: io.BytesIO) -> None:
        self.inner = inner

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.inner.write(data)

    def flush(self) -> None:
        pass


def tapped(archive: bytes, member: str, target: Path, chunk: int) -> prepare.MemberTap:
    tap = prepare.MemberTap(member, target)
    for start in range(0, len(archive), chunk):
        tap.feed(archive[start : start + chunk])
    tap.end()
    return tap


BINARY = bytes(range(256)) * 4000 + os.urandom(50_000)  # compressible and not


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_the_member_is_written_out_while_the_zip_streams_past(
    tmp_path: Path, compression: int, chunk: int
) -> None:
    members = {"uv/__init__.py": b"x" * 300, "bin/uv": BINARY, "RECORD": b"r" * 50}
    if chunk == 1:
        members["bin/uv"] = BINARY[:3000]  # a byte at a time: keep it short
    archive = zip_of(members, compression)
    tap = tapped(archive, "bin/uv", tmp_path / "uv", chunk)
    assert tap.complete
    assert (tmp_path / "uv").read_bytes() == members["bin/uv"]


def test_a_layout_the_tap_does_not_expect_leaves_it_incomplete(tmp_path: Path) -> None:
    members = {"a": b"a" * 100, "bin/uv": BINARY}
    # Sizes in a data descriptor (a zip written to a pipe): the local header cannot say where
    # the member ends, so the caller reads the finished file instead.
    described = zip_of(members, zipfile.ZIP_DEFLATED, seekable=False)
    assert not tapped(described, "bin/uv", tmp_path / "1", 4096).complete
    good = zip_of(members, zipfile.ZIP_DEFLATED)
    assert not tapped(good, "bin/uvx", tmp_path / "2", 4096).complete  # not in the zip
    assert not tapped(good[:-5000], "bin/uv", tmp_path / "3", 4096).complete  # cut short
    assert not tapped(b"not a zip at all" * 10, "bin/uv", tmp_path / "4", 4096).complete
    # One flipped byte inside the member's data: the CRC (or the deflate stream) catches it.
    at = good.index(b"bin/uv") + 200
    flipped = good[:at] + bytes([good[at] ^ 0xFF]) + good[at + 1 :]
    assert not tapped(flipped, "bin/uv", tmp_path / "5", 4096).complete


def test_the_streamed_binary_is_kept_only_after_the_wheel_matched_the_lock(
    static: Callable[[dict[str, Route]], Static],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    name = f"uv-{VERSION}-py3-none-manylinux_2_17_x86_64.whl"
    body = zip_of(
        {f"uv-{VERSION}.data/scripts/{prepare.uv_binary_name()}": BINARY},
        zipfile.ZIP_DEFLATED,
    )
    page = {"files": [{"filename": name, "url": name, "hashes": {"sha256": "0" * 64}}]}
    digest = hashlib.sha256(body).hexdigest()
    server = static(
        {
            "/simple/uv/": (
                200,
                {"Content-Type": "application/vnd.pypi.simple.v1+json"},
                json.dumps(page).replace("0" * 64, digest).encode(),
            ),
            f"/simple/uv/{name}": (200, {}, body),
        }
    )
    monkeypatch.setattr(prepare, "wheel_platforms", lambda: ("manylinux_2_17_x86_64",))
    monkeypatch.setattr(prepare, "find_uv", lambda cache, version: None)
    monkeypatch.setattr(prepare, "plain_index", lambda: f"{server.url}/simple/")
    bootstrap = tmp_path / "bootstrap.txt"
    cache, scratch = tmp_path / "cache", tmp_path / "scratch"
    scratch.mkdir()

    def no_second_read(*args: object) -> Path:
        raise AssertionError("the binary was extracted again from the finished wheel")

    monkeypatch.setattr(prepare, "extract_uv", no_second_read)
    bootstrap.write_text(f"uv=={VERSION} --hash=sha256:{digest}\n", encoding="utf-8")
    uv = prepare.obtain_uv(cache, bootstrap, scratch)
    assert uv == cache / f"uv-{VERSION}" / prepare.uv_binary_name()
    assert uv.read_bytes() == BINARY

    # The same bytes under a lock that does not hold their hash: nothing is kept.
    other = tmp_path / "other-cache"
    bootstrap.write_text(f"uv=={VERSION} --hash=sha256:{'1' * 64}\n", encoding="utf-8")

    def pip_cannot_either(*args: object) -> Path:
        raise prepare.SetupError("pip could not fetch uv")

    monkeypatch.setattr(prepare, "fetch_with_pip", pip_cannot_either)
    assert prepare.obtain_uv(other, bootstrap, scratch) is None
    assert not (other / f"uv-{VERSION}").exists()


def test_a_pep503_html_page_is_read_too() -> None:
    page = (
        '<html><body><a href="../../files/uv-0.13.9-py3-none-win_amd64.whl#sha256=ab&amp;x">'
        "uv-0.13.9-py3-none-win_amd64.whl</a><br>"
        '<A HREF="/f/uv-0.13.9.tar.gz">uv-0.13.9.tar.gz</A></body></html>'
    )
    assert prepare.listed_files(page, "text/html") == [
        (
            "uv-0.13.9-py3-none-win_amd64.whl",
            "../../files/uv-0.13.9-py3-none-win_amd64.whl",
            "ab&x",
        ),
        ("uv-0.13.9.tar.gz", "/f/uv-0.13.9.tar.gz", ""),
    ]


def test_a_download_that_does_not_match_the_lock_is_refused(
    static: Callable[[dict[str, Route]], Static], tmp_path: Path
) -> None:
    name, body = fake_uv_wheel("win_amd64")
    server = static({f"/{name}": (200, {}, body + b"tampered")})
    wanted = frozenset({hashlib.sha256(body).hexdigest()})
    with pytest.raises(prepare.SetupError, match="does not match"):
        prepare.download(f"{server.url}/{name}", name, wanted, tmp_path)


def test_an_earlier_jobs_uv_is_reused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert prepare.find_uv(tmp_path, VERSION) is None
    kept = tmp_path / f"uv-{VERSION}" / prepare.uv_binary_name()
    kept.parent.mkdir()
    kept.write_text("", encoding="utf-8")
    assert prepare.find_uv(tmp_path, VERSION) == kept


def test_uv_gets_the_runners_pip_index_and_certificates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "SSL_CERT_FILE", "UV_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    monkeypatch.setenv("PIP_CERT", "/etc/corp-ca.pem")
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere/else")
    env = prepare.uv_environment(tmp_path)
    assert env["UV_DEFAULT_INDEX"] == "https://mirror.example/simple"
    assert env["SSL_CERT_FILE"] == "/etc/corp-ca.pem"
    assert env["UV_CACHE_DIR"] == str(tmp_path / "uv-cache")
    assert "VIRTUAL_ENV" not in env
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://uv-own.example/simple")
    assert prepare.uv_environment(tmp_path)["UV_DEFAULT_INDEX"] == "https://uv-own.example/simple"


def test_the_key_follows_the_lock() -> None:
    assert prepare.environment_key(b"a") == prepare.environment_key(b"a")
    assert prepare.environment_key(b"a") != prepare.environment_key(b"b")


@pytest.mark.slow
def test_without_uv_pip_installs_the_lock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No uv to be had (here: a bootstrap lock whose hashes match no wheel): pip installs the
    same lock, and the run says so."""
    bootstrap = tmp_path / "bootstrap.txt"
    bootstrap.write_text(f"uv=={VERSION} \\\n    --hash=sha256:{'0' * 64}\n", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path / "no-uv-here"))
    # pip fetches (as its configuration says), so no test reaches an index directly.
    monkeypatch.setattr(prepare, "plain_index", lambda: None)
    output = tmp_path / "output"
    code = prepare.main(
        [
            "--lock",
            str(ROOT / "requirements" / "runtime.txt"),
            "--bootstrap",
            str(bootstrap),
            "--tool-cache",
            str(tmp_path / "cache"),
            "--temp",
            str(tmp_path / "temp"),
            "--output",
            str(output),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "installing with pip instead" in printed
    assert "environment ready in" in printed and "with pip" in printed
    python = output.read_text(encoding="utf-8").removeprefix("python=").strip()
    assert Path(python).is_relative_to(tmp_path / "cache" / "publish-action")


def test_the_warm_path_trusts_the_marker_and_the_interpreter(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = prepare.venv_python(venv)
    assert not prepare.is_ready(venv)
    python.parent.mkdir(parents=True)
    python.write_text("", encoding="utf-8")
    assert not prepare.is_ready(venv)  # no marker: an install that did not finish
    (venv / prepare.READY).touch()
    assert prepare.is_ready(venv)  # no Python started for it
    assert not prepare.is_ready(venv, probe=True)  # after a build: it must import


def test_installer_output_in_the_log_has_no_credentials_from_an_index_url() -> None:
    output = "ERROR: 401 for https://ci:s3cret@mirror.example/simple/httpx/\n"
    shown = prepare.tail(output, 2000)
    assert "s3cret" not in shown and "ci:" not in shown
    assert shown == "ERROR: 401 for https://***@mirror.example/simple/httpx/"
    assert prepare.tail("x" * 50 + "end", 3) == "end"


def fake_action(folder: Path, body: str = "print('engine')\n") -> Path:
    (folder / "src" / "pkg").mkdir(parents=True)
    (folder / "entrypoint.py").write_text("import sys\n", encoding="utf-8")
    (folder / "src" / "pkg" / "__init__.py").write_text(body, encoding="utf-8")
    (folder / "src" / "pkg" / "README.txt").write_text("not code", encoding="utf-8")
    return folder


def test_the_action_s_code_is_kept_compiled_under_a_key_of_its_content(tmp_path: Path) -> None:
    action = fake_action(tmp_path / "action")
    cache = tmp_path / "cache"
    cache.mkdir()
    entry = prepare.EngineCopy(action, cache).start().entrypoint()
    home = entry.parent
    assert entry == home / "entrypoint.py" and home.parent == cache
    assert (home / "src" / "pkg" / "__init__.py").read_bytes() == (
        action / "src" / "pkg" / "__init__.py"
    ).read_bytes()
    assert list((home / "src" / "pkg" / "__pycache__").glob("__init__.*.pyc"))
    assert not (home / "src" / "pkg" / "README.txt").exists()  # only the code
    assert [p.name for p in cache.iterdir()] == [home.name]  # no scratch left behind
    # The next job, with a fresh checkout of the same code: found, nothing compiled.
    again = fake_action(tmp_path / "next-job")
    copy = prepare.EngineCopy(again, cache)
    assert copy.home == home
    assert copy.start().entrypoint() == entry
    # Another version of the action: another copy.
    other = fake_action(tmp_path / "other", body="print('changed')\n")
    assert prepare.EngineCopy(other, cache).home != home


def test_code_that_does_not_compile_runs_from_the_checkout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    action = fake_action(tmp_path / "action", body="def broken(:\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    assert prepare.EngineCopy(action, cache).start().entrypoint() == action / "entrypoint.py"
    assert "runs from its checkout (compileall failed)" in capsys.readouterr().out
    assert list(cache.iterdir()) == []
