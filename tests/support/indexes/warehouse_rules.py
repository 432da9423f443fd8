"""Warehouse's upload checks after authentication, in ``forklift/legacy.py``'s order.

Each check returns the refusal message (a 400 unless said otherwise) or None. Source:
pypi/warehouse at 6b62157 (Aug 2026): ``forklift/legacy.py`` ``file_upload``,
``forklift/metadata.py``, ``attestations/services.py``; notes §2 PyPI.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from typing import Any

from tests.support.indexes.forms import Form
from tests.support.indexes.store import Store, StoredFile, project_version

__all__ = [
    "DUPLICATE_OK",
    "SUPPORTED_METADATA",
    "check_description",
    "check_form",
    "check_new_file",
    "metadata_sha256",
    "wheel_metadata",
]

HELP = "https://pypi.org/help/"
CORE_METADATA = "https://packaging.python.org/specifications/core-metadata"
# forklift/metadata.py SUPPORTED_METADATA_VERSIONS: no 2.0 — notes §2 PyPI
SUPPORTED_METADATA = {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
DUPLICATE_OK = "duplicate"
"""check_new_file's answer for an identical re-upload: 200 and nothing stored."""


def check_form(form: Form) -> str | None:
    """Protocol version, then the metadata form (name and version first)."""
    if form.get("protocol_version", "1") != "1":
        return "Unknown protocol version."
    for field, label in (("name", "Name"), ("version", "Version")):
        if not form.get(field):
            return (
                f"'' is an invalid value for {label}. Error: This field is required. See "
                f"{CORE_METADATA} for more information."
            )
    metadata_version = form.get("metadata_version") or ""
    if metadata_version not in SUPPORTED_METADATA:  # metadata.py _validate_metadata
        return (
            f"{metadata_version!r} is not a valid metadata version. See {CORE_METADATA} "
            "for more information."
        )
    problem = _check_metadata(form)
    if problem:
        return problem
    if form.file("content") is None:
        return "Upload payload does not have a file."
    return None


def _check_metadata(form: Form) -> str | None:
    """metadata.py _validate_metadata, the parts the stand-in models: local versions, then
    classifiers (unknown, then deprecated) against trove-classifiers. The first error is
    answered, with the core-metadata link legacy.py appends."""
    from packaging.version import InvalidVersion, Version
    from trove_classifiers import all_classifiers, deprecated_classifiers

    errors: list[str] = []
    try:
        if Version(form.get("version") or "").local:
            errors.append(f"The use of local versions in {form.get('version')!r} is not allowed.")
    except InvalidVersion:
        return None  # not modelled: packaging's own validation
    classifiers = set(form.getall("classifiers"))
    errors += [
        f"{c!r} is not a valid classifier." for c in sorted(classifiers - set(all_classifiers))
    ]
    for classifier in sorted(classifiers & deprecated_classifiers.keys()):
        instead = deprecated_classifiers[classifier]
        errors.append(
            f"The classifier {classifier!r} has been deprecated"
            + (f", use one of {instead} instead." if instead else ".")
        )
    if not errors:
        return None
    see = (
        "https://packaging.python.org/en/latest/specifications/version-specifiers/"
        "#local-version-identifiers"
        if "local versions" in errors[0]
        else CORE_METADATA
    )
    return f"{errors[0]} See {see} for more information."


def check_description(form: Form) -> str | None:
    """legacy.py: the description rendered with readme-renderer (utils/readme.py, no fallback);
    nothing rendered is a 400. Markdown is not rendered here (comrak is not installed)."""
    from email.message import EmailMessage

    import readme_renderer.rst
    import readme_renderer.txt

    description = form.get("description")
    if not description:
        return None
    declared = form.get("description_content_type") or ""
    content_type = declared or "text/x-rst"
    message = EmailMessage()
    message["content-type"] = content_type
    bare = message.get_content_type()
    if bare == "text/markdown":
        return None
    renderer = readme_renderer.rst if bare == "text/x-rst" else readme_renderer.txt
    if renderer.render(description) is not None:
        return None
    what = (
        f"The description failed to render for {content_type!r}."
        if declared
        else "The description failed to render in the default format of reStructuredText."
    )
    return f"{what} See {HELP}#description-content-type for more information."


