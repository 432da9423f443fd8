"""The httpx transport of a run: httpcore pools over the guarded network backend.

httpx's own transport cannot take a network backend, so this is a small one over httpcore's
public API: a direct pool, one pool per proxy (HTTP(S)_PROXY / ALL_PROXY, NO_PROXY honoured the
way curl reads them), httpcore's exceptions mapped to httpx's, and each request's time budget
begun here and ended when its answer is closed.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpcore
import httpx

from publish_action.net.guard import Guard, GuardedBackend, Transfer

_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    # Most specific first.
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _mapped(exc: Exception) -> Exception:
    for theirs, ours in _EXCEPTIONS:
        if isinstance(exc, theirs):
            return ours(str(exc))
    return exc


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes], guard: Guard, transfer: Transfer) -> None:
        self._stream = stream
        self._guard = guard
        self._transfer = transfer

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            mapped = _mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def close(self) -> None:
        try:
            if hasattr(self._stream, "close"):
                self._stream.close()
        finally:
            self._guard.end(self._transfer)


class Transport(httpx.BaseTransport):
    def __init__(
        self,
        *,
        guard: Guard,
        ssl_context: ssl.SSLContext,
        pool_size: int,
        min_rate: float,
        proxies: dict[str, str] | None = None,
    ) -> None:
        self._guard = guard
        self._ssl = ssl_context
        self._size = pool_size
        self._min_rate = min_rate
        self._backend = GuardedBackend(guard)
        self._proxies = proxies or {}
        self._direct = self._pool(None)
        self._via: dict[str, httpcore.ConnectionPool] = {}

    def _pool(self, proxy: str | None) -> httpcore.ConnectionPool:
        common: dict[str, Any] = {
            "ssl_context": self._ssl,
            "max_connections": self._size,
            "max_keepalive_connections": self._size,
            "keepalive_expiry": 5.0,
            "network_backend": self._backend,
        }
        if proxy is None:
            return httpcore.ConnectionPool(**common)
        url = httpx.URL(proxy)
        auth = (url.username, url.password) if url.username else None
        bare = url.copy_with(username=None, password=None)
        # httpcore refuses a proxy TLS context for a plain-http proxy.
        proxy_ssl = self._ssl if url.scheme == "https" else None
        return httpcore.HTTPProxy(
            proxy_url=str(bare), proxy_auth=auth, proxy_ssl_context=proxy_ssl, **common
        )

    def proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy a request to `url` goes through, or None (direct)."""
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or _bypassed(url.host, self._proxies):
            return None
        return proxy if "://" in proxy else f"http://{proxy}"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.proxy_for(request.url)
        if proxy is None:
            pool = self._direct
        else:
            pool = self._via.get(proxy) or self._via.setdefault(proxy, self._pool(proxy))
        timeouts = request.extensions.get("timeout", {})
        transfer = self._guard.begin(float(timeouts.get("read") or 30.0), self._min_rate)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = pool.handle_request(core)
        except Exception as exc:
            self._guard.end(transfer)
            mapped = _mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        except BaseException:
            self._guard.end(transfer)
            raise
        stream = response.stream
        assert isinstance(stream, Iterable)  # a sync pool gives a sync stream
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(stream, self._guard, transfer),
            extensions=response.extensions,
        )

    def close(self) -> None:
        for pool in (self._direct, *self._via.values()):
            pool.close()


def proxies_from(environ: Mapping[str, str]) -> dict[str, str]:
    """HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY, either case (lower case first, as curl
    reads them), keyed "https", "http", "all", "no"."""
    found: dict[str, str] = {}
    for key in ("https", "http", "all", "no"):
        value = environ.get(f"{key}_proxy") or environ.get(f"{key.upper()}_PROXY")
        if value:
            found[key] = value.strip()
    return found


def _bypassed(host: str, proxies: Mapping[str, str]) -> bool:
    """NO_PROXY as curl and pip read it: `*`, or host names matched on a domain boundary
    (`example.com` and `.example.com` both cover `pkg.example.com`), with or without a port."""
    host = host.lower().strip("[]")
    for entry in proxies.get("no", "").split(","):
        name = entry.strip().lower()
        if not name:
            continue
        if name == "*":
            return True
        name = name.lstrip(".")
        if name.startswith("[") and "]" in name:
            name = name[1 : name.index("]")]
        elif name.count(":") == 1:
            name = name.split(":", 1)[0]
        if host == name or host.endswith("." + name):
            return True
    return False
