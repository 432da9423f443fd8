"""The one way the input tests read settings: `parse` as the CLI calls it."""

from __future__ import annotations

from publish_action.inputs import parse
from publish_action.redaction import Redactor
from publish_action.settings import Settings


def settings_of(argv: list[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    return parse(argv or [], env or {}, Redactor()).settings
