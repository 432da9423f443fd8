"""Aggregate the runs (median, min-max of the clean, verified runs), check the issue-7 targets,
and write the Markdown table; the chart is drawn by chart.py in a bench-only venv.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
MB = 2**20
DASH = "\u2013"  # en dash, for ranges and empty cells

TOOL_ORDER = ("ours", "twine", "uv", "curl-seq", "curl-par4", "curl-get-seq", "curl-get-par4")
SERVER_ORDER = ("pypiserver", "devpi")
SCENARIO_ORDER = ("many-small", "rerun-small", "typical-release", "few-large", "one-mb", "one-huge")
TIME_SCENARIOS = ("many-small", "rerun-small", "typical-release", "few-large")
HELP_TARGET = 0.15
RATIO_TARGET = 1.15
RSS_TARGET_MB = 120
RSS_DELTA_MB = 10


def _tool_rank(tool: str) -> tuple[int, str]:
    """Known tools in their order; variants such as "ours --max-parallel 1" after them."""
    return (TOOL_ORDER.index(tool), "") if tool in TOOL_ORDER else (len(TOOL_ORDER), tool)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _median_tree(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every number in a list of same-shaped dicts (nested dicts too)."""
    out: dict[str, Any] = {}
    for key in items[0]:
        values = [item.get(key) for item in items]
        if all(isinstance(v, dict) for v in values):
            out[key] = _median_tree(values)  # type: ignore[arg-type]
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            out[key] = statistics.median(values)  # type: ignore[type-var]
        else:
            out[key] = values[0]
    return out


def summarize(records: list[Any], generated: dict[str, Any]) -> dict[str, Any]:
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for record in records:
        groups.setdefault((record.scenario, record.server, record.tool), []).append(record)
    rows = []
    for (scenario, server, tool), runs in groups.items():
        # Clean runs; a run disturbed on every attempt counts only when nothing else does.
        ok = [r for r in runs if r.ok and not r.disturbed] or [r for r in runs if r.ok]
        walls = [r.wall for r in ok]
        requests = Counter(json.dumps(r.request_summary, sort_keys=True) for r in ok)
        detail = Counter(json.dumps(r.requests, sort_keys=True) for r in ok)
        row: dict[str, Any] = {
            "scenario": scenario,
            "server": server,
            "tool": tool,
            "runs": len(runs),
            "ok": len(ok),
            "failed": len([r for r in runs if not r.ok]),
            "disturbed_attempts": sum(r.attempt - 1 for r in runs)
            + sum(1 for r in runs if r.disturbed),
            "errors": sorted({r.error for r in runs if r.error}),
            "notes": sorted({r.note for r in runs if r.note}),
            "median_s": _median(walls),
            "min_s": min(walls) if walls else None,
            "max_s": max(walls) if walls else None,
            "walls_s": [round(w, 3) for w in walls],
            "client_cpu_s": _median([r.client_cpu for r in ok]),
            "server_cpu_s": _median([r.server_cpu for r in ok]),
            "peak_rss_mb": _median([r.peak_rss / MB for r in ok]),
            "peak_rss_max_mb": max((r.peak_rss / MB for r in ok), default=None),
            "requests": json.loads(requests.most_common(1)[0][0]) if requests else {},
            "requests_detail": json.loads(detail.most_common(1)[0][0]) if detail else {},
            "requests_vary": len(requests) > 1,
        }
        timelines = [r.link for r in ok if r.link]
        if timelines:
            row["link_timeline"] = _median_tree(timelines)
            row["link_cpu_s"] = _median([r.link_cpu for r in ok])
        phases = [r.phases for r in ok if r.phases]
        if phases:
            keys = sorted({k for p in phases for k in p})
            row["phases_s"] = {k: _median([p.get(k, 0.0) for p in phases]) for k in keys}
            row["confirm_share"] = _median(
                [r.phases.get("confirm", 0.0) / r.wall for r in ok if r.phases]
            )
        rows.append(row)
    rows.sort(
        key=lambda r: (
            SCENARIO_ORDER.index(r["scenario"]),
            SERVER_ORDER.index(r["server"]),
            _tool_rank(r["tool"]),
        )
    )
    bounds = _lower_bounds(rows)
    return {"rows": rows, "lower_bounds": bounds, "targets": _targets(rows, bounds, generated)}


