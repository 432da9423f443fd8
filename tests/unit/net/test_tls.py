"""net/tls.py: which certificates a run trusts, and how a TLS failure names the host."""

from __future__ import annotations

import pytest

from publish_action.net import Net, NetSettings, TlsFailure
from tests.support.indexes import FakeInternet, Warehouse


def test_tls_trusts_cert_or_ssl_cert_file_and_names_the_host_otherwise() -> None:
    pypi = Warehouse()
    with FakeInternet(pypi) as internet:
        proxies = {"HTTPS_PROXY": internet.proxy_url}
        with Net(
            NetSettings(timeout=5.0, retries=0, ca_bundle=internet.ca_bundle), environ=proxies
        ) as net:
            assert net.get("https://pypi.org/simple/", limit=100_000).status == 200
            assert "'cert' input" in net.trust.source
        with Net(
            NetSettings(timeout=5.0, retries=0),
            environ={**proxies, "SSL_CERT_FILE": str(internet.ca_bundle)},
        ) as net:
            assert net.get("https://pypi.org/simple/", limit=100_000).status == 200
            assert "system trust store" in net.trust.source and "SSL_CERT_FILE" in net.trust.source
        with (
            Net(NetSettings(timeout=5.0, retries=0), environ=proxies) as net,
            pytest.raises(TlsFailure) as info,
        ):
            net.get("https://pypi.org/simple/", limit=100_000)
    assert info.value.host == "pypi.org"
    assert "could not be verified" in info.value.message
