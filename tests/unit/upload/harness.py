"""Helpers shared by the tests of this package."""

from __future__ import annotations

from publish_action.credentials import CredentialSource
from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.settings import Credentials
from publish_action.simple_index import IndexClient
from publish_action.targets import classify
from publish_action.targets.identify import identify
from publish_action.upload import Uploader
from tests.support import servers
from tests.support.fault_proxy import FaultProxy


class Rotating:
    """A credential source whose first token the index refuses (an expired one)."""

    def __init__(self, stale: Credentials, fresh: Credentials) -> None:
        self.stale, self.fresh = stale, fresh
        self.renewals = 0
        self._held = stale

    def current(self) -> Credentials:
        return self._held

    def renew(self) -> Credentials:
        self.renewals += 1
        self._held = self.fresh
        return self.fresh

    def describe(self) -> str:
        return self._held.describe()


def make(proxy: FaultProxy, index: servers.RunningIndex, credentials: CredentialSource) -> Uploader:
    via = proxy.index(index)
    net = Net(NetSettings(timeout=1.0, retries=1), environ={})
    reader = IndexClient(net, via.index_url, SilentReporter(), credentials=None)
    return Uploader(
        net,
        repository_url=via.upload_url,
        # The server says what it is, as in a run (pypiserver's root URL is a shared shape).
        profile=identify(
            classify(via.upload_url), via.upload_url, net, credentials=None, given_index_url=None
        ).profile,
        credentials=credentials,
        index=reader,
        reporter=SilentReporter(),
    )


def creds(index: servers.RunningIndex) -> Rotating:
    good = Credentials(index.username, index.password)
    return Rotating(good, good)
