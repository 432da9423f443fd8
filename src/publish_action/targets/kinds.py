"""The indexes publish-action knows by name."""

from __future__ import annotations

from enum import Enum


class IndexKind(Enum):
    PYPI = "pypi.org"
    TESTPYPI = "test.pypi.org"
    DEVPI = "devpi"
    PYPISERVER = "pypiserver"
    ARTIFACTORY = "Artifactory"
    NEXUS = "Nexus"
    GITLAB = "GitLab"
    GOOGLE = "Google Artifact Registry"
    CODEARTIFACT = "AWS CodeArtifact"
    AZURE = "Azure Artifacts"
    CLOUDSMITH = "Cloudsmith"
    GITEA = "Gitea/Forgejo"
    PULP = "Pulp"
    GEMFURY = "Gemfury"
    UNKNOWN = "an unrecognised index"
