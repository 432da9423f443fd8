"""The index's trusted-publishing endpoints, on the upload URL's origin (Warehouse's protocol):

1. `GET /_/oidc/audience` → `{"audience": ...}` (403 with Warehouse's JSON: switched off;
   404 and the like: not offered);
2. `POST /_/oidc/mint-token` with `{"token": <jwt>}` → `{"success": true, "token": ...,
   "expires": ...}`, or 422 `{"errors": [{code, description}]}` when the index refuses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from publish_action.errors import TrustedPublishingError
from publish_action.net import TRANSIENT_STATUSES, Answer, NetError, retry_after

if TYPE_CHECKING:
    from publish_action.net import Net
    from publish_action.reporting import Reporter

AUDIENCE_PATH = "/_/oidc/audience"
MINT_PATH = "/_/oidc/mint-token"
_ANSWER_LIMIT = 1024 * 1024
# Answers that mean "no trusted publishing here" (a redirect is never followed: the endpoint
# must answer on the upload URL's own origin; 401: the index wants credentials instead).
_NOT_SUPPORTED = frozenset({301, 302, 303, 307, 308, 401, 404, 405, 410, 501})


class NotOffered(Exception):
    """The index does not speak the trusted-publishing protocol (e.g. 404)."""


class IndexExchange:
    """The index's trusted-publishing endpoints (`/_/oidc/`), on the upload URL's origin."""

    def __init__(self, net: Net, upload_url: str, *, reporter: Reporter) -> None:
        parts = urlsplit(upload_url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{host}:{parts.port}" if parts.port else host
        self.origin = f"{parts.scheme}://{netloc}"
        self.host = netloc
        self.audience_url = self.origin + AUDIENCE_PATH
        self.mint_url = self.origin + MINT_PATH
        self.net = net
        self._reporter = reporter

    def audience(self) -> str:
        """The audience the index wants; raises `NotOffered` or `TrustedPublishingError`."""
        response = self._send("GET", self.audience_url, what="audience request")
        status = response.status
        if status == 403 and json_message(response):
            raise TrustedPublishingError(
                f"trusted publishing: {self.host} has trusted publishing switched off "
                f"(GET {AUDIENCE_PATH} answered 403: {reason(response)})",
                advice="the index's administrators disabled it (PyPI does so during incidents: "
                "https://pypi.org/help/#admin-intervention); retry later, or publish with an "
                "API token in 'password'",
            )
        if status in _NOT_SUPPORTED or status == 403:  # 403 without Warehouse's JSON
            raise NotOffered(f"GET {AUDIENCE_PATH} answered {status}")
        if status != 200:
            raise TrustedPublishingError(
                f"trusted publishing: {self.host} answered the audience request with "
                f"unexpected HTTP {status} (GET {self.audience_url}: {reason(response)})",
                advice="the index may be down or misconfigured; re-run the job later",
            )
        try:
            data = response.json()
        except ValueError:
            if "json" not in response.headers.get("content-type", ""):
                raise NotOffered(f"GET {AUDIENCE_PATH} answered a non-JSON page") from None
            data = None
        audience = data.get("audience") if isinstance(data, dict) else None
        if not isinstance(audience, str) or not audience:
            raise TrustedPublishingError(
                f"trusted publishing: {self.host} gave a malformed answer to the audience "
                f'request (GET {self.audience_url}): expected {{"audience": "..."}}, got '
                f"{snippet(response.text())}",
                advice="the index's trusted-publishing endpoint is broken; re-run later, or "
                "publish with an API token in 'password'",
            )
        return audience

    def mint(self, jwt: str) -> Answer:
        """One POST of the OIDC token (no retries: a retry needs a fresh OIDC token)."""
        return self.net.fetch(
            "POST",
            self.mint_url,
            limit=_ANSWER_LIMIT,
            truncate=True,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            content=json.dumps({"token": jwt}).encode(),
        )

    def retrying(self, attempt: Callable[[], Answer], *, what: str) -> Answer:
        """Retry `attempt` through the run's HTTP layer; unreachable: TrustedPublishingError."""

        def on_retry(why: str, delay: float) -> None:
            self._reporter.warning(
                f"trusted publishing: {what} to {self.host} failed ({why}); "
                f"retrying in {delay:.1f} s"
            )

        try:
            return self.net.retrying(
                self.origin,
                attempt,
                answer_of=lambda a: a,
                transient=_transient,
                on_retry=on_retry,
                kind="token",
            )
        except NetError as exc:
            raise TrustedPublishingError(
                f"trusted publishing: could not reach {self.host} for the {what}: {exc.message}",
                advice="check 'repository-url' and the network; re-run the job",
            ) from exc

    def _send(self, method: str, url: str, *, what: str) -> Answer:
        return self.retrying(
            lambda: self.net.fetch(method, url, limit=_ANSWER_LIMIT, truncate=True), what=what
        )


def json_message(response: Answer) -> str:
    """Warehouse's `{"message": ...}` body, if that is what the answer is."""
    try:
        data = response.json()
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else ""


def reason(response: Answer) -> str:
    """The index's own words, without a repeated status code."""
    return response.message().removeprefix(f"{response.status} ")


def _transient(answer: Answer) -> float | None:
    if answer.status in TRANSIENT_STATUSES:
        return retry_after(answer.headers, 1.0)
    return None


def snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return repr(text[:limit] + ("…" if len(text) > limit else "")) if text else "an empty body"
