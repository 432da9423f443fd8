"""One stdlib HTTP server on 127.0.0.1 with a free port, served from a daemon thread.

Every local stand-in (OIDC issuer, PyPI, Fulcio/Rekor, the misbehaving-index stubs) runs on
this, so start-up and shutdown are written once.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class LoopbackServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], *, name: str = "stand-in") -> None:
        self._server = _Server(("127.0.0.1", 0), handler)
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=name,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving; the port then refuses connections."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
