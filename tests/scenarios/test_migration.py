"""Issue 13: migrating is a one-line change. README's migration section, run as written.

Every code block of README's "Migrating from gh-action-pypi-publish, twine or uv" is read
from README.md at collection time and run, so an example cannot drift from what works:

* a workflow (```yaml): its steps run in order in one job of the action harness
  (test_action.py): `actions/setup-python` is what it does to a job — its Python (here a
  stand-in interpreter answering 3.8) first on PATH through GITHUB_PATH —,
  `actions/download-artifact` puts the built files where `path:` says, and each
  `org/publish-action@v1` step runs this checkout's action.yml with its `with:` (secrets from
  the table below, YAML booleans as the runner passes them: "true");
* a shell script (```sh): run by bash as written, `publish-action` on PATH being this
  checkout's CLI, with the secrets as environment variables and no CI variables at all.

PyPI and TestPyPI are the Warehouse stand-ins (tests/support/indexes/warehouse.py) at their
real URLs, behind FakeInternet (a proxy on 127.0.0.1 and a test CA), so `https://test.pypi.org
/legacy/` in the README is the URL the run really uses. What each index stores is read from
the stand-in, not from the run's output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.scenarios.test_action import ROOT, ActionRun, make_runner, posix_only, sha256
from tests.support.indexes.network import FakeInternet
from tests.support.indexes.warehouse import PYPI_TOKEN, TESTPYPI_TOKEN, Warehouse
from tests.support.samples import build_project

HEADING = "### Migrating from gh-action-pypi-publish, twine or uv"
SECRETS = {"TEST_PYPI_API_TOKEN": TESTPYPI_TOKEN, "PYPI_API_TOKEN": PYPI_TOKEN}
_SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Z_]+)\s*\}\}")


def migration_examples() -> list[tuple[str, str]]:
    """(language, code) of every fenced block in README's migration section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(HEADING) == 1
    section = text.split(HEADING, 1)[1].split("\n### ", 1)[0]
    return re.findall(r"^```(\w*)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


EXAMPLES = migration_examples()


def test_the_section_has_an_example_for_each_tool() -> None:
    languages = [language for language, _ in EXAMPLES]
    assert languages == ["yaml", "sh", "sh"]
    codes = [code for _, code in EXAMPLES]
    assert "uses: org/publish-action@v1" in codes[0]
    assert "publish-action upload" in codes[1] and "twine upload" in codes[1]
    assert "publish-action publish" in codes[2] and "uv publish" in codes[2]


@pytest.fixture(scope="module")
def internet() -> Iterator[tuple[FakeInternet, Warehouse, Warehouse]]:
    pypi, testpypi = Warehouse(), Warehouse(test=True)
    with FakeInternet(pypi, testpypi) as net:
        yield net, pypi, testpypi


@pytest.fixture
def indexes(
    internet: tuple[FakeInternet, Warehouse, Warehouse],
) -> Iterator[tuple[FakeInternet, Warehouse, Warehouse]]:
    net, pypi, testpypi = internet
    for standin in (pypi, testpypi):
        standin.reset()
    net.clear_log()
    yield internet
    assert not net.errors, net.errors
    assert not net.unexpected, [e.host for e in net.unexpected]  # nothing else was asked


def _project(index: int) -> str:
    return f"migrated-example-{index}"


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize(
    ("index", "language", "code"),
    [pytest.param(i, lang, code, id=f"{i}-{lang}") for i, (lang, code) in enumerate(EXAMPLES)],
)
def test_the_example_publishes_to_testpypi_then_pypi(
    index: int,
    language: str,
    code: str,
    tmp_path: Path,
    tool_cache: Path,
    indexes: tuple[FakeInternet, Warehouse, Warehouse],
) -> None:
    net, pypi, testpypi = indexes
    project = _project(index)
    built = build_project(tmp_path / "build", project, "1.0.0")
    local = {p.name: sha256(p) for p in built}
    if language == "yaml":
        output = run_workflow(code, built, tmp_path, tool_cache, net)
    else:
        assert language == "sh", f"README: a migration example in {language!r} is not run"
        output = run_shell(code, built, tmp_path, net)
    assert testpypi.files(project) == local
    assert pypi.files(project) == local
    # The runner consumes ::add-mask:: lines: they are the only place a secret may appear.
    shown = "\n".join(line for line in output.splitlines() if not line.startswith("::add-mask::"))
    for secret in SECRETS.values():
        assert secret not in shown
    print(output)  # the closing note of issue 13 shows one of these


# -- a workflow -----------------------------------------------------------------------------


def _with(step: dict[str, Any]) -> dict[str, str]:
    def value(raw: object) -> str:
        if isinstance(raw, bool):
            return "true" if raw else "false"  # as the runner passes YAML booleans
        text = str(raw)
        text = _SECRET.sub(lambda m: SECRETS[m.group(1)], text)
        assert "${{" not in text, f"an expression the test does not model: {text}"
        return text

    return {name: value(raw) for name, raw in (step.get("with") or {}).items()}


def warm_environment(tmp_path: Path, tool_cache: Path) -> None:
    """Build the action's environment before the proxy is on (pip talks to the real package
    registry; FakeInternet would send it to the stand-in)."""
    tmp_path.mkdir()
    runner = make_runner(tmp_path, tool_cache)
    assert runner.run({}).step("setup").returncode == 0


def run_workflow(
    code: str, built: list[Path], tmp_path: Path, tool_cache: Path, net: FakeInternet
) -> str:
    warm_environment(tmp_path / "warm", tool_cache)
    (tmp_path / "job").mkdir()
    runner = make_runner(tmp_path / "job", tool_cache)
    runner.base_env.update(net.env())
    runner.base_env["HOME"] = str(tmp_path / "home")
    steps = yaml.safe_load(code)["steps"]
    runs: list[ActionRun] = []
    old_python: Path | None = None
    for step in steps:
        uses, inputs = step["uses"], _with(step)
        action = uses.split("@", 1)[0]
        if action == "actions/setup-python":
            old_python = setup_python(tmp_path / "setup-python", inputs["python-version"])
            runner.job_path.append(str(old_python.parent))
        elif action == "actions/download-artifact":
            target = runner.workspace / inputs["path"]
            target.mkdir(parents=True, exist_ok=True)
            for path in built:
                shutil.copy2(path, target / path.name)
        elif action == "org/publish-action":
            run = runner.run(inputs)
            assert run.ok, run.log()
            runs.append(run)
        else:
            raise AssertionError(f"README: a step the test does not model: {uses}")
    assert len(runs) == 2
    testpypi_run, pypi_run = runs
    # The deprecated names: the runner's message names the new spelling; the old name is
    # honoured (the TestPyPI step went to TestPyPI: the caller reads both indexes).
    for name, new in (("repository_url", "repository-url"), ("skip_existing", "skip-existing")):
        assert any(
            m.startswith(f"##[warning]Input '{name}' has been deprecated")
            and f"use `{new}` instead" in m
            for m in testpypi_run.runner_messages
        ), testpypi_run.runner_messages
    assert "→ https://test.pypi.org/legacy/" in testpypi_run.step("publish").stdout
    publish = pypi_run.step("publish").stdout
    assert "→ https://upload.pypi.org/legacy/" in publish
    for path in built:
        assert sha256(path) in publish  # print_hash: true
    assert "'attestations: true' takes effect when it publishes that way" in publish
    # The job's own Python is still the old one: the action added nothing to PATH.
    assert old_python is not None
    assert runner.job_path == [str(old_python.parent)]
    job_path = os.pathsep.join([*runner.job_path, runner.base_env["PATH"]])
    assert shutil.which("python3", path=job_path) == str(old_python)
    for run in runs:
        setup = run.step("setup")
        assert Path(setup.outputs["python"]).is_relative_to(tool_cache)
        # Built with the newest Python on the runner, not the old one first on PATH.
        assert f"(built with {Path(sys.executable).parent}/python" in setup.stdout
    return "\n".join(run.log() for run in runs)


def setup_python(folder: Path, version: str) -> Path:
    """What `actions/setup-python` leaves in a job: that Python first on PATH. A stand-in
    interpreter (no old CPython here): it answers any `-c` as that version would answer the
    action's probe, and nothing else."""
    major, minor = version.split(".")[:2]
    folder.mkdir(parents=True)
    for name in ("python3", "python", f"python{major}.{minor}"):
        path = folder / name
        path.write_text(f'#!/bin/sh\necho "{major} {minor}"\n', encoding="utf-8")
        path.chmod(0o755)
    return folder / "python3"


# -- a shell script -------------------------------------------------------------------------


def run_shell(code: str, built: list[Path], tmp_path: Path, net: FakeInternet) -> str:
    workspace, bin_dir, home = tmp_path / "workspace", tmp_path / "bin", tmp_path / "home"
    for folder in (workspace / "dist", bin_dir, home):
        folder.mkdir(parents=True)
    for path in built:
        shutil.copy2(path, workspace / "dist" / path.name)
    shim = bin_dir / "publish-action"  # what `pip install publish-action` puts on PATH
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m publish_action "$@"\n', "utf-8")
    shim.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INPUT_", "TWINE_", "UV_", "GITHUB_", "RUNNER_", "CI", "PYTHON"))
    }
    env.update(net.env())
    env.update(SECRETS)
    env.update(
        PATH=os.pathsep.join([str(bin_dir), env.get("PATH", "")]),
        HOME=str(home),
        PYTHONPATH=str(ROOT / "src"),
    )
    script = tmp_path / "example.sh"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", str(script)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "→ https://test.pypi.org/legacy/" in output
    assert "→ https://upload.pypi.org/legacy/" in output
    return output
