"""action.yml and the container image, run here the way GitHub's runner and Docker run them.

* A small harness executes action.yml's composite steps like the runner: inputs (with their
  defaults) feed the `${{ }}` expressions of each step's `env:`, each `run:` script runs with
  its `shell:` and the runner's file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV,
  GITHUB_PATH), step outputs are read back, and the action's `outputs:` are mapped through
  `steps.<id>.outputs.*`. Its expression evaluator knows exactly the expressions action.yml
  may use and fails on any other, so a new expression cannot slip in untested.
* End to end against a real pypiserver: the first run uploads, the second skips every file.
* The container image, without Docker: the hash lock installed into a fresh virtual
  environment exactly as the Dockerfile does, and the entrypoint run with the environment a
  container action receives (INPUT_* with hyphens, GITHUB_WORKSPACE, ...) and with a plain
  `docker run` environment (no GITHUB_* at all).

The setup step and the container test install requirements/runtime.txt from the package
registry (pip's cache makes repeated runs fast); they are marked `slow`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from publish_action.ci import CiEnvironment
from publish_action.inputs import INPUTS
from publish_action.redaction import Redactor
from publish_action.reporting import RunResult
from publish_action.reporting.github import GitHubReporter
from tests.scenarios.conftest import Image, image_env
from tests.support import runner_log, servers
from tests.support.samples import build_project

ROOT = Path(__file__).resolve().parents[2]  # the repository
ACTION_FILE = ROOT / "action.yml"
LOCK = ROOT / "requirements" / "runtime.txt"


# The harness runs `bash` as the runner does; on Windows a bare `bash` may be WSL's, not Git's
# (the self-test workflow runs the real action on Windows runners instead). The image is Linux.
posix_only = pytest.mark.skipif(os.name == "nt", reason="runs bash scripts and POSIX paths")


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return data


# -- the harness ------------------------------------------------------------------------------


class UnsupportedExpression(AssertionError):
    """action.yml used an expression this harness (and so this test suite) does not model."""


_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_INPUT = re.compile(r"inputs\.([A-Za-z_][A-Za-z0-9_-]*)")
_STEP_OUTPUT = re.compile(r"steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass
class Context:
    inputs: dict[str, str]
    declared_inputs: frozenset[str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    declared_steps: frozenset[str] = frozenset()
    finished: bool = False

    def evaluate(self, template: str) -> str:
        """Replace every `${{ expr }}`; only `inputs.X` and `steps.ID.outputs.Y` exist."""

        def one(match: re.Match[str]) -> str:
            expr = match.group(1).strip()
            if m := _INPUT.fullmatch(expr):
                name = m.group(1)
                if name not in self.declared_inputs:
                    raise UnsupportedExpression(f"input {name!r} is not declared: {expr}")
                return self.inputs[name]
            if m := _STEP_OUTPUT.fullmatch(expr):
                step, output = m.groups()
                if step in self.steps:
                    return self.steps[step].get(output, "")  # unset outputs are empty strings
                if self.finished and step in self.declared_steps:
                    return ""  # the step did not run (an earlier one failed)
                raise UnsupportedExpression(f"step {step!r} has not run before: {expr}")
            raise UnsupportedExpression(f"the harness does not evaluate ${{{{ {expr} }}}}")

        return _EXPRESSION.sub(one, template)


def read_file_command(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT / GITHUB_ENV file as the runner does."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        equals = line.find("=")
        heredoc = line.find("<<")
        if heredoc != -1 and (equals == -1 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            body = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise AssertionError(f"{path}: no closing delimiter {delimiter!r} for {name}")
            i += 1
            values[name] = "\n".join(body)
        elif equals > 0:
            values[line[:equals]] = line[equals + 1 :]
        else:
            raise AssertionError(f"{path}: invalid line {line!r}")
    return values


@dataclass
class StepRun:
    id: str
    name: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str
    runner_messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.returncode == 0 for step in self.steps)

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)

    def log(self) -> str:
        return "".join(f"{m}\n" for m in self.runner_messages) + "\n".join(
            f"--- {s.name} (exit {s.returncode})\n{s.stdout}{s.stderr}" for s in self.steps
        )


@dataclass
class Runner:
    """One job's worth of runner state: workspace, temp and tool cache, GITHUB_ENV/PATH."""

    workspace: Path
    temp: Path
    tool_cache: Path
    base_env: dict[str, str]
    job_env: dict[str, str] = field(default_factory=dict)
    job_path: list[str] = field(default_factory=list)

    def run(self, inputs: Mapping[str, str]) -> ActionRun:
        action = load_action()
        assert action["runs"]["using"] == "composite"
        declared = action.get("inputs") or {}
        unknown = set(inputs) - set(declared)
        assert not unknown, f"inputs not declared in action.yml: {sorted(unknown)}"
        values = {
            name: str(inputs.get(name, spec.get("default", ""))) for name, spec in declared.items()
        }
        # What the runner prints for a given input that declares one (actions/runner,
        # ActionManifestManager / ActionRunner: "Input '...' has been deprecated with message").
        messages = [
            f"##[warning]Input '{name}' has been deprecated with message: "
            f"{declared[name]['deprecationMessage'].strip()}"
            for name in inputs
            if "deprecationMessage" in declared[name]
        ]
        step_ids = frozenset(s["id"] for s in action["runs"]["steps"] if "id" in s)
        context = Context(values, frozenset(declared), declared_steps=step_ids)
        runs: list[StepRun] = []
        for index, step in enumerate(action["runs"]["steps"]):
            extra = set(step) - {"name", "id", "shell", "run", "env"}
            assert not extra, f"step {index}: keys the harness does not model: {extra}"
            assert step.get("shell") == "bash", f"step {index}: shell must be bash"
            script = step["run"]
            assert "${{" not in script, f"step {index}: an expression inside run: {script!r}"
            step_id = step.get("id", f"__run_{index}")
            run = self._run_step(
                step_id,
                step.get("name", step_id),
                script,
                {k: context.evaluate(str(v)) for k, v in (step.get("env") or {}).items()},
            )
            runs.append(run)
            context.steps[step_id] = run.outputs
            if run.returncode != 0:
                break  # the composite action fails; later steps do not run
        context.finished = True
        outputs = {
            name: context.evaluate(str(spec["value"]))
            for name, spec in (action.get("outputs") or {}).items()
        }
        return ActionRun(runs, outputs, "".join(r.summary for r in runs), messages)

    def _run_step(self, step_id: str, name: str, script: str, step_env: dict[str, str]) -> StepRun:
        files = self.temp / "_runner_file_commands"
        files.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        output, summary = files / f"set_output_{token}", files / f"step_summary_{token}"
        github_env, github_path = files / f"set_env_{token}", files / f"add_path_{token}"
        for path in (output, summary, github_env, github_path):
            path.touch()
        script_file = self.temp / f"{token}.sh"
        script_file.write_text(script, encoding="utf-8")
        env = {**self.base_env, **self.job_env, **step_env}
        env["PATH"] = os.pathsep.join([*reversed(self.job_path), env["PATH"]])
        env.update(
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_ENV=str(github_env),
            GITHUB_PATH=str(github_path),
        )
        started = time.monotonic()
        # What the runner runs for `shell: bash`.
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            stdin=subprocess.DEVNULL,
            timeout=600,
            check=False,
        )
        seconds = time.monotonic() - started
        self.job_env.update(read_file_command(github_env))
        self.job_path += [p for p in github_path.read_text(encoding="utf-8").splitlines() if p]
        return StepRun(
            step_id,
            name,
            proc.returncode,
            proc.stdout,
            proc.stderr,
            read_file_command(output),
            summary.read_text(encoding="utf-8"),
            seconds,
        )


