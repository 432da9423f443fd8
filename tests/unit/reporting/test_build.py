"""reporting/build.py: which reporters a run gets and where its JSON report goes."""

from __future__ import annotations

import io
import os
import pty
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pytest

from publish_action import cli, inputs
from publish_action.ci import CiEnvironment
from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, FanOut
from publish_action.reporting import build as reporters
from publish_action.reporting.progress import ProgressBar
from publish_action.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return inputs.parse(["--packages-dir", str(tmp_path)], {}, Redactor()).settings


def test_build_reporter_adds_github_first_only_under_github(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    plain = reporters.build_reporter(
        settings,
        CiEnvironment.read({"GITHUB_OUTPUT": str(tmp_path / "o")}),
        Redactor(),
        out=io.StringIO(),
        err=io.StringIO(),
    )
    assert isinstance(plain, FanOut)
    assert [type(r).__name__ for r in plain.reporters] == ["ConsoleReporter"]
    env = {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(tmp_path)}
    under = reporters.build_reporter(
        settings, CiEnvironment.read(env), Redactor(), out=io.StringIO(), err=io.StringIO()
    )
    assert isinstance(under, FanOut)
    assert [type(r).__name__ for r in under.reporters] == ["GitHubReporter", "ConsoleReporter"]
    assert under.report is not None and under.report.path.parent == tmp_path


def test_report_path_under_github_is_unique_per_run_in_a_job(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    env = {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(tmp_path)}
    first = reporters.report_path(settings, CiEnvironment.read(env))
    assert first == tmp_path / "publish-action-report.json"
    first.write_text("{}", encoding="utf-8")
    second = reporters.report_path(settings, CiEnvironment.read(env))
    assert second == tmp_path / "publish-action-report-2.json"
    assert (
        reporters.report_path(settings, CiEnvironment.read({"RUNNER_TEMP": str(tmp_path)})) is None
    )


def test_outside_github_no_workflow_command_is_printed(tmp_path: Path) -> None:
    """GITHUB_OUTPUT alone (say, a copied environment) does not turn the GitHub parts on."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "not-a-dist.txt").write_text("x", encoding="utf-8")
    env = {
        "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
        "INPUT_PASSWORD": "pw-123456",
        "INPUT_PACKAGES-DIR": str(dist),
    }
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([], env, stdout=out, stderr=err)
    assert code == 2  # no distributions
    assert "::" not in out.getvalue() + err.getvalue()
    assert not (tmp_path / "out.txt").exists()


@contextmanager
def a_terminal() -> Iterator[TextIO]:
    """The writing end of a pseudo-terminal: `isatty()` is true, as on a person's screen."""
    leader, follower = pty.openpty()
    stream = os.fdopen(follower, "w", encoding="utf-8")
    try:
        yield stream
    finally:
        stream.close()
        os.close(leader)


@pytest.mark.parametrize(
    "env",
    [{"CI": "true"}, {"GITHUB_ACTIONS": "true"}, {"GITLAB_CI": "true"}, {"TERM": "dumb"}],
)
def test_no_live_bar_in_ci_logs_or_on_a_dumb_terminal(env: dict[str, str]) -> None:
    with a_terminal() as tty:
        assert reporters.progress_bar(CiEnvironment.read(env), tty) is None


def test_a_live_bar_for_a_person_at_a_terminal_and_only_there(tmp_path: Path) -> None:
    with a_terminal() as tty:
        bar = reporters.progress_bar(CiEnvironment.read({"TERM": "xterm"}), tty)
        assert isinstance(bar, ProgressBar) and bar.stream is tty
        fan = reporters.build_reporter(
            _settings(tmp_path), CiEnvironment.read({}), Redactor(), out=tty, err=tty
        )
        console = fan.reporters[-1]
        assert isinstance(console, ConsoleReporter) and not console.annotated
    assert reporters.progress_bar(CiEnvironment.read({}), io.StringIO()) is None
