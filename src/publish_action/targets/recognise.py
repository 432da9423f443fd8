"""Recognising the index from the upload URL, and the check URL it pairs with.

Hosted services are recognised by host, self-hosted servers by a path shape only they use.
There is no catch-all guess: a URL that no row claims (a bare root, one or two plain path
segments — pypiserver's and devpi's shapes, shared with anything else) is `confirm`ed by
asking the server once (`targets.identify`), or stays unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from publish_action.targets.facts import IndexFacts, facts_of
from publish_action.targets.kinds import IndexKind


@dataclass(frozen=True)
class IndexProfile:
    """The upload target, classified."""

    kind: IndexKind
    simple_url: str | None  # derived simple index base (ending in "/"), if any
    derivation: str  # one line saying how simple_url was found, or why it wasn't
    confirm: bool = False  # the shape is shared: ask the server what it is
    read_only: str = ""  # why this URL cannot take uploads, when it cannot

    @property
    def facts(self) -> IndexFacts:
        return facts_of(self.kind)

    @property
    def auth_hint(self) -> str:
        return self.facts.users.convention

    @property
    def is_pypi(self) -> bool:
        """pypi.org and test.pypi.org: never allow overwrite, answer transactionally."""
        return self.kind in (IndexKind.PYPI, IndexKind.TESTPYPI)


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def derived(kind: IndexKind, simple: str, why: str = "") -> IndexProfile:
    how = f"index-url derived from repository-url ({kind.value}{why}): {simple}"
    return IndexProfile(kind, simple, how)


def unknown(url: str, *, asked: str = "") -> IndexProfile:
    seen = f" ({asked})" if asked else ""
    how = (
        f"no check: {url} is not an index publish-action recognises{seen}. Files already "
        "on the index cannot be skipped and a rebuilt file is not caught; set 'index-url' to "
        "its simple index URL to check before uploading"
    )
    return IndexProfile(IndexKind.UNKNOWN, None, how)


def classify(upload_url: str) -> IndexProfile:
    """Classify the upload URL and derive the simple index it pairs with."""
    parts = urlsplit(upload_url)
    host = (parts.hostname or "").lower()
    segs = _segments(parts.path)
    profile = _by_host(host, segs, upload_url) or _by_path(segs, upload_url)
    if profile is not None:
        return profile
    if len(segs) <= 2 and not any(s.startswith("+") for s in segs):
        return IndexProfile(
            IndexKind.UNKNOWN,
            None,
            f"{upload_url} has the shape of pypiserver's or devpi's URLs: asking the server",
            confirm=True,
        )
    return unknown(upload_url)


def _prefix(segs: list[str], end: int) -> str:
    return "/" + "/".join(segs[:end]) + "/" if end else "/"


def _by_host(host: str, segs: list[str], url: str) -> IndexProfile | None:
    if host in ("upload.pypi.org", "pypi.org"):
        return derived(IndexKind.PYPI, "https://pypi.org/simple/")
    if host == "test.pypi.org":
        return derived(IndexKind.TESTPYPI, "https://test.pypi.org/simple/")
    if host.endswith("-python.pkg.dev") and len(segs) >= 2:
        return derived(IndexKind.GOOGLE, with_path(url, _prefix(segs, 2) + "simple/"))
    if ".codeartifact." in host and host.endswith(".amazonaws.com") and segs[:1] == ["pypi"]:
        return derived(IndexKind.CODEARTIFACT, with_path(url, _prefix(segs, 2) + "simple/"))
    if host == "python.cloudsmith.io" and len(segs) >= 2:
        owner, repo = segs[:2]
        simple = f"https://dl.cloudsmith.io/basic/{owner}/{repo}/python/simple/"
        return derived(IndexKind.CLOUDSMITH, simple, ", its download host")
    if host == "push.fury.io" and segs:
        return derived(IndexKind.GEMFURY, f"https://pypi.fury.io/{segs[0]}/", ", its read host")
    return None


_GITLAB_PROJECT = re.compile(r"(.*/)?api/v4/projects/[^/]+/packages/pypi")
_GITLAB_GROUP = re.compile(r"(.*/)?api/v4/groups/[^/]+/-/packages/pypi(/simple)?")
_GITEA = re.compile(r"(.*/)?api/packages/[^/]+/pypi")


def _by_path(segs: list[str], url: str) -> IndexProfile | None:
    joined = "/".join(segs)
    if _GITLAB_PROJECT.fullmatch(joined):
        return derived(IndexKind.GITLAB, with_path(url, f"/{joined}/simple/"))
    if _GITLAB_GROUP.fullmatch(joined):
        return IndexProfile(
            IndexKind.GITLAB,
            None,
            "GitLab group URL",
            read_only=facts_of(IndexKind.GITLAB).read_only_hint,
        )
    if _GITEA.fullmatch(joined):
        return derived(IndexKind.GITEA, with_path(url, f"/{joined}/simple/"))
    tail = segs[-4:]
    if len(tail) == 4 and tail[0] == "_packaging" and tail[2:] == ["pypi", "upload"]:
        return derived(IndexKind.AZURE, with_path(url, _prefix(segs, len(segs) - 1) + "simple/"))
    if len(segs) >= 3 and segs[-3:-1] == ["api", "pypi"]:
        return derived(IndexKind.ARTIFACTORY, with_path(url, f"/{joined}/simple/"))
    if len(segs) >= 2 and segs[-2] == "repository":
        return derived(IndexKind.NEXUS, with_path(url, f"/{joined}/simple/"))
    if len(segs) >= 3 and segs[-1] == "legacy" and "pypi" in segs[:-2]:
        return derived(IndexKind.PULP, with_path(url, _prefix(segs, len(segs) - 1) + "simple/"))
    return None
