"""Deterministic, valid distributions written directly (no build backend).

Wheels are zip files with a proper ``*.dist-info`` (METADATA, WHEEL, RECORD with sha256 of
every member); sdists are ``.tar.gz`` with ``<name>-<version>/PKG-INFO``. The payload is
incompressible bytes from a seeded PRNG, so the same seed gives byte-identical files on every
machine and compression can't make a scenario cheaper than it looks.

Each scenario is generated once into ``bench/.cache/dists/<scenario>/`` with a manifest
(filename → sha256, size, project); later runs reuse it when the manifest matches.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import random
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

GENERATOR_VERSION = 2
CHUNK = 4 * 1024 * 1024
# Fixed timestamp for every archive member: byte-identical output on every run.
_EPOCH = (2024, 1, 1, 0, 0, 0)
_EPOCH_TS = 1704067200


@dataclass(frozen=True)
class FileSpec:
    project: str  # as written in METADATA Name
    version: str
    kind: str  # "wheel" or "sdist"
    payload: int  # bytes of random content inside the archive
    seed: int
    tag: str = "py3-none-any"

    @property
    def dist_name(self) -> str:
        return self.project.replace("-", "_")

    @property
    def filename(self) -> str:
        if self.kind == "wheel":
            return f"{self.dist_name}-{self.version}-{self.tag}.whl"
        return f"{self.dist_name}-{self.version}.tar.gz"


@dataclass(frozen=True)
class Scenario:
    name: str
    files: tuple[FileSpec, ...]
    description: str

    @property
    def projects(self) -> list[str]:
        return sorted({_normalize(f.project) for f in self.files})


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def scenarios(*, quick: bool = False) -> dict[str, Scenario]:
    """Every input set the bench uses. ``quick`` shrinks the big ones (development only)."""
    small_projects = 12 if quick else 60
    small: list[FileSpec] = []
    for i in range(small_projects):
        project = f"bench-small-{i:02d}"
        small.append(FileSpec(project, "1.0.0", "wheel", 30_000, seed=1000 + i))
        small.append(FileSpec(project, "1.0.0", "sdist", 30_000, seed=2000 + i))
    large_size = (10 if quick else 100) * 1024 * 1024
    tags = [f"cp3{minor}-cp3{minor}-manylinux_2_17_x86_64" for minor in range(9, 15)]
    large = tuple(
        FileSpec("bench-large", "1.0.0", "wheel", large_size, seed=3000 + i, tag=tag)
        for i, tag in enumerate(tags)
    )
    typical = _typical_release(quick=quick)
    # 1 GB (10^9 bytes): waitress refuses request bodies over 1 GiB (413), so not 2^30.
    huge_size = 128 * 1024 * 1024 if quick else 1_000_000_000
    return {
        "many-small": Scenario(
            "many-small", tuple(small), f"{small_projects} projects x (wheel + sdist), ~30 KB each"
        ),
        "few-large": Scenario(
            "few-large", large, f"1 project x 6 wheels of {large_size // 2**20} MiB"
        ),
        "typical-release": Scenario(
            "typical-release",
            typical,
            f"1 project x (1 sdist + {len(typical) - 1} wheels of "
            f"{'0.2-1' if quick else '2-10'} MiB)",
        ),
        "one-mb": Scenario(
            "one-mb",
            (FileSpec("bench-onemb", "1.0.0", "wheel", 1024 * 1024, seed=4000),),
            "1 wheel of 1 MiB (the RSS reference for one-huge)",
        ),
        "one-huge": Scenario(
            "one-huge",
            (FileSpec("bench-huge", "1.0.0", "wheel", huge_size, seed=5000),),
            f"1 wheel of {huge_size / 1e9:.2f} GB",
        ),
    }


TYPICAL_PLATFORMS = (
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "musllinux_1_2_x86_64",
    "macosx_11_0_arm64",
    "macosx_10_12_x86_64",
    "win_amd64",
)


def _typical_release(*, quick: bool) -> tuple[FileSpec, ...]:
    """One release of a project with compiled extensions: an sdist and a wheel for each of 5
    CPython versions x 6 platforms. Sizes are drawn once from a seeded PRNG (2-10 MiB, the
    sdist 1 MiB), so they are the same on every machine; --quick divides them by 10."""
    rng = random.Random(6000)  # noqa: S311 - reproducible sizes, not a secret
    scale = 10 if quick else 1
    files = [FileSpec("bench-typical", "2.3.1", "sdist", 2**20 // scale, seed=6001)]
    for minor in range(10, 15):
        for platform in TYPICAL_PLATFORMS:
            size = int(rng.uniform(2, 10) * 2**20) // scale
            tag = f"cp3{minor}-cp3{minor}-{platform}"
            files.append(
                FileSpec("bench-typical", "2.3.1", "wheel", size, seed=6002 + len(files), tag=tag)
            )
    return tuple(files)


# -- writers ---------------------------------------------------------------------------------


def _metadata(spec: FileSpec) -> bytes:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {spec.project}\n"
        f"Version: {spec.version}\n"
        f"Summary: Synthetic distribution for the publish-action benchmark ({spec.kind})\n"
        "Requires-Python: >=3.9\n"
        "Description-Content-Type: text/plain\n"
        "\n"
        "Random payload; deterministic from a seed.\n"
    ).encode()


def _random_chunks(seed: int, size: int) -> Iterator[bytes]:
    rng = random.Random(seed)  # noqa: S311 - reproducible payload, not a secret
    left = size
    while left > 0:
        n = min(CHUNK, left)
        yield rng.randbytes(n)
        left -= n


def _record_hash(data_sha: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(data_sha).rstrip(b"=").decode()


def _zinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def write_wheel(spec: FileSpec, path: Path) -> None:
    pkg = spec.dist_name
    distinfo = f"{pkg}-{spec.version}.dist-info"
    purelib = spec.tag.endswith("-any")
    members: list[tuple[str, bytes, int]] = []
    with zipfile.ZipFile(path, "w", allowZip64=True) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(_zinfo(name), data)
            members.append((name, hashlib.sha256(data).digest(), len(data)))

        add(f"{pkg}/__init__.py", f'"""{spec.project} (benchmark payload)."""\n'.encode())
        sha = hashlib.sha256()
        size = 0
        big = spec.payload > 2**30
        with archive.open(_zinfo(f"{pkg}/payload.bin"), "w", force_zip64=big) as out:
            for chunk in _random_chunks(spec.seed, spec.payload):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
        members.append((f"{pkg}/payload.bin", sha.digest(), size))
        add(f"{distinfo}/METADATA", _metadata(spec))
        add(
            f"{distinfo}/WHEEL",
            (
                "Wheel-Version: 1.0\n"
                "Generator: publish-action-bench\n"
                f"Root-Is-Purelib: {'true' if purelib else 'false'}\n"
                f"Tag: {spec.tag}\n\n"
            ).encode(),
        )
        record = "".join(f"{name},{_record_hash(digest)},{n}\n" for name, digest, n in members)
        record += f"{distinfo}/RECORD,,\n"
        archive.writestr(_zinfo(f"{distinfo}/RECORD"), record.encode())


class _Stream(io.RawIOBase):
    """A read-only stream of the seeded random payload (for tarfile.addfile)."""

    def __init__(self, seed: int, size: int) -> None:
        self._chunks = _random_chunks(seed, size)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            n = len(self._buffer)
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data


def write_sdist(spec: FileSpec, path: Path) -> None:
    root = f"{spec.dist_name}-{spec.version}"

    def info(name: str, size: int) -> tarfile.TarInfo:
        member = tarfile.TarInfo(f"{root}/{name}")
        member.size = size
        member.mtime = _EPOCH_TS
        member.mode = 0o644
        member.uname = member.gname = ""
        return member

    pkg_info = _metadata(spec)
    pyproject = (f'[project]\nname = "{spec.project}"\nversion = "{spec.version}"\n').encode()
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(info("PKG-INFO", len(pkg_info)), io.BytesIO(pkg_info))
        tar.addfile(info("pyproject.toml", len(pyproject)), io.BytesIO(pyproject))
        tar.addfile(info("payload.bin", spec.payload), _Stream(spec.seed, spec.payload))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Generated:
    scenario: Scenario
    directory: Path
    files: dict[str, dict[str, object]]  # filename -> {sha256, size, project}

    def expected(self) -> dict[str, dict[str, str]]:
        """project -> {filename: sha256}, what the index must hold afterwards."""
        out: dict[str, dict[str, str]] = {}
        for name, meta in self.files.items():
            out.setdefault(str(meta["project"]), {})[name] = str(meta["sha256"])
        return out

    def paths(self) -> list[Path]:
        return [self.directory / name for name in sorted(self.files)]

    @property
    def total_bytes(self) -> int:
        return sum(int(m["size"]) for m in self.files.values())  # type: ignore[call-overload]


def ensure(scenario: Scenario, cache: Path, log: Callable[[str], None] = print) -> Generated:
    """Generate the scenario's files unless the cache already holds them."""
    directory = cache / "dists" / scenario.name
    # The manifest lives beside the folder, so a tool given `folder/*` sees only distributions.
    manifest_path = cache / "dists" / f"{scenario.name}.manifest.json"
    wanted = {
        "generator": GENERATOR_VERSION,
        "specs": [f"{f.filename}:{f.payload}:{f.seed}" for f in scenario.files],
    }
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("key") == wanted and all(
            (directory / name).is_file() and (directory / name).stat().st_size == meta["size"]
            for name, meta in manifest["files"].items()
        ):
            return Generated(scenario, directory, manifest["files"])
    log(f"generating {scenario.name} ({len(scenario.files)} files) into {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.iterdir():
        stale.unlink()
    manifest_path.unlink(missing_ok=True)
    files: dict[str, dict[str, object]] = {}
    for spec in scenario.files:
        path = directory / spec.filename
        (write_wheel if spec.kind == "wheel" else write_sdist)(spec, path)
        files[spec.filename] = {
            "sha256": _sha256(path),
            "size": path.stat().st_size,
            "project": _normalize(spec.project),
            "name": spec.project,
            "version": spec.version,
            "kind": spec.kind,
            "pyversion": spec.tag.split("-")[0] if spec.kind == "wheel" else "source",
            "summary": _metadata(spec).decode().split("Summary: ")[1].split("\n")[0],
        }
    manifest_path.write_text(json.dumps({"key": wanted, "files": files}, indent=1))
    return Generated(scenario, directory, files)
