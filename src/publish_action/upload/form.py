"""The legacy upload API's form fields for one distribution (as twine and uv send them)."""

from __future__ import annotations

from publish_action.distributions import Distribution

# RawMetadata key → legacy upload form field.
_FORM_NAMES = {
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "license_files": "license_file",
}


def form_fields(dist: Distribution, attestations: str | None) -> list[tuple[str, str]]:
    """Every field in order. Lists become one field per item (classifiers, requires_dist);
    project URLs become "label, url"; keywords are joined, as Warehouse stores them."""
    fields: list[tuple[str, str]] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("filetype", dist.filetype),
        ("pyversion", dist.pyversion),
        ("sha256_digest", dist.hashes.sha256),
        ("blake2_256_digest", dist.hashes.blake2b_256),
    ]
    if dist.hashes.md5:
        fields.append(("md5_digest", dist.hashes.md5))
    for key, value in dist.metadata.items():
        name = _FORM_NAMES.get(key, key)
        if isinstance(value, str):
            fields.append((name, value))
        elif isinstance(value, dict):
            fields.extend((name, f"{label}, {url}") for label, url in value.items())
        elif isinstance(value, list) and key == "keywords":
            fields.append((name, ", ".join(value)))
        elif isinstance(value, list):
            fields.extend((name, str(item)) for item in value)
    if attestations is not None:
        fields.append(("attestations", attestations))
    return fields