def _row(rows: list[dict[str, Any]], scenario: str, server: str, tool: str) -> dict[str, Any]:
    for row in rows:
        if (row["scenario"], row["server"], row["tool"]) == (scenario, server, tool):
            return row
    return {}


def _lower_bounds(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    bounds: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not row["tool"].startswith("curl") or row["median_s"] is None:
            continue
        key = f"{row['scenario']}/{row['server']}"
        if key not in bounds or row["median_s"] < bounds[key]["median_s"]:
            bounds[key] = {"median_s": row["median_s"], "tool": row["tool"]}
    return bounds


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _targets(
    rows: list[dict[str, Any]], bounds: dict[str, dict[str, Any]], generated: dict[str, Any]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, value: str, target: str, met: bool | None) -> None:
        out.append({"target": name, "value": value, "goal": target, "met": met})

    servers = [s for s in SERVER_ORDER if any(r["server"] == s for r in rows)]
    for scenario in TIME_SCENARIOS:
        for server in servers:
            ours = _row(rows, scenario, server, "ours")
            if not ours:
                continue
            t = ours.get("median_s")
            bound = bounds.get(f"{scenario}/{server}", {}).get("median_s")
            ratio = _ratio(t, bound)
            add(
                f"{scenario} {server}: ours / lower bound",
                f"{ratio:.2f}" if ratio else "n/a",
                f"<= {RATIO_TARGET}",
                ratio is not None and ratio <= RATIO_TARGET,
            )
            if scenario != "rerun-small":
                for rival in ("twine", "uv"):
                    other = _row(rows, scenario, server, rival).get("median_s")
                    add(
                        f"{scenario} {server}: ours vs {rival}",
                        f"{t:.2f} s vs {other:.2f} s"
                        if t and other
                        else f"{t} vs {other or 'failed'}",
                        "faster",
                        (t is not None and (other is None or t < other)),
                    )
            else:
                uv = _row(rows, scenario, server, "uv").get("median_s")
                r = _ratio(t, uv)
                add(
                    f"rerun-small {server}: ours / uv",
                    f"{r:.2f}" if r else "n/a",
                    "<= 0.5",
                    r is not None and r <= 0.5,
                )
                req = ours.get("requests", {})
                projects = (
                    len(generated["rerun-small"].expected())
                    if generated.get("rerun-small")
                    else None
                )
                add(
                    f"rerun-small {server}: requests",
                    f"{req.get('GET_project_page')} page GETs, {req.get('GET')} GETs, "
                    f"{req.get('POST')} POSTs for {projects} projects",
                    "1 GET per project, 0 POST",
                    req.get("GET") == projects
                    and req.get("GET_project_page") == projects
                    and req.get("POST") == 0
                    and not ours.get("requests_vary"),
                )
    huge = _row(rows, "one-huge", "pypiserver", "ours")
    small = _row(rows, "one-mb", "pypiserver", "ours")
    if huge and huge.get("peak_rss_mb"):
        h = huge["peak_rss_mb"]
        add("one-huge: ours peak RSS", f"{h:.1f} MB", f"<= {RSS_TARGET_MB} MB", h <= RSS_TARGET_MB)
        if small and small.get("peak_rss_mb"):
            s = small["peak_rss_mb"]
            add(
                "one-huge vs 1 MiB file: RSS growth",
                f"{h - s:+.1f} MB ({s:.1f} → {h:.1f})",
                f"<= {RSS_DELTA_MB} MB",
                h - s <= RSS_DELTA_MB,
            )
    return out


# -- Markdown ------------------------------------------------------------------------------


def _cell(row: dict[str, Any]) -> str:
    if not row:
        return DASH
    if row.get("median_s") is None:
        first = (row.get("errors") or ["failed"])[0]
        return f"**fails**: {first[:70]}"
    text = f"{row['median_s']:.2f} s ({row['min_s']:.2f}{DASH}{row['max_s']:.2f})"
    if row.get("notes"):
        text += f", {row['notes'][0]}"
    return text


def markdown(doc: dict[str, Any]) -> str:
    machine, versions = doc["machine"], doc["versions"]
    spec = doc.get("link")
    command = "python bench/run.py" + (" --quick" if doc["quick"] else "")
    if spec:
        command += f" --link {doc['settings'].get('link_argument', '')}".rstrip()
    lines = [
        "# publish-action benchmark results" + (" over an emulated link" if spec else ""),
        "",
        f"Generated {doc['generated_at']} by `{command}` in {doc['bench_seconds']:.0f} s. "
        f"Machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"Linux {machine['kernel']}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
    ]
    updated = doc.get("updated")
    if updated:
        when = updated.get("measured_at") or {}
        kept = [
            f"{name} ({when.get(name, updated['previous_generated_at'])})"
            for name in updated["kept_scenarios"]
        ]
        if "coldstart" not in updated["remeasured"] and doc.get("coldstart"):
            kept.append(f"coldstart ({when.get('coldstart', updated['previous_generated_at'])})")
        lines += [
            f"Updated with `--update`: {', '.join(updated['remeasured'])} re-measured "
            f"now; kept from earlier runs (same link, engine "
            f"{(updated.get('previous_engine_source') or {}).get('after', '?')}): "
            f"{', '.join(kept) or 'nothing'}.",
            "",
        ]
    parts = doc.get("part_seconds") or {}
    if parts:
        lines += [
            "Time per part: " + ", ".join(f"{k} {v:.0f} s" for k, v in parts.items()) + ".",
            "",
        ]
    engine = doc.get("engine_source") or {}
    if engine.get("changed_during_run"):
        lines += [
            f"**Warning: src/publish_action changed during this run ({engine['before']} → "
            f"{engine['after']}); the numbers mix engine versions.**",
            "",
        ]
    if spec:
        lines += [
            f"**Link** (bench/link.py, a fresh TCP proxy per run in front of the index; "
            f"every request of every tool goes through it): {spec['text']}. See "
            "bench/README.md for the model.",
            "",
        ]
    lines += _times(doc)
    lines += _resources(doc["summary"]["rows"])
    lines += _phases(doc["summary"]["rows"])
    if spec:
        lines += _link_timeline(doc)
    import coldstart

    lines += coldstart.markdown(doc.get("coldstart") or {})
    lines += _startup(doc.get("startup") or {})
    lines += _target_table(doc)
    lines += _failures(doc["summary"]["rows"])
    return "\n".join(lines)


def _link_timeline(doc: dict[str, Any]) -> list[str]:
    """Per scenario and tool, from the link proxy's log (medians over the clean runs)."""
    rows = doc["summary"]["rows"]
    rtt = doc["link"]["rtt_s"]
    lines = [
        "",
        "## Where the time goes over the link (from the link proxy's log)",
        "",
        f"Medians of the clean runs. *first request*: start → first request sent "
        f"(start-up, inspection, hashing). *before upload*: first request → first POST "
        f"(checks). *upload*: first POST sent → last POST answered. *after*: last POST "
        f"answered → last answer (confirmation). *exit*: last answer → exit. *waiting*: "
        f"time with ≥ 1 request outstanding, in RTTs of {rtt * 1000:g} ms; wall - waiting "
        f"is the tool's own time.",
        "",
        "| scenario | tool | wall | first request | before upload (req) | upload "
        "(POSTs, other req) | after (req) | exit | connections | max in flight | "
        "waiting (RTTs) | link CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        t = row.get("link_timeline")
        if not t or row.get("median_s") is None:
            continue

        def part(name: str, t: dict[str, Any] = t) -> str:
            value = t.get(name)
            if not value:
                return DASH
            if name == "upload":
                return (
                    f"{value['s']:.2f} s ({value['posts']:.0f}, "
                    f"{value['requests'] - value['posts']:.0f})"
                )
            return f"{value['s']:.2f} s ({value['requests']:.0f})"

        waiting = t.get("waiting_s")
        lines.append(
            f"| {row['scenario']} | {row['tool']} | {row['median_s']:.2f} s | "
            f"{_fmt(t.get('first_request_s'), 's')} | {part('before_upload')} | "
            f"{part('upload')} | {part('after_upload')} | "
            f"{_fmt(t.get('exit_after_last_answer_s'), 's')} | {t.get('connections', 0):.0f} | "
            f"{t.get('max_in_flight', 0):.0f} | "
            f"{f'{waiting:.2f} s ({waiting / rtt:.0f})' if waiting is not None else DASH} | "
            f"{_fmt(row.get('link_cpu_s'), 's')} |"
        )
    return lines


def _times(doc: dict[str, Any]) -> list[str]:
    rows, bounds = doc["summary"]["rows"], doc["summary"]["lower_bounds"]
    lines = [
        f"Wall time of the whole command, median of {doc['settings']['repetitions']} clean "
        "verified runs (min-max); every run on a freshly started index. Lower bound = the "
        "faster of the two curl variants. See bench/README.md for what each number means.",
        "",
        "| scenario | server | ours | twine | uv | curl sequential | curl 4-parallel | "
        "ours / lower bound |",
        "|---|---|---|---|---|---|---|---|",
    ]
    pairs = []
    for row in rows:
        key = (row["scenario"], row["server"])
        if key not in pairs and row["scenario"] in TIME_SCENARIOS:
            pairs.append(key)
    for scenario, server in pairs:
        prefix = "curl-get" if scenario == "rerun-small" else "curl"
        ours = _row(rows, scenario, server, "ours")
        bound = bounds.get(f"{scenario}/{server}", {}).get("median_s")
        ratio = _ratio(ours.get("median_s"), bound)
        lines.append(
            f"| {scenario} | {server} | {_cell(ours)} | "
            f"{_cell(_row(rows, scenario, server, 'twine'))} | "
            f"{_cell(_row(rows, scenario, server, 'uv'))} | "
            f"{_cell(_row(rows, scenario, server, prefix + '-seq'))} | "
            f"{_cell(_row(rows, scenario, server, prefix + '-par4'))} | "
            f"{f'{ratio:.2f}' if ratio else 'n/a'} |"
        )
    return [
        *lines,
        "",
        "rerun-small: every file already on the index; its curl columns are "
        "one GET of each project's simple page.",
        "",
    ]


def _fmt(value: float | None, unit: str) -> str:
    return f"{value:.2f} {unit}" if value is not None else DASH


def _resources(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Requests seen by the server (from its access log), CPU and memory",
        "",
        "| scenario | server | tool | GET | POST | total | client CPU | server CPU | "
        "peak RSS (tree) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        req = row.get("requests", {})
        rss = f"{row['peak_rss_mb']:.1f} MB" if row.get("peak_rss_mb") else DASH
        lines.append(
            f"| {row['scenario']} | {row['server']} | {row['tool']} | {req.get('GET', DASH)} | "
            f"{req.get('POST', DASH)} | {req.get('total', DASH)} | "
            f"{_fmt(row.get('client_cpu_s'), 's')} | {_fmt(row.get('server_cpu_s'), 's')} | "
            f"{rss} |"
        )
    return lines


def _phases(rows: list[dict[str, Any]]) -> list[str]:
    ours_rows = [r for r in rows if r["tool"] == "ours" and r.get("phases_s")]
    if not ours_rows:
        return []
    lines = [
        "",
        "## publish-action's phases (median seconds; from its JSON report)",
        "",
        "| scenario | server | wall | inspect+hash | check | upload | confirm after the "
        "uploads | its share |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in ours_rows:
        p = row["phases_s"]
        share = row.get("confirm_share")
        lines.append(
            f"| {row['scenario']} | {row['server']} | {row['median_s']:.2f} | "
            f"{p.get('inspect', 0):.2f} | {p.get('check', 0):.2f} | {p.get('upload', 0):.2f} | "
            f"{p.get('confirm', 0):.2f} | {f'{share:.0%}' if share is not None else DASH} |"
        )
    return [
        *lines,
        "",
        "The rest of the wall time is interpreter start-up, imports, "
        "argument parsing and exit. Confirmation reads that overlap other projects' uploads "
        "are inside the upload phase; the requests table counts every read.",
    ]


def _startup(st: dict[str, Any]) -> list[str]:
    if not st:
        return []
    help_ = st["help"]
    lines = [
        "",
        "## Start-up",
        "",
        f"- `python entrypoint.py --help`: {help_['median']:.3f} s median "
        f"({help_['min']:.3f}{DASH}{help_['max']:.3f}; a bare `python -c pass` takes "
        f"{help_['python_bare_median']:.3f} s); target <= {HELP_TARGET} s.",
    ]
    imp = st.get("publish_importtime", {})
    if imp:
        heavy = imp["heavy_modules_imported"]
        biggest = ", ".join(
            f"{k} {v * 1000:.0f} ms" for k, v in list(imp["by_package_s"].items())[:7]
        )
        lines += [
            f"- imports of one publish run (`-X importtime`): {imp['total_import_s']:.3f} s "
            f"in all, {imp['modules_count']} modules; largest (with what they pull in): "
            f"{biggest}.",
            "- sigstore / pypi_attestations / id imported: "
            + ("none" if not heavy else "YES: " + ", ".join(heavy[:8])),
        ]
    return lines


def link_targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 14's targets on the emulated link: ratios to other tools measured in this run."""
    rows = doc["summary"]["rows"]
    out: list[dict[str, Any]] = []

    def median(scenario: str, tool: str) -> float | None:
        value: float | None = _row(rows, scenario, "pypiserver", tool).get("median_s")
        return value

    def ratio(scenario: str, rival: str, goal: float, label: str | None = None) -> None:
        ours, other = median(scenario, "ours"), median(scenario, rival)
        r = _ratio(ours, other)
        out.append(
            {
                "target": f"{scenario}: ours / {label or rival}",
                "value": f"{r:.2f} ({ours:.2f} s vs {other:.2f} s)"
                if r and ours and other
                else "n/a",
                "goal": f"<= {goal}",
                "met": r is not None and r <= goal,
            }
        )

    ratio("many-small", "curl-par4", 1.2, "curl 4-parallel")
    ratio("many-small", "twine", 0.5)
    ratio("many-small", "uv", 0.3)
    ratio("rerun-small", "uv", 0.15)
    ratio("few-large", "curl-seq", 1.05, "curl sequential")
    ratio("few-large", "twine", 1.0)
    ratio("few-large", "uv", 1.0)
    small = _row(rows, "many-small", "pypiserver", "ours").get("peak_rss_mb")
    large = _row(rows, "few-large", "pypiserver", "ours").get("peak_rss_mb")
    if small and large:
        out.append(
            {
                "target": "peak memory: few-large (6 x 100 MB) / many-small (2 KB files)",
                "value": f"{large / small:.2f} ({large:.1f} MB vs {small:.1f} MB)",
                "goal": "<= 1.5 (flat in file size)",
                "met": large / small <= 1.5,
            }
        )
    cold = (doc.get("coldstart") or {}).get("summary") or {}
    first = (cold.get("cold") or {}).get("median_s")
    warm = (cold.get("warm") or {}).get("median_s")
    pip = (cold.get("pip") or {}).get("median_s")
    if first is not None:
        out.append(
            {
                "target": "action cold start (to the first request)",
                "value": f"{first:.2f} s",
                "goal": "<= 3 s",
                "met": first <= 3.0,
            }
        )
    if cold.get("ratio_cold_pip") is not None and pip:
        r = cold["ratio_cold_pip"]
        out.append(
            {
                "target": "action cold start / pip set-up of the same lock",
                "value": f"{r:.2f} ({first:.2f} s vs {pip:.2f} s)",
                "goal": "<= 0.2",
                "met": r <= 0.2,
            }
        )
    if warm is not None:
        out.append(
            {
                "target": "action warm start (environment cached)",
                "value": f"{warm:.2f} s",
                "goal": "<= 0.5 s",
                "met": warm <= 0.5,
            }
        )
    return out


def _target_table(doc: dict[str, Any]) -> list[str]:
    if doc.get("link"):
        lines = ["", "## Targets (issue 14)", "", "| target | value | goal | met |"]
        lines.append("|---|---|---|---|")
        for t in link_targets(doc):
            met = "yes" if t["met"] else "**no**"
            lines.append(f"| {t['target']} | {t['value']} | {t['goal']} | {met} |")
        return lines
    lines = ["", "## Targets (issue 7)", "", "| target | value | goal | met |", "|---|---|---|---|"]
    for t in doc["summary"]["targets"]:
        lines.append(
            f"| {t['target']} | {t['value']} | {t['goal']} | {'yes' if t['met'] else '**no**'} |"
        )
    st = doc.get("startup") or {}
    if st:
        median = st["help"]["median"]
        lines.append(
            f"| start-up: --help | {median:.3f} s | <= {HELP_TARGET} s | "
            f"{'yes' if median <= HELP_TARGET else '**no**'} |"
        )
        heavy = st.get("publish_importtime", {}).get("heavy_modules_imported")
        if heavy is not None:
            lines.append(
                f"| start-up: signing stack not imported by a publish run | "
                f"{', '.join(heavy[:3]) or 'none'} | none | "
                f"{'yes' if not heavy else '**no**'} |"
            )
    return lines


def _failures(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    failures = [r for r in rows if r["errors"]]
    if failures:
        lines += ["", "## Failed runs (not counted)", ""]
        for row in failures:
            for error in row["errors"]:
                lines.append(f"- {row['scenario']} / {row['server']} / {row['tool']}: {error}")
    disturbed = sum(r["disturbed_attempts"] for r in rows)
    return [
        *lines,
        "",
        f"Attempts disturbed by other load on the machine (detected, repeated, "
        f"not counted): {disturbed}.",
        "",
    ]


# -- chart -----------------------------------------------------------------------------------


def chart(results: Path, png: Path, cache: Path, log: Callable[[str], None] = print) -> None:
    """Draw results.png with matplotlib, from a bench-only venv if this interpreter lacks it."""
    python = sys.executable
    try:
        import matplotlib  # type: ignore[import-not-found,unused-ignore] # noqa: F401
    except ImportError:
        venv = cache / "chart-venv"
        python = str(venv / "bin" / "python")
        if (
            not Path(python).exists()
            or subprocess.run(
                [python, "-c", "import matplotlib"], capture_output=True, check=False
            ).returncode
        ):
            log(f"installing requirements/bench.txt into {venv} (chart only)")
            import tools

            uv = Path(tools._bin("uv"))
            try:
                subprocess.run(
                    [str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)],
                    check=True,
                    timeout=300,
                )
                subprocess.run(
                    [
                        str(uv),
                        "pip",
                        "install",
                        "--quiet",
                        "--python",
                        python,
                        "-r",
                        str(REPO / "requirements" / "bench.txt"),
                    ],
                    check=True,
                    timeout=600,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                log(f"no chart: could not install matplotlib ({exc})")
                return
    done = subprocess.run(
        [python, str(BENCH / "chart.py"), str(results), str(png)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode:
        log(f"no chart: {done.stderr[-1000:]}")
    else:
        log(f"wrote {png}")
