"""What one run carries from stage to stage: its settings, reporter, ledger and clock."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from publish_action.errors import ExitCode
from publish_action.redaction import display_url
from publish_action.reporting import RunResult

if TYPE_CHECKING:
    from publish_action.cancellation import Cancellation
    from publish_action.ci import CiEnvironment
    from publish_action.distributions import Distribution
    from publish_action.errors import PublishError
    from publish_action.ledger import Ledger
    from publish_action.pipeline.dry_run import CredentialCheck
    from publish_action.reporting import Reporter
    from publish_action.settings import Settings
    from publish_action.simple_index import ProjectPage


@dataclass
class RunState:
    settings: Settings
    reporter: Reporter
    ledger: Ledger
    cancellation: Cancellation
    ci_env: CiEnvironment
    started: float = field(default_factory=time.monotonic)
    timings: dict[str, float] = field(default_factory=dict)
    dists: tuple[Distribution, ...] = ()
    pages: Mapping[str, ProjectPage] = field(default_factory=dict)  # read by the check
    credentials_check: CredentialCheck | None = None  # a dry run's, once made

    def lap(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.timings[name] = now - since
        return now

    def raise_if_stopped(self) -> None:
        self.cancellation.raise_if_set()

    def result(self, error: PublishError | None) -> RunResult:
        self.ledger.close()
        check = self.credentials_check
        return RunResult(
            outcomes=self.ledger.outcomes(),
            exit_code=int(error.exit_code) if error else int(ExitCode.OK),
            seconds=time.monotonic() - self.started,
            dry_run=self.settings.dry_run,
            error=error,
            repository_url=display_url(self.settings.repository_url),
            timings=dict(self.timings),
            credentials_verified=check.verified if check else None,
            credentials_note=check.how if check else "",
        )
