"""Initialise (once) and run devpi-server in one interpreter, cheaply.

Usage: python _devpi_main.py [--fast-hashing] SERVERDIR -- <devpi-server arguments...>

* ``devpi-init`` runs in-process when SERVERDIR is not initialised yet (saves a
  second interpreter start-up, ~0.5 s).
* ``--fast-hashing`` swaps devpi's argon2 password context for one with
  minimal cost parameters. Hashes created with it verify in ~0.1 ms instead of
  ~0.12-0.24 s per authenticated request. Purely server-internal: clients see
  the same HTTP behaviour. (The start-up key derivation, ~4 s by default, is
  made cheap separately with devpi's hidden ``--argon2-*`` options.)
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path


def _exit_with_parent(interval: float = 0.5) -> None:
    """Exit when the process that started us goes away (no orphaned servers)."""
    parent = os.getppid()

    def _watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=_watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    _exit_with_parent()
    fast = False
    if argv and argv[0] == "--fast-hashing":
        fast = True
        argv = argv[1:]
    serverdir = Path(argv[0])
    server_args = argv[2:] if len(argv) > 1 and argv[1] == "--" else argv[1:]

    if fast:
        from devpi_server import auth
        from passlib.context import CryptContext

        auth.pwd_context = CryptContext(  # type: ignore[attr-defined,unused-ignore]
            schemes=["argon2"],
            deprecated="auto",
            argon2__rounds=1,
            argon2__memory_cost=8,
            argon2__parallelism=1,
        )

    if not (serverdir / ".nodeinfo").exists():
        from devpi_server.init import init

        rc = init(  # type: ignore[no-untyped-call,unused-ignore]
            argv=["devpi-init", "--serverdir", str(serverdir), "--no-root-pypi"]
        )
        if rc:
            return int(rc)

    from devpi_server.main import main as server_main

    argv = ["devpi-server", "--serverdir", str(serverdir), *server_args]
    return int(server_main(argv=argv))  # type: ignore[no-untyped-call,unused-ignore]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
