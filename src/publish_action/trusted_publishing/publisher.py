"""`TrustedPublisher`: a `CredentialSource` whose upload tokens are minted from the CI's OIDC
identity. Upload tokens expire (PyPI: 15 minutes) and OIDC tokens are single-use, so a fresh
pair is minted when the held token is about to expire or the index refuses it. Every token is
handed to the Redactor the moment it arrives (on GitHub that masks it in the log).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from publish_action.ci import (
    AmbientToken,
    AmbientTokenError,
    CiEnvironment,
    Identity,
    ambient_token,
)
from publish_action.errors import TrustedPublishingError
from publish_action.net import Answer
from publish_action.settings import Credentials
from publish_action.trusted_publishing.advice import (
    MISSING,
    identity_error,
    publisher_links,
    refusal_advice,
    reusable_warning,
    shown_claims,
)
from publish_action.trusted_publishing.exchange import MINT_PATH, IndexExchange, reason, snippet

if TYPE_CHECKING:
    from publish_action.redaction import Redactor
    from publish_action.reporting import Reporter
    from publish_action.targets import IndexProfile

RENEW_MARGIN = 60.0  # seconds before `expires` at which a fresh token is minted
UPLOAD_USER = "__token__"


class TrustedPublisher:
    """A `CredentialSource` whose upload tokens are minted from the CI's OIDC identity.

    `current()` mints a fresh token when the one held expires within `RENEW_MARGIN` seconds;
    `renew()` mints one after the index refused the held token. Thread-safe: uploads in
    parallel share one token and one mint at a time.
    """

    def __init__(
        self,
        exchange: IndexExchange,
        *,
        audience: str,
        ci_env: CiEnvironment,
        redactor: Redactor,
        reporter: Reporter,
        projects: Sequence[str],
        index: IndexProfile,
        oidc_timeout: float = 30.0,
    ) -> None:
        self._exchange = exchange
        self.audience = audience
        self._ci = ci_env
        self._redactor = redactor
        self._reporter = reporter
        self._projects = tuple(projects)
        self._index = index
        self._oidc_timeout = oidc_timeout
        self._lock = threading.Lock()
        self._credentials: Credentials | None = None
        self._expires: float | None = None
        self._minted_at = 0.0
        self._spent_jtis: set[str] = set()
        self._identity: Identity | None = None
        self.mints = 0

    # -- the identity ------------------------------------------------------------------------

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            raise RuntimeError("no token minted yet")
        return self._identity

    @property
    def ci(self) -> str:
        return self.identity.ci

    @property
    def claims(self) -> Mapping[str, Any]:
        return self.identity.claims

    @property
    def origin(self) -> str:
        return self._exchange.origin

    @property
    def expires(self) -> float | None:
        """Unix time the held upload token expires (None: the index did not say)."""
        return self._expires

    # -- CredentialSource --------------------------------------------------------------------

    def current(self) -> Credentials:
        with self._lock:
            if self._credentials is None or self._expiring():
                self._mint()
            assert self._credentials is not None
            return self._credentials

    def describe(self) -> str:
        return "a token minted by trusted publishing (user '__token__')"

    def renew(self) -> Credentials:
        with self._lock:
            # Parallel uploads refused together: the first one renews, the others reuse it.
            if self._credentials is None or time.monotonic() - self._minted_at > 2.0:
                self._mint()
            assert self._credentials is not None
            return self._credentials

    def _expiring(self) -> bool:
        return self._expires is not None and time.time() >= self._expires - RENEW_MARGIN

    # -- minting -----------------------------------------------------------------------------

    def _mint(self) -> None:
        first = self._credentials is None
        if not first:
            self._reporter.info(
                "trusted publishing: the upload token expires soon or was "
                "refused; minting a fresh one"
            )

        last_token: list[AmbientToken] = []

        def attempt() -> Answer:
            token = self._ambient()
            last_token[:] = [token]
            return self._exchange.mint(token.jwt)

        # Each retry gets a fresh OIDC token: the index accepts one only once.
        response = self._exchange.retrying(attempt, what="token exchange")
        token = last_token[0]
        self._accept(response, token)
        if first:
            self._announce(token)

    def _ambient(self) -> AmbientToken:
        try:
            token = ambient_token(
                self.audience,
                self._ci,
                self._exchange.net,
                timeout=self._oidc_timeout,
                cancellation=self._exchange.net.cancellation,
            )
        except AmbientTokenError as exc:
            raise identity_error(exc, self.audience) from exc.__cause__
        # Registered before anything else can print it (on GitHub this masks it).
        self._redactor.add(token.jwt)
        if token.jti and token.jti in self._spent_jtis:
            raise TrustedPublishingError(
                f"trusted publishing: the upload token expired and {token.ci.name} gave the "
                f"same OIDC token again ({token.source}), which the index accepts only once",
                advice=(
                    f"{token.ci.name} issues one ID token per job: keep each publishing job "
                    "under the upload token's lifetime (PyPI: 15 minutes), e.g. publish "
                    "fewer or smaller files per job"
                ),
            )
        if self._identity is None:
            self._identity = Identity(
                ci=token.ci.name, ci_key=token.ci.key, claims=dict(token.claims)
            )
            if self._identity.reusable_workflow:
                self._reporter.warning(reusable_warning(self._identity))
        return token

    def _accept(self, response: Answer, token: AmbientToken) -> None:
        status = response.status
        host = self._exchange.host
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("token"), str):
            # First, whatever else is wrong with the answer.
            self._redactor.add_credentials("__token__", data["token"])
        if status == 422 and isinstance(data, dict) and isinstance(data.get("errors"), list):
            raise self._refused(status, data["errors"], token)
        if status != 200:
            raise TrustedPublishingError(
                f"trusted publishing: {host} gave an unexpected answer to the token exchange "
                f"(POST {MINT_PATH} → HTTP {status}: {reason(response)})",
                advice="this suggests a problem on the index (configuration or downtime); "
                "wait a few minutes and re-run the job",
            )
        minted = data.get("token") if isinstance(data, dict) else None
        expires = data.get("expires") if isinstance(data, dict) else None
        success = data.get("success") if isinstance(data, dict) else None
        if (
            not isinstance(minted, str)
            or not minted
            or success is False
            or (expires is not None and not isinstance(expires, (int, float)))
        ):
            raise TrustedPublishingError(
                f"trusted publishing: {host} gave a malformed answer to the token exchange "
                f'(POST {MINT_PATH} → 200, expected {{"success": true, "token": ..., '
                f'"expires": ...}}): {snippet(self._redactor(response.text()))}',
                advice="this suggests a problem on the index; wait a few minutes and re-run",
            )
        self._credentials = Credentials(UPLOAD_USER, minted)
        self._expires = float(expires) if expires is not None else None
        self._minted_at = time.monotonic()
        if token.jti:
            self._spent_jtis.add(token.jti)
        self.mints += 1

    def _announce(self, token: AmbientToken) -> None:
        identity = self.identity
        who = identity.repository or str(identity.claims.get("sub", "?"))
        extra = [f"workflow {identity.workflow}"] if identity.workflow else []
        if identity.environment:
            extra.append(f"environment {identity.environment}")
        ref = identity.claims.get("ref")
        if ref:
            extra.append(f"ref {ref}")
        until = ""
        if self._expires is not None:
            until = "; valid until " + time.strftime("%H:%M:%S UTC", time.gmtime(self._expires))
        details = f" ({', '.join(extra)})" if extra else ""
        self._reporter.info(
            f"trusted publishing: {self._exchange.host} minted an upload token for the "
            f"{token.ci.name} identity {who}{details}{until}"
        )

    def _refused(
        self, status: int, errors: list[Any], token: AmbientToken
    ) -> TrustedPublishingError:
        identity = self.identity
        codes: list[str] = []
        details: list[str] = []
        for error in errors:
            code = str(error.get("code", "?")) if isinstance(error, dict) else "?"
            text = str(error.get("description", "")) if isinstance(error, dict) else str(error)
            codes.append(code)
            details.append(f"{code}: {self._redactor(text)}")
        details.append(
            f"claims of the {token.ci.name} OIDC token (decoded for display only, "
            f"not verified; {MISSING} = absent):"
        )
        shown = shown_claims(token.ci.key)
        details.extend(f"  {name}: {token.claims.get(name, MISSING)}" for name in shown)
        if identity.reusable_workflow:
            details.append(
                "this job runs in a reusable workflow; PyPI matches the publisher "
                "against job_workflow_ref (the called workflow)"
            )
        links = publisher_links(self._index, self._projects, identity)
        details.extend(links)
        return TrustedPublishingError(
            f"trusted publishing: {self._exchange.host} refused to mint an upload token for "
            f"this {token.ci.name} identity (POST {MINT_PATH} → HTTP {status})",
            details=tuple(details),
            advice=refusal_advice(
                codes, identity, self._projects, self._exchange.host, token.ci.name
            ),
        )
