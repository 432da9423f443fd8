"""The harness of the trusted-publishing tests: a run of `TrustedPublisher` against local OIDC
issuers and a PyPI stand-in."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from publish_action import trusted_publishing as tp
from publish_action.ci import CiEnvironment
from publish_action.errors import ExitCode, PublishError, TrustedPublishingError
from publish_action.net import Net
from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, FanOut, SilentReporter
from publish_action.settings import Credentials, Settings, TrustedPublishing
from publish_action.targets import IndexKind, classify
from tests.support.oidc_issuer import OidcIssuer
from tests.support.pypi_standin import PyPIStandIn, TrustedPublisherConfig

PROJECT = "sampleproject"


GITHUB_PUBLISHER = TrustedPublisherConfig(
    "github", "octo-org/sampleproject", "release.yml", projects=(PROJECT,)
)


GITLAB_PUBLISHER = TrustedPublisherConfig(
    "gitlab", "octo-group/sampleproject", ".gitlab-ci.yml", projects=(PROJECT,)
)


class Recorder(SilentReporter):
    """Keeps every message as given (before redaction): nothing may even try to print a token."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(f"info: {message}")

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.lines.append(f"warning: {message}")

    def debug(self, message: str) -> None:
        self.lines.append(f"debug: {message}")

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        self.lines.append(error.render())


@dataclasses.dataclass
class Run:
    index: PyPIStandIn
    github: OidcIssuer
    gitlab: OidcIssuer
    http: httpx.Client
    net: Net
    redactor: Redactor = dataclasses.field(default_factory=Redactor)
    recorder: Recorder = dataclasses.field(default_factory=Recorder)
    out: io.StringIO = dataclasses.field(default_factory=io.StringIO)
    masked: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        # What github.py does: `::add-mask::` each secret the moment it is registered.
        def mask(secret: str) -> None:
            self.masked.append(secret)
            self.out.write(f"::add-mask::{secret}\n")

        self.redactor.on_new_secret(mask)
        console = ConsoleReporter(self.redactor, verbose=True, out=self.out, err=self.out)
        self.reporter = FanOut([console, self.recorder])

    def settings(
        self,
        *,
        mode: TrustedPublishing = TrustedPublishing.AUTO,
        password: str | None = None,
        kind: IndexKind | None = None,
    ) -> Settings:
        profile = classify(self.index.upload_url)
        if kind is not None:
            profile = dataclasses.replace(profile, kind=kind)
        return Settings(
            repository_url=self.index.upload_url,
            index=profile,
            index_url=None,
            index_url_note="",
            upload_credentials=Credentials("__token__", password) if password else None,
            check_credentials=None,
            check_credentials_explicit=False,
            packages_dir=Path("dist"),
            trusted_publishing=mode,
            retries=1,
            timeout=10.0,
        )

    def obtain(self, environ: dict[str, str], **settings: Any) -> tp.TrustedPublisher | None:
        return tp.obtain(
            self.settings(**settings),
            self.reporter,
            projects=[PROJECT],
            ci_env=CiEnvironment.read(environ),
            net=self.net,
            redactor=self.redactor,
        )

    def fail(self, environ: dict[str, str], **settings: Any) -> TrustedPublishingError:
        with pytest.raises(TrustedPublishingError) as caught:
            self.obtain(environ, **settings)
        error = caught.value
        assert error.exit_code is ExitCode.TRUSTED_PUBLISHING
        self.reporter.failed(error)
        return error

    def output(self) -> str:
        return self.out.getvalue()

    def assert_no_token_anywhere(self) -> None:
        secrets = [*self.index.minted_tokens, *self.github.issued, *self.gitlab.issued]
        raw = "\n".join(self.recorder.lines)
        printed = "\n".join(
            line for line in self.output().splitlines() if not line.startswith("::add-mask::")
        )
        for secret in secrets:
            assert secret not in raw
            assert secret not in printed


def render(error: PublishError) -> str:
    return error.render()
