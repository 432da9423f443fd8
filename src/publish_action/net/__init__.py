"""The one HTTP layer of a run: `Net` (timeouts, time budgets, retries, the stall breaker),
the typed `Answer`, the `NetError`s it raises and how they read to a user."""

from publish_action.net.advice import TLS_ADVICE, index_error
from publish_action.net.answer import Answer, server_message
from publish_action.net.client import (
    TRANSIENT_STATUSES,
    USER_AGENT,
    Net,
    NetSettings,
    default_transient,
    origin,
    retry_after,
    same_origin,
)
from publish_action.net.errors import (
    NetError,
    Stalled,
    Stopped,
    TlsFailure,
    TooLarge,
    Unreachable,
)

__all__ = [
    "TLS_ADVICE",
    "TRANSIENT_STATUSES",
    "USER_AGENT",
    "Answer",
    "Net",
    "NetError",
    "NetSettings",
    "Stalled",
    "Stopped",
    "TlsFailure",
    "TooLarge",
    "Unreachable",
    "default_transient",
    "index_error",
    "origin",
    "retry_after",
    "same_origin",
    "server_message",
]
