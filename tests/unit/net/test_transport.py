"""net/transport.py: proxies from the environment and NO_PROXY read as curl and pip read it."""

from __future__ import annotations

import pytest

from publish_action.net.transport import _bypassed, proxies_from


@pytest.mark.parametrize(
    ("host", "no_proxy", "bypassed"),
    [
        ("pkg.example.com", "example.com", True),
        ("pkg.example.com", ".example.com", True),
        ("example.com", "example.com:8443", True),
        ("notexample.com", "example.com", False),
        ("anything", "*", True),
        ("anything", "", False),
        ("::1", "[::1]", True),
    ],
)
def test_no_proxy_is_read_as_curl_and_pip_read_it(host: str, no_proxy: str, bypassed: bool) -> None:
    assert _bypassed(host, {"no": no_proxy}) is bypassed


def test_proxies_come_from_the_environment_lower_case_first() -> None:
    assert proxies_from(
        {
            "HTTPS_PROXY": "http://upper:3128",
            "https_proxy": "http://lower:3128",
            "NO_PROXY": "internal",
        }
    ) == {"https": "http://lower:3128", "no": "internal"}
