"""upload/form.py: the upload form's fields, from a distribution's metadata."""

from __future__ import annotations

from pathlib import Path

from publish_action.distributions import inspect
from publish_action.upload import form_fields
from tests.support.dists import write_sdist


def test_list_valued_metadata_become_repeated_fields(tmp_path: Path) -> None:
    metadata = (
        "Metadata-Version: 2.1\nName: forms\nVersion: 1.0\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Requires-Dist: httpx>=0.27\nRequires-Dist: packaging\n"
        "Project-URL: Homepage, https://example.org\n"
        "Project-URL: Source, https://example.org/src\n"
        "Keywords: publish,pypi\nPlatform: linux\nPlatform: macos\n"
    )
    [dist] = inspect([write_sdist(tmp_path, "forms", "1.0", metadata)], verify=True)
    fields = form_fields(dist, attestations='[{"x": 1}]')
    assert fields[:4] == [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("filetype", "sdist"),
        ("pyversion", "source"),
    ]
    assert ("sha256_digest", dist.hashes.sha256) in fields
    assert [v for k, v in fields if k == "classifiers"] == [
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
    ]
    assert [v for k, v in fields if k == "requires_dist"] == ["httpx>=0.27", "packaging"]
    assert [v for k, v in fields if k == "project_urls"] == [
        "Homepage, https://example.org",
        "Source, https://example.org/src",
    ]
    assert [v for k, v in fields if k == "keywords"] == ["publish, pypi"]
    assert [v for k, v in fields if k == "platform"] == ["linux", "macos"]
    assert fields[-1] == ("attestations", '[{"x": 1}]')


def test_no_md5_field_when_md5_was_not_computed() -> None:
    from dataclasses import replace

    from publish_action.distributions.hashing import Hashes
    from publish_action.upload.form import form_fields
    from tests.support.dists import distribution

    dist = distribution()
    dist = replace(dist, hashes=Hashes(dist.hashes.sha256, dist.hashes.blake2b_256))
    names = [name for name, _ in form_fields(dist, None)]
    assert "sha256_digest" in names and "blake2_256_digest" in names
    assert "md5_digest" not in names
