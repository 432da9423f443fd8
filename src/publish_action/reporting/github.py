"""GitHub Actions integration: masks, annotations, log groups, step summary and step outputs.

Active only when ``GITHUB_ACTIONS=true`` (see `reporters.build_reporter`); elsewhere nothing here
runs and no ``GITHUB_*`` variable is needed. Everything is written through the run's
`Redactor`, and every secret it knows is masked with ``::add-mask::`` the moment this reporter is
built (and each later one, such as a minted token, the moment it becomes known), so the runner
hides it even in text that does not come from us.

One annotation per problem: the run's error is one ``::error`` (linked to its file when it is
about one), which the runner also shows in the log, so the console does not print it again; a
failed file gets an annotation of its own only when the run's error does not name it.

Workflow commands follow GitHub's escaping rules: in a command's message ``%``, CR and LF are
escaped; in its properties (``file=``, ``title=``) also ``:`` and ``,``. Outputs are written to
``$GITHUB_OUTPUT`` in the multi-line-safe ``name<<DELIMITER`` form.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import secrets
from pathlib import Path
from typing import TextIO

from publish_action.ci import GitHubRun
from publish_action.errors import PublishError
from publish_action.redaction import Redactor, display_url, printable
from publish_action.reporting.base import SilentReporter
from publish_action.reporting.console import LogStream
from publish_action.reporting.results import RunResult, Status, human_size

#: Outcomes counted in the ``skipped`` output: the file is on the index, nothing was sent.
SKIPPED = (Status.SKIPPED_IDENTICAL, Status.SKIPPED_EXISTING)
#: Outcomes counted in the ``failed`` output: the file is not on the index because of a problem.
FAILED = (Status.FAILED, Status.MISMATCH, Status.NOT_ATTEMPTED, Status.INTERRUPTED)

#: Outcomes where the index's copy differs from the local file (its hash is worth showing).
_DIFFERENT = (Status.MISMATCH, Status.SKIPPED_EXISTING, Status.FAILED)

_ICONS = {
    Status.UPLOADED: "✅",
    Status.SKIPPED_IDENTICAL: "⏭️",
    Status.SKIPPED_EXISTING: "⚠️",
    Status.WOULD_UPLOAD: "📝",
    Status.MISMATCH: "❌",
    Status.FAILED: "❌",
    Status.NOT_ATTEMPTED: "⛔",
    Status.INTERRUPTED: "⏹️",
}


def escape_data(value: str) -> str:
    """Escape a workflow command's message (the text after ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command's property value (``file=``, ``title=``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    """One workflow command line, e.g. ``::error file=dist/x.whl,title=...::message``."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def output_block(name: str, value: str) -> str:
    """``name<<DELIMITER`` / value / ``DELIMITER`` with a delimiter that is not in the value."""
    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if delimiter not in value:
            return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _cell(text: str) -> str:
    """A Markdown table cell: no line breaks, no column separators, no raw HTML, no control
    characters."""
    return html.escape(" ".join(printable(text).split())).replace("|", "\\|")


class GitHubReporter(SilentReporter):
    """Reporter for runs under GitHub Actions. It writes through the console's `LogStream`
    (one order for commands and lines; the stream folds verbose details into a group)."""

    def __init__(
        self,
        redact: Redactor,
        run: GitHubRun,
        *,
        out: TextIO,
        packages_dir: Path | None = None,
        files: tuple[Path, ...] = (),
        log: LogStream | None = None,
    ) -> None:
        self._redact = redact
        self._log = log or LogStream(out, out)
        self._output_file = run.output_file
        self._summary_file = run.summary_file
        self._workspace = run.workspace
        self._packages_dir = packages_dir
        self._files = {path.name: path for path in files}  # given as arguments
        self._errors: list[PublishError] = []
        # Last: masks every secret known so far right now, and each later one when it is added.
        redact.on_new_secret(self._mask)

    # -- workflow commands -------------------------------------------------------------------

    def _mask(self, secret: str) -> None:
        # Not redacted, of course: this is the one line that must carry the secret itself.
        # The runner masks log text line by line, so each line of a multi-line secret too.
        values = [secret, *(line for line in secret.splitlines() if line.strip())]
        for value in dict.fromkeys(values):
            self._log.command(f"::add-mask::{escape_data(value)}", close_group=False)

    def _annotate(self, kind: str, message: str, *, filename: str | None, title: str) -> None:
        properties = {"title": printable(self._redact(title))}
        if filename:
            properties = {"file": printable(self._annotation_path(filename)), **properties}
        self._log.command(command(kind, printable(self._redact(message)), **properties))

    def _annotation_path(self, filename: str) -> str:
        """The distribution's path as GitHub links it: relative to the workspace if inside."""
        path = self._files.get(filename) or (
            self._packages_dir / filename if self._packages_dir else Path(filename)
        )
        if self._workspace and path.is_absolute():
            with contextlib.suppress(ValueError):
                path = path.relative_to(self._workspace)
        return path.as_posix()

    # -- Reporter events ---------------------------------------------------------------------

    def warning(self, message: str, *, filename: str | None = None) -> None:
        title = f"publish-action: {filename}" if filename else "publish-action"
        self._annotate("warning", message, filename=filename, title=title)

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        # Annotated at the end, with the file it is about (known from the outcomes then).
        self._errors.append(error)

    def finish(self, result: RunResult) -> None:
        failing = [o for o in result.outcomes if o.status in (Status.FAILED, Status.MISMATCH)]
        named: set[str] = set()
        for error in self._errors:
            text = error.render()
            about = [o.filename for o in failing if _names(text, o.filename)]
            named.update(about)
            self._annotate(
                "error",
                text.removeprefix("error: "),  # the runner says "Error:" itself
                filename=about[0] if len(about) == 1 else None,
                title=f"publish-action failed (exit code {int(error.exit_code)})",
            )
        self._errors.clear()
        for outcome in failing:
            if outcome.filename in named:
                continue  # the run's error says it: one problem, one annotation
            why = outcome.message or outcome.status.value
            if outcome.remote_hash:
                why += f" (index: {outcome.remote_hash}, local: sha256={outcome.hashes.sha256})"
            self._annotate(
                "error",
                why,
                filename=outcome.filename,
                title=f"{outcome.status.value}: {outcome.filename}",
            )
        self._log.close_group()
        self._append(self._output_file, self.outputs_text(result), what="GITHUB_OUTPUT")
        self._append(self._summary_file, self.summary(result), what="GITHUB_STEP_SUMMARY")

    # -- files -------------------------------------------------------------------------------

    def _append(self, path: Path | None, text: str, *, what: str) -> None:
        if not path:
            return
        try:
            with open(path, "a", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        except OSError as exc:
            self._annotate(
                "warning",
                f"could not write {what} ({path}): {exc}",
                filename=None,
                title="publish-action",
            )

    def outputs(self, result: RunResult) -> dict[str, str]:
        uploaded = [o.filename for o in result.outcomes if o.status is Status.UPLOADED]
        return {
            "uploaded": str(len(uploaded)),
            "skipped": str(result.count(*SKIPPED)),
            "failed": str(result.count(*FAILED)),
            "uploaded-files": json.dumps(uploaded),
            "report-path": str(result.report_path) if result.report_path else "",
            "exit-code": str(result.exit_code),
        }

    def outputs_text(self, result: RunResult) -> str:
        return "".join(output_block(k, self._redact(v)) for k, v in self.outputs(result).items())

    def summary(self, result: RunResult) -> str:
        """The Markdown step summary: a headline, then one table row per file."""
        uploaded = result.count(Status.UPLOADED)
        skipped = result.count(*SKIPPED)
        failed = result.count(*FAILED)
        would = result.count(Status.WOULD_UPLOAD)
        ok = "✅" if result.exit_code == 0 else "❌"
        parts = [f"{uploaded} uploaded", f"{skipped} already on the index", f"{failed} failed"]
        if result.dry_run:
            parts.insert(0, f"dry run: {would} would be uploaded")
        index = display_url(result.repository_url) if result.repository_url else "(unknown)"
        lines = [
            f"### {ok} publish-action: {', '.join(parts)}",
            "",
            f"Index `{_cell(self._redact(index))}` · exit code {result.exit_code} · "
            f"{result.seconds:.1f} s",
            "",
        ]
        if result.credentials_verified is not None:
            verdict = "verified" if result.credentials_verified else "**not verified**"
            note = _cell(self._redact(result.credentials_note))
            lines += [f"Dry run: credentials {verdict}: {note}", ""]
        if result.outcomes:
            lines += [
                "| File | Outcome | Size | SHA-256 | Details |",
                "| --- | --- | ---: | --- | --- |",
            ]
            for o in result.outcomes:
                details = o.message
                if o.remote_hash and o.status in _DIFFERENT:
                    details = f"{details}; index has {o.remote_hash}".lstrip("; ")
                lines.append(
                    f"| `{_cell(o.filename)}` | {_ICONS.get(o.status, '')} {o.status.value} "
                    f"| {human_size(o.size)} | `{o.hashes.sha256}` "
                    f"| {_cell(self._redact(details))} |"
                )
            lines.append("")
        if result.error is not None:
            rendered = html.escape(printable(self._redact(result.error.render())))
            lines += [
                "<details open><summary>What went wrong</summary>",
                "",
                f"<pre>{rendered}</pre>",
                "</details>",
                "",
            ]
        if result.report_path:
            lines += [f"JSON report: `{_cell(str(result.report_path))}`", ""]
        return "\n".join(lines) + "\n"


def _names(text: str, filename: str) -> bool:
    """`text` names this file (not merely a longer name that ends with it)."""
    return re.search(rf"(?<![\w.-]){re.escape(filename)}(?![\w-])", text) is not None


__all__ = [
    "FAILED",
    "SKIPPED",
    "GitHubReporter",
    "command",
    "escape_data",
    "escape_property",
    "output_block",
]
