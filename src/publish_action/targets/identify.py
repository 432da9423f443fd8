"""Asking the server what it is, in one cheap request, when its URL shape is shared.

pypiserver and devpi tell themselves apart: devpi describes an index as JSON
(`{"type": "indexconfig"}`) at the index URL, pypiserver serves its welcome page, which links to
its simple index. Anything else stays unknown. For Nexus and Artifactory, one request to the
server's repository API says whether the check URL is an aggregate (a group or virtual
repository, whose pages mix in proxied PyPI files).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from publish_action.errors import PublishError
from publish_action.net import NetError, index_error, same_origin
from publish_action.redaction import display_url
from publish_action.targets.kinds import IndexKind
from publish_action.targets.recognise import IndexProfile, derived, unknown, with_path

if TYPE_CHECKING:
    from publish_action.net import Answer, Net
    from publish_action.settings import Credentials

_LIMIT = 256 * 1024
_ACCEPT = "application/json, text/html;q=0.9, */*;q=0.1"


@dataclass(frozen=True)
class Identified:
    profile: IndexProfile
    warnings: tuple[str, ...] = ()


def identify(
    profile: IndexProfile,
    upload_url: str,
    net: Net,
    *,
    credentials: Credentials | None,
    given_index_url: str | None,
) -> Identified:
    """`profile` confirmed by the server when its shape is shared; aggregate targets warned
    about. Network failures are errors: an index that cannot be reached cannot be checked."""
    if profile.confirm:
        answer = _get(net, upload_url, credentials)
        profile = _confirmed(upload_url, answer)
    warnings: list[str] = []
    check_url = given_index_url or profile.simple_url
    if check_url is not None:
        warning = _aggregate(profile.kind, check_url, net, credentials, given=bool(given_index_url))
        if warning:
            warnings.append(warning)
    return Identified(profile, tuple(warnings))


def _confirmed(upload_url: str, answer: Answer) -> IndexProfile:
    asked = f"asked GET {display_url(answer.url)}: {answer.describe()}"
    if answer.status != 200:
        return unknown(display_url(upload_url), asked=asked)
    if "json" in answer.content_type:
        kind = _json_field(answer, "type")
        if kind == "indexconfig":
            base = upload_url.rstrip("/") + "/"
            return derived(IndexKind.DEVPI, base + "+simple/", ", confirmed by the server")
        return unknown(display_url(upload_url), asked=asked)
    simple = _pypiserver_simple(answer)
    if simple is not None and same_origin(simple, upload_url):
        return derived(IndexKind.PYPISERVER, simple, ", confirmed by its welcome page")
    return unknown(display_url(upload_url), asked=asked)


def _pypiserver_simple(answer: Answer) -> str | None:
    text = answer.text()
    if not re.search(r"<title>\s*Welcome to pypiserver!?\s*</title>", text, re.I):
        return None
    link = re.search(r"""<a\s[^>]*href=["']([^"']+)["'][^>]*>\s*simple\s*</a>""", text, re.I)
    target = html.unescape(link.group(1)) if link else "simple/"
    url = urljoin(answer.url, target)
    return url if url.endswith("/") else url + "/"


def _aggregate(
    kind: IndexKind, check_url: str, net: Net, credentials: Credentials | None, *, given: bool
) -> str:
    """A warning when the check URL is an aggregate. Nexus uploads only to hosted
    repositories, so only a given 'index-url' can be a group there; an Artifactory upload URL
    can itself be a virtual repository (with a default deployment repository)."""
    segs = [s for s in urlsplit(check_url).path.split("/") if s]
    if kind is IndexKind.GITLAB and "groups" in segs:
        return (
            f"index-url {display_url(check_url)} is a GitLab group index: it lists the packages "
            "of every project in the group, so a file of the same name in another project "
            "counts as already there; use the project's own URL "
            "(/api/v4/projects/<id>/packages/pypi/simple/)"
        )
    if kind is IndexKind.NEXUS and given and "repository" in segs[:-1]:
        at = segs.index("repository")
        name = segs[at + 1]
        api = with_path(check_url, "/" + "/".join([*segs[:at], "service/rest/v1/repositories"]))
        kinds = _json_list(_get_quietly(net, api, credentials), key="name", value="type")
        if kinds.get(name) == "group":
            return (
                f"index-url {display_url(check_url)} is a Nexus group repository: its pages "
                "mix in the files of its members, proxied PyPI included, so a file of the "
                "same name there stops the run or is skipped; check the hosted repository "
                "you upload to (…/repository/<hosted>/simple/)"
            )
    api_at = _pair(segs, "api", "pypi")
    if kind is IndexKind.ARTIFACTORY and api_at is not None and api_at + 2 < len(segs):
        repo = segs[api_at + 2]
        api = with_path(check_url, "/" + "/".join([*segs[:api_at], "api/repositories", repo]))
        answer = _get_quietly(net, api, credentials)
        if answer is not None and _json_field(answer, "rclass") == "virtual":
            deploy = _json_field(answer, "defaultDeploymentRepo")
            own = f" ('{deploy}')" if isinstance(deploy, str) and deploy else ""
            return (
                f"{display_url(check_url)} is an Artifactory virtual repository: its pages "
                "aggregate its remote repositories, PyPI included, so a file of the same name "
                "there stops the run or is skipped; set 'index-url' to the simple URL of the "
                f"local repository the uploads land in{own}"
            )
    return ""


def _pair(segs: list[str], first: str, second: str) -> int | None:
    return next(
        (i for i in range(len(segs) - 1) if segs[i] == first and segs[i + 1] == second), None
    )


def _get(net: Net, url: str, credentials: Credentials | None) -> Answer:
    auth = (credentials.username, credentials.password) if credentials else None
    try:
        return net.retrying(
            url,
            lambda: net.fetch(
                "GET", url, limit=_LIMIT, truncate=True, headers={"Accept": _ACCEPT}, auth=auth
            ),
            answer_of=lambda a: a,
        )
    except NetError as exc:
        raise index_error("check", exc, what=f"asking {display_url(url)} what it is") from exc


def _get_quietly(net: Net, url: str, credentials: Credentials | None) -> Answer | None:
    """An optional question: no answer just means no warning."""
    try:
        answer = _get(net, url, credentials)
    except PublishError:  # a warning we cannot give is not a failure
        return None
    return answer if answer.status == 200 else None


def _json_field(answer: Answer, key: str) -> object:
    try:
        data = answer.json()
    except ValueError:
        return None
    return data.get(key) if isinstance(data, dict) else None


def _json_list(answer: Answer | None, *, key: str, value: str) -> dict[str, object]:
    if answer is None:
        return {}
    try:
        data = answer.json()
    except ValueError:
        return {}
    if not isinstance(data, list):
        return {}
    return {str(item.get(key)): item.get(value) for item in data if isinstance(item, dict)}
