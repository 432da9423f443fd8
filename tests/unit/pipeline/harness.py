"""Settings and a run of the pipeline in this process, against a real index server."""

from __future__ import annotations

import uuid
from pathlib import Path

from publish_action.ci import CiEnvironment
from publish_action.inputs import parse
from publish_action.redaction import Redactor
from publish_action.settings import Settings
from tests.support import servers


def unique_project(prefix: str) -> str:
    """A project no other test uploads: the session's servers are shared."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def settings_for(
    index: servers.RunningIndex, packages: Path, *extra: str, redactor: Redactor | None = None
) -> Settings:
    argv = [
        f"--repository-url={index.upload_url}",
        f"--user={index.username}",
        f"--password={index.password}",
        f"--packages-dir={packages}",
        "--confirm-timeout=2",
        *extra,
    ]
    return parse(argv, {}, redactor or Redactor(), CiEnvironment.read({})).settings
