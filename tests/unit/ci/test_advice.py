"""ci/advice.py: what each CI needs for a token, and the fix chosen by the problem."""

from __future__ import annotations

import pytest

from publish_action.ci.advice import advice_for, what_each_ci_needs
from publish_action.ci.environment import GITHUB, GITLAB, SUPPORTED
from publish_action.ci.oidc import AmbientTokenError, Problem


def error(problem: Problem, ci: object = None, tried: str = "") -> AmbientTokenError:
    return AmbientTokenError("no token", problem=problem, ci=ci, tried=tried)  # type: ignore[arg-type]


def test_every_supported_ci_is_named_with_the_audience_it_needs() -> None:
    lines = what_each_ci_needs("testpypi")
    for ci in SUPPORTED:
        assert any(line.startswith(f"{ci.name}:") for line in lines), ci.name
    assert "`TESTPYPI_ID_TOKEN: {aud: testpypi}`" in lines[1]
    assert "--audience testpypi" in lines[3]
    # PyPI has no trusted publisher for Buildkite or CircleCI: the lines say so.
    for line in lines[3:5]:
        assert line.endswith(
            "not for PyPI or TestPyPI, which have no trusted publisher for it (use a token)"
        )
    assert all("not for PyPI" not in line for line in lines[:3])
    assert lines[-1].startswith("in `docker run`") and "-e TESTPYPI_ID_TOKEN" in lines[-1]


@pytest.mark.parametrize(
    ("problem", "start"),
    [
        (Problem.NO_IDENTITY, "publish from one of these CIs"),
        (Problem.FORK_PULL_REQUEST, "publish from an event a fork cannot trigger"),
        (Problem.PERMISSION, "add `permissions: id-token: write`"),
        (Problem.MISSING_TOKEN, "declare it in the job: `id_tokens:` → `PYPI_ID_TOKEN:`"),
        (Problem.TOOL, "check that the CI's agent tool works"),
        (Problem.REFUSED, "re-run the job; if it persists"),
        (Problem.MALFORMED, "re-run the job; if it persists"),
        (Problem.FAILED, "re-run the job; if it persists"),
    ],
)
def test_each_problem_has_its_fix(problem: Problem, start: str) -> None:
    assert advice_for(error(problem), "pypi").startswith(start)


def test_a_token_for_another_audience_says_how_to_fix_it_on_gitlab_only() -> None:
    on_gitlab = advice_for(error(Problem.WRONG_AUDIENCE, GITLAB), "pypi")
    assert (
        on_gitlab
        == "this index expects audience 'pypi': set `aud: pypi` for PYPI_ID_TOKEN in `id_tokens:`"
    )
    assert advice_for(error(Problem.WRONG_AUDIENCE, GITHUB), "pypi") == (
        "this index expects audience 'pypi'"
    )


@pytest.mark.parametrize("problem", [Problem.UNREACHABLE, Problem.TIMEOUT])
def test_an_unreachable_token_service_names_what_was_tried(problem: Problem) -> None:
    tried = advice_for(error(problem, GITHUB, "http://127.0.0.1:9/token"), "pypi")
    assert "check it can reach http://127.0.0.1:9/token" in tried
    assert "check it can reach the CI" in advice_for(error(problem), "pypi")
