#!/usr/bin/env python3
"""Compare variants of one scenario on one server, same machinery as run.py (fresh server per
run, verification, disturbance detection). For trying engine settings, e.g.:

    python bench/variants.py few-large pypiserver "ours" "ours --max-parallel 1" curl-seq
    python bench/variants.py many-small devpi "ours" "ours --confirm false" uv --reps 5

A tool is one of run.py's names (ours, twine, uv, curl-seq, curl-par4, curl-get-seq,
curl-get-par4) or "ours <extra inputs>". Prints a table; writes JSON under bench/.cache/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import distgen  # noqa: E402
import link  # noqa: E402
import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenario",
        choices=["many-small", "rerun-small", "typical-release", "few-large", "one-mb", "one-huge"],
    )
    parser.add_argument("server", choices=["pypiserver", "devpi"])
    parser.add_argument("tools", nargs="+")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the --quick file sizes")
    parser.add_argument(
        "--link",
        type=link.LinkSpec.parse,
        default=None,
        help="over an emulated link, as run.py --link (e.g. rtt=20ms,bw=400mbit)",
    )
    args = parser.parse_args()
    run.LINK = args.link
    run.tools.ensure_tools(log=run.log)
    run.tools.ensure_ours(log=run.log)

    name = "many-small" if args.scenario == "rerun-small" else args.scenario
    cache = BENCH / ".cache" / ("quick" if args.quick else "full")
    gen = distgen.ensure(distgen.scenarios(quick=args.quick)[name], cache, log=run.log)
    scratch = Path(tempfile.mkdtemp(prefix="publish-variants-", dir=run._scratch_root()))
    records = []
    try:
        for rep in range(1, args.reps + 1):
            shift = (rep - 1) % len(args.tools)
            for tool in args.tools[shift:] + args.tools[:shift]:
                records.append(
                    run.measured_run(
                        args.scenario, args.server, tool, rep, gen, scratch, scratch / "runs"
                    )
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{args.scenario} on {args.server}, {args.reps} rep(s)\n")
    print("| tool | median s | min-max | client CPU | server CPU | GET | POST | phases |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in args.tools:
        ok = [r for r in records if r.tool == tool and r.ok and not r.disturbed] or [
            r for r in records if r.tool == tool and r.ok
        ]
        if not ok:
            errors = {r.error for r in records if r.tool == tool}
            print(f"| {tool} | failed | {'; '.join(errors)[:80]} | | | | | |")
            continue
        walls = [r.wall for r in ok]
        phases = {}
        for key in sorted({k for r in ok for k in r.phases}):
            phases[key] = round(statistics.median(r.phases.get(key, 0.0) for r in ok), 2)
        req = ok[0].request_summary
        print(
            f"| {tool} | {statistics.median(walls):.2f} | {min(walls):.2f}-{max(walls):.2f} | "
            f"{statistics.median(r.client_cpu for r in ok):.2f} | "
            f"{statistics.median(r.server_cpu for r in ok):.2f} | {req.get('GET')} | "
            f"{req.get('POST')} | {phases or ''} |"
        )
    out = BENCH / ".cache" / f"variants-{args.scenario}-{args.server}-{int(time.time())}.json"
    out.write_text(json.dumps([asdict(r) for r in records], indent=1))
    print(f"\nruns: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
