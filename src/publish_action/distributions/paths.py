"""Member names an installer or an unpacker could be tricked with (CVE-2007-4559 and kin)."""

from __future__ import annotations

import posixpath
import re

from publish_action.redaction import printable

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> str | None:
    """Why `name` may not be written safely inside an unpacked archive, or None."""
    if not name:
        return "an empty name"
    if printable(name, one_line=True) != name:
        return "control characters in its name"
    if name.startswith(("/", "\\")):
        return "an absolute path"
    if _DRIVE.match(name):
        return "a Windows drive path"
    if "\\" in name:
        return "a backslash in its name (a Windows path separator)"
    if ".." in name.split("/"):
        return "a '..' component, which leaves the archive"
    return None


def link_escapes(member: str, target: str, top: str) -> bool:
    """True when a link at `member` pointing to `target` resolves outside `top`/."""
    if not target or target.startswith("/") or _DRIVE.match(target) or "\\" in target:
        return True
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(member), target))
    return not (resolved == top or resolved.startswith(top + "/"))
