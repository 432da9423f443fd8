"""Evidence that a check URL is a working simple index, so that its 404 means "not here".

A mistyped `index-url` answers 404 for every project; without evidence that would read as
"nothing there yet". One cheap request, chosen per index, gives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from publish_action.redaction import display_url
from publish_action.simple_index.page import looks_like_index_root
from publish_action.targets import Evidence

if TYPE_CHECKING:
    from publish_action.net import Answer

PROBE_LIMIT = 256 * 1024


class Get(Protocol):
    def __call__(
        self, url: str, *, accept: str, limit: int, method: str = "GET", truncate: bool = False
    ) -> Answer: ...


def probe(
    get: Get, evidence: Evidence, index_url: str, *, accept: str, follow: bool = False
) -> str | None:
    """None when `index_url` answers as a simple index should (`evidence`: what proves it for
    this index); otherwise what was asked and what came back. `follow`: redirects lead to
    the index's own content server (Pulp)."""
    if evidence is Evidence.SERIAL:
        # The root page is tens of MB; Warehouse's serial header on HEAD says it all.
        answer = get(index_url, accept=accept, method="HEAD", limit=PROBE_LIMIT)
        good = answer.status == 200 and "x-pypi-last-serial" in answer.headers
    elif evidence is Evidence.DEVPI and index_url.endswith("/+simple/"):
        # devpi's own description of the index: cheap even when it inherits root/pypi.
        answer = get(
            index_url.removesuffix("+simple/"), accept="application/json", limit=PROBE_LIMIT
        )
        good = answer.status == 200 and _json_type(answer) == "indexconfig"
    else:
        answer = get(index_url, accept=accept, limit=PROBE_LIMIT, truncate=True)
        for _ in range(3 if follow else 0):
            if not (answer.is_redirect and same_pulp_path(answer.url, answer.location)):
                break
            answer = get(answer.location, accept=accept, limit=PROBE_LIMIT, truncate=True)
        good = answer.status == 200 and looks_like_index_root(answer.content_type, answer.text())
    if good:
        return None
    return f"{answer.method} {display_url(answer.url)}: {answer.describe()}"


def same_pulp_path(url: str, target: str) -> bool:
    """`target` serves the same `<base_path>/simple/...` as `url` (.../pypi/<base_path>/...):
    Pulp's content app (/pulp/content/<base_path>/...)."""
    path, elsewhere = urlsplit(url).path, urlsplit(target).path
    _, marker, rest = path.partition("/pypi/")
    # The content app has its own prefix: the very same path on another origin is a mirror or
    # a wrong URL, not Pulp's content app.
    return bool(marker and rest) and elsewhere.endswith("/" + rest) and elsewhere != path


def same_project_elsewhere(target: str, project: str) -> bool:
    """pypiserver's fallback and GitLab's forwarding send `/simple/<p>/` to the same project's
    page on another index (pypi.org): that says "not here". Anything else (a login page)
    does not."""
    last = urlsplit(target).path.rstrip("/").rsplit("/", 1)[-1]
    return bool(last) and canonicalize_name(last) == canonicalize_name(project)


def _json_type(answer: Answer) -> object:
    try:
        data = answer.json()
    except ValueError:
        return None
    return data.get("type") if isinstance(data, dict) else None
