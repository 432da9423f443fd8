"""pipeline/dry_run.py: the credentials count as verified only on proof from the index (an
anonymous read refused while the check's reads with them were answered, a private project
they see), and the dry run's statement says what it verified and what it did not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

import pytest

from publish_action.cancellation import Cancellation
from publish_action.ci import CiEnvironment
from publish_action.inputs import parse
from publish_action.ledger import Ledger
from publish_action.net import Net, NetSettings
from publish_action.pipeline import dry_run, stages
from publish_action.pipeline.state import RunState
from publish_action.redaction import Redactor
from publish_action.reporting import SilentReporter
from publish_action.settings import Settings
from tests.scenarios.conftest import seed
from tests.support import samples, servers
from tests.support.dists import write_sdist
from tests.support.fault_proxy import FaultProxy, RequestHead, Respond, Rule
from tests.unit.pipeline.harness import settings_for, unique_project

if TYPE_CHECKING:
    from collections.abc import Iterator

    from publish_action.trusted_publishing import TrustedPublisher


@pytest.fixture(scope="module")
def read_protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(
        tmp_path_factory.mktemp("read-protected"), authenticate="download,update,list"
    ) as index:
        yield index


def checked(settings: Settings, net: Net) -> RunState:
    """A run that has found its files and checked the index, as a dry run has."""
    reporter = SilentReporter()
    run = RunState(
        settings,
        reporter,
        Ledger(reporter, hold_uploads=False),
        Cancellation(),
        CiEnvironment.read({}),
    )
    run.dists = stages.distributions(settings, reporter)
    stages.target(run, net)
    stages.check(run, stages.index_client(run.settings, reporter, net))
    return run


def net() -> Net:
    return Net(NetSettings(timeout=5.0, retries=0), environ={})


def test_an_index_that_refuses_anonymous_reads_verifies_the_credentials(
    read_protected: servers.RunningIndex, tmp_path: Path
) -> None:
    write_sdist(tmp_path, unique_project("dry"), "1.0")
    with net() as client:
        run = checked(settings_for(read_protected, tmp_path), client)
        check = dry_run.verify_credentials(run, client, None)
    assert check == dry_run.CredentialCheck(
        True,
        "the index refuses anonymous reads (HTTP 401) and accepted user 'uploader' for the "
        "check's reads; permission to upload is only tested by an upload",
    )
    assert dry_run.statement(run, check)[1] == f"dry run: credentials verified: {check.how}"


def test_an_index_anyone_may_read_verifies_nothing(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    project = unique_project("dry")
    write_sdist(tmp_path, project, "1.0")
    with net() as client:
        run = checked(settings_for(pypiserver_index, tmp_path), client)
        check = dry_run.verify_credentials(run, client, None)
    page = f"{pypiserver_index.index_url}{project}/"
    assert check == dry_run.CredentialCheck(
        False,
        f"the index answers anonymous reads (HTTP 404 for {page}), so reading it with user "
        "'uploader' proves nothing",
    )
    assert dry_run.statement(run, check) == [
        "dry run: verified 1 file(s) and their metadata, the index's pages of 1 project(s), "
        "the index's known limits",
        f"dry run: credentials NOT verified: {check.how}; only an upload tests them, and a "
        "refusal fails the real run (exit code 5), not this dry run",
        "dry run: nothing was uploaded or signed",
    ]


def test_a_private_project_the_credentials_see_verifies_them(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    """GitLab's way: a private project answers 404 to anonymous readers, not 401."""
    project = unique_project("dry")
    seed(pypiserver_index, samples.build_project(tmp_path / "seed", project, "1.0"))
    (tmp_path / "dist").mkdir()
    write_sdist(tmp_path / "dist", project, "2.0")

    def anonymous(head: RequestHead) -> bool:
        return head.auth_scheme is None

    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(Respond(404), method="GET", path=f"/{project}/$", when=anonymous))
        with net() as client:
            run = checked(settings_for(proxy.index(pypiserver_index), tmp_path / "dist"), client)
            check = dry_run.verify_credentials(run, client, None)
    assert check.verified, check
    assert check.how.startswith(f"{project} is private (HTTP 404 to anonymous reads) and ")


