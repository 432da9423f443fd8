"""The README's table of indexes has one row per row of the facts table, and each row's
`repository-url` is recognised as that index (docs that cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

from publish_action.targets import FACTS, IndexKind, classify

README = Path(__file__).resolve().parents[3] / "README.md"
NAMES = {
    "PyPI": IndexKind.PYPI,
    "TestPyPI": IndexKind.TESTPYPI,
    "devpi": IndexKind.DEVPI,
    "pypiserver": IndexKind.PYPISERVER,
    "Nexus": IndexKind.NEXUS,
    "Artifactory": IndexKind.ARTIFACTORY,
    "Google Artifact Registry": IndexKind.GOOGLE,
    "AWS CodeArtifact": IndexKind.CODEARTIFACT,
    "GitLab": IndexKind.GITLAB,
    "Azure Artifacts": IndexKind.AZURE,
    "Cloudsmith": IndexKind.CLOUDSMITH,
    "Gitea / Forgejo / Codeberg": IndexKind.GITEA,
    "Pulp": IndexKind.PULP,
    "Gemfury": IndexKind.GEMFURY,
}
PLACEHOLDERS = {
    "HOST": "h.example", "USER": "alice", "INDEX": "dev", "PREFIX": "pkgs",
    "CONTEXT": "nexus", "HOSTED": "pypi-hosted", "REPO": "repo", "REGION": "us",
    "PROJECT": "proj", "DOMAIN": "dom", "ACCOUNT": "1234", "ID": "42", "ORG": "org",
    "FEED": "feed", "OWNER": "octo", "BASE_PATH": "base",
}  # fmt: skip


def rows() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Indexes", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("index", "---"):
            found[cells[0]] = cells
    return found


def concrete(cell: str) -> list[str]:
    urls = re.findall(r"`(https://[^`]+)`", cell)
    out = []
    for written in urls:
        url = re.sub(r"\[[^\]]*\]", "", written)  # optional parts left out
        for name in sorted(PLACEHOLDERS, key=len, reverse=True):
            url = url.replace(name, PLACEHOLDERS[name])
        out.append(url)
    return out


def test_one_row_per_index_and_a_last_row_for_the_rest() -> None:
    table = rows()
    assert set(table) == {*NAMES, "anything else"}
    assert set(NAMES.values()) == set(FACTS) - {IndexKind.UNKNOWN}


def test_each_rows_repository_url_is_recognised_as_that_index() -> None:
    for name, cells in rows().items():
        if name == "anything else":
            continue
        urls = [u for u in concrete(cells[1]) if "…" not in u]
        assert urls, name
        for url in urls:
            profile = classify(url)
            if profile.confirm:  # devpi and pypiserver are confirmed by asking the server
                assert NAMES[name] in (IndexKind.DEVPI, IndexKind.PYPISERVER), (name, url)
                assert "confirmed by asking the server" in cells[4]
                continue
            assert profile.kind is NAMES[name], (name, url, profile)
            check = [u for u in concrete(cells[3]) if "…" not in u]
            if check:
                assert profile.simple_url == check[0], (name, url)
