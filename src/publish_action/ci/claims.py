"""What an OIDC token says about the job, decoded once for every use (messages, the trusted
publisher's identity, attestations). Decoded WITHOUT verification: the index and Sigstore
verify tokens; here the claims only explain and pre-check."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_GITHUB_WORKFLOW = re.compile(r"/\.github/workflows/([^/@]+)@")
_GITLAB_WORKFLOW = re.compile(r"//(.*[^/]\.ya?ml)@")


def decode_claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, NOT verified: for display and sanity checks only."""
    try:
        _, payload, _ = jwt.split(".")
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise ValueError("not a JWT (three base64url parts, a JSON payload)") from exc
    if not isinstance(data, dict):
        raise ValueError("the JWT payload is not a JSON object")
    return data


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for: the CI and its claims (NOT verified)."""

    ci: str  # "GitHub Actions"
    ci_key: str  # "github", "gitlab", "google", "buildkite", "circleci", "unknown"
    claims: Mapping[str, Any]

    @property
    def issuer(self) -> str:
        return str(self.claims.get("iss", ""))

    @property
    def repository(self) -> str | None:
        """GitHub `repository` or GitLab `project_path`."""
        value = self.claims.get("project_path" if self.ci_key == "gitlab" else "repository")
        return str(value) if value else None

    @property
    def workflow(self) -> str | None:
        """The workflow file a trusted publisher names: from `job_workflow_ref` (GitHub: what
        PyPI matches) or `ci_config_ref_uri` (GitLab)."""
        if self.ci_key == "github":
            match = _GITHUB_WORKFLOW.search(str(self.claims.get("job_workflow_ref", "")))
        elif self.ci_key == "gitlab":
            match = _GITLAB_WORKFLOW.search(str(self.claims.get("ci_config_ref_uri", "")))
        else:
            return None
        return match.group(1) if match else None

    @property
    def environment(self) -> str | None:
        value = self.claims.get("environment")
        return str(value) if value else None

    @property
    def reusable_workflow(self) -> tuple[str, str] | None:
        """GitHub: (called, calling) workflow paths when the job runs in a reusable workflow
        (`job_workflow_ref` differs from `workflow_ref`); else None."""
        caller, called = self.claims.get("workflow_ref"), self.claims.get("job_workflow_ref")
        if self.ci_key != "github" or not isinstance(caller, str) or not isinstance(called, str):
            return None
        caller_path, called_path = caller.split("@", 1)[0], called.split("@", 1)[0]
        return (called_path, caller_path) if caller_path != called_path else None
