"""What an index's refusal of an upload means, in words: who it expected (a 401/403 names the
index's user convention and what this run sent), what a 405 or 413 usually is, and the
Metadata-Version a refusal of the metadata asks for. The index's own message is always kept."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from publish_action.acceptance import metadata_version_advice
from publish_action.errors import AuthError, IndexError_, PublishError, rerun_note

if TYPE_CHECKING:
    from publish_action.distributions import Distribution
    from publish_action.targets.facts import IndexFacts

_ADVICE_BY_STATUS = {
    405: "'repository-url' looks like a read-only (simple index) URL; use the upload endpoint",
    413: "the file is larger than the index accepts; on PyPI, ask for a file size limit "
    "increase (https://pypi.org/help/#file-size-limit)",
}


def refusal(
    dist: Distribution,
    status: int,
    message: str,
    *,
    where: str,
    facts: IndexFacts,
    sent: str,
    checks: bool,
) -> PublishError:
    """The error for an upload the index answered `status` with `message` (and the file is not
    there: the caller has read the index). `sent`: the credentials, described; `checks`: this
    run reads the index (so a re-run skips what is there)."""
    if status in (401, 403):
        return AuthError(
            f"{where} refused the upload of {dist.filename}: HTTP {status} ({message})",
            advice=f"{facts.name} expects {facts.users.convention}; this run sent {sent}"
            + (
                "; HTTP 403 can also mean the account may not upload to this project"
                if status == 403
                else ""
            ),
        )
    advice = _ADVICE_BY_STATUS.get(
        status,
        "the index's message above says why; fix the distribution or the "
        f"index settings and re-run ({rerun_note(checks)})",
    )
    if re.search(r"metadata[ _-]?version|supported versions are", message, re.I):
        advice = f"{metadata_version_advice(dist)}; {advice}"
    return IndexError_(f"{where} refused {dist.filename}: HTTP {status} ({message})", advice=advice)
