#!/usr/bin/env python3
"""Publishing benchmark: publish-action vs twine vs uv vs bare curl requests (issue 7).

    python bench/run.py            # full bench (< 15 min on 2 cores), writes bench/results/
    python bench/run.py --quick    # smaller files, one repetition (development)
    python bench/run.py --link rtt=20ms,bw=400mbit   # over an emulated link: results/link.*

Every measured run gets a fresh index server (temp dir, free port), and with --link a fresh
link proxy (bench/link.py) in front of it that every tool talks to. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import distgen  # noqa: E402
import indexes  # noqa: E402
import link  # noqa: E402
import measure  # noqa: E402
import startup  # noqa: E402
import tables  # noqa: E402
import tools  # noqa: E402

if TYPE_CHECKING:
    from tests.support.servers import RunningIndex

UPLOAD_TOOLS = ("ours", "twine", "uv", "curl-seq", "curl-par4")
RERUN_TOOLS = ("ours", "twine", "uv", "curl-get-seq", "curl-get-par4")
MEMORY_TOOLS = ("ours", "twine", "uv")
LOOPBACK_SCENARIOS = ("many-small", "rerun-small", "few-large", "one-huge")
LINK_SCENARIOS = ("many-small", "rerun-small", "typical-release", "few-large", "coldstart")
MAX_ATTEMPTS = 3  # a disturbed run is repeated at most twice
RUN_TIMEOUT = 300.0


@dataclass
class RunRecord:
    scenario: str
    server: str
    tool: str
    rep: int
    attempt: int
    ok: bool
    error: str = ""
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    foreign_cpu: float = 0.0
    disturbed: bool = False
    peak_rss: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    request_summary: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    note: str = ""
    link_cpu: float = 0.0  # the link proxy's CPU (with --link)
    link: dict[str, object] = field(default_factory=dict)  # link.timeline() of the run


def log(message: str) -> None:
    print(message, flush=True)


def _job(
    tool: str,
    scenario: str,
    target: tools.Target,
    gen: distgen.Generated,
    work: Path,
    projects: list[str],
) -> tools.Job:
    rerun = scenario == "rerun-small"
    if tool == "ours":
        return tools.ours(target, gen, work)
    if tool.startswith("ours "):  # a variant with extra inputs: "ours --max-parallel 1"
        return tools.ours(target, gen, work, extra=tuple(tool.split()[1:]))
    if tool == "twine":
        return tools.twine(target, gen, rerun=rerun)
    if tool == "uv":
        # --check-url costs a GET per file: only where it is needed (files already there).
        return tools.uv(target, gen, check=rerun)
    parallel = 4 if tool.endswith("par4") else 1
    if tool.startswith("curl-get"):
        config = tools.curl_get_config(target, projects, work / "get.curl", parallel=parallel)
    else:
        config = tools.curl_upload_config(target, gen, work / "upload.curl", parallel=parallel)
    return tools.curl(config, tool)


class Budget:
    """Past ``soft`` seconds the bench stops repeating disturbed runs and waits less for a
    quiet machine, so a busy machine cannot stretch the whole bench much past the limit."""

    def __init__(self, soft: float) -> None:
        self.start = time.monotonic()
        self.soft = soft

    @property
    def tight(self) -> bool:
        return time.monotonic() - self.start > self.soft


BUDGET = Budget(float("inf"))
LINK: link.LinkSpec | None = None  # --link: every tool's traffic goes through bench/link.py
PART_SECONDS: dict[str, float] = {}  # how long each part of the bench took (for --budget)


@contextlib.contextmanager
def _reach(
    index: RunningIndex, work: Path
) -> Iterator[tuple[tools.Target, link.RunningLink | None, Callable[[], None]]]:
    """The Target the tools use: the index itself, or (--link) a fresh link proxy in front."""
    if LINK is None:
        yield (
            tools.Target(index.upload_url, index.index_url, index.username, index.password),
            None,
            lambda: None,
        )
        return
    port = int(urlsplit(index.root_url).port or 0)
    with link.subprocess_proxy(LINK, port, work / "link.jsonl") as (running, stop):
        yield (
            tools.Target(
                running.url(index.upload_url),
                running.url(index.index_url),
                index.username,
                index.password,
            ),
            running,
            stop,
        )


def measured_run(
    scenario: str,
    server: str,
    tool: str,
    rep: int,
    gen: distgen.Generated,
    scratch: Path,
    runs_dir: Path,
) -> RunRecord:
    expected = gen.expected()
    projects = sorted(expected)
    attempts = 1 if BUDGET.tight else MAX_ATTEMPTS
    for attempt in range(1, attempts + 1):
        record = RunRecord(scenario, server, tool, rep, attempt, ok=False)
        work = Path(tempfile.mkdtemp(prefix=f"{scenario}-{server}-{tool}-", dir=scratch))
        try:
            with (
                indexes.start(server, work) as (index, server_pid),
                _reach(index, work) as (target, running, stop_link),
            ):
                direct = tools.Target(
                    index.upload_url, index.index_url, index.username, index.password
                )
                if scenario == "rerun-small":
                    # Seeding is set-up, not measured: straight to the server.
                    tools.seed(direct, gen, work)
                    problem = indexes.verify(index, expected)
                    if problem:
                        raise RuntimeError(f"seeding left the index wrong: {problem}")
                job = _job(tool, scenario, target, gen, work, projects)
                helpers = (running.pid,) if running else ()
                measure.wait_until_quiet(
                    [server_pid, *helpers], log=log, patience=5.0 if BUDGET.tight else 20.0
                )
                offset = indexes.log_offset(index)
                result = measure.run(
                    job.argv,
                    env=job.environment(work / "home"),
                    cwd=work,
                    server_pid=server_pid,
                    timeout=RUN_TIMEOUT,
                    out_dir=runs_dir / f"{scenario}-{server}-{rep}-{tool.replace(' ', '_')}",
                    other_pids=helpers,
                )
                if running is not None:
                    record.link_cpu = result.other_cpu
                    stop_link()  # flushes its log: every connection is closed by now
                    record.link = link.timeline(
                        running.connections(),
                        result.started,
                        result.started + result.wall,
                        running.spec.rtt,
                    )
                counts = indexes.requests_since(index, offset)
                record.wall, record.client_cpu = result.wall, result.client_cpu
                record.server_cpu, record.foreign_cpu = result.server_cpu, result.foreign_cpu
                record.disturbed, record.peak_rss = result.disturbed(), result.peak_rss
                record.requests = dict(sorted(counts.items()))
                record.request_summary = indexes.summarize(counts)
                if job.report and job.report.exists():
                    report = json.loads(job.report.read_text())
                    record.phases = report.get("timings", {})
                record.error = _failure(tool, result, len(gen.files), len(projects))
                if not record.error:
                    problem = indexes.verify(index, expected)
                    if problem:
                        record.error = f"index content wrong after the run: {problem}"
                record.ok = not record.error
                record.note = _note(tool, scenario, record)
        except Exception as exc:  # noqa: BLE001 - a broken run is recorded, never counted
            record.error = f"{type(exc).__name__}: {exc}"
        finally:
            shutil.rmtree(work, ignore_errors=True)
        status = "ok" if record.ok else f"FAILED ({record.error[:160]})"
        flag = " DISTURBED" if record.disturbed else ""
        log(
            f"  {scenario:15} {server:10} {tool:13} rep {rep} try {attempt}: "
            f"{record.wall:6.2f} s  cpu {record.client_cpu:5.2f}+{record.server_cpu:5.2f} s  "
            f"other {record.foreign_cpu:4.2f} s  rss {record.peak_rss / 2**20:5.1f} MB  "
            f"req {record.request_summary.get('GET', 0)}G/{record.request_summary.get('POST', 0)}P"
            f"  {status}{flag}"
        )
        if not record.disturbed:
            return record
    # Still disturbed after every attempt (or no time left to repeat it): keep it, flagged.
    record.note = (record.note + "; " if record.note else "") + "a disturbed run kept"
    return record


def _failure(tool: str, result: measure.Measurement, files: int, projects: int) -> str:
    if result.timed_out:
        return f"timed out after {RUN_TIMEOUT:.0f} s"
    if result.exit_code != 0:
        text = re.sub(r"\x1b\[[0-9;]*m", "", result.stderr.strip() or result.stdout.strip())
        tail = text.splitlines()[-3:]
        text = " ".join(line.strip() for line in tail)
        # Ports differ per run: without them, one failure reads as one line in the results.
        text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
        return f"exit {result.exit_code}: {' '.join(text.split())}"[:400]
    if tool.startswith("curl-get") and not tools.curl_codes_ok(result.stdout, projects):
        return f"curl GET answers: {Counter(result.stdout.split())}"
    if (
        tool.startswith("curl-")
        and not tool.startswith("curl-get")
        and not tools.curl_codes_ok(result.stdout, files)
    ):
        return f"curl POST answers: {Counter(result.stdout.split())}"
    return ""


def _note(tool: str, scenario: str, record: RunRecord) -> str:
    if scenario == "rerun-small" and record.ok and record.request_summary.get("POST"):
        return f"re-uploaded {record.request_summary['POST']} file(s)"
    return ""


# -- plan -------------------------------------------------------------------------------------


def plan(args: argparse.Namespace) -> list[tuple[str, str, tuple[str, ...], int]]:
    """(scenario, server, tools, repetitions) in the order they run."""
    reps = args.reps
    steps = [
        ("many-small", UPLOAD_TOOLS, reps),
        ("rerun-small", RERUN_TOOLS, reps),
        ("typical-release", UPLOAD_TOOLS, reps),
        ("few-large", UPLOAD_TOOLS, reps),
    ]
    out = []
    for scenario, scenario_tools, n in steps:
        if scenario not in args.scenarios:
            continue
        for server in args.servers:
            chosen = tuple(t for t in scenario_tools if _tool_selected(t, args.tools))
            out.append((scenario, server, chosen, n))
    # Memory: one 1 MiB file and one 1 GiB file, on pypiserver only, one run each.
    for scenario in ("one-mb", "one-huge"):
        if "one-huge" in args.scenarios and "pypiserver" in args.servers:
            chosen = tuple(t for t in MEMORY_TOOLS if _tool_selected(t, args.tools))
            out.append((scenario, "pypiserver", chosen, 1))
    return out


def _tool_selected(tool: str, wanted: list[str]) -> bool:
    return any(tool == w or (w == "curl" and tool.startswith("curl")) for w in wanted)


def _scratch_root() -> str | None:
    """The servers store uploads in RAM (/dev/shm) when it has room: disk write-back would
    otherwise run in kernel threads during later runs and look like foreign load."""
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp() inside it
    try:
        if shm.is_dir() and shutil.disk_usage(shm).free > 4 * 2**30:
            return str(shm)
    except OSError:
        pass
    return None


def machine_info() -> dict[str, object]:
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    cpu_model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gib": round(int(meminfo[1]) / 2**20, 1),
        "kernel": platform.release(),
        "platform": platform.platform(),
    }


def measure_startup(gen: distgen.Generated, scratch: Path) -> dict[str, object]:
    """Warm up publish-action's bytecode cache with two real publish runs (the second one
    under -X importtime is reported), then time --help."""
    log("start-up: -X importtime of a publish run (after a warm-up run), entrypoint.py --help")
    result: dict[str, object] = {}
    for attempt in ("warm-up", "measured"):
        work = Path(tempfile.mkdtemp(prefix="startup-", dir=scratch))
        try:
            with indexes.start("pypiserver", work) as (index, _pid):
                target = tools.Target(
                    index.upload_url, index.index_url, index.username, index.password
                )
                job = tools.ours(target, gen, work)
                timing = startup.importtime_of_publish(job.argv[1:], job.environment(work / "home"))
                if attempt == "measured":
                    result["publish_importtime"] = timing
        finally:
            shutil.rmtree(work, ignore_errors=True)
    env = dict(os.environ, **{k: v for k, v in tools.OURS_ENV.items() if v})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result["help"] = startup.help_wall(env=env)
    return result


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small files (10 MiB instead of 100 MiB, 128 MiB instead of 1 GB, "
        "12 projects), one repetition; results go to bench/.cache/quick-results",
    )
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 3)")
    parser.add_argument(
        "--link",
        type=link.LinkSpec.parse,
        default=None,
        metavar="SPEC",
        help="emulate a link for every tool, e.g. rtt=20ms,bw=400mbit "
        "(bench/link.py); results go to link.json/link.md; default scenarios "
        f"{' '.join(LINK_SCENARIOS)}, default server pypiserver",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=None,
        choices=[*LOOPBACK_SCENARIOS, "typical-release", "coldstart"],
        help=f"default {' '.join(LOOPBACK_SCENARIOS)}",
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        default=None,
        choices=indexes.SERVER_KINDS,
        help="default: both (loopback), pypiserver (--link)",
    )
    parser.add_argument(
        "--coldstart-reps",
        type=int,
        default=None,
        help="repetitions of the action set-up measurement (default --reps)",
    )
    parser.add_argument("--tools", nargs="+", default=["ours", "twine", "uv", "curl"])
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    parser.add_argument(
        "--update",
        action="store_true",
        help="re-measure only --scenarios and merge them into the existing "
        "results file (same link); the other scenarios' runs are kept",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds after which disturbed runs are no longer repeated "
        "(default 720, so the full bench stays under 15 min; 960 with --link)",
    )
    args = parser.parse_args(argv)
    args.reps = args.reps or (1 if args.quick else 3)
    args.coldstart_reps = args.coldstart_reps or args.reps
    if args.scenarios is None:
        args.scenarios = list(LINK_SCENARIOS if args.link else LOOPBACK_SCENARIOS)
    if args.servers is None:
        args.servers = ["pypiserver"] if args.link else list(indexes.SERVER_KINDS)
    if args.budget is None:
        args.budget = 960.0 if args.link else 720.0
    return args


def _generate(
    args: argparse.Namespace, names: list[str] | None = None
) -> dict[str, distgen.Generated]:
    all_scenarios = distgen.scenarios(quick=args.quick)
    cache_dir = BENCH / ".cache" / ("quick" if args.quick else "full")
    wanted = set(args.scenarios if names is None else names) - {"coldstart"}
    if wanted and "ours" in args.tools and names is None:
        wanted.add("many-small")  # its publish runs warm up our bytecode cache (start-up)
    if "one-huge" in wanted:
        wanted.add("one-mb")
    generated = {}
    for name in ("many-small", "typical-release", "few-large", "one-mb", "one-huge"):
        if name in wanted:
            generated[name] = distgen.ensure(all_scenarios[name], cache_dir, log=log)
    if "many-small" in generated:
        generated["rerun-small"] = generated["many-small"]
    return generated


def _measure_all(
    args: argparse.Namespace, generated: dict[str, distgen.Generated], scratch: Path
) -> tuple[list[RunRecord], dict[str, object]]:
    records: list[RunRecord] = []
    startup_result: dict[str, object] = {}
    if "many-small" in generated:
        part_start = time.monotonic()
        startup_result = measure_startup(generated["many-small"], scratch)
        PART_SECONDS["startup"] = round(time.monotonic() - part_start, 1)
        log(f"  --help median {startup_result['help']['median']:.3f} s")  # type: ignore[index]
    for scenario, server, chosen, reps in plan(args):
        part_start = time.monotonic()
        gen = generated[scenario]
        log(
            f"{scenario} on {server}: {len(gen.files)} file(s), "
            f"{gen.total_bytes / 2**20:.1f} MiB, tools {', '.join(chosen)}, {reps} rep(s)"
        )
        for rep in range(1, reps + 1):
            # Rotate the order so no tool always runs first (warm caches, drift).
            shift = (rep - 1) % len(chosen)
            for tool in chosen[shift:] + chosen[:shift]:
                records.append(
                    measured_run(scenario, server, tool, rep, gen, scratch, scratch / "runs")
                )
        PART_SECONDS[f"{scenario}/{server}"] = round(time.monotonic() - part_start, 1)
    return records, startup_result


def _merge(
    previous: Path,
    args: argparse.Namespace,
    records: list[RunRecord],
    generated: dict[str, distgen.Generated],
) -> tuple[list[RunRecord], dict[str, distgen.Generated], dict[str, object]]:
    """--update: the previous results' runs of the scenarios not re-measured, plus the new
    ones; what was kept, from when, is recorded in the document."""
    old = json.loads(previous.read_text())
    if old.get("link") != (LINK.to_json() if LINK else None):
        raise SystemExit(
            f"--update: {previous} was measured over another link "
            f"({(old.get('link') or {}).get('text', 'loopback')})"
        )
    rerun = set(args.scenarios) | ({"one-mb"} if "one-huge" in args.scenarios else set())
    kept = [RunRecord(**r) for r in old["runs"] if r["scenario"] not in rerun]
    kept_scenarios = sorted({r.scenario for r in kept})
    generated = {**_generate(args, kept_scenarios), **generated}
    for name, seconds in (old.get("part_seconds") or {}).items():
        PART_SECONDS.setdefault(name, seconds)
    # When each part was measured, carried over through repeated updates.
    measured_at = dict(old.get("measured_at") or {})
    for name in [*kept_scenarios, "coldstart"]:
        measured_at.setdefault(name, old["generated_at"])
    for name in rerun:
        measured_at.pop(name, None)
    info: dict[str, object] = {
        "measured_at": measured_at,
        "previous_generated_at": old["generated_at"],
        "kept_scenarios": kept_scenarios,
        "kept_startup": old.get("startup") or {},
        "kept_coldstart": old.get("coldstart") or {},
        "previous_engine_source": old.get("engine_source"),
        "remeasured": sorted(rerun),
    }
    return kept + records, generated, info


def _measure_coldstart(args: argparse.Namespace, scratch: Path) -> dict[str, object]:
    import coldstart

    part_start = time.monotonic()
    try:
        result: dict[str, object] = coldstart.measure_all(
            LINK or link.LinkSpec(rtt=0.0),
            reps=args.coldstart_reps,
            scratch=scratch,
            log=log,
            patience=lambda: 5.0 if BUDGET.tight else 20.0,
        )
    except Exception as exc:  # noqa: BLE001 - the other results are still written
        log(f"coldstart FAILED: {type(exc).__name__}: {exc}")
        result = {"error": f"{type(exc).__name__}: {exc}"}
    PART_SECONDS["coldstart"] = round(time.monotonic() - part_start, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    global BUDGET, LINK  # noqa: PLW0603 - one bench run per process
    BUDGET = Budget(args.budget)
    LINK = args.link
    out = args.out or (BENCH / ".cache" / "quick-results" if args.quick else BENCH / "results")
    stem = "link" if LINK else "results"
    started = time.monotonic()
    engine_before = tools.engine_fingerprint()
    tools.ensure_tools(log=log)
    tools.ensure_ours(log=log)
    if LINK:
        log(f"link: {LINK.describe()} (bench/link.py, a fresh proxy per run)")
    generated = _generate(args)
    log(f"distributions ready after {time.monotonic() - started:.1f} s")
    scratch = Path(tempfile.mkdtemp(prefix="publish-bench-", dir=_scratch_root()))
    coldstart_result: dict[str, object] = {}
    try:
        records, startup_result = _measure_all(args, generated, scratch)
        if "coldstart" in args.scenarios:
            coldstart_result = _measure_coldstart(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    updated: dict[str, object] = {}
    if args.update and (out / f"{stem}.json").exists():
        records, generated, updated = _merge(out / f"{stem}.json", args, records, generated)
        startup_result = startup_result or updated.pop("kept_startup")  # type: ignore[assignment]
        if "coldstart" not in args.scenarios:
            coldstart_result = updated.pop("kept_coldstart")  # type: ignore[assignment]
        updated.pop("kept_startup", None)
        updated.pop("kept_coldstart", None)
        previous_engine = (updated.get("previous_engine_source") or {}).get(  # type: ignore[attr-defined]
            "after"
        )
        if previous_engine and previous_engine != engine_before:
            log(
                f"WARNING: --update mixes engine versions ({previous_engine} in the kept runs, "
                f"{engine_before} now)"
            )
    elapsed = time.monotonic() - started
    engine_after = tools.engine_fingerprint()
    if engine_after != engine_before:
        log(
            f"WARNING: src/publish_action changed during the bench ({engine_before} -> "
            f"{engine_after}): the results mix engine versions; run it again"
        )
    document = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "bench_seconds": round(elapsed, 1),
        "part_seconds": PART_SECONDS,
        "updated": updated or None,
        "engine_source": {
            "before": engine_before,
            "after": engine_after,
            "changed_during_run": engine_before != engine_after,
        },
        "machine": machine_info(),
        "versions": tools.versions(),
        "link": LINK.to_json() if LINK else None,
        "settings": {
            "pypiserver_threads": indexes.PYPISERVER_THREADS,
            "devpi": "devpi-server --threads 8, offline, fast argon2 password hashing",
            "ours": "defaults (max-parallel 4, confirm on), --print-hash false, warm .pyc cache",
            "uv": "--check-url only for rerun-small",
            "twine": "--skip-existing only for rerun-small",
            "repetitions": args.reps,
            "link_argument": LINK.as_argument() if LINK else None,
            "server_storage": str(scratch.parent),
        },
        "scenarios": {
            name: {
                "files": len(g.files),
                "bytes": g.total_bytes,
                "description": g.scenario.description,
            }
            for name, g in generated.items()
            if name != "rerun-small"
        },
        "startup": startup_result,
        "coldstart": coldstart_result,
        "summary": tables.summarize(records, generated),
        "runs": [asdict(r) for r in records],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(document, indent=1, default=_jsonable) + "\n")
    (out / f"{stem}.md").write_text(tables.markdown(document))
    log(f"wrote {out / stem}.md and {stem}.json ({elapsed:.0f} s in all)")
    if not args.no_chart and records:
        tables.chart(out / f"{stem}.json", out / f"{stem}.png", BENCH / ".cache", log=log)
    print((out / f"{stem}.md").read_text())
    return 0


def _jsonable(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value))


if __name__ == "__main__":
    sys.exit(main())
