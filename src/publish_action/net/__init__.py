"""The one HTTP layer of a run: `Net` (timeouts, time budgets, retries, the stall breaker),
the typed `Answer`, the `NetError`s it raises and how they read to a user."""

from publish_action.net.advice import TLS_ADVICE, index_error
from publish_action.net.answer import Answer, server_message
from publish_action.net.client import USER_AGENT, Net, NetSettings
from publish_action.net.errors import (
    NetError,
    Stalled,
    Stopped,
    TlsFailure,
    TooLarge,
    Unreachable,
)
from publish_action.net.retry import (
    TRANSIENT_STATUSES,
    default_transient,
    origin,
    retry_after,
    same_origin,
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
