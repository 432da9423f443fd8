"""net/advice.py: a request that gave no answer, as the phase's error with the advice that fits
the failure."""

from __future__ import annotations

import pytest

from publish_action.errors import ExitCode
from publish_action.net import (
    TLS_ADVICE,
    NetError,
    Stalled,
    TlsFailure,
    TooLarge,
    Unreachable,
    index_error,
)

URL = "https://127.0.0.1:1/simple/demo/"


@pytest.mark.parametrize(
    ("exc", "advice"),
    [
        (Stalled("no answer", url=URL), "the index is down or overloaded"),
        (TooLarge("too big", url=URL, limit=1), "check 'index-url'"),
        (
            Unreachable("timed out", url=URL, attempts=3, timed_out=True),
            "the index did not answer in time",
        ),
        (
            Unreachable("refused", url=URL, attempts=3, timed_out=False),
            "check the URL and the network",
        ),
        (NetError("odd", url=URL), "check the URL and the network"),
    ],
)
def test_the_advice_fits_the_failure(exc: NetError, advice: str) -> None:
    error = index_error("check", exc, what="reading the project page")
    assert error.exit_code == ExitCode.INDEX
    assert error.message == f"check: reading the project page: {exc.message}"
    assert error.advice.startswith(advice)


def test_a_tls_failure_says_how_to_trust_the_ca_and_names_the_host() -> None:
    exc = TlsFailure("certificate verify failed", url=URL, host="index.internal")
    error = index_error("upload", exc, what="sending demo-1.0.tar.gz")
    assert error.message == "upload: sending demo-1.0.tar.gz: certificate verify failed"
    assert error.advice == f"{TLS_ADVICE} (host index.internal)"
    assert "'cert' input" in TLS_ADVICE and "SSL_CERT_FILE" in TLS_ADVICE
