"""The one reader of the CI's own variables (GITHUB_*, RUNNER_*, ACTIONS_*, GitLab's ID tokens,
BUILDKITE, CIRCLECI, …): which CI this job runs in and what it offers, as frozen values.

Everything else gets these values, never the environment: a test builds a `CiEnvironment`
from a mapping, and nothing here reads `os.environ` behind its back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CI:
    """A CI (or cloud) that can vouch for a job with an OIDC token."""

    key: str
    name: str
    variable: str  # the variable that says "this job runs here"
    issuers: tuple[str, ...]  # `iss` of its tokens


GITHUB = CI(
    "github", "GitHub Actions", "GITHUB_ACTIONS", ("https://token.actions.githubusercontent.com",)
)
GITLAB = CI("gitlab", "GitLab CI/CD", "GITLAB_CI", ("https://gitlab.com",))
BUILDKITE = CI("buildkite", "Buildkite", "BUILDKITE", ("https://agent.buildkite.com",))
CIRCLECI = CI("circleci", "CircleCI", "CIRCLECI", ("https://oidc.circleci.com",))
GOOGLE = CI(
    "google", "Google Cloud", "GOOGLE_SERVICE_ACCOUNT_NAME", ("https://accounts.google.com",)
)
UNKNOWN = CI("unknown", "an unrecognised OIDC provider", "", ())

# Recognised by their own variable, in this order.
NAMED = (GITHUB, GITLAB, BUILDKITE, CIRCLECI)
# Set by CIs that vouch for nothing here but whose logs are files all the same (Azure
# Pipelines, Jenkins, TeamCity, Bitbucket, Travis, AppVeyor, Drone, CodeBuild); most set CI too.
_OTHER_CI_VARIABLES = (
    "TF_BUILD",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
    "BITBUCKET_BUILD_NUMBER",
    "TRAVIS",
    "APPVEYOR",
    "DRONE",
    "CODEBUILD_BUILD_ID",
)
SUPPORTED = (GITHUB, GITLAB, GOOGLE, BUILDKITE, CIRCLECI)


def ci_for_issuer(issuer: object) -> CI:
    return next((ci for ci in SUPPORTED if issuer in ci.issuers), UNKNOWN)


def gitlab_variable(audience: str) -> str:
    """The variable GitLab's `id_tokens:` must define for `audience` (the convention `id` and
    every other client follows: upper case, anything else becomes `_`)."""
    return re.sub(r"[^A-Z0-9_]|^[^A-Z_]", "_", audience.upper()) + "_ID_TOKEN"


@dataclass(frozen=True, repr=False)
class GitHubRun:
    """What a GitHub Actions job offers (the runner sets these for every step)."""

    output_file: Path | None
    summary_file: Path | None
    workspace: Path | None
    repository: str
    event_name: str
    event_path: Path | None
    token_request_url: str
    token_request_token: str  # a secret: never in repr

    def __repr__(self) -> str:
        return f"GitHubRun(repository={self.repository!r}, event={self.event_name!r})"

    def fork_pull_request(self) -> tuple[str, str] | None:
        """(head, base) repositories when this run is a pull request from a fork."""
        if (
            not self.event_name.startswith("pull_request")
            or self.event_name == "pull_request_target"
            or self.event_path is None
        ):
            return None
        try:
            pull = json.loads(self.event_path.read_text(encoding="utf-8"))["pull_request"]
            head, base = pull["head"]["repo"], pull["base"]["repo"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        head_name = str(head.get("full_name", "")) if isinstance(head, dict) else ""
        base_name = str(base.get("full_name", "")) if isinstance(base, dict) else ""
        fork = isinstance(head, dict) and head.get("fork") is True
        if fork or (head_name and base_name and head_name.lower() != base_name.lower()):
            return head_name or "a fork", base_name or self.repository
        return None


@dataclass(frozen=True, repr=False)
class CiEnvironment:
    ci: CI | None  # named by its own variable; None: not a CI we know by name
    github: GitHubRun | None
    temp_dir: Path  # the runner's temp folder (emptied per job), else the system's
    id_tokens: Mapping[str, str] = field(default_factory=dict)  # GitLab: <AUD>_ID_TOKEN
    google_service_account: str = ""
    in_ci: bool = False  # a CI runs this job: its log is a file, never a live display
    dumb_terminal: bool = False  # TERM=dumb/unknown: a terminal that cannot redraw a line

    def __repr__(self) -> str:
        return f"CiEnvironment(ci={self.ci.name if self.ci else None!r})"

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> CiEnvironment:
        ci = next((c for c in NAMED if environ.get(c.variable)), None)
        github = None
        if environ.get("GITHUB_ACTIONS") == "true":
            github = GitHubRun(
                output_file=_path(environ.get("GITHUB_OUTPUT")),
                summary_file=_path(environ.get("GITHUB_STEP_SUMMARY")),
                workspace=_path(environ.get("GITHUB_WORKSPACE")),
                repository=environ.get("GITHUB_REPOSITORY", ""),
                event_name=environ.get("GITHUB_EVENT_NAME", ""),
                event_path=_path(environ.get("GITHUB_EVENT_PATH")),
                token_request_url=environ.get("ACTIONS_ID_TOKEN_REQUEST_URL", ""),
                token_request_token=environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ""),
            )
        temp = environ.get("RUNNER_TEMP") or environ.get("TMPDIR") or "/tmp"  # noqa: S108
        return cls(
            ci=ci,
            github=github,
            temp_dir=Path(temp),
            id_tokens={k: v for k, v in environ.items() if k.endswith("_ID_TOKEN")},
            google_service_account=environ.get("GOOGLE_SERVICE_ACCOUNT_NAME", ""),
            in_ci=ci is not None
            or github is not None
            or environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
            or any(environ.get(name) for name in _OTHER_CI_VARIABLES),
            dumb_terminal=environ.get("TERM", "").lower() in ("dumb", "unknown"),
        )

    @property
    def on_github(self) -> bool:
        return self.github is not None

    @property
    def runner_temp(self) -> Path | None:
        """GitHub's per-job temp folder, where an unnamed report goes."""
        return self.temp_dir if self.github is not None else None

    def secrets(self) -> tuple[str, ...]:
        """The values here that must never be printed."""
        request = (self.github.token_request_token,) if self.github else ()
        return (*request, *self.id_tokens.values())


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
