"""Faithful local stand-ins for package indexes, reached through their real public URLs.

A test runs the product (or httpx, or pip) through :class:`FakeInternet`, an HTTP proxy on
127.0.0.1 that terminates TLS with certificates from a throwaway CA and routes by host name to
in-memory stand-ins. Nothing is resolved and nothing leaves loopback::

    from tests.support.indexes import FakeInternet, GitLab

    gitlab = GitLab()                      # https://gitlab.example.com, project 42, group 7
    with FakeInternet(gitlab) as net:
        monkeypatch.setenv(...)            # or: env = {**os.environ, **net.env()}
        for key, value in net.env().items():
            monkeypatch.setenv(key, value)
        run_product(repository_url=gitlab.upload_url, username=gitlab.auth[0],
                    password=gitlab.auth[1])
        assert gitlab.files("demo") == {"demo-1.0.tar.gz": sha256}
        assert not net.unexpected          # no host outside the stand-ins was contacted

Each behaviour in the stand-in modules cites its source (notes/index-behaviour.md, upstream
code, issue threads); choices without a source say "unconfirmed".
"""

from tests.support.indexes.artifactory import Artifactory
from tests.support.indexes.azure import AzureArtifacts
from tests.support.indexes.base import Origin, Request, Response, StandIn, StoredFile
from tests.support.indexes.ca import TestCA
from tests.support.indexes.cloudsmith import Cloudsmith
from tests.support.indexes.codeartifact import CodeArtifact
from tests.support.indexes.gemfury import Gemfury
from tests.support.indexes.gitea import Gitea
from tests.support.indexes.gitlab import GitLab
from tests.support.indexes.google import GoogleArtifactRegistry
from tests.support.indexes.network import FakeInternet, LogEntry
from tests.support.indexes.nexus import Nexus
from tests.support.indexes.warehouse import Warehouse

__all__ = [
    "Artifactory",
    "AzureArtifacts",
    "Cloudsmith",
    "CodeArtifact",
    "FakeInternet",
    "Gemfury",
    "GitLab",
    "Gitea",
    "GoogleArtifactRegistry",
    "LogEntry",
    "Nexus",
    "Origin",
    "Request",
    "Response",
    "StandIn",
    "StoredFile",
    "TestCA",
    "Warehouse",
    "every_standin",
]


def every_standin() -> list[StandIn]:
    """One of each, on distinct hosts, ready to go into one FakeInternet."""
    return [
        Warehouse(),
        Warehouse(test=True),
        GitLab(),
        Nexus(),
        Nexus("repo.example.org", context="nexus"),
        Artifactory(),
        GoogleArtifactRegistry(),
        CodeArtifact(),
        AzureArtifacts(),
        Cloudsmith(),
        Gitea(),
        Gitea("codeberg.org", flavour="forgejo"),
        Gemfury(),
    ]