def check_digests(form: Form, stored: StoredFile) -> str | None:
    """Every digest the client sent must match (md5, sha256, blake2_256)."""
    for algorithm, real in (
        ("md5", stored.md5),
        ("sha256", stored.sha256),
        ("blake2_256", stored.blake2_256),
    ):
        given = (form.get(f"{algorithm}_digest") or "").lower()
        if given and given != real:
            return "The digest supplied does not match a digest calculated from the uploaded file."
    return None


def check_new_file(
    store: Store, stored: StoredFile, filetype: str, *, max_age_days: float, check_archives: bool
) -> str | None:
    """Duplicate, filename reuse, closed release, one sdist, the archive, the file name."""
    same = store.files.get(stored.filename) or next(
        (f for f in store.files.values() if f.blake2_256 == stored.blake2_256), None
    )
    if same is not None:  # _is_duplicate_file: by file name *or* blake2
        if (same.filename, same.sha256, same.blake2_256) == (
            stored.filename,
            stored.sha256,
            stored.blake2_256,
        ):
            return DUPLICATE_OK  # HTTPOk(), nothing stored, attestations dropped (notes §2)
        # the comment there: changing this text breaks twine (warehouse #3482, twine #332)
        return (
            f"File already exists ({stored.filename!r}, with blake2_256 hash "
            f"{stored.blake2_256!r}). See {HELP}#file-name-reuse for more information."
        )
    if stored.filename in store.deleted:
        return (
            "This filename was previously used by a file that has since been deleted. Use "
            f"a different version. See {HELP}#file-name-reuse for more information."
        )
    created = store.release_created.get((stored.project, stored.version))
    if created is not None and time.time() - created > max_age_days * 86400:  # warehouse #19727
        return f"Uploading new files to releases older than {max_age_days:g} days is not allowed."
    if filetype == "sdist" and any(
        f.project == stored.project
        and f.version == stored.version
        and not f.filename.endswith(".whl")
        for f in store.files.values()
    ):
        return "Only one sdist may be uploaded per release."  # warehouse #15824
    if check_archives and not _looks_like_archive(stored):
        return "Invalid distribution file."
    return _check_filename(stored)


def _check_filename(stored: StoredFile) -> str | None:
    try:
        project, version = project_version(stored.filename)
    except ValueError:
        return (
            f"Invalid distribution file. Filename {stored.filename!r} is not a valid sdist "
            "or wheel name."
        )
    if project != stored.project:
        return f"Start filename for {stored.name!r} with {stored.project.replace('-', '_')!r}."
    if version != stored.version:
        return f"Version in filename should be {stored.version!r} not {version!r}."
    return None


def _looks_like_archive(stored: StoredFile) -> bool:
    """A light stand-in for _is_valid_dist_file: zip magic for wheels and zips, else gzip."""
    if stored.filename.endswith((".whl", ".zip")):
        return stored.content.startswith(b"PK\x03\x04")
    return stored.content.startswith(b"\x1f\x8b")


def attestation_problem(text: str, *, trusted_publisher: bool) -> str | None:
    """attestations/services.py parse_attestations (verification is pypi_standin.py's job)."""
    if not trusted_publisher:
        return "Attestations are only supported when using Trusted Publishing"
    try:
        parsed: Any = json.loads(text)
    except ValueError as exc:
        return f"Malformed attestations: {exc}"
    if not isinstance(parsed, list):
        return "Malformed attestations: expected a list"
    if not parsed:
        return "Malformed attestations: an empty attestation set is not permitted"
    if len(parsed) > 2:
        return "A maximum of 2 attestations per file are supported"
    return None


def wheel_metadata(stored: StoredFile) -> bytes | None:
    """The METADATA file of a wheel (PEP 658 ``.metadata``), if it can be read."""
    if not stored.filename.endswith(".whl"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(stored.content)) as archive:
            name = next(
                (
                    n
                    for n in archive.namelist()
                    if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
                ),
                None,
            )
            return archive.read(name) if name else None
    except (zipfile.BadZipFile, KeyError):
        return None


def metadata_sha256(stored: StoredFile) -> str | None:
    metadata = wheel_metadata(stored)
    return hashlib.sha256(metadata).hexdigest() if metadata is not None else None
