"""What we know about each kind of index: how to find its simple index, what it calls its users.

The target is classified once, here, from the upload URL; nothing else matches strings in URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit, urlunsplit


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
    UNKNOWN = "an unrecognised index"


@dataclass(frozen=True)
class IndexProfile:
    """The upload target, classified."""

    kind: IndexKind
    simple_url: str | None  # derived simple index base (ending in "/"), if any
    derivation: str  # one line saying how simple_url was found, or why it wasn't
    auth_hint: str  # what credentials this kind of index expects

    @property
    def is_pypi(self) -> bool:
        """pypi.org and test.pypi.org: never allow overwrite, answer transactionally."""
        return self.kind in (IndexKind.PYPI, IndexKind.TESTPYPI)


_AUTH_HINTS = {
    IndexKind.PYPI: "use user '__token__' with a PyPI API token, or trusted publishing",
    IndexKind.TESTPYPI: "use user '__token__' with a TestPyPI API token (separate from PyPI's)",
    IndexKind.DEVPI: "use your devpi user name and password",
    IndexKind.PYPISERVER: "use a user from the server's htpasswd file (-P)",
    IndexKind.ARTIFACTORY: "use your Artifactory user name with an identity token or API key",
    IndexKind.NEXUS: "use a Nexus user with the nx-repository-view-pypi-*-add privilege",
    IndexKind.GITLAB: (
        "use user 'gitlab-ci-token' with $CI_JOB_TOKEN, or a deploy/personal token "
        "with its name as user"
    ),
    IndexKind.GOOGLE: (
        "use user 'oauth2accesstoken' with `gcloud auth print-access-token`, or "
        "'_json_key_base64' with a base64 service-account key"
    ),
    IndexKind.CODEARTIFACT: (
        "use user 'aws' with `aws codeartifact get-authorization-token` as password"
    ),
    IndexKind.AZURE: "use any user name with a personal access token (Packaging: Read & write)",
    IndexKind.CLOUDSMITH: "use your Cloudsmith user name (or 'token') with an API key",
    IndexKind.UNKNOWN: "check the user name and password or token the index expects",
}


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def classify(upload_url: str) -> IndexProfile:
    """Classify the upload URL and derive the simple index it pairs with."""
    parts = urlsplit(upload_url)
    host = (parts.hostname or "").lower()
    segs = _segments(parts.path)
    kind, simple = _derive(host, segs, upload_url)
    if simple is None:
        how = (
            f"no simple index is known for {kind.value} at {upload_url}; set 'index-url' to "
            "check it before uploading (relying on the index's answer to each upload)"
        )
    else:
        how = f"index-url derived from repository-url ({kind.value}): {simple}"
    return IndexProfile(kind=kind, simple_url=simple, derivation=how, auth_hint=_AUTH_HINTS[kind])


def _derive(host: str, segs: list[str], url: str) -> tuple[IndexKind, str | None]:
    # Order matters: hosted services are recognised by host before path shapes are guessed.
    if host in ("upload.pypi.org", "pypi.org"):
        return IndexKind.PYPI, "https://pypi.org/simple/"
    if host == "test.pypi.org":
        return IndexKind.TESTPYPI, "https://test.pypi.org/simple/"
    if host.endswith("-python.pkg.dev"):
        return IndexKind.GOOGLE, _with_path(url, "/" + "/".join([*segs[:2], "simple"]) + "/")
    if ".codeartifact." in host and host.endswith(".amazonaws.com"):
        return IndexKind.CODEARTIFACT, _with_path(url, "/" + "/".join([*segs[:2], "simple"]) + "/")
    if host == "pkgs.dev.azure.com" and segs[-2:] == ["pypi", "upload"]:
        return IndexKind.AZURE, _with_path(url, "/" + "/".join([*segs[:-1], "simple"]) + "/")
    if host.endswith("cloudsmith.io"):
        return IndexKind.CLOUDSMITH, None  # private repos need a different download host
    joined = "/".join(segs)
    if re.fullmatch(r"api/v4/projects/[^/]+/packages/pypi", joined):
        return IndexKind.GITLAB, _with_path(url, f"/{joined}/simple/")
    if len(segs) >= 3 and segs[-3:-1] == ["api", "pypi"]:
        return IndexKind.ARTIFACTORY, _with_path(url, f"/{joined}/simple/")
    if len(segs) == 2 and segs[0] == "repository":
        return IndexKind.NEXUS, _with_path(url, f"/{joined}/simple/")
    if len(segs) == 2 and not segs[1].startswith("+"):
        return IndexKind.DEVPI, _with_path(url, f"/{joined}/+simple/")
    if not segs:
        return IndexKind.PYPISERVER, _with_path(url, "/simple/")
    return IndexKind.UNKNOWN, None
