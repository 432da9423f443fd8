"""What we know about each index, as data: one row per index, read by the rest of the run.

Nothing outside `targets` branches on an index's kind for these facts; it asks the row.
Sources, per row: the team's notes (`notes/index-behaviour.md`, which cites upstream code and
issue threads), and where a fact was measured on a real server here, that measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from publish_action.targets.kinds import IndexKind

MiB = 1024 * 1024
GiB = 1024 * MiB

# Metadata-Versions `packaging` knows; an index accepts a subset.
_PYPI_METADATA = frozenset({"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"})


class Evidence(Enum):
    """What proves a check URL is a working simple index, so that its 404 means "not here"."""

    SERIAL = "a HEAD of the root answers with X-PyPI-Last-Serial"
    DEVPI = "devpi's JSON description of the index"
    ROOT_PAGE = "the root page lists projects"
    # The index serves no root page (or none is documented): the check URL derived by the
    # index's documented rule from a recognised upload URL is the evidence. A given
    # 'index-url' still needs its root page.
    DERIVED = "the check URL follows the index's documented rule"


@dataclass(frozen=True)
class Users:
    """The user-name convention of an index."""

    convention: str  # said in every refusal, e.g. "user '__token__' with a PyPI API token"
    expected: tuple[str, ...] = ()  # when set, any other user name is warned about up front
    refused: tuple[tuple[str, str], ...] = ()  # (user, why): known to be refused
    token_as_user: bool = False  # a token alone, as the user name with an empty password


@dataclass(frozen=True)
class Limits:
    max_file_size: int | None = None  # bytes
    max_files_per_version: int | None = None
    new_files_within_days: int | None = None  # files may be added to a release this long


@dataclass(frozen=True)
class IndexFacts:
    kind: IndexKind
    users: Users
    reads: str  # how the check reads: anonymous, or with which credentials
    duplicate: str  # what an upload of a file name already there gets
    check_url: str  # how the check URL is derived, for the README and the notes
    evidence: Evidence = Evidence.ROOT_PAGE
    # Credentials for the check go to the derived check URL although it is another host (the
    # same service's download host), because the index documents it so.
    check_credentials_cross_host: bool = False
    # A redirect to the same project's page on another origin means "not on this index".
    redirect_means_absent: bool = False
    # A redirect to another origin leads to this index's own content server: follow it,
    # without credentials.
    follows_content_redirect: bool = False
    asynchronous: bool = False  # a 2xx answer comes before the file is listed
    # Two first uploads of one new project may run at once (no project record to race on).
    concurrent_first_uploads: bool = False
    metadata_versions: frozenset[str] | None = None  # None: not known to be restricted
    limits: Limits = field(default_factory=Limits)
    accepts_attestations: bool = False
    # Attestations go only with a token minted by trusted publishing, and are verified against
    # that publisher: an API-token upload with attestations is refused.
    attestations_need_trusted_publisher: bool = False
    # The index renders the long description, checks classifiers against trove-classifiers and
    # applies Warehouse's file-name and version rules, refusing the file otherwise
    # (`metadata_rules`): found before uploading, exit 3. Elsewhere a README that would not
    # render and unknown classifiers are warnings.
    validates_metadata: bool = False
    read_only_hint: str = ""  # for URL shapes of this index that cannot take uploads
    hints: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.kind.value


_WAREHOUSE_LIMITS = Limits(max_file_size=100 * MiB, new_files_within_days=14)

FACTS: dict[IndexKind, IndexFacts] = {
    IndexKind.PYPI: IndexFacts(
        IndexKind.PYPI,
        Users(
            "user '__token__' with a PyPI API token (pypi-…), or trusted publishing",
            expected=("__token__",),
        ),
        reads="anonymous",
        duplicate="identical: 200 and nothing stored; different: 400 'File already exists'",
        check_url="https://pypi.org/simple/",
        evidence=Evidence.SERIAL,
        metadata_versions=_PYPI_METADATA,
        limits=_WAREHOUSE_LIMITS,
        accepts_attestations=True,
        attestations_need_trusted_publisher=True,
        validates_metadata=True,
        sources=(
            "warehouse forklift/legacy.py, constants.py, forklift/metadata.py; #19727; "
            "attestations/services.py (attestations only from trusted publishers)",
        ),
    ),
    IndexKind.TESTPYPI: IndexFacts(
        IndexKind.TESTPYPI,
        Users(
            "user '__token__' with a TestPyPI API token (separate from PyPI's), or trusted "
            "publishing",
            expected=("__token__",),
        ),
        reads="anonymous",
        duplicate="as PyPI",
        check_url="https://test.pypi.org/simple/",
        evidence=Evidence.SERIAL,
        metadata_versions=_PYPI_METADATA,
        limits=_WAREHOUSE_LIMITS,
        accepts_attestations=True,
        attestations_need_trusted_publisher=True,
        validates_metadata=True,
        sources=("warehouse, as PyPI",),
    ),
    IndexKind.DEVPI: IndexFacts(
        IndexKind.DEVPI,
        Users("your devpi user name and password"),
        reads="anonymous by default",
        duplicate="non-volatile index: identical 200, different 409; volatile: overwritten",
        check_url="the index URL + '+simple/'",
        evidence=Evidence.DEVPI,
        sources=("devpi-server 6.20.3, measured here; uv #15021",),
    ),
    IndexKind.PYPISERVER: IndexFacts(
        IndexKind.PYPISERVER,
        Users("a user from the server's htpasswd file (-P)"),
        reads="anonymous (pypiserver ignores read credentials by default)",
        duplicate="409 (400 for twine's User-Agent), identical or not",
        check_url="the simple/ link of its welcome page (root or path prefix)",
        redirect_means_absent=True,
        # SimpleFileBackend.add_package writes <root>/<filename>: no project record to race
        # on (pypiserver 2.4 backend.py).
        concurrent_first_uploads=True,
        sources=("pypiserver 2.4.2, measured here: 303 fallback to pypi.org",),
    ),
    IndexKind.NEXUS: IndexFacts(
        IndexKind.NEXUS,
        Users(
            "a Nexus user name and password, or a user token's name code and pass code",
            refused=(("__token__", "Nexus has no '__token__' user: that is PyPI's convention"),),
        ),
        reads="the upload credentials (anonymous reads are a server setting)",
        duplicate="400 'Repository does not allow updating assets' or '… cannot be updated'",
        check_url="the hosted repository URL + 'simple/'",
        hints=("check a hosted repository, not a group: a group mixes in proxied PyPI files",),
        sources=("sonatype/nexus-public #696; twine #1044; poetry #6301",),
    ),
    IndexKind.ARTIFACTORY: IndexFacts(
        IndexKind.ARTIFACTORY,
        Users(
            "your Artifactory user name with an identity/access token or API key, or an "
            "empty user name with an access token",
            refused=(
                (
                    "__token__",
                    "JFrog answers 401 to the user name '__token__' (uv's JFrog guide); use "
                    "your Artifactory user name, or an empty user name with an access token",
                ),
            ),
        ),
        reads="the upload credentials",
        duplicate="403 'Not enough permissions to delete/overwrite …' without delete permission",
        check_url="the repository URL + '/simple/'",
        evidence=Evidence.DERIVED,
        hints=("a virtual repository's pages aggregate its remotes, PyPI included",),
        sources=("uv #7917; twine #1251; notes §5",),
    ),
    IndexKind.GOOGLE: IndexFacts(
        IndexKind.GOOGLE,
        Users(
            "user 'oauth2accesstoken' with `gcloud auth print-access-token`, or "
            "'_json_key_base64' with a base64 service-account key",
            expected=("oauth2accesstoken", "_json_key_base64", "_json_key"),
        ),
        reads="the upload credentials",
        duplicate="400 'Requested entity already exists', identical or not",
        check_url="the repository URL + 'simple/'",
        evidence=Evidence.DERIVED,
        sources=("twine #816; uv #9778, PR #14251; notes §5; no root page: rules_python #3709",),
    ),
    IndexKind.CODEARTIFACT: IndexFacts(
        IndexKind.CODEARTIFACT,
        Users(
            "user 'aws' with `aws codeartifact get-authorization-token` as the password",
            expected=("aws",),
        ),
        reads="the upload credentials",
        duplicate="identical: accepted; different: 409 Conflict",
        check_url="the repository URL + 'simple/'",
        evidence=Evidence.DERIVED,
        limits=Limits(max_file_size=5 * 1024 * MiB, max_files_per_version=150),
        sources=("AWS CodeArtifact docs: overwriting package assets; quotas",),
    ),
    IndexKind.GITLAB: IndexFacts(
        IndexKind.GITLAB,
        Users(
            "user 'gitlab-ci-token' with $CI_JOB_TOKEN, or a deploy or personal access "
            "token with its name as the user",
            refused=(
                (
                    "__token__",
                    "'__token__' is PyPI's convention; GitLab expects 'gitlab-ci-token' with "
                    "$CI_JOB_TOKEN, or the deploy/personal token's name",
                ),
            ),
        ),
        reads="the upload credentials (private projects answer 404 to anonymous reads)",
        duplicate="400 'File name has already been taken', identical or not",
        check_url="the project's upload URL + '/simple/'",
        evidence=Evidence.DERIVED,
        redirect_means_absent=True,
        limits=Limits(max_file_size=3 * GiB),
        read_only_hint=(
            "GitLab group URLs (/api/v4/groups/<id>/-/packages/pypi) are read-only: upload to "
            "a project, https://HOST/api/v4/projects/<id>/packages/pypi"
        ),
        sources=("gitlab lib/api/pypi_packages.rb; MR !40410; forwarding docs; uv #17334",),
    ),
    IndexKind.AZURE: IndexFacts(
        IndexKind.AZURE,
        Users("any user name with a personal access token (scope Packaging: Read & write)"),
        reads="the upload credentials",
        duplicate="refused: feed versions are immutable (status unconfirmed)",
        check_url="the upload URL with 'upload/' replaced by 'simple/'",
        evidence=Evidence.DERIVED,
        # Refused 2.3 in March 2024 ("Supported versions are: 1.0,1.1,1.2,2.0,2.1", ruff
        # #10378, uv #2414); what it accepts today is unconfirmed, so nothing is refused up
        # front: a refusal at upload names the field and the setting instead.
        hints=("a refused Metadata-Version: see the hint on the refusal",),
        sources=("ruff #10378; uv #2414; maturin #1993; uv #7860",),
    ),
    IndexKind.CLOUDSMITH: IndexFacts(
        IndexKind.CLOUDSMITH,
        Users("your Cloudsmith user name (or 'token') with an API key"),
        reads="the upload credentials, at dl.cloudsmith.io/basic/",
        duplicate="accepted, then refused during the asynchronous sync (unconfirmed)",
        check_url="https://dl.cloudsmith.io/basic/<owner>/<repo>/python/simple/",
        evidence=Evidence.DERIVED,
        check_credentials_cross_host=True,
        asynchronous=True,
        sources=("uv publish tests; notes §5 (dl.cloudsmith.io/basic)",),
    ),
    IndexKind.GITEA: IndexFacts(
        IndexKind.GITEA,
        Users("your Gitea/Forgejo user name with a password or an access token (package:write)"),
        reads="the upload credentials",
        duplicate="400 'package file already exists', identical or not",
        check_url="the upload URL + '/simple/'",
        evidence=Evidence.DERIVED,
        sources=("gitea routers/api/packages/pypi/pypi.go, api.go (no root page); Forgejo docs",),
    ),
    IndexKind.PULP: IndexFacts(
        IndexKind.PULP,
        Users("a Pulp user name and password"),
        reads="anonymous (wrong credentials get 401)",
        duplicate="400 'Package <file> already exists in index', identical or not",
        check_url="the upload URL with 'legacy/' replaced by 'simple/'",
        follows_content_redirect=True,
        asynchronous=True,
        metadata_versions=frozenset(
            {"1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5"}
        ),
        accepts_attestations=True,
        sources=("pulp-python 3.36.4 with pulpcore 3.123.1, measured here",),
    ),
    IndexKind.GEMFURY: IndexFacts(
        IndexKind.GEMFURY,
        Users("the push token as the user name, with an empty password", token_as_user=True),
        reads="the push token, at pypi.fury.io (unconfirmed)",
        duplicate="409 (unconfirmed)",
        check_url="https://pypi.fury.io/<account>/ (unconfirmed)",
        evidence=Evidence.DERIVED,
        check_credentials_cross_host=True,
        sources=("notes §1/§5: push.fury.io with the token as user; uv #4887",),
    ),
    IndexKind.UNKNOWN: IndexFacts(
        IndexKind.UNKNOWN,
        Users("the user name and password or token the index documents"),
        reads="the credentials given to the check",
        duplicate="unknown",
        check_url="only with 'index-url'",
    ),
}


def facts_of(kind: IndexKind) -> IndexFacts:
    return FACTS[kind]
