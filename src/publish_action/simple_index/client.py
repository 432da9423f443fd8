"""Reading the index: one project page per project (PEP 691 JSON or PEP 503 HTML).

The check never fails open. A 200 counts only when it is the project's own simple page
(`page`); 401/403, errors, junk and ambiguous listings stop the run. A 404 — or a
redirect to the same project's page on another origin, which is how pypiserver's fallback and
GitLab's forwarding say "not here" — means "not on this index" only once the run has evidence
that the check URL is a working simple index of that server: another project's page read fine,
or one cheap request chosen per index (`evidence`) says so. A mistyped `index-url` answers 404 for
every project; without that evidence it would read as "nothing there yet".
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from publish_action.distributions.names import file_key
from publish_action.errors import AuthError, IndexError_
from publish_action.net import Answer, NetError, index_error, same_origin
from publish_action.redaction import display_url
from publish_action.simple_index import evidence
from publish_action.simple_index.compare import Comparison, by_listed_hash
from publish_action.simple_index.page import PageProblem, RemoteFile, parse_project_page
from publish_action.targets import Evidence, IndexKind, facts_of

if TYPE_CHECKING:
    from publish_action.distributions import Distribution
    from publish_action.net import Net
    from publish_action.reporting import Reporter
    from publish_action.settings import Credentials
    from publish_action.targets import IndexProfile

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
PAGE_LIMIT = 32 * 1024 * 1024  # the largest project pages on pypi.org are a few MB
_MAX_REDIRECTS = 5
# Page reads are small: on a link with a 20 ms round trip, 16 in flight read 60 projects in
# four round trips where 4 took fifteen (bench/results/link.md); every index served them.
READS_IN_FLIGHT = 16


@dataclass(frozen=True)
class ProjectPage:
    project: str
    url: str
    found: bool
    files: Mapping[str, RemoteFile] = field(default_factory=dict)
    note: str = ""

    def find(self, filename: str) -> RemoteFile | None:
        """The index's copy of `filename`, also under another spelling of the same name."""
        exact = self.files.get(filename)
        if exact is not None:
            return exact
        key = file_key(filename)
        return next((f for f in self.files.values() if file_key(f.filename) == key), None)


