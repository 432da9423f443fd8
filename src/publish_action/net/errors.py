"""What the HTTP layer raises when a request cannot give an answer.

These are not user-facing errors yet: each service client (simple index, uploader, token mint)
turns them into a `PublishError` that names its phase, the URL and what to do.
"""

from __future__ import annotations

from publish_action.cancellation import Stopped

__all__ = ["NetError", "Stalled", "Stopped", "TlsFailure", "TooLarge", "Unreachable"]


class NetError(Exception):
    """A request gave no usable answer. `url` is safe to print (no user info)."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class Unreachable(NetError):
    """Connection refused, reset, timed out or garbled, and the retries are spent."""

    def __init__(
        self, message: str, *, url: str, attempts: int, timed_out: bool, reason: str = ""
    ) -> None:
        super().__init__(message, url=url)
        self.attempts = attempts
        self.timed_out = timed_out
        self.reason = reason or message  # the cause alone: "connection refused"


class Stalled(NetError):
    """The origin stopped answering: requests to it keep timing out, so none is sent again."""


class TlsFailure(NetError):
    """The server's certificate could not be verified (a private CA, an intercepting proxy)."""

    def __init__(self, message: str, *, url: str, host: str) -> None:
        super().__init__(message, url=url)
        self.host = host


class TooLarge(NetError):
    """The answer is larger than anything the caller expects (a cap protects memory)."""

    def __init__(self, message: str, *, url: str, limit: int) -> None:
        super().__init__(message, url=url)
        self.limit = limit
