"""Start-up cost: `entrypoint.py --help` wall time, and the import time of a plain publish run
(`python -X importtime`), with a check that the signing stack is not imported.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("sigstore", "pypi_attestations", "id")


def help_wall(env: dict[str, str], runs: int = 11) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(
            [sys.executable, str(REPO / "entrypoint.py"), "--help"],
            capture_output=True,
            check=True,
            timeout=60,
            env=env,
        )
        times.append(time.monotonic() - start)
    bare = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True, timeout=60)
        bare.append(time.monotonic() - start)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "python_bare_median": statistics.median(bare),
    }


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def parse_importtime(stderr: str) -> dict[str, object]:
    """Per package root: µs spent importing it where it was first pulled in by something else
    (its outermost occurrence, dependencies included); all module names; the total."""
    rows: list[tuple[int, str, int]] = []
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match:
            _self, cumulative, indent, name = match.groups()
            rows.append((len(indent), name, int(cumulative)))
    by_root: dict[str, int] = {}
    total = 0
    for i, (level, name, cumulative) in enumerate(rows):
        # -X importtime prints children before their parent, indented deeper.
        parent = next((rows[j][1] for j in range(i + 1, len(rows)) if rows[j][0] < level), None)
        root = name.split(".")[0]
        if parent is None:
            total += cumulative
        if parent is None or parent.split(".")[0] != root:
            by_root[root] = by_root.get(root, 0) + cumulative
    return {"by_root": by_root, "modules": {r[1] for r in rows}, "total_us": total}


def importtime_of_publish(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run one publish under -X importtime; summarise what it imported and how long it took."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    parsed = parse_importtime(done.stderr)
    modules: set[str] = parsed["modules"]  # type: ignore[assignment]
    by_root: dict[str, int] = parsed["by_root"]  # type: ignore[assignment]
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    biggest = sorted(by_root.items(), key=lambda kv: -kv[1])[:10]
    return {
        "exit_code": done.returncode,
        "total_import_s": int(parsed["total_us"]) / 1e6,  # type: ignore[call-overload]
        "by_package_s": {name: round(us / 1e6, 4) for name, us in biggest},
        "heavy_modules_imported": heavy,
        "modules_count": len(modules),
    }
