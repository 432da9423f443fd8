"""The one table of inputs: each input's name, default, help and the old snake_case name
gh-action-pypi-publish still accepts. action.yml, the command line, the README and the docs are
built from or tested against it; `inputs` reads the values.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REPOSITORY_URL = "https://upload.pypi.org/legacy/"


@dataclass(frozen=True)
class InputSpec:
    name: str
    default: str
    help: str
    secret: bool = False
    # pypa/gh-action-pypi-publish's old snake_case name, still accepted there (with a
    # deprecation message) and so here: many workflows still say `repository_url:`.
    deprecated: str = ""

    @property
    def env_names(self) -> tuple[str, str]:
        upper = self.name.upper()
        return f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"

    @property
    def deprecated_env_name(self) -> str:
        """How action.yml passes the deprecated name's value. Not `INPUT_REPOSITORY_URL`: that
        is the canonical input's own variable (the container image and the CLI read it)."""
        return f"INPUT_DEPRECATED_{self.deprecated.upper()}" if self.deprecated else ""


INPUTS: tuple[InputSpec, ...] = (
    InputSpec(
        "repository-url",
        DEFAULT_REPOSITORY_URL,
        "upload endpoint (legacy upload API)",
        deprecated="repository_url",
    ),
    InputSpec(
        "repository",
        "",
        "a repository name instead of repository-url: pypi, testpypi, a section of "
        "~/.pypirc or a [[tool.uv.index]] name in pyproject.toml",
    ),
    InputSpec("index-url", "", "simple index used for the existence check (derived if empty)"),
    InputSpec("user", "__token__", "user name for the upload"),
    InputSpec("password", "", "password or API token for the upload", secret=True),
    InputSpec("check-user", "", "user name for reading the index, when it differs"),
    InputSpec("check-password", "", "password for reading the index", secret=True),
    InputSpec(
        "packages-dir",
        "dist",
        "folder holding the wheels and sdists",
        deprecated="packages_dir",
    ),
    InputSpec(
        "on-existing",
        "skip-identical",
        "policy for files already on the index: skip-identical, error, skip, overwrite",
    ),
    InputSpec(
        "skip-existing",
        "false",
        "compatibility alias: true means on-existing=skip",
        deprecated="skip_existing",
    ),
    InputSpec("dry-run", "false", "do everything but the upload"),
    InputSpec(
        "verify-metadata",
        "true",
        "validate every distribution before anything is sent",
        deprecated="verify_metadata",
    ),
    InputSpec(
        "print-hash",
        "false",
        "print sha256, blake2b-256 and md5 of each file",
        deprecated="print_hash",
    ),
    InputSpec("verbose", "false", "show requests, responses and decisions"),
    InputSpec("confirm", "true", "after uploading, read the index again to confirm every file"),
    InputSpec("confirm-timeout", "20", "seconds to wait for uploads to appear on the index"),
    InputSpec(
        "trusted-publishing",
        "auto",
        "mint an upload token from the CI's OIDC identity: auto, always, never",
    ),
    InputSpec("attestations", "auto", "sign PEP 740 attestations: auto, true, false"),
    InputSpec("max-parallel", "8", "uploads in flight at once (1 = sequential)"),
    InputSpec(
        "max-file-size",
        "",
        "largest file the index takes, e.g. 250MB, when it raised this project's limit "
        "(empty: the index's known limit)",
    ),
    InputSpec("retries", "3", "retries of a transient failure (connection error, 429, 5xx)"),
    InputSpec(
        "timeout",
        "30",
        "seconds a network operation may wait for the server; a "
        "transfer must also keep above 10 kB/s after that long",
    ),
    InputSpec(
        "deadline",
        "3600",
        "seconds the whole run may take; then it stops like a cancelled run (exit 6)",
    ),
    InputSpec(
        "cert",
        "",
        "CA bundle (PEM) to trust instead of the system trust store, for a "
        "private index (twine's --cert)",
    ),
    InputSpec(
        "allow-insecure-http",
        "false",
        "allow sending credentials over plain http:// to a host other than this machine",
    ),
    InputSpec("report-path", "", "where to write the JSON report of every file's outcome"),
)
