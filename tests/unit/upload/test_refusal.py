"""`upload.refusal`: an index's refusal of an upload, in words."""

from __future__ import annotations

from publish_action.distributions import Distribution
from publish_action.errors import AuthError, IndexError_
from publish_action.targets.facts import facts_of
from publish_action.targets.kinds import IndexKind
from publish_action.upload.refusal import refusal


def test_auth_refusals_name_the_convention_and_what_was_sent(
    dists: list[Distribution],
) -> None:
    facts = facts_of(IndexKind.PYPISERVER)
    sent = "the upload credentials (user '__token__')"
    error = refusal(
        dists[0], 403, "Forbidden", where="http://h/", facts=facts, sent=sent, checks=True
    )
    assert isinstance(error, AuthError)
    assert (
        error.message
        == f"http://h/ refused the upload of {dists[0].filename}: HTTP 403 (Forbidden)"
    )
    assert error.advice == (
        f"{facts.name} expects {facts.users.convention}; this run sent {sent}; HTTP 403 can "
        "also mean the account may not upload to this project"
    )
    unauthorized = refusal(dists[0], 401, "x", where="w", facts=facts, sent=sent, checks=True)
    assert "HTTP 403 can also mean" not in unauthorized.advice


def test_other_refusals_keep_their_message(
    dists: list[Distribution],
) -> None:
    facts = facts_of(IndexKind.PYPI)

    def refused(status: int, message: str) -> str:
        error = refusal(dists[0], status, message, where="w", facts=facts, sent="", checks=True)
        assert isinstance(error, IndexError_) and f"HTTP {status} ({message})" in error.message
        return error.advice

    assert "read-only (simple index) URL" in refused(405, "Method Not Allowed")
    assert "file size limit increase" in refused(413, "Payload Too Large")
    assert "the index's message above says why" in refused(400, "Invalid distribution")
    metadata = refused(400, "'3.0' is an invalid value for Metadata-Version")
    assert "Metadata-Version" in metadata or "metadata" in metadata.lower()
    assert metadata.endswith(refused(400, "Invalid distribution"))
