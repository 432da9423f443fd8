"""The README's first command: `bash scripts/demo` publishes a sample project to a throwaway
local index and re-runs it (everything skipped). Its environment stays light: the runtime
lock, a local index and a build backend, not the developer toolchain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_publishes_then_skips_everything() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exit codes: [0, 0]; the index now holds:" in done.stdout
    assert done.stdout.count("uploaded           demo_sample-1.0.0") == 2
    assert done.stdout.count("skipped-identical  demo_sample-1.0.0") == 2
    assert "***" in done.stdout and "INPUT_PASSWORD=***" in done.stdout


def test_the_demo_installs_only_the_runtime_an_index_and_a_backend() -> None:
    script = (ROOT / "scripts" / "demo").read_text(encoding="utf-8")
    assert "requirements/runtime.txt" in script and "--require-hashes" in script
    assert "requirements/demo.txt" in script
    assert "bootstrap" not in script.split("\n", 4)[-1] and "dev.txt" not in script
    wanted = (ROOT / "requirements" / "demo.txt").read_text(encoding="utf-8")
    names = {line.split("[")[0].split(">")[0].strip() for line in wanted.splitlines()
             if line.strip() and not line.startswith("#")}  # fmt: skip
    assert names == {"pypiserver", "waitress", "hatchling"}