def test_a_check_that_read_without_the_upload_credentials_verifies_nothing(
    read_protected: servers.RunningIndex, tmp_path: Path
) -> None:
    write_sdist(tmp_path, unique_project("dry"), "1.0")
    settings = settings_for(
        read_protected,
        tmp_path,
        f"--check-user={read_protected.username}",
        f"--check-password={read_protected.password}",
    )
    with net() as client:
        run = checked(settings, client)
        check = dry_run.verify_credentials(run, client, None)
    assert check == dry_run.CredentialCheck(
        False, "the check read the index without user 'uploader'"
    )


def test_an_anonymous_read_without_an_answer_verifies_nothing(
    read_protected: servers.RunningIndex, tmp_path: Path
) -> None:
    write_sdist(tmp_path, unique_project("dry"), "1.0")
    with FaultProxy(read_protected.root_url) as proxy:
        settings = settings_for(proxy.index(read_protected), tmp_path)
        with net() as client:
            run = checked(settings, client)
            proxy.close()  # the index is gone before the anonymous read
            check = dry_run.verify_credentials(run, client, None)
    assert not check.verified
    assert check.how.startswith("an anonymous read of ") and "got no answer" in check.how


def test_an_anonymous_read_the_index_cannot_answer_verifies_nothing(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    write_sdist(tmp_path, unique_project("dry"), "1.0")

    def anonymous(head: RequestHead) -> bool:
        return head.auth_scheme is None and "/simple/dry-" in head.path

    with FaultProxy(pypiserver_index.root_url) as proxy, net() as client:
        run = checked(settings_for(proxy.index(pypiserver_index), tmp_path), client)
        proxy.add(Rule(Respond.unavailable(1), method="GET", when=anonymous))
        check = dry_run.verify_credentials(run, client, None)
    page = next(iter(run.pages.values())).url
    assert check == dry_run.CredentialCheck(False, f"an anonymous read of {page} got HTTP 503")


def test_a_minted_token_verifies_trusted_publishing_and_no_credentials_verify_nothing(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    write_sdist(tmp_path, unique_project("dry"), "1.0")
    settings = settings_for(pypiserver_index, tmp_path)
    with net() as client:
        run = checked(settings, client)
        publisher = cast("TrustedPublisher", object())  # only its presence counts here
        minted = dry_run.verify_credentials(run, client, publisher)
        run.settings = Settings(**{**vars(settings), "upload_credentials": None})
        none = dry_run.verify_credentials(run, client, None)
    assert minted == dry_run.CredentialCheck(
        True,
        f"{urlsplit(pypiserver_index.root_url).netloc} minted a trusted-publishing upload "
        "token for this workflow",
    )
    assert none == dry_run.CredentialCheck(False, "no credentials are configured for the upload")


def test_without_an_index_check_the_statement_says_so(tmp_path: Path) -> None:
    write_sdist(tmp_path, unique_project("dry"), "1.0")
    argv = ["--repository-url=http://127.0.0.1:9/legacy/", f"--packages-dir={tmp_path}"]
    settings = parse(
        [*argv, "--user=u", "--password=p", "--verify-metadata=false"],
        {},
        Redactor(),
        CiEnvironment.read({}),
    ).settings
    run = RunState(
        settings,
        SilentReporter(),
        Ledger(SilentReporter(), hold_uploads=False),
        Cancellation(),
        CiEnvironment.read({}),
    )
    run.dists = stages.distributions(settings, SilentReporter())
    lines = dry_run.statement(run, dry_run.CredentialCheck(False, "why"))
    assert lines[0] == (
        "dry run: verified 1 file(s), the index's known limits (no index check: no index-url "
        "is known)"
    )
