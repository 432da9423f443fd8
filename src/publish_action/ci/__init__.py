"""Everything about the CI a job runs in: which one and what it offers (`environment`, the only
reader of its variables), what its OIDC tokens say (`claims`), getting one (`oidc`), and what
to do when that fails (`advice`)."""

from publish_action.ci.advice import advice_for, what_each_ci_needs
from publish_action.ci.claims import Identity, decode_claims
from publish_action.ci.environment import (
    BUILDKITE,
    CI,
    CIRCLECI,
    GITHUB,
    GITLAB,
    GOOGLE,
    SUPPORTED,
    UNKNOWN,
    CiEnvironment,
    GitHubRun,
    ci_for_issuer,
    gitlab_variable,
)
from publish_action.ci.oidc import AmbientToken, AmbientTokenError, Problem, ambient_token

__all__ = [
    "BUILDKITE",
    "CI",
    "CIRCLECI",
    "GITHUB",
    "GITLAB",
    "GOOGLE",
    "SUPPORTED",
    "UNKNOWN",
    "AmbientToken",
    "AmbientTokenError",
    "CiEnvironment",
    "GitHubRun",
    "Identity",
    "Problem",
    "advice_for",
    "ambient_token",
    "ci_for_issuer",
    "decode_claims",
    "gitlab_variable",
    "what_each_ci_needs",
]