class IndexClient:
    """Reads project pages and files from one simple index."""

    def __init__(
        self,
        net: Net,
        index_url: str,
        reporter: Reporter,
        *,
        credentials: Credentials | None,
        kind: IndexKind = IndexKind.UNKNOWN,
        sent: str = "",
        derived: bool = False,
    ) -> None:
        self._net = net
        self.index_url = index_url
        self._reporter = reporter
        # Sent with every read: some indexes (GitLab) answer 404, not 401, to an anonymous
        # read of a private project, and "not found" must never be a guess.
        self._credentials = credentials
        self._sent = sent or ("credentials" if credentials else "no credentials")
        self._facts = facts_of(kind)
        self._evidence = threading.Event()  # this check URL is a working simple index
        if derived and self._facts.evidence is Evidence.DERIVED:
            self._evidence.set()
        self._probe_lock = threading.Lock()

    @classmethod
    def for_profile(
        cls,
        net: Net,
        index_url: str,
        reporter: Reporter,
        *,
        credentials: Credentials | None,
        profile: IndexProfile,
        sent: str = "",
        derived: bool = False,
    ) -> IndexClient:
        """`derived`: `index_url` is the one the profile derived (not a given 'index-url')."""
        return cls(
            net,
            index_url,
            reporter,
            credentials=credentials,
            kind=profile.kind,
            sent=sent,
            derived=derived,
        )

    def project_url(self, project: str) -> str:
        return f"{self.index_url}{project}/"

    def projects(
        self, names: Iterable[str], *, workers: int = READS_IN_FLIGHT, phase: str = "check"
    ) -> dict[str, ProjectPage]:
        unique = sorted(set(names))
        if len(unique) <= 1:
            return {name: self.project(name, phase=phase) for name in unique}
        with ThreadPoolExecutor(max_workers=min(workers, len(unique))) as pool:
            pages = pool.map(lambda name: self.project(name, phase=phase), unique)
            return dict(zip(unique, pages, strict=True))

    def project(self, project: str, *, phase: str = "check") -> ProjectPage:
        url = start = self.project_url(project)
        for _ in range(_MAX_REDIRECTS):
            answer = self._get(url, phase=phase, accept=ACCEPT, limit=PAGE_LIMIT)
            if not answer.is_redirect:
                return self._page(project, url, answer, phase)
            target = answer.location
            if same_origin(start, target) or self._content_app(url, target):
                url = target
                continue
            if not (
                self._facts.redirect_means_absent
                and evidence.same_project_elsewhere(target, project)
            ):
                raise IndexError_(
                    f"{phase}: {display_url(url)} redirects to {display_url(target)}, another "
                    f"origin, which is not this index: it cannot tell whether {project} is here",
                    advice="check 'index-url' (the index's simple URL) and the read "
                    "credentials; a login page on another host means the check needs credentials",
                )
            note = (
                f"{display_url(url)} redirects to another origin ({display_url(target)}), "
                f"which is not this index; not followed: treating {project} as not on this "
                "index"
            )
            self._absent(project, url, phase, why=f"redirected to {display_url(target)}")
            self._reporter.info(note)
            return ProjectPage(project, url, found=False, note=note)
        raise IndexError_(
            f"{phase}: too many redirects while reading {display_url(start)}",
            advice="check 'index-url' (it should be the index's simple URL)",
        )

    def _content_app(self, url: str, target: str) -> bool:
        """Pulp serves a publication's pages from its content app, another origin, under the
        same `<base_path>/simple/...` path; credentials stay with the index's own origin
        (`_auth`). Any other redirect elsewhere proves nothing."""
        return self._facts.follows_content_redirect and evidence.same_pulp_path(url, target)

    def _page(self, project: str, url: str, answer: Answer, phase: str) -> ProjectPage:
        status = answer.status
        if status in (404, 410):
            self._absent(project, url, phase, why=f"HTTP {status}")
            return ProjectPage(project, url, found=False)
        if status in (401, 403):
            raise self._refused(url, answer, phase)
        if status != 200:
            raise IndexError_(
                f"{phase}: could not read {display_url(url)}: HTTP {status} ({answer.message()})",
                advice="check 'index-url' (the index's simple URL) and that the index is up",
            )
        try:
            files = parse_project_page(
                canonicalize_name(project), answer.url, answer.content_type, answer.text()
            )
        except PageProblem as problem:
            raise IndexError_(
                f"{phase}: the answer from {display_url(url)} is not the simple page of "
                f"{project}: {problem}",
                details=(f"it was: {answer.describe()}", "nothing was decided from it"),
                advice="check 'index-url' (the index's simple URL, PEP 503/691) and the read "
                "credentials; if the index is in maintenance, re-run later",
            ) from None
        self._evidence.set()
        return ProjectPage(project, url, found=True, files=files)

    # -- "not here" needs evidence -------------------------------------------------------------

    def _absent(self, project: str, url: str, phase: str, *, why: str) -> None:
        if phase != "check" or self._evidence.is_set():
            return
        with self._probe_lock:
            if self._evidence.is_set():
                return
            seen = evidence.probe(
                partial(self._get, phase=phase),
                self._facts.evidence
                if self._facts.evidence is not Evidence.DERIVED
                else Evidence.ROOT_PAGE,
                self.index_url,
                accept=ACCEPT,
                follow=self._facts.follows_content_redirect,
            )
            if seen is not None:
                raise IndexError_(
                    f"{phase}: {display_url(url)} says {project} is not there ({why}), but "
                    f"{display_url(self.index_url)} does not look like a working simple index, "
                    "so that answer proves nothing",
                    details=(f"asked {seen}",),
                    advice="check 'index-url': it must be the simple index URL of the index "
                    "you upload to (e.g. https://HOST/simple/, devpi https://HOST/USER/INDEX/"
                    "+simple/)",
                )
            self._evidence.set()

    # -- requests ------------------------------------------------------------------------------

    def _refused(self, url: str, answer: Answer, phase: str) -> AuthError:
        facts = self._facts
        return AuthError(
            f"{phase}: {facts.name if facts.kind is not IndexKind.UNKNOWN else 'the index'} "
            f"refused to let us read {display_url(url)} (HTTP {answer.status}): "
            f"{answer.message()}",
            advice=f"{facts.name} reads with {facts.reads} and expects "
            f"{facts.users.convention}; this run sent {self._sent}. Give read credentials "
            "with 'check-user' and 'check-password' if they differ; a refused read is never "
            "taken as 'not there yet'",
        )

    def _auth(self, url: str) -> tuple[str, str] | None:
        # Credentials only go to the index's own origin, never to a CDN or elsewhere.
        if self._credentials is None or not same_origin(url, self.index_url):
            return None
        return self._credentials.username, self._credentials.password

    def _get(
        self,
        url: str,
        *,
        phase: str,
        accept: str,
        limit: int,
        method: str = "GET",
        truncate: bool = False,
    ) -> Answer:
        def on_retry(why: str, delay: float) -> None:
            self._reporter.debug(f"{method} {display_url(url)}: {why}; retrying in {delay:.1f} s")

        try:
            return self._net.retrying(
                url,
                lambda: self._net.fetch(
                    method,
                    url,
                    limit=limit,
                    truncate=truncate,
                    headers={"Accept": accept},
                    auth=self._auth(url),
                ),
                answer_of=lambda a: a,
                on_retry=on_retry,
            )
        except NetError as exc:
            raise index_error(phase, exc, what=f"reading {display_url(url)}") from exc

    # -- comparing ------------------------------------------------------------------------------

    def compare(
        self,
        remote: RemoteFile,
        local: Distribution,
        *,
        md5_is_enough: bool = False,
        phase: str = "check",
    ) -> Comparison:
        """Compare by the strongest hash the index lists; download when it lists only md5."""
        listed = by_listed_hash(remote, local, md5_is_enough=md5_is_enough)
        if listed is not None:
            return listed
        theirs = self._download_sha256(remote, phase)
        ours = local.hashes.sha256
        return Comparison(ours == theirs, "sha256", ours, theirs)

    def _download_sha256(self, remote: RemoteFile, phase: str) -> str:
        self._reporter.debug(f"the index gives no strong hash for {remote.filename}; downloading")
        url = remote.url
        for _ in range(_MAX_REDIRECTS):
            try:
                answer, sha256 = self._sha256_of(url)
            except NetError as exc:
                raise index_error(
                    phase,
                    exc,
                    what=f"downloading {display_url(url)} to compare it with {remote.filename}",
                ) from exc
            if answer.is_redirect:
                url = answer.location
                continue
            if answer.status in (401, 403):
                raise self._refused(url, answer, phase)
            if answer.status != 200:
                raise IndexError_(
                    f"{phase}: could not download {display_url(url)} to compare it with "
                    f"{remote.filename} (HTTP {answer.status})",
                    advice="the index lists the file without a sha256, so its bytes must be "
                    "compared; check that the index serves its own files",
                )
            return sha256
        raise IndexError_(
            f"{phase}: too many redirects downloading {display_url(remote.url)}",
            advice="check 'index-url'",
        )

    def _sha256_of(self, url: str) -> tuple[Answer, str]:
        digest = hashlib.sha256()

        def attempt() -> Answer:
            nonlocal digest
            digest = hashlib.sha256()  # a retry starts afresh
            return self._net.download(url, digest.update, auth=self._auth(url))

        answer = self._net.retrying(url, attempt, answer_of=lambda a: a)
        return answer, digest.hexdigest()
