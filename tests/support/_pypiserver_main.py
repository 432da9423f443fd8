"""Run pypiserver under waitress with a chosen number of threads.

``pypi-server run --server waitress`` calls ``waitress.serve(app, host, port)``
without any way to pass ``threads``, so this launcher builds the same app the
way ``pypiserver.__main__.main`` does and serves it itself.

Usage: python _pypiserver_main.py THREADS <pypiserver run arguments...>
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

import pypiserver
import waitress  # type: ignore[import-untyped,unused-ignore]
from pypiserver.config import Config


def _exit_with_parent(interval: float = 0.5) -> None:
    """Exit when the process that started us goes away (no orphaned servers)."""
    parent = os.getppid()

    def _watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=_watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> None:
    _exit_with_parent()
    threads = int(argv[0])
    config = Config.from_args(["run", *argv[1:]])
    logging.basicConfig(
        level=config.log_level, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    app = pypiserver.app_from_config(config)
    app = pypiserver.setup_routes_from_config(app, config)
    waitress.serve(app, host=config.host, port=config.port, threads=threads, ident="pypiserver")


if __name__ == "__main__":
    main(sys.argv[1:])
