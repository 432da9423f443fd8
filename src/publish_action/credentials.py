"""Where upload credentials come from: configured ones, or a source that can renew them.

Trusted publishing mints tokens that expire (PyPI: 15 minutes); the uploader asks the source
for the current credentials before each request and asks it to renew after an expiry.
"""

from __future__ import annotations

from typing import Protocol

from publish_action.settings import Credentials


class CredentialSource(Protocol):
    def current(self) -> Credentials | None:
        """Credentials for the next request (renewing first if they are about to expire)."""
        ...

    def renew(self) -> Credentials | None:
        """Called after the index refused the current credentials; may return the same ones."""
        ...


class StaticCredentials:
    """The configured user and password (or none): never change."""

    def __init__(self, credentials: Credentials | None) -> None:
        self._credentials = credentials

    def current(self) -> Credentials | None:
        return self._credentials

    def renew(self) -> Credentials | None:
        return self._credentials
