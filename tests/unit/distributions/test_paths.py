"""distributions/paths.py: member names and link targets an unpacker could be tricked with."""

from __future__ import annotations

import pytest

from publish_action.distributions.paths import link_escapes, unsafe_name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "an empty name"),
        ("pkg/\x1b[2Jx.py", "control characters in its name"),
        ("/etc/passwd", "an absolute path"),
        ("\\windows\\x", "an absolute path"),
        ("C:evil.py", "a Windows drive path"),
        ("pkg\\x.py", "a backslash in its name (a Windows path separator)"),
        ("pkg/../../x.py", "a '..' component, which leaves the archive"),
        ("..", "a '..' component, which leaves the archive"),
    ],
)
def test_unsafe_names_say_why(name: str, why: str) -> None:
    assert unsafe_name(name) == why


@pytest.mark.parametrize("name", ["pkg/x.py", "pkg/..x/y", "a..b", "pkg/./x.py", "dïr/ü.py"])
def test_ordinary_names_are_safe(name: str) -> None:
    assert unsafe_name(name) is None


@pytest.mark.parametrize(
    ("member", "target", "escapes"),
    [
        ("top/a/link", "b.txt", False),
        ("top/a/link", "../b.txt", False),
        ("top/a/link", "..", False),  # the top folder itself
        ("top/a/link", "../../b.txt", True),
        ("top/link", "../top2/x", True),  # a sibling whose name starts like ours
        ("top/link", "/etc/passwd", True),
        ("top/link", "C:/x", True),
        ("top/link", "a\\b", True),
        ("top/link", "", True),
    ],
)
def test_links_must_resolve_inside_the_top_folder(member: str, target: str, escapes: bool) -> None:
    assert link_escapes(member, target, "top") is escapes
