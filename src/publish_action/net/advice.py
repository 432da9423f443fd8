"""A request that gave no answer, as the user-facing error of the phase it happened in."""

from __future__ import annotations

from publish_action.errors import IndexError_, rerun_note
from publish_action.net.errors import NetError, Stalled, TlsFailure, TooLarge, Unreachable

TLS_ADVICE = (
    "the server's certificate is not signed by a CA this runner trusts. For a private CA, give "
    "its bundle with the 'cert' input (or SSL_CERT_FILE), or install it in the system trust "
    "store; behind an intercepting proxy, trust the proxy's CA the same way"
)


def index_error(phase: str, exc: NetError, *, what: str, checked: bool = True) -> IndexError_:
    """`phase`: "check", "upload", "confirmation"...; `what`: what was being done."""
    if isinstance(exc, TlsFailure):
        return IndexError_(
            f"{phase}: {what}: {exc.message}", advice=f"{TLS_ADVICE} (host {exc.host})"
        )
    if isinstance(exc, Stalled):
        advice = (
            "the index is down or overloaded; re-run the job later "
            f"({rerun_note(checked)}); raise 'timeout' if it is merely slow"
        )
    elif isinstance(exc, TooLarge):
        advice = "check 'index-url': it should be the index's simple URL, whose pages are small"
    elif isinstance(exc, Unreachable) and exc.timed_out:
        advice = (
            "the index did not answer in time; re-run the job later, or raise 'timeout' "
            "for a slow index"
        )
    else:
        advice = "check the URL and the network, then re-run the job"
    return IndexError_(f"{phase}: {what}: {exc.message}", advice=advice)
