"""`net`: the run's one HTTP layer keeps every request within bounds.

A trickling or stalled server, or one that reads an upload a byte at a time, cannot hold a
request past its budget; an origin that keeps timing out is given up on; a stop (signal,
deadline) ends requests in flight at once; TLS trusts the system store, `SSL_CERT_FILE` and the
`cert` bundle; proxies come from the environment. The slow servers are the FaultProxy in front
of a small loopback server.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from publish_action.cancellation import Reason, Stopped
from publish_action.net import Net, NetSettings, Stalled
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


def test_the_trace_tells_each_request_and_its_answer_and_never_a_secret(proxy: FaultProxy) -> None:
    from tests.support.fault_proxy import Respond

    proxy.add(Rule(Respond.redirect(proxy.url + "there/?X-Signature=s3cr3t"), path="moved"))
    proxy.add(Rule(Stall(), path="stalled"))
    trace: list[str] = []
    with Net(NetSettings(timeout=1.0, retries=0), environ={}, trace=trace.append) as net:
        net.fetch(
            "POST",
            proxy.url.replace("http://", "http://bob:hunter2@") + "up/?token=t0ken&x=",
            limit=10_000,
            content=b"y" * 1500,
            auth=("bob", "hunter2"),
            what="demo-1.0.tar.gz",
        )
        net.fetch("GET", proxy.url + "moved", limit=10_000)
        with pytest.raises(httpx.TimeoutException):
            net.fetch("GET", proxy.url + "stalled", limit=10_000)
        net.download(proxy.url + "file", lambda chunk: None)
    assert len(trace) == 4
    assert re.fullmatch(
        rf"POST {re.escape(proxy.url)}up/\?token=\*\*\*&x=\*\*\* \(demo-1\.0\.tar\.gz, 1\.5 KB\) "
        r"→ 200 OK, 2\.0 KB in \d+\.\d\d s",
        trace[0],
    ), trace[0]
    assert re.fullmatch(
        rf"GET {re.escape(proxy.url)}moved → 302 Found \(to {re.escape(proxy.url)}there/"
        r"\?X-Signature=\*\*\*\), 9 B in \d+\.\d\d s",
        trace[1],
    ), trace[1]
    assert re.fullmatch(
        rf"GET {re.escape(proxy.url)}stalled → no answer \(.+\) after \d+\.\d\d s", trace[2]
    ), trace[2]
    assert re.fullmatch(rf"GET {re.escape(proxy.url)}file → 200 OK, 2\.0 KB in .*", trace[3])
    assert not [line for line in trace if "hunter2" in line or "s3cr3t" in line or "t0ken" in line]
