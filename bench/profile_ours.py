#!/usr/bin/env python3
"""Profile one publish-action run with py-spy (all threads, sampled), on a fresh index:

    python bench/profile_ours.py many-small pypiserver [--extra "--max-parallel 1"]

Needs py-spy (`pip install py-spy`; bench-only, see requirements/bench.txt). Prints the
functions with the most samples (inclusive and self, all threads, idle excluded) and keeps the
folded stacks (for flame graphs) under bench/.cache/profiles/.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import distgen  # noqa: E402
import indexes  # noqa: E402
import run  # noqa: E402
import tools  # noqa: E402


def summarize(folded: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        # "function (file:line)" -> "function (file)": aggregate over lines.
        names = [
            f.split(":")[0] + ")" if "(" in f else f
            for f in frames
            if not f.startswith(("thread (", "process "))
        ]
        if not names:
            continue
        for name in set(names):
            inclusive[name] += n
        leaf[names[-1]] += n
    out = [f"{total} samples", "", "inclusive:"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    out += ["", "self:"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in leaf.most_common(top)]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", choices=["many-small", "rerun-small", "few-large", "one-huge"])
    parser.add_argument("server", choices=["pypiserver", "devpi"])
    parser.add_argument("--extra", default="", help="extra inputs for publish-action")
    parser.add_argument("--rate", type=int, default=500, help="samples per second")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--wall",
        action="store_true",
        help="sample every active thread (waits included) instead of only the "
        "thread holding the GIL (= where the client's CPU goes)",
    )
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    tools.ensure_ours(log=run.log)
    name = "many-small" if args.scenario == "rerun-small" else args.scenario
    gen = distgen.ensure(distgen.scenarios()[name], BENCH / ".cache" / "full", log=run.log)
    profiles = BENCH / ".cache" / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    folded = profiles / f"{args.scenario}-{args.server}-{int(time.time())}.folded"
    work = Path(tempfile.mkdtemp(prefix="publish-profile-", dir=run._scratch_root()))
    try:
        with indexes.start(args.server, work) as (index, _pid):
            target = tools.Target(index.upload_url, index.index_url, index.username, index.password)
            if args.scenario == "rerun-small":
                tools.seed(target, gen, work)
            job = tools.ours(target, gen, work, extra=tuple(args.extra.split()))
            start = time.monotonic()
            done = subprocess.run(
                [
                    py_spy,
                    "record",
                    "--format",
                    "raw",
                    "--rate",
                    str(args.rate),
                    "--threads",
                    *([] if args.wall else ["--gil"]),
                    "--output",
                    str(folded),
                    "--",
                    *job.argv,
                ],
                env=job.environment(work / "home"),
                cwd=work,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            wall = time.monotonic() - start
            if done.returncode:
                print(done.stdout[-3000:], done.stderr[-3000:])
                return 1
            problem = indexes.verify(index, gen.expected())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.scenario} on {args.server}: {wall:.2f} s under py-spy (slower than without); "
        f"index {problem or 'OK'}"
    )
    print(summarize(folded, args.top))
    print(f"\nfolded stacks: {folded}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
