"""What to do when no OIDC token came: chosen once, by the problem, for every caller."""

from __future__ import annotations

from publish_action.ci.environment import (
    BUILDKITE,
    CIRCLECI,
    GITHUB,
    GITLAB,
    GOOGLE,
    gitlab_variable,
)
from publish_action.ci.oidc import AmbientTokenError, Problem

_NOT_PYPI = "; not for PyPI or TestPyPI, which have no trusted publisher for it (use a token)"


def what_each_ci_needs(audience: str) -> tuple[str, ...]:
    """One line per supported CI: what a job there needs to get a token for `audience`."""
    var = gitlab_variable(audience)
    return (
        f"{GITHUB.name}: `permissions: id-token: write` on the publishing job",
        f"{GITLAB.name}: in the job, `id_tokens:` with `{var}: {{aud: {audience}}}`",
        f"{GOOGLE.name}: a service account (the VM's, or GOOGLE_SERVICE_ACCOUNT_NAME to "
        "impersonate one) allowed to create ID tokens",
        # PyPI and TestPyPI take trusted publishing from GitHub Actions, GitLab CI/CD, Google
        # Cloud and ActiveState only (docs.pypi.org/trusted-publishers/): other indexes may
        # take these two CIs' tokens, and saying so must not send a PyPI user there.
        f"{BUILDKITE.name}: `buildkite-agent` on PATH (it runs `buildkite-agent oidc "
        f"request-token --audience {audience}`){_NOT_PYPI}",
        f"{CIRCLECI.name}: the `circleci` CLI on PATH (it runs `circleci run oidc get`){_NOT_PYPI}",
        "in `docker run`, pass the CI's variables through, e.g. -e GITHUB_ACTIONS "
        "-e ACTIONS_ID_TOKEN_REQUEST_URL -e ACTIONS_ID_TOKEN_REQUEST_TOKEN, or -e GITLAB_CI "
        f"-e {var}",
    )


def advice_for(error: AmbientTokenError, audience: str) -> str:
    """The fix for `error`, chosen by its problem."""
    problem = error.problem
    var = gitlab_variable(audience)
    if problem is Problem.NO_IDENTITY:
        return (
            "publish from one of these CIs, set up as above; or give an API token in "
            "'password' (trusted-publishing: auto uses it)"
        )
    if problem is Problem.FORK_PULL_REQUEST:
        return (
            "publish from an event a fork cannot trigger: `push` of a tag, `release`, or "
            "`workflow_dispatch` (and never `pull_request_target`, which PyPI refuses)"
        )
    if problem is Problem.PERMISSION:
        return (
            "add `permissions: id-token: write` to the publishing job (a job-level "
            "`permissions:` replaces the workflow's); in `docker run`, pass "
            "-e ACTIONS_ID_TOKEN_REQUEST_URL -e ACTIONS_ID_TOKEN_REQUEST_TOKEN"
        )
    if problem is Problem.MISSING_TOKEN:
        return (
            f"declare it in the job: `id_tokens:` → `{var}:` → `aud: {audience}`; in "
            f"`docker run`, pass -e GITLAB_CI -e {var}"
        )
    if problem is Problem.WRONG_AUDIENCE:
        return f"this index expects audience {audience!r}" + (
            f": set `aud: {audience}` for {var} in `id_tokens:`" if error.ci is GITLAB else ""
        )
    if problem in (Problem.UNREACHABLE, Problem.TIMEOUT):
        return (
            "the CI's token service did not answer; re-run the job (in a container, check "
            f"it can reach {error.tried or 'the CI'})"
        )
    if problem is Problem.TOOL:
        return "check that the CI's agent tool works in this job (the error above is its own)"
    return "re-run the job; if it persists, the CI's token service is misbehaving"
