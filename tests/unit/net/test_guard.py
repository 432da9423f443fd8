"""net/guard.py: the transfer budget, the slow-reader limit and a stop that ends requests in
flight, through real sockets."""

from __future__ import annotations

import threading
import time

import pytest

from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.net import Net, NetSettings, Unreachable
from tests.support.fault_proxy import FaultProxy, Rule, SlowRead, Stall, Trickle


def test_a_trickling_answer_is_cut_by_the_transfer_budget(proxy: FaultProxy) -> None:
    proxy.add(Rule(Trickle(0.25, chunk=1)))
    with Net(NetSettings(timeout=1.0, retries=0), environ={}) as net:
        start = time.monotonic()
        with pytest.raises(Unreachable) as info:
            net.get(proxy.url, limit=10_000)
    assert time.monotonic() - start < 4
    assert info.value.timed_out and "too slow" in info.value.message


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