def runner_env(workspace: Path, temp: Path, tool_cache: Path) -> dict[str, str]:
    """The environment GitHub's runner gives a composite action's steps (what matters here)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INPUT_", "GITHUB_", "RUNNER_", "ACTIONS_", "PYTHON"))
    }
    # The interpreter running the tests is the "runner's own Python" the setup step finds.
    keep["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), keep.get("PATH", "")])
    keep.update(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_ACTION="__self",
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_REPOSITORY="example/project",
        RUNNER_OS="Linux",
        RUNNER_TEMP=str(temp),
        RUNNER_TOOL_CACHE=str(tool_cache),
    )
    return keep


def make_runner(tmp_path: Path, tool_cache: Path) -> Runner:
    workspace, temp = tmp_path / "workspace", tmp_path / "runner-temp"
    workspace.mkdir()
    temp.mkdir()
    return Runner(workspace, temp, tool_cache, runner_env(workspace, temp, tool_cache))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- static checks of action.yml --------------------------------------------------------------


def test_every_engine_input_is_declared_with_its_default_and_a_description() -> None:
    declared = load_action()["inputs"]
    expected = []
    for spec in INPUTS:
        expected += [spec.name, spec.deprecated] if spec.deprecated else [spec.name]
    assert list(declared) == expected
    for spec in INPUTS:
        entry = declared[spec.name]
        assert str(entry.get("default", "")) == spec.default, spec.name
        assert entry.get("required", False) is False, spec.name
        assert len(entry["description"]) > 20, spec.name
        assert "deprecationMessage" not in entry, spec.name


def test_gh_action_pypi_publish_s_deprecated_names_are_declared_without_a_default() -> None:
    """Upstream's snake_case names (pypa/gh-action-pypi-publish action.yml, v1.14: every one
    with `deprecationMessage: ... Use <kebab-name> instead.`). No default here, so that the
    engine can tell a given old name from an absent one; the runner prints the message."""
    declared = load_action()["inputs"]
    assert {s.deprecated for s in INPUTS if s.deprecated} == {
        "repository_url",
        "packages_dir",
        "skip_existing",
        "verify_metadata",
        "print_hash",
    }
    for spec in INPUTS:
        if not spec.deprecated:
            continue
        entry = declared[spec.deprecated]
        assert "default" not in entry, spec.deprecated
        assert entry["description"].startswith("[DEPRECATED]")
        assert f"use `{spec.name}` instead" in entry["deprecationMessage"]
    # Upstream's canonical inputs, all of them, are ours too.
    upstream = {"user", "password", "repository-url", "packages-dir", "verify-metadata"}
    upstream |= {"skip-existing", "verbose", "print-hash", "attestations"}
    assert upstream <= set(declared)


def test_outputs_are_the_reporters_outputs() -> None:
    action = load_action()
    run = CiEnvironment.read({"GITHUB_ACTIONS": "true"}).github
    assert run is not None
    reporter = GitHubReporter(Redactor(), run, out=io.StringIO())
    names = set(reporter.outputs(RunResult((), 0, 0.0)))
    assert set(action["outputs"]) == names
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.publish.outputs.{name} }}}}"
        assert spec["description"]


def test_branding_and_metadata() -> None:
    action = load_action()
    assert action["branding"] == {"icon": "upload-cloud", "color": "blue"}
    assert action["name"] and action["description"]


def test_the_harness_refuses_expressions_it_does_not_model() -> None:
    context = Context({"user": "u"}, frozenset({"user"}))
    assert context.evaluate("${{ inputs.user }}/${{inputs.user}}") == "u/u"
    for expr in (
        "${{ github.action_path }}",
        "${{ inputs.nope }}",
        "${{ env.X }}",
        "${{ steps.x.outputs.y }}",
        "${{ inputs.user || 'x' }}",
    ):
        with pytest.raises(UnsupportedExpression):
            context.evaluate(expr)


def test_file_command_parser_reads_both_forms(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("a=1\nb<<EOF\nx\ny=z\nEOF\nc=\n", encoding="utf-8")
    assert read_file_command(path) == {"a": "1", "b": "x\ny=z", "c": ""}


def test_the_dockerfile_installs_the_lock_and_runs_the_same_entrypoint() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(
        r"^ARG PYTHON_IMAGE=python:3\.12-slim@sha256:[0-9a-f]{64}$", dockerfile, re.MULTILINE
    )
    assert "--require-hashes" in dockerfile and "-r /tmp/runtime.txt" in dockerfile
    assert "COPY requirements/runtime.txt /tmp/runtime.txt" in dockerfile
    assert "COPY entrypoint.py /app/entrypoint.py" in dockerfile
    assert "COPY src/publish_action /app/src/publish_action" in dockerfile
    assert 'ENTRYPOINT ["python", "/app/entrypoint.py"]' in dockerfile
    assert re.search(r"^USER 10001", dockerfile, re.MULTILINE)
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {"*", "!entrypoint.py", "!requirements/runtime.txt", "!src/publish_action/"} <= set(
        ignore
    )


def test_the_lock_pins_every_runtime_requirement_with_hashes() -> None:
    tomllib = pytest.importorskip("tomllib")
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = sorted(str(Requirement(r)) for r in project["dependencies"])
    listed = [
        line.split("#", 1)[0].strip()
        for line in (ROOT / "requirements" / "runtime.in").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(str(Requirement(r)) for r in listed if r) == wanted, (
        "requirements/runtime.in must list pyproject.toml's dependencies (then re-lock)"
    )
    lock = LOCK.read_text(encoding="utf-8")
    pin = r"^([A-Za-z0-9._-]+)==(\S+)(?: ;[^\\]*)? \\\n"
    hashes = r"((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)"
    pins = re.findall(pin + hashes, lock, re.MULTILINE)
    pinned = {canonicalize_name(name) for name, _, _ in pins}
    for requirement in wanted:
        assert canonicalize_name(Requirement(requirement).name) in pinned, requirement
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9]", lock, re.MULTILINE))


# -- end to end -------------------------------------------------------------------------------


@pytest.fixture
def index(tmp_path: Path) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(tmp_path) as running:
        yield running


@pytest.mark.slow
@posix_only
def test_the_action_uploads_then_skips_everything(
    tmp_path: Path, tool_cache: Path, index: servers.RunningIndex
) -> None:
    runner = make_runner(tmp_path, tool_cache)
    built = build_project(tmp_path / "build", "action-harness-demo", "1.0.0")
    dist = runner.workspace / "dist"
    dist.mkdir()
    for path in built:
        shutil.copy2(path, dist / path.name)
    local = {p.name: sha256(p) for p in built}
    inputs = {
        "repository-url": index.upload_url,
        "user": index.username,
        "password": index.password,
    }

    first = runner.run({**inputs, "verbose": "true"})
    assert first.ok, first.log()
    setup, publish = first.step("setup"), first.step("publish")
    assert Path(setup.outputs["python"]).is_relative_to(tool_cache / "publish-action")
    # Masked before anything else is printed; never printed itself anywhere else.
    assert publish.stdout.splitlines()[0] == f"::add-mask::{index.password}"
    everything = first.log().replace(f"::add-mask::{index.password}", "") + first.summary
    assert index.password not in everything
    assert "::group::publish-action details" in publish.stdout
    assert first.outputs["uploaded"] == "2"
    assert first.outputs["skipped"] == "0"
    assert first.outputs["failed"] == "0"
    assert first.outputs["exit-code"] == "0"
    assert sorted(json.loads(first.outputs["uploaded-files"])) == sorted(local)
    report_path = Path(first.outputs["report-path"])
    assert report_path == runner.temp / "publish-action-report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {f["filename"]: (f["status"], f["sha256"]) for f in report["files"]} == {
        name: ("uploaded", digest) for name, digest in local.items()
    }
    assert first.summary.startswith(
        "### ✅ publish-action: 2 uploaded, 0 already on the index, 0 failed"
    )
    for name, digest in local.items():
        assert f"| `{name}` | ✅ uploaded |" in first.summary
        assert f"`{digest}`" in first.summary
    assert servers.list_files(index, "action-harness-demo") == local

    second = runner.run(inputs)
    assert second.ok, second.log()
    assert "publish-action: using the environment in" in second.step("setup").stdout
    assert (second.outputs["uploaded"], second.outputs["skipped"], second.outputs["failed"]) == (
        "0",
        "2",
        "0",
    )
    assert second.outputs["uploaded-files"] == "[]"
    second_report = Path(second.outputs["report-path"])
    assert second_report == runner.temp / "publish-action-report-2.json"
    statuses = {
        f["filename"]: f["status"]
        for f in json.loads(second_report.read_text(encoding="utf-8"))["files"]
    }
    assert statuses == dict.fromkeys(local, "skipped-identical")
    assert "0 uploaded, 2 already on the index, 0 failed" in second.summary
    assert second.summary.count("⏭️ skipped-identical") == 2
    assert servers.list_files(index, "action-harness-demo") == local


@pytest.mark.slow
@posix_only
def test_a_failing_run_still_sets_outputs_and_annotates_the_file(
    tmp_path: Path, tool_cache: Path, index: servers.RunningIndex
) -> None:
    """Same name, different content on the index: exit 4, an error annotation naming the file,
    and the outputs and summary still written for later steps (`if: failure()`)."""
    runner = make_runner(tmp_path, tool_cache)
    original = build_project(tmp_path / "a", "action-harness-clash", "1.0.0", wheel=False)
    for path in original:
        assert servers.raw_upload(index, path).status_code == 200
    changed = build_project(
        tmp_path / "b", "action-harness-clash", "1.0.0", wheel=False, payload="different"
    )
    (runner.workspace / "dist").mkdir()
    shutil.copy2(changed[0], runner.workspace / "dist" / changed[0].name)
    run = runner.run(
        {"repository-url": index.upload_url, "user": index.username, "password": index.password}
    )
    assert not run.ok
    publish = run.step("publish")
    assert publish.returncode == 4
    # One problem, one annotation: the run's error, linked to the file it is about.
    [annotation] = runner_log.annotation_lines(publish.stdout, publish.stderr)
    assert annotation.startswith(
        f"::error file=dist/{changed[0].name},title=publish-action failed (exit code 4)::"
        "1 file(s) are already on "
    )
    assert (run.outputs["uploaded"], run.outputs["failed"], run.outputs["exit-code"]) == (
        "0",
        "1",
        "4",
    )
    assert "### ❌ publish-action" in run.summary and "❌ mismatch" in run.summary
    assert servers.list_files(index, "action-harness-clash") == {
        original[0].name: sha256(original[0])
    }


@pytest.mark.slow
@posix_only
def test_an_unusable_tool_cache_falls_back_to_runner_temp(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "toolcache-is-a-file"
    not_a_directory.write_text("", encoding="utf-8")
    runner = make_runner(tmp_path, not_a_directory)
    run = runner.run({"dry-run": "true"})
    setup = run.step("setup")
    assert setup.returncode == 0, run.log()
    assert Path(setup.outputs["python"]).is_relative_to(runner.temp / "publish-action")
    # Built from nothing: with uv, fetched as requirements/bootstrap.txt pins it (no uv on
    # this PATH), not with pip (action/prepare.py).
    assert "environment ready in" in setup.stdout and "with uv (" in setup.stdout, run.log()
    assert run.step("publish").returncode == 2  # no dist/ folder: an input error, not a crash


@posix_only
def test_without_python_the_setup_step_fails_with_advice(tmp_path: Path) -> None:
    runner = make_runner(tmp_path, tmp_path / "cache")
    bin_dir = tmp_path / "bin"  # only the tools bash itself needs, and no python
    bin_dir.mkdir()
    for tool in ("bash", "mktemp", "mkdir", "rm", "touch"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    runner.base_env["PATH"] = str(bin_dir)
    run = runner.run({})
    assert [s.id for s in run.steps] == ["setup"]
    assert set(run.outputs.values()) == {""}
    assert run.steps[0].returncode == 2
    errors = [line for line in run.steps[0].stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1  # one message, saying what to install
    assert errors[0].startswith("::error title=publish-action needs Python 3.10 or newer::")
    assert "(no python3 or python at all)" in errors[0]
    if Path("/.dockerenv").exists() or Path("/run/.containerenv").exists():
        assert "This job runs in a container: install Python 3.10+" in errors[0]
        assert "apt-get install -y python3 python3-venv" in errors[0]
    else:
        assert "Add actions/setup-python with python-version 3.10 or newer" in errors[0]


# -- which Python the setup step takes ----------------------------------------------------------

FIND_PYTHON = ROOT / "action" / "find-python.sh"


def fake_python(folder: Path, name: str, answer: str | None) -> Path:
    """A stand-in interpreter: it answers the probe with `answer` ("3 8"), or fails as a
    Python without venv/ensurepip does (`answer` None)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    body = (
        f'echo "{answer}"' if answer is not None else "echo 'No module named ensurepip' >&2; exit 1"
    )
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def find_python(
    path: list[Path], tool_cache: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.pathsep.join(str(p) for p in path)}
    if tool_cache is not None:
        env["RUNNER_TOOL_CACHE"] = str(tool_cache)
    bash = shutil.which("bash")
    assert bash
    return subprocess.run(
        [bash, str(FIND_PYTHON)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@posix_only
def test_the_newest_python_is_taken_not_the_first_on_path(tmp_path: Path) -> None:
    old = fake_python(tmp_path / "setup-python-3.8", "python3", "3 8")
    fake_python(tmp_path / "setup-python-3.8", "python", "3 8")
    fake_python(tmp_path / "usr-bin", "python3.11", "3 11")
    newest = fake_python(tmp_path / "usr-local-bin", "python3", "3 12")
    fake_python(tmp_path / "usr-local-bin", "python3.12", "3 12")  # the same version again
    fake_python(tmp_path / "later", "python3", "3 12")  # a tie: the first found wins
    fake_python(tmp_path / "broken", "python3.13", None)  # newest, but unusable
    folders = ["setup-python-3.8", "usr-bin", "usr-local-bin", "later", "broken"]
    found = find_python([tmp_path / f for f in folders])
    assert (found.returncode, found.stdout) == (0, f"{newest}\n")
    assert old.exists()


@posix_only
def test_the_tool_cache_s_pythons_count_when_none_on_path_is_new_enough(tmp_path: Path) -> None:
    fake_python(tmp_path / "setup-python-3.9", "python3", "3 9")
    cached = fake_python(
        tmp_path / "cache" / "Python" / "3.13.1" / "x64" / "bin", "python3", "3 13"
    )
    found = find_python([tmp_path / "setup-python-3.9"], tool_cache=tmp_path / "cache")
    assert (found.returncode, found.stdout) == (0, f"{cached}\n")


@posix_only
def test_one_interpreter_under_several_names_is_probed_once(tmp_path: Path) -> None:
    # python, python3, python3.N (and /bin beside /usr/bin) are often one file: each probe
    # starts a Python, and the warm path pays for every one of them.
    log = tmp_path / "probes"
    real = tmp_path / "real" / "python3.12"
    real.parent.mkdir()
    real.write_text(f'#!/bin/sh\necho probed >> "{log}"\necho "3 12"\n', encoding="utf-8")
    real.chmod(0o755)
    names = tmp_path / "bin"
    names.mkdir()
    for name in ("python3", "python", "python3.12"):
        (names / name).symlink_to(real)
    tools = tmp_path / "tools"  # realpath, as every runner has it (coreutils, macOS, Git Bash)
    tools.mkdir()
    found_realpath = shutil.which("realpath")
    assert found_realpath
    (tools / "realpath").symlink_to(found_realpath)
    found = find_python([names, tmp_path / "real", tools])
    assert (found.returncode, found.stdout) == (0, f"{names / 'python3'}\n")
    assert log.read_text(encoding="utf-8").splitlines() == ["probed"]


@posix_only
def test_without_a_usable_python_it_says_what_it_found(tmp_path: Path) -> None:
    old = fake_python(tmp_path / "a", "python3", "3 9")
    broken = fake_python(tmp_path / "b", "python3", None)
    found = find_python([tmp_path / "a", tmp_path / "b"])
    assert found.returncode == 1
    assert found.stdout == (
        f"found only: {old} (3.9); {broken} (no venv/ensurepip module, or not a working Python)\n"
    )


# -- the container image, without Docker ------------------------------------------------------


@pytest.mark.slow
@posix_only
def test_the_image_entrypoint_as_a_container_action_and_as_docker_run(
    tmp_path: Path, image: Image, index: servers.RunningIndex
) -> None:
    print(f"fresh venv from the lock (pip cache reused): {image.build_seconds:.1f} s")
    workspace = tmp_path / "github-workspace"
    (workspace / "dist").mkdir(parents=True)
    built = build_project(tmp_path / "build", "image-entrypoint-demo", "1.0.0")
    for path in built:
        shutil.copy2(path, workspace / "dist" / path.name)
    temp, home = tmp_path / "runner-temp", tmp_path / "home"
    temp.mkdir()
    home.mkdir()
    output, summary = temp / "output", temp / "summary"

    # 1. As GitHub runs a container action: every declared input as INPUT_<NAME> with the
    #    hyphen kept (empty when unset), GITHUB_* variables, the workspace as working dir.
    inputs = {f"INPUT_{spec.name.upper()}": "" for spec in INPUTS}
    inputs.update(
        {
            "INPUT_REPOSITORY-URL": index.upload_url,
            "INPUT_USER": index.username,
            "INPUT_PASSWORD": index.password,
            "INPUT_PACKAGES-DIR": "dist",
        }
    )
    github_env = image_env(
        home,
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        RUNNER_TEMP=str(temp),
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
        CI="true",
        **inputs,
    )
    proc = subprocess.run(
        [str(image.python), str(image.app / "entrypoint.py")],
        cwd=workspace,
        env=github_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == f"::add-mask::{index.password}"
    assert "unknown input" not in proc.stdout + proc.stderr
    outputs = read_file_command(output)
    assert (outputs["uploaded"], outputs["skipped"], outputs["failed"]) == ("2", "0", "0")
    assert outputs["report-path"] == str(temp / "publish-action-report.json")
    assert "| `image_entrypoint_demo-1.0.0.tar.gz` | ✅ uploaded |" in summary.read_text(
        encoding="utf-8"
    )
    local = {p.name: sha256(p) for p in built}
    assert servers.list_files(index, "image-entrypoint-demo") == local

    # 2. As a plain `docker run` elsewhere (GitLab, Jenkins, ...): inputs as environment
    #    variables and flags, no GITHUB_* at all; the report goes where it is asked to go.
    report = tmp_path / "out" / "report.json"
    plain_env = image_env(
        home, CI="true", GITLAB_CI="true", INPUT_PASSWORD=index.password, INPUT_USER=index.username
    )
    proc = subprocess.run(
        [
            str(image.python),
            str(image.app / "entrypoint.py"),
            "--repository-url",
            index.upload_url,
            "--packages-dir",
            "dist",
            "--report-path",
            str(report),
        ],
        cwd=workspace,
        env=plain_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::" not in proc.stdout + proc.stderr  # no workflow commands outside GitHub
    assert index.password not in proc.stdout + proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {f["status"] for f in data["files"]} == {"skipped-identical"}
    assert servers.list_files(index, "image-entrypoint-demo") == local
