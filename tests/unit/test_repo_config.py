"""The repository's own tool configuration: dependabot proposes updates of both ecosystems with
a cooldown, pre-commit runs the checks scripts/test runs, and CI runs mypy over the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def test_dependabot_updates_actions_and_requirements_weekly_after_a_cooldown() -> None:
    config = load(".github/dependabot.yml")
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    assert updates["pip"]["directory"] == "/requirements"
    for ecosystem, update in updates.items():
        assert update["schedule"]["interval"] == "weekly", ecosystem
        assert update["cooldown"]["default-days"] >= 7, ecosystem
        assert update["groups"], ecosystem  # one pull request per ecosystem, not one per pin


def test_pre_commit_runs_ruff_mypy_and_the_file_checks() -> None:
    config = load(".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy", "check-yaml", "end-of-file-fixer"} <= set(hooks)
    assert "--strict src tests" in hooks["mypy"]["entry"]
    assert hooks["mypy"]["pass_filenames"] is False  # the whole project, as CI checks it
    assert "--check" in hooks["ruff-format"]["entry"]


def test_scripts_test_gates_types_of_the_tests_and_branch_coverage() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert "mypy --strict src tests" in script
    assert "--cov --cov-branch --cov-report=term-missing:skip-covered" in script
    assert '"$code" -eq 5' in script  # pytest's "no tests" is still a failure
    coverage = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "coverage"
    ]
    assert coverage["run"] == {"branch": True, "source": ["publish_action"]}
    assert 0 < coverage["report"]["fail_under"] < 100
    requirements = (ROOT / "requirements" / "test.txt").read_text(encoding="utf-8")
    assert any(line.startswith("pytest-cov") for line in requirements.splitlines())
