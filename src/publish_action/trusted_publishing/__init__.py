"""Trusted publishing: a short-lived upload token minted from the CI's OIDC identity.

The exchange is PyPI's, on the upload URL's scheme and host:

1. `GET /_/oidc/audience` → `{"audience": ...}` (403: switched off; 404: not offered);
2. an OIDC token for that audience from the CI (`ci.ambient_token`);
3. `POST /_/oidc/mint-token` with `{"token": <jwt>}` → `{"success": true, "token": ...,
   "expires": ...}`, used with user `__token__`; 422 `{"errors": [{code, description}]}` when
   the index refuses.

Upload tokens expire (PyPI: 15 minutes) and OIDC tokens are single-use, so `TrustedPublisher`
mints a fresh pair when the token is about to expire or the index refuses it. Every token is
handed to the Redactor the moment it is received (on GitHub that masks it in the log).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from publish_action.errors import TrustedPublishingError
from publish_action.settings import Settings, TrustedPublishing
from publish_action.trusted_publishing.exchange import IndexExchange, NotOffered
from publish_action.trusted_publishing.publisher import TrustedPublisher

if TYPE_CHECKING:
    from publish_action.ci import CiEnvironment
    from publish_action.net import Net
    from publish_action.redaction import Redactor
    from publish_action.reporting import Reporter

__all__ = ["IndexExchange", "TrustedPublisher", "obtain"]


def obtain(
    settings: Settings,
    reporter: Reporter,
    *,
    projects: Sequence[str],
    ci_env: CiEnvironment,
    net: Net,
    redactor: Redactor,
) -> TrustedPublisher | None:
    """A trusted publisher with its first upload token, or None when it does not apply.

    None: mode `never`; mode `auto` with a password configured; mode `auto` and the index
    does not offer trusted publishing (one info line says so). Raises `TrustedPublishingError`.
    """
    mode = settings.trusted_publishing
    if mode is TrustedPublishing.NEVER:
        return None
    if mode is TrustedPublishing.AUTO and settings.upload_credentials is not None:
        reporter.debug("trusted publishing: not tried, a password is configured")
        return None
    exchange = IndexExchange(net, settings.repository_url, reporter=reporter)
    try:
        audience = exchange.audience()
    except NotOffered as not_offered:
        if mode is TrustedPublishing.ALWAYS:
            raise TrustedPublishingError(
                f"trusted publishing: {exchange.host} does not offer trusted publishing "
                f"({not_offered})",
                advice="check 'repository-url'; for an index without trusted publishing, set "
                "'password' and 'trusted-publishing: auto' (or 'never')",
            ) from None
        how = (
            "with the configured credentials"
            if settings.upload_credentials
            else ("without credentials")
        )
        reporter.info(
            f"trusted publishing: not used, {exchange.host} does not offer it "
            f"({not_offered}); uploading {how}"
        )
        return None
    if settings.upload_credentials is not None:
        reporter.info("trusted publishing: 'always', so the configured password is not used")
    publisher = TrustedPublisher(
        exchange,
        audience=audience,
        ci_env=ci_env,
        redactor=redactor,
        reporter=reporter,
        projects=projects,
        index=settings.index,
        oidc_timeout=min(settings.timeout, 30.0),
    )
    publisher.current()
    return publisher
