"""The versioned JSON report, written atomically (a temp file, then a rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from publish_action import __version__
from publish_action.redaction import Redactor
from publish_action.reporting.results import RunResult, Status

REPORT_VERSION = 1


def result_json(result: RunResult, redact: Redactor) -> dict[str, object]:
    return {
        "version": REPORT_VERSION,
        "tool": f"publish-action {__version__}",
        "repository_url": result.repository_url,
        "dry_run": result.dry_run,
        # A dry run's verdict on the credentials (null: no dry run got that far).
        "credentials_verified": result.credentials_verified,
        "credentials_note": redact(result.credentials_note),
        "exit_code": result.exit_code,
        "error": redact(result.error.render()) if result.error else None,
        "seconds": round(result.seconds, 3),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "counts": {s.value: result.count(s) for s in Status},
        "files": [
            {
                "filename": o.filename,
                "project": o.project,
                "version": o.version,
                "size": o.size,
                "status": o.status.value,
                "seconds": round(o.seconds, 3),
                "sha256": o.hashes.sha256,
                "blake2b_256": o.hashes.blake2b_256,
                "md5": o.hashes.md5,
                "message": redact(o.message),
                "remote_hash": o.remote_hash,
            }
            for o in result.outcomes
        ],
    }


class JsonReport:
    """Writes the versioned JSON report atomically (temp file, then rename) when the run ends."""

    def __init__(self, path: Path, redact: Redactor) -> None:
        self.path = path
        self._redact = redact

    def write(self, result: RunResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(result_json(result, self._redact), indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".report-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(data)
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
