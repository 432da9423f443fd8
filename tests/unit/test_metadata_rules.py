"""metadata_rules.py: what an index that validates metadata (Warehouse) refuses, per field."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from packaging.version import Version

from publish_action.distributions import Distribution, inspect
from publish_action.metadata_rules import findings, is_http_url, valid_platform
from tests.support.dists import write_sdist, write_wheel

HEAD = "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: s\n"


def built(
    tmp_path: Path, extra: str = "", *, name: str = "demo-pkg", version: str = "1.0", body: str = ""
) -> list[Distribution]:
    text = HEAD.format(name=name, version=version) + extra + (f"\n{body}" if body else "")
    folder = tmp_path / "dist"
    folder.mkdir(exist_ok=True)
    paths = [write_sdist(folder, name, version, text), write_wheel(folder, name, version, text)]
    return list(inspect(paths, verify=True))


def fields(dists: list[Distribution]) -> list[tuple[str, str, bool]]:
    return [(f.filename, f.field, f.pypi_only) for d in dists for f in findings(d)]


def test_a_clean_release_has_no_findings(tmp_path: Path) -> None:
    extra = (
        "Classifier: Programming Language :: Python :: 3\n"
        "Project-URL: Source, https://github.com/o/demo\n"
        "Home-page: https://example.com\n"
        "Requires-Dist: packaging>=24\n"
        "Description-Content-Type: text/markdown\n"
    )
    assert fields(built(tmp_path, extra, body="# Demo\n\nsome `text`_\n")) == []


def test_the_readme_and_classifiers_concern_every_index(tmp_path: Path) -> None:
    extra = "Classifier: Programing Language :: Python\n"
    dists = built(tmp_path, extra, body="Title\n=====\n\nA `broken`_ link.\n")
    found = [f for d in dists for f in findings(d)]
    assert [(f.field, f.pypi_only) for f in found] == [
        ("Description", False),
        ("Classifier", False),
    ] * 2
    description = found[0]
    assert description.render().startswith(
        "demo_pkg-1.0.tar.gz: Description: the long description does not render as "
        "reStructuredText, the default without Description-Content-Type (line 4: Error: "
        'Unknown target name: "broken".); if it is Markdown, declare it'
    )
    assert "did you mean 'Programming Language :: Python'?" in found[1].text
    assert "checked against trove-classifiers 20" in found[1].text


def test_private_classifier_is_pypi_only(tmp_path: Path) -> None:
    [sdist, _] = built(tmp_path, "Classifier: Private :: Do Not Upload\n")
    [finding] = findings(sdist)
    assert (finding.field, finding.pypi_only) == ("Classifier", True)


def test_local_versions(tmp_path: Path) -> None:
    [sdist, wheel] = built(tmp_path, version="1.0+corp.3")
    [finding] = findings(wheel)
    assert finding.field == "Version" and finding.pypi_only
    assert finding.text.startswith(
        "1.0+corp.3 has a local version label ('+corp.3'), which PyPI refuses: publish a "
        "public version such as 1.0"
    )
    assert [f.field for f in findings(sdist)] == ["Version"]


def test_pep_625_sdist_names(tmp_path: Path) -> None:
    """Warehouse: `{normalized name with _}-{str(Version)}.tar.gz`, exactly."""
    [sdist, _] = built(tmp_path)
    assert sdist.filename == "demo_pkg-1.0.tar.gz" and findings(sdist) == []
    legacy = tmp_path / "Demo-Pkg-1.0.tar.gz"
    for wrong in ("Demo-Pkg-1.0.tar.gz", "demo-pkg-1.0.tar.gz", "demo_pkg-1.00.tar.gz"):
        [finding] = findings(replace(sdist, path=legacy.with_name(wrong)))
        assert finding.field == "file name" and finding.pypi_only
        assert finding.text.startswith(
            "an sdist must be named demo_pkg-1.0.tar.gz (PEP 625: the normalized name and version)"
        )


def test_wheel_names_and_platform_tags(tmp_path: Path) -> None:
    [_, wheel] = built(tmp_path)
    assert findings(wheel) == []
    dotted = replace(wheel, path=wheel.path.with_name("Demo.Pkg-1.0-py3-none-any.whl"))
    [finding] = findings(dotted)
    assert finding.text.startswith(
        "a wheel's name must start with the normalized project name 'demo_pkg', not 'Demo.Pkg'"
    )
    linux = replace(wheel, path=wheel.path.with_name("demo_pkg-1.0-cp312-cp312-linux_x86_64.whl"))
    [finding] = findings(linux)
    assert finding.text.startswith("platform tag 'linux_x86_64' is not one PyPI accepts")
    assert "auditwheel" in finding.text


@pytest.mark.parametrize(
    "tag",
    [
        "any",
        "win_amd64",
        "manylinux2014_aarch64",
        "manylinux_2_28_x86_64",
        "manylinux_2_17_ppc64",
        "musllinux_1_2_riscv64",
        "macosx_10_9_x86_64",
        "macosx_11_0_arm64",
        "macosx_14_0_universal2",
        "ios_13_0_arm64_iphoneos",
        "android_24_arm64_v8a",
        "pyemscripten_2024_0_wasm32",
        "linux_armv7l",
    ],
)
def test_platform_tags_pypi_accepts(tag: str) -> None:
    assert valid_platform(tag)


@pytest.mark.parametrize(
    "tag",
    [
        "linux_x86_64",
        "linux_aarch64",
        "musllinux_1_2_ppc64",
        "macosx_11_3_arm64",
        "macosx_16_0_arm64",
        "macosx_14_0_sparc",
        "android_24_mips",
        "freebsd_14_0_amd64",
        "win_sparc",
    ],
)
def test_platform_tags_pypi_refuses(tag: str) -> None:
    assert not valid_platform(tag)


def test_warehouse_field_rules(tmp_path: Path) -> None:
    extra = (
        f"Summary: {'x' * 513}\n"
        "Home-page: github.com/o/demo\n"
        "Download-URL: https://example.com/dl\n"
        "Project-URL: A label longer than thirty-two chars, https://example.com\n"
        "Project-URL: Source, git+https://github.com/o/demo\n"
        "Requires-Dist: other @ https://example.com/other-1.0.tar.gz\n"
        "License: MIT\n"
        "License-Expression: MIT\n"
    )
    text = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\n" + extra
    folder = tmp_path / "d"
    folder.mkdir()
    [wheel] = inspect([write_wheel(folder, "demo", "1.0", text)], verify=True)
    found = {(f.field, f.text.split(";")[0]) for f in findings(wheel)}
    assert found == {
        ("Summary", "is 513 characters"),
        ("Home-page", "'github.com/o/demo' is not an http(s) URL"),
        (
            "Project-URL",
            "label 'A label longer than thirty-two chars' is 36 characters",
        ),
        ("Project-URL", "Source: 'git+https://github.com/o/demo' is not an http(s) URL"),
        (
            "Requires-Dist",
            "'other @ https://example.com/other-1.0.tar.gz' is a direct URL dependency, which "
            "PyPI refuses: depend on a published version instead",
        ),
        (
            "License",
            "License and License-Expression are both set",
        ),
    }
    assert all(f.pypi_only for f in findings(wheel))


def test_http_urls() -> None:
    assert is_http_url("https://example.com/x?y=1#z") and is_http_url("HTTP://example.com")
    assert is_http_url("https://")  # Warehouse does not require a host (require_authority)
    for bad in ("github.com/o/x", "git+https://github.com/o/x", "https://ex ample.com", ""):
        assert not is_http_url(bad), bad


def test_version_objects_not_strings(tmp_path: Path) -> None:
    """A non-normalized version in the metadata: the sdist's name must carry the normal form."""
    [sdist, _] = built(tmp_path, version="1.0.0.RC1")
    assert sdist.version == Version("1.0.0rc1")
    [finding] = findings(sdist)
    assert "must be named demo_pkg-1.0.0rc1.tar.gz" in finding.text
