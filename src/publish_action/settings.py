"""Frozen settings: what the run was asked to do, already parsed and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from publish_action.targets import IndexProfile


class OnExisting(Enum):
    """What to do with a file whose name is already on the index."""

    SKIP_IDENTICAL = "skip-identical"  # identical: skip; different: stop before uploading
    ERROR = "error"  # any file already there stops the run
    SKIP = "skip"  # skip by name, warn when content differs
    OVERWRITE = "overwrite"  # upload anyway (private dev indexes only)


class TrustedPublishing(Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class Attestations(Enum):
    AUTO = "auto"
    TRUE = "true"
    FALSE = "false"


@dataclass(frozen=True, repr=False)
class Credentials:
    """A user name and password; the password never appears in repr or str."""

    username: str
    password: str

    def describe(self) -> str:
        """Who is sent, as a message may show it: a token used as the user name is not."""
        return f"user {self.username!r}" if self.password else "a token given as the user name"

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***)"

    __str__ = __repr__


@dataclass(frozen=True, kw_only=True)
class Settings:
    repository_url: str
    index: IndexProfile
    index_url: str | None
    index_url_note: str
    index_url_given: bool = False  # else derived from repository-url (or none)
    upload_credentials: Credentials | None
    check_credentials: Credentials | None
    check_credentials_explicit: bool
    packages_dir: Path
    files: tuple[Path, ...] = ()  # given as arguments: published instead of packages_dir
    on_existing: OnExisting = OnExisting.SKIP_IDENTICAL
    dry_run: bool = False
    verify_metadata: bool = True
    print_hash: bool = True
    verbose: bool = False
    confirm: bool = True
    confirm_timeout: float = 20.0
    trusted_publishing: TrustedPublishing = TrustedPublishing.AUTO
    attestations: Attestations = Attestations.AUTO
    max_parallel: int = 8
    max_file_size: int | None = None  # bytes; None: the index's known limit
    retries: int = 3
    timeout: float = 30.0  # seconds of silence a single network operation may take
    deadline: float = 3600.0  # seconds the whole run may take
    ca_bundle: Path | None = None  # 'cert': trust only these CAs
    allow_insecure_http: bool = False
    report_path: Path | None = None
    work_dir: Path = field(default_factory=lambda: Path(".publish-action"))
