"""`net`: the run's one HTTP layer keeps every request within bounds.

A trickling or stalled server, or one that reads an upload a byte at a time, cannot hold a
request past its budget; an origin that keeps timing out is given up on; a stop (signal,
deadline) ends requests in flight at once; TLS trusts the system store, `SSL_CERT_FILE` and the
`cert` bundle; proxies come from the environment. The slow servers are the FaultProxy in front
of a small loopback server.
"""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from publish_action.cancellation import Reason, Stopped
from publish_action.net import Net, NetSettings, Stalled, retry_after
from tests.support.fault_proxy import FaultProxy, Rule, Stall


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
