"""`net`: the run's one HTTP layer keeps every request within bounds.

A trickling or stalled server, or one that reads an upload a byte at a time, cannot hold a
request past its budget; an origin that keeps timing out is given up on; a stop (signal,
deadline) ends requests in flight at once; TLS trusts the system store, `SSL_CERT_FILE` and the
`cert` bundle; proxies come from the environment. The slow servers are the FaultProxy in front
of a small loopback server.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.net import Net, NetSettings, Stalled, TlsFailure, Unreachable, retry_after
from publish_action.net.transport import _bypassed, proxies_from
from tests.support.fault_proxy import FaultProxy, Rule, SlowRead, Stall, Trickle
from tests.support.indexes import FakeInternet, Warehouse
from tests.support.loopback import LoopbackServer


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"x" * 2000
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = LoopbackServer(_Echo)
    yield server.url
    server.close()


@pytest.fixture
def proxy(upstream: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream) as fault:
        yield fault


def test_a_trickling_answer_is_cut_by_the_transfer_budget(proxy: FaultProxy) -> None:
    proxy.add(Rule(Trickle(0.25, chunk=1)))
    with Net(NetSettings(timeout=1.0, retries=0), environ={}) as net:
        start = time.monotonic()
        with pytest.raises(Unreachable) as info:
            net.get(proxy.url, limit=10_000)
    assert time.monotonic() - start < 4
    assert info.value.timed_out and "too slow" in info.value.message


def test_a_stalled_origin_costs_two_timeouts_then_is_given_up(proxy: FaultProxy) -> None:
    proxy.add(Rule(Stall()))
    with Net(NetSettings(timeout=1.0, retries=3), environ={}) as net:
        start = time.monotonic()
        with pytest.raises(Stalled, match="stopped answering: 2 requests in a row"):
            net.get(proxy.url, limit=10_000)
        assert time.monotonic() - start < 5
        sent = len(proxy.requests())
        with pytest.raises(Stalled):
            net.get(proxy.url + "other", limit=10_000)
        assert len(proxy.requests()) == sent  # nothing more was sent to it


def test_a_server_reading_an_upload_slowly_cannot_hold_it(proxy: FaultProxy) -> None:
    proxy.add(Rule(SlowRead(4000), method="POST"))
    with Net(NetSettings(timeout=1.0, retries=0), environ={}) as net:
        start = time.monotonic()
        with pytest.raises(Unreachable) as info:
            net.retrying(
                proxy.url,
                lambda: net.fetch(
                    "POST", proxy.url, limit=10_000, content=b"u" * (8 * 1024 * 1024)
                ),
                answer_of=lambda a: a,
            )
    assert info.value.timed_out and "WriteTimeout" in info.value.message
    assert time.monotonic() - start < 6


def test_a_stop_ends_requests_in_flight_at_once(proxy: FaultProxy) -> None:
    proxy.add(Rule(Stall()))
    cancellation = Cancellation()
    caught: list[BaseException] = []
    with Net(NetSettings(timeout=30.0, retries=0), environ={}, cancellation=cancellation) as net:

        def request() -> None:
            try:
                net.get(proxy.url, limit=10_000)
            except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
                caught.append(exc)

        worker = threading.Thread(target=request)
        worker.start()
        proxy.wait_for(1, outcome="stalled")
        start = time.monotonic()
        cancellation.request(Reason.SIGTERM)  # 1 s of grace, then cut
        worker.join(5)
    assert not worker.is_alive() and time.monotonic() - start < 2.5
    assert isinstance(caught[0], Stopped) and caught[0].reason is Reason.SIGTERM


def test_the_run_deadline_bounds_every_request(proxy: FaultProxy) -> None:
    proxy.add(Rule(Stall()))
    settings = NetSettings(timeout=30.0, retries=3, deadline=time.monotonic() + 1.0)
    with Net(settings, environ={}) as net, pytest.raises(Stopped) as info:
        net.get(proxy.url, limit=10_000)
    assert info.value.reason is Reason.DEADLINE


def test_transient_answers_are_retried_with_retry_after(upstream: str) -> None:
    from tests.support.fault_proxy import Respond

    with FaultProxy(upstream) as fault:
        fault.add(Rule(Respond.unavailable(0), times=2))
        retried: list[str] = []
        with Net(NetSettings(timeout=5.0, retries=3), environ={}) as net:
            answer = net.get(
                fault.url, limit=10_000, on_retry=lambda why, delay: retried.append(why)
            )
    assert answer.status == 200 and retried == ["HTTP 503", "HTTP 503"]


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    headers = httpx.Headers
    assert retry_after(headers({"Retry-After": "7"}), 1.0) == 7.0
    later = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after(headers({"Retry-After": later}), 1.0, now=1_000_000) == pytest.approx(30)
    past = email.utils.formatdate(999_000, usegmt=True)
    assert retry_after(headers({"Retry-After": past}), 1.0, now=1_000_000) == 0.0
    assert retry_after(headers({"Retry-After": "3600"}), 1.0) is None  # not waited for
    assert retry_after(headers({"Retry-After": "soon"}), 1.5) == 1.5
    assert retry_after(headers({}), 2.0) == 2.0
    assert retry_after(headers({"Retry-After": "nan"}), 2.0) == 2.0


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
