"""Where upload credentials come from: configured ones, or a source that can renew them.

Trusted publishing mints tokens that expire (PyPI: 15 minutes); the uploader asks the source
for the current credentials before each request and asks it to renew after an expiry
(`with_renewal`). Renewal is done here rather than by an `httpx.Auth` on purpose: httpx reads
a refused answer's whole body before the retry, and every answer we read stays capped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from publish_action.settings import Credentials

T = TypeVar("T")


class CredentialSource(Protocol):
    def current(self) -> Credentials | None:
        """Credentials for the next request (renewing first if they are about to expire)."""
        ...

    def renew(self) -> Credentials | None:
        """Called after the index refused the current credentials; may return the same ones."""
        ...

    def describe(self) -> str:
        """What is sent, as a refusal names it (never the secret)."""
        ...


class StaticCredentials:
    """The configured user and password (or none): never change."""

    def __init__(self, credentials: Credentials | None) -> None:
        self._credentials = credentials

    def current(self) -> Credentials | None:
        return self._credentials

    def renew(self) -> Credentials | None:
        return self._credentials

    def describe(self) -> str:
        return self._credentials.describe() if self._credentials else "no credentials"


def with_renewal(
    source: CredentialSource, send: Callable[[Credentials | None], T], refused: Callable[[T], bool]
) -> tuple[T, bool]:
    """`send` with the current credentials; once more with fresh ones when the answer is a
    refusal and the source renews them. Returns the answer and whether it renewed."""
    credentials = source.current()
    answer = send(credentials)
    if credentials is None or not refused(answer):
        return answer, False
    fresh = source.renew()
    if fresh is None or fresh == credentials:
        return answer, False
    return send(fresh), True
