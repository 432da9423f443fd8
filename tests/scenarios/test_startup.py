"""Start-up stays small: heavy libraries load only when their feature runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository

PROBE = """
import io, sys
sys.path.insert(0, {src!r})
from publish_action.cli import main
code = main({argv!r}, {{}}, stdout=io.StringIO(), stderr=io.StringIO())
heavy = sorted(
    m
    for m in ("httpx", "sigstore", "pypi_attestations", "id", "readme_renderer", "docutils",
              "trove_classifiers")
    if m in sys.modules
)
print(code, ",".join(heavy))
"""


def run_probe(argv: list[str]) -> tuple[str, str]:
    code = PROBE.format(src=str(ROOT / "src"), argv=argv)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split("\n")[-2]
    exit_code, _, modules = out.partition(" ")
    return exit_code, modules


def test_help_imports_no_http_signing_or_rendering_library() -> None:
    assert run_probe(["--help"]) == ("0", "")


def test_a_publish_with_a_password_never_loads_signing_or_oidc(tmp_path: Path) -> None:
    from tests.support.samples import build_project

    dist = tmp_path / "dist"
    dist.mkdir()
    for path in build_project(tmp_path, "startup-probe", "1.0"):
        path.rename(dist / path.name)
    # Dry run against an index nobody listens on: the check fails (exit 6), which still
    # exercises inputs, inspection and the HTTP client.
    argv = [
        "--repository-url",
        "http://127.0.0.1:9/",
        "--password",
        "pw-1234",
        "--packages-dir",
        str(dist),
        "--retries",
        "0",
    ]
    exit_code, modules = run_probe(argv)
    assert exit_code == "6"
    assert modules == "httpx"
