"""What a dry run verified, said plainly: the files, the check, and the credentials only where
the index can prove them without an upload.

Two proofs exist. Trusted publishing: the index minted an upload token for this workflow.
Configured credentials: the check read the index's pages with them, and the same page read
anonymously is refused (401/403), or answers 404 for a project the credentials see (GitLab's
private projects): the index accepted the credentials for reading. Anywhere else (an index
that lets anyone read, a check that read without them) the credentials were not tested, and
the dry run says so: a wrong password fails the real run with exit code 5, not the dry run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from publish_action.net import NetError
from publish_action.pipeline import stages
from publish_action.redaction import display_url

if TYPE_CHECKING:
    from publish_action.net import Net
    from publish_action.pipeline.state import RunState
    from publish_action.trusted_publishing import TrustedPublisher

_PROBE_LIMIT = 64 * 1024  # the status is what counts; the page is not read


@dataclass(frozen=True)
class CredentialCheck:
    verified: bool
    how: str  # why they count as verified, or why they could not be


def verify_credentials(
    run: RunState, net: Net, publisher: TrustedPublisher | None
) -> CredentialCheck:
    settings = run.settings
    host = urlsplit(display_url(settings.repository_url)).netloc
    if publisher is not None:
        return CredentialCheck(
            True, f"{host} minted a trusted-publishing upload token for this workflow"
        )
    upload = settings.upload_credentials
    if upload is None:
        return CredentialCheck(False, "no credentials are configured for the upload")
    who = upload.describe()
    sent, _ = stages.read_credentials(settings)
    if sent is not upload or not run.pages:
        return CredentialCheck(False, f"the check read the index without {who}")
    pages = sorted(run.pages.values(), key=lambda page: not page.found)
    page = pages[0]
    try:
        anonymous = net.fetch("GET", page.url, limit=_PROBE_LIMIT, truncate=True).status
    except (httpx.HTTPError, NetError) as exc:
        return CredentialCheck(
            False, f"an anonymous read of {display_url(page.url)} got no answer ({exc})"
        )
    if anonymous in (401, 403):
        return CredentialCheck(
            True,
            f"the index refuses anonymous reads (HTTP {anonymous}) and accepted {who} for the "
            "check's reads; permission to upload is only tested by an upload",
        )
    if anonymous == 404 and page.found:
        return CredentialCheck(
            True,
            f"{page.project} is private (HTTP 404 to anonymous reads) and {who} read it; "
            "permission to upload is only tested by an upload",
        )
    if anonymous >= 400 and anonymous != 404:  # 429, 5xx: neither a refusal nor an answer
        return CredentialCheck(
            False, f"an anonymous read of {display_url(page.url)} got HTTP {anonymous}"
        )
    return CredentialCheck(
        False,
        f"the index answers anonymous reads (HTTP {anonymous} for {display_url(page.url)}), "
        f"so reading it with {who} proves nothing",
    )


def statement(run: RunState, check: CredentialCheck) -> list[str]:
    """The dry run's last words before its result: what it verified, and what it did not."""
    settings = run.settings
    files = f"{len(run.dists)} file(s)" + (
        " and their metadata" if settings.verify_metadata else ""
    )
    index = (
        f"the index's pages of {len(run.pages)} project(s), the index's known limits"
        if settings.index_url is not None
        else "the index's known limits (no index check: no index-url is known)"
    )
    lines = [f"dry run: verified {files}, {index}"]
    if check.verified:
        lines.append(f"dry run: credentials verified: {check.how}")
    else:
        lines.append(
            f"dry run: credentials NOT verified: {check.how}; only an upload tests them, and a "
            "refusal fails the real run (exit code 5), not this dry run"
        )
    lines.append("dry run: nothing was uploaded or signed")
    return lines


__all__ = ["CredentialCheck", "statement", "verify_credentials"]
