"""Reading the index: one project page per project (PEP 691 JSON or PEP 503 HTML).

The check never fails open: only a 404 (or a redirect to another origin, which is someone
else's index) means "not on this index"; 401/403 and anything unexpected are errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from publish_action.errors import AuthError, IndexError_
from publish_action.hashing import CHUNK
from publish_action.http import (
    TRANSIENT_STATUSES,
    is_transport_error,
    retry_after,
    same_origin,
    server_message,
    with_retries,
)
from publish_action.secrets import display_url

if TYPE_CHECKING:
    import httpx

    from publish_action.distributions import Distribution
    from publish_action.report import Reporter
    from publish_action.settings import Credentials

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
_MAX_REDIRECTS = 5
# Strongest first; md5 alone is not trusted to decide a skip.
_STRONG = ("sha256", "sha512", "sha384", "blake2b_256", "sha224")


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    url: str
    hashes: Mapping[str, str]


@dataclass(frozen=True)
class ProjectPage:
    project: str
    url: str
    found: bool
    files: Mapping[str, RemoteFile] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    identical: bool
    algorithm: str  # "sha256", ..., or "bytes" when the file had to be downloaded
    local: str
    remote: str

    @property
    def remote_label(self) -> str:
        return f"{self.algorithm}={self.remote}"


def _normal_hash_name(name: str) -> str:
    name = name.lower().replace("-", "_")
    return "blake2b_256" if name in ("blake2b_256", "blake2_256") else name


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def parse_html(page_url: str, body: str) -> dict[str, RemoteFile]:
    parser = _LinkParser()
    parser.feed(body)
    files: dict[str, RemoteFile] = {}
    for href, text in parser.links:
        url, _, fragment = urljoin(page_url, href).partition("#")
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or text
        hashes: dict[str, str] = {}
        if "=" in fragment:
            algo, _, digest = fragment.partition("=")
            hashes[_normal_hash_name(algo)] = digest.lower()
        files[name] = RemoteFile(name, url, hashes)
    return files


def parse_json(page_url: str, body: str) -> dict[str, RemoteFile]:
    data = json.loads(body)
    entries = data.get("files") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError("a PEP 691 project page has a list of 'files'")
    files: dict[str, RemoteFile] = {}
    for entry in entries:
        name, url, hashes = entry["filename"], entry["url"], entry.get("hashes") or {}
        if not (isinstance(name, str) and isinstance(url, str) and isinstance(hashes, dict)):
            raise TypeError(f"malformed file entry {entry!r}")
        normal = {_normal_hash_name(k): str(v).lower() for k, v in hashes.items()}
        files[name] = RemoteFile(name, urljoin(page_url, url), normal)
    return files


class IndexClient:
    """Reads project pages and files from one simple index."""

    def __init__(
        self,
        http: httpx.Client,
        index_url: str,
        reporter: Reporter,
        *,
        credentials: Credentials | None,
        retries: int,
    ) -> None:
        self._http = http
        self.index_url = index_url
        self._reporter = reporter
        # Sent with every read: some indexes (GitLab) answer 404, not 401, to an anonymous
        # read of a private project, and "not found" must never be a guess.
        self._credentials = credentials
        self._retries = retries

    def project_url(self, project: str) -> str:
        return f"{self.index_url}{project}/"

    def projects(self, names: Iterable[str], *, workers: int) -> dict[str, ProjectPage]:
        unique = sorted(set(names))
        if len(unique) <= 1:
            return {name: self.project(name) for name in unique}
        with ThreadPoolExecutor(max_workers=min(workers, len(unique))) as pool:
            return dict(zip(unique, pool.map(self.project, unique), strict=True))

    def project(self, project: str) -> ProjectPage:
        url = self.project_url(project)
        start = url
        for _ in range(_MAX_REDIRECTS):
            response = self._get(url, accept=ACCEPT)
            if response.is_redirect:
                target = urljoin(url, response.headers.get("location", ""))
                if not same_origin(start, target):
                    note = (
                        f"{display_url(url)} redirects to another origin "
                        f"({display_url(target)}), which is not this index; not followed: "
                        f"treating {project} as not on this index"
                    )
                    self._reporter.info(note)
                    return ProjectPage(project, url, found=False, note=note)
                self._reporter.debug(
                    f"GET {display_url(url)} → {response.status_code} {display_url(target)}"
                )
                url = target
                continue
            return self._page(project, url, response)
        raise IndexError_(
            f"too many redirects while reading {display_url(start)}",
            advice="check 'index-url' (it should be the index's simple URL)",
        )

    def _page(self, project: str, url: str, response: httpx.Response) -> ProjectPage:
        status = response.status_code
        self._reporter.debug(f"GET {display_url(url)} → {status}")
        if status in (404, 410):
            return ProjectPage(project, url, found=False)
        if status in (401, 403):
            raise self._refused(url, response)
        if status != 200:
            raise IndexError_(
                f"could not check {display_url(url)}: HTTP {status} "
                f"({server_message(response)})",
                advice="check 'index-url' (the index's simple URL) and that the index is up",
            )
        content_type = response.headers.get("content-type", "")
        try:
            if "json" in content_type:
                files = parse_json(url, response.text)
            else:
                files = parse_html(url, response.text)
                if not files and "<form" in response.text.lower():
                    raise ValueError("an HTML form and no file links: a login page?")
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexError_(
                f"the project page {display_url(url)} is not a simple index page",
                advice="check 'index-url' (it should be the index's simple URL, PEP 503/691) "
                "and the read credentials",
            ) from exc
        return ProjectPage(project, url, found=True, files=files)

    def _refused(self, url: str, response: httpx.Response) -> AuthError:
        tried = "with credentials" if self._credentials else "anonymously"
        return AuthError(
            f"the index refused to let us check {display_url(url)} "
            f"(HTTP {response.status_code}, {tried}): {server_message(response)}",
            advice="give read credentials with 'check-user' and 'check-password' (the upload "
            "credentials are only sent to the check URL when it has the upload URL's host); "
            "a refused read is never taken as 'not there yet'",
        )

    def _get(self, url: str, *, accept: str) -> httpx.Response:
        credentials = self._credentials
        basic = (credentials.username, credentials.password) if credentials else None

        def attempt() -> httpx.Response:
            return self._http.get(url, headers={"Accept": accept}, auth=basic)

        def transient(response: httpx.Response) -> float | None:
            if response.status_code in TRANSIENT_STATUSES:
                return retry_after(response.headers, 0.5)
            return None

        def on_retry(why: str, delay: float) -> None:
            self._reporter.debug(f"GET {display_url(url)}: {why}; retrying in {delay:.1f} s")

        try:
            return with_retries(
                attempt, retries=self._retries, is_transient=transient, on_retry=on_retry
            )
        except Exception as exc:
            if not is_transport_error(exc):
                raise
            raise IndexError_(
                f"could not reach the index at {display_url(url)} "
                f"after {self._retries + 1} attempts",
                advice="check 'index-url' and the network, then re-run",
            ) from exc

    def compare(
        self, remote: RemoteFile, local: Distribution, *, md5_is_enough: bool = False
    ) -> Comparison:
        """Compare by the strongest hash the index gives; download when it gives only md5.

        md5 may not decide a skip (collisions are cheap), but after our own upload it is
        enough to confirm the index holds what we sent, without downloading it again.
        """
        algorithms = (*_STRONG, "md5") if md5_is_enough else _STRONG
        for algorithm in algorithms:
            theirs = remote.hashes.get(algorithm)
            if theirs:
                ours = local_digest(local, algorithm)
                return Comparison(ours == theirs, algorithm, ours, theirs)
        theirs = self._download_sha256(remote)
        ours = local.hashes.sha256
        return Comparison(ours == theirs, "sha256", ours, theirs)

    def _download_sha256(self, remote: RemoteFile) -> str:
        self._reporter.debug(f"the index gives no strong hash for {remote.filename}; downloading")
        url = remote.url
        for _ in range(_MAX_REDIRECTS):
            # Credentials only go to the index's own origin, never to a CDN or elsewhere.
            auth = None
            if self._credentials and same_origin(url, self.index_url):
                auth = (self._credentials.username, self._credentials.password)
            digest = hashlib.sha256()
            try:
                with self._http.stream("GET", url, auth=auth) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code in (401, 403):
                        raise self._refused(url, response)
                    if response.status_code != 200:
                        raise IndexError_(
                            f"could not download {display_url(url)} to compare it with "
                            f"{remote.filename} (HTTP {response.status_code})",
                            advice="the index lists the file without a sha256, so its bytes "
                            "must be compared; check that the index serves its own files",
                        )
                    for chunk in response.iter_bytes(CHUNK):
                        digest.update(chunk)
            except Exception as exc:
                if not is_transport_error(exc):
                    raise
                raise IndexError_(
                    f"could not download {display_url(url)} to compare it",
                    advice="check the network and that the index is up, then re-run",
                ) from exc
            return digest.hexdigest()
        raise IndexError_(f"too many redirects downloading {display_url(remote.url)}",
                          advice="check 'index-url'")


def local_digest(dist: Distribution, algorithm: str) -> str:
    known = dist.hashes.get(algorithm)
    if known:
        return known
    digest = hashlib.new(algorithm)
    with dist.path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
