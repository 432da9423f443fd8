"""Small pieces the stand-ins share to write pages the way each server's template engine does."""

from __future__ import annotations

__all__ = ["PEP691_JSON", "escape", "negotiate"]

PEP691_JSON = "application/vnd.pypi.simple.v1+json"

# How each template engine escapes text in attributes and bodies. The differences are real
# (a ">=3.8" reads "&gt;=3.8" everywhere, but quotes differ) and show in byte-exact comparisons.
_STYLES = {
    # Jinja2 autoescape (markupsafe): Warehouse templates.
    "markupsafe": {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"},
    # Ruby ERB::Util.html_escape: GitLab presenters.
    "erb": {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"},
    # Go html/template: Gitea/Forgejo templates (it also escapes "+").
    "go": {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "+": "&#43;"},
    # Java/Velocity-style (Nexus, Artifactory and the hosted services: exact engine unknown).
    "xml": {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"},
}


def escape(text: str, style: str = "markupsafe") -> str:
    table = _STYLES[style]
    return "".join(table.get(c, c) for c in text)


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for item in accept.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for key, _, value in (p.partition("=") for p in params):
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media.lower(), q))
    return ranges


def _specificity(media: str, offer: str) -> int:
    if media == offer:
        return 3
    if media.endswith("/*") and offer.startswith(media[:-1]):
        return 2
    return 1 if media == "*/*" else 0


def negotiate(accept: str, offers: list[str]) -> str | None:
    """The best of ``offers`` for an Accept header, as WebOb's ``acceptable_offers`` ranks them:
    the most specific matching range gives an offer its q; highest q first, ties in offer
    order; no Accept header accepts every offer."""
    if not accept.strip():
        return offers[0] if offers else None
    ranges = _ranges(accept)
    scored: list[tuple[float, int, str]] = []
    for index, offer in enumerate(offers):
        matches = [(_specificity(m, offer.lower()), q) for m, q in ranges]
        matches = [m for m in matches if m[0]]
        if matches and max(matches)[1] > 0:
            scored.append((-max(matches)[1], index, offer))
    return min(scored)[2] if scored else None
