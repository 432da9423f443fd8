"""trusted_publishing/advice.py: the claims, codes and pre-filled links shown when the index
refuses the token, through a real run against the stand-in."""

from __future__ import annotations

import dataclasses

from publish_action.targets import IndexKind
from tests.support.oidc_issuer import OidcIssuer
from tests.unit.trusted_publishing.harness import (
    GITHUB_PUBLISHER,
    Run,
    render,
)


def test_no_matching_publisher_shows_codes_claims_and_a_prefilled_link(run: Run) -> None:
    run.index.publishers.clear()
    environ = OidcIssuer.github(environment=None).github_environ()
    environ.update(
        ACTIONS_ID_TOKEN_REQUEST_URL=run.github.token_request_url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN=run.github.request_token,
    )
    error = run.fail(environ, kind=IndexKind.PYPI)
    assert error.message == (
        f"trusted publishing: {run.index.url[7:-1]} refused to mint an upload token for this "
        "GitHub Actions identity (POST /_/oidc/mint-token → HTTP 422)"
    )
    assert error.details[0] == (
        "invalid-publisher: valid token, but no corresponding publisher "
        "(Publisher with matching claims was not found)"
    )
    text = render(error)
    assert "  repository: octo-org/sampleproject" in text
    assert (
        "  workflow_ref: octo-org/sampleproject/.github/workflows/release.yml@refs/tags/"
        "v1.0.0" in text
    )
    assert "  job_workflow_ref: octo-org/sampleproject/.github/workflows/release.yml@" in text
    assert "  ref: refs/tags/v1.0.0" in text
    assert "  event_name: push" in text
    assert "  environment: pypi" in text  # the module-scoped issuer's claims
    assert (
        "https://pypi.org/manage/project/sampleproject/settings/publishing/?provider=github"
        "&owner=octo-org&repository=sampleproject&workflow_filename=release.yml"
        "&environment=pypi"
    ) in text
    assert "https://pypi.org/manage/account/publishing/" in text
    assert error.advice.startswith("add a trusted publisher on ")
    run.assert_no_token_anywhere()


def test_missing_claims_are_shown_as_missing(run: Run) -> None:
    run.index.publishers.clear()
    with OidcIssuer.github(environment=None) as issuer:
        run.index.trust(issuer)
        error = run.fail(issuer.github_environ(), kind=IndexKind.TESTPYPI)
    text = render(error)
    assert "  environment: MISSING" in text
    assert (
        "https://test.pypi.org/manage/project/sampleproject/settings/publishing/"
        "?provider=github&owner=octo-org&repository=sampleproject"
        "&workflow_filename=release.yml\n"
    ) in text + "\n"


def test_gitlab_refusal_shows_gitlab_claims_and_link(run: Run) -> None:
    run.index.publishers.clear()
    error = run.fail(run.gitlab.gitlab_environ(), kind=IndexKind.PYPI)
    text = render(error)
    assert "  project_path: octo-group/sampleproject" in text
    assert (
        "  ci_config_ref_uri: gitlab.com/octo-group/sampleproject//.gitlab-ci.yml@"
        "refs/tags/v1.0.0" in text
    )
    assert (
        "?provider=gitlab&namespace=octo-group&project=sampleproject"
        "&workflow_filepath=.gitlab-ci.yml&environment=pypi"
    ) in text


def test_reusable_workflow_warns(run: Run) -> None:
    with OidcIssuer.github(
        called_workflow="octo-org/sampleproject/.github/workflows/publish.yml@refs/tags/v1.0.0"
    ) as issuer:
        run.index.trust(issuer)
        run.index.add_publisher(dataclasses.replace(GITHUB_PUBLISHER, workflow="publish.yml"))
        publisher = run.obtain(issuer.github_environ())
    assert publisher is not None
    assert publisher.identity.reusable_workflow
    assert publisher.identity.workflow == "publish.yml"
    warnings = [line for line in run.recorder.lines if line.startswith("warning:")]
    assert len(warnings) == 1
    assert (
        "reusable workflow (octo-org/sampleproject/.github/workflows/publish.yml@" in (warnings[0])
    )
    assert (
        "PyPI matches trusted publishers against the called workflow ('publish.yml'"
        in (warnings[0])
    )
