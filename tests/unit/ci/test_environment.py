"""ci/environment.py: the CI environment read once into frozen values."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action import ci
from publish_action.ci import CiEnvironment


def test_the_environment_is_read_once_into_frozen_values(tmp_path: Path) -> None:
    env = CiEnvironment.read(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(tmp_path / "o"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "s"),
            "GITHUB_WORKSPACE": str(tmp_path),
            "GITHUB_REPOSITORY": "octo/x",
            "RUNNER_TEMP": str(tmp_path / "t"),
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-secret",
            "PYPI_ID_TOKEN": "a.b.c",
        }
    )
    assert env.ci is ci.GITHUB and env.github is not None
    assert env.github.output_file == tmp_path / "o" and env.runner_temp == tmp_path / "t"
    assert set(env.secrets()) == {"request-secret", "a.b.c"}
    assert "request-secret" not in repr(env) and "request-secret" not in repr(env.github)
    plain = CiEnvironment.read({"TMPDIR": str(tmp_path)})
    assert plain.ci is None and plain.github is None and plain.runner_temp is None
    assert plain.temp_dir == tmp_path


@pytest.mark.parametrize(
    ("audience", "variable"),
    [
        ("pypi", "PYPI_ID_TOKEN"),
        ("testpypi", "TESTPYPI_ID_TOKEN"),
        ("https://x.example/aud", "HTTPS___X_EXAMPLE_AUD_ID_TOKEN"),
        ("1pypi", "_PYPI_ID_TOKEN"),
    ],
)
def test_gitlab_variable_names(audience: str, variable: str) -> None:
    assert ci.gitlab_variable(audience) == variable


@pytest.mark.parametrize(
    "env",
    [
        {"CI": "true"},
        {"CI": "1"},
        {"GITHUB_ACTIONS": "true"},
        {"GITLAB_CI": "true"},
        {"BUILDKITE": "true"},
        {"CIRCLECI": "true"},
        {"TF_BUILD": "True"},
        {"JENKINS_URL": "https://jenkins.example/"},
    ],
)
def test_a_job_in_any_ci_is_known_as_one(env: dict[str, str]) -> None:
    assert CiEnvironment.read(env).in_ci


@pytest.mark.parametrize("env", [{}, {"CI": "false"}, {"CI": "0"}, {"CI": ""}, {"TERM": "xterm"}])
def test_a_person_at_a_terminal_is_not_in_ci(env: dict[str, str]) -> None:
    assert not CiEnvironment.read(env).in_ci


def test_a_dumb_terminal_is_known() -> None:
    assert CiEnvironment.read({"TERM": "dumb"}).dumb_terminal
    assert CiEnvironment.read({"TERM": "unknown"}).dumb_terminal
    assert not CiEnvironment.read({"TERM": "xterm-256color"}).dumb_terminal
    assert not CiEnvironment.read({}).dumb_terminal
