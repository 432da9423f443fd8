"""Publish a freshly built sample project to a throwaway local pypiserver, twice.

The first run uploads the wheel and the sdist; the second finds both already on the index,
byte-identical, and skips them without a single upload request.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from publish_action.cli import main  # noqa: E402
from tests.support import samples, servers  # noqa: E402


def banner(text: str) -> None:
    print(f"\n\033[1m$ {text}\033[0m" if sys.stdout.isatty() else f"\n$ {text}", flush=True)


def run() -> int:
    with tempfile.TemporaryDirectory(prefix="publish-action-demo-") as tmp:
        base = Path(tmp)
        dist = base / "dist"
        samples.copy_into(samples.build_project(base, "demo-sample", "1.0.0"), dist)
        with servers.pypiserver(base) as index:
            argv = [
                "--repository-url",
                index.upload_url,
                "--user",
                index.username,
                "--packages-dir",
                str(dist),
            ]
            # The password in the environment, as CI passes secrets (never on a command line).
            env = {"INPUT_PASSWORD": index.password}
            shown = (
                f"INPUT_PASSWORD=*** publish-action --repository-url {index.upload_url} "
                "--packages-dir dist"
            )
            codes = []
            for title in ("first run: uploads", "re-run: everything already there"):
                banner(f"{shown}    # {title}")
                codes.append(main(argv, env))
            print(f"\nexit codes: {codes}; the index now holds:")
            for name, sha in sorted(servers.list_files(index, "demo-sample").items()):
                print(f"  {name}  sha256={sha}")
    return 0 if codes == [0, 0] else 1


if __name__ == "__main__":
    sys.exit(run())
