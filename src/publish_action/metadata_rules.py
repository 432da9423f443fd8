"""What an index that validates metadata refuses in a distribution's name and metadata.

Two kinds of findings, for `acceptance` to weigh by the index's row:

* what any release engineer wants to hear of, wherever the file goes (`pypi_only=False`): a
  long description that does not render as PyPI renders it (`distributions.readme`), and
  classifiers that are not trove classifiers or are deprecated (`distributions.classifiers`);
* Warehouse's own rules (`pypi_only=True`), from pypi/warehouse at 6b62157 (Aug 2026),
  `forklift/legacy.py` (`file_upload`, `_valid_platform_tag`) and `forklift/metadata.py`
  (`_validate_metadata`): no local versions, PEP 625 sdist names and normalized wheel names,
  platform tags PyPI knows, `Private ::` classifiers, a Summary of at most 512 characters,
  Project-URL labels of at most 32 characters and http(s) URLs, no direct URL dependencies, and
  License and License-Expression not both. Private indexes take all of these.

Not checked (known gaps): e-mail addresses (Warehouse uses `email-validator`), License-File
entries present in the archive, and URL syntax beyond the scheme and whitespace (Warehouse uses
`rfc3986`): when in doubt nothing is refused here, the index still decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from publish_action.distributions import classifiers as trove
from publish_action.distributions.readme import render_failure

if TYPE_CHECKING:
    from publish_action.distributions import Distribution

MAX_SUMMARY = 512
MAX_URL_LABEL = 32

_BUILD_ADVICE = "rebuild it with an up-to-date build backend (setuptools 69.3 or later, hatchling)"


@dataclass(frozen=True)
class Finding:
    filename: str
    field: str  # the core-metadata field, or "file name"
    text: str  # what is wrong and, where it is not obvious, what to write instead
    pypi_only: bool  # refused only by an index with Warehouse's rules

    def render(self) -> str:
        return f"{self.filename}: {self.field}: {self.text}"


def findings(dist: Distribution) -> list[Finding]:
    """Everything about `dist` that an index validating metadata would refuse."""
    return [Finding(dist.filename, field, text, only) for field, text, only in _all(dist)]


def _all(dist: Distribution) -> Iterator[tuple[str, str, bool]]:
    meta = dist.metadata
    failure = render_failure(meta.get("description"), meta.get("description_content_type"))
    if failure is not None:
        markup = "fix the markup (`python -m readme_renderer README.rst` shows the same errors)"
        fix = (
            'if it is Markdown, declare it: in [project], `readme = "README.md"` sets '
            'text/markdown (setup.py: long_description_content_type="text/markdown"); if it is '
            f"reStructuredText, {markup}"
            if failure.defaulted
            else markup
        )
        yield "Description", f"{failure.describe()}; {fix}", False
    for found in trove.check(meta.get("classifiers", [])):
        text = found.describe()
        if found.verdict is trove.Verdict.UNKNOWN:
            text += f"; checked against trove-classifiers {trove.list_version()}"
        yield "Classifier", text, found.verdict is trove.Verdict.PRIVATE
    yield from _version(dist)
    yield from _file_name(dist)
    yield from _fields(dist)


def _version(dist: Distribution) -> Iterator[tuple[str, str, bool]]:
    if dist.version.local:
        public = dist.version.public
        yield (
            "Version",
            f"{dist.version} has a local version label ('+{dist.version.local}'), which PyPI "
            f"refuses: publish a public version such as {public} (setuptools-scm: "
            'local_scheme = "no-local-version")',
            True,
        )


def _file_name(dist: Distribution) -> Iterator[tuple[str, str, bool]]:
    name = canonicalize_name(str(dist.metadata.get("name", dist.project))).replace("-", "_")
    if dist.kind == "sdist":
        try:
            version = str(Version(str(dist.metadata.get("version", ""))))
        except InvalidVersion:
            return  # refused already, with the rest of the metadata
        expected = f"{name}-{version}.tar.gz"
        if dist.filename != expected:
            yield (
                "file name",
                f"an sdist must be named {expected} (PEP 625: the normalized name and "
                f"version); {_BUILD_ADVICE}",
                True,
            )
        return
    given = dist.filename.split("-", 1)[0]
    if given != name:
        yield (
            "file name",
            f"a wheel's name must start with the normalized project name {name!r}, not "
            f"{given!r}; {_BUILD_ADVICE}",
            True,
        )
    _, _, _, tags = parse_wheel_filename(dist.filename)
    for platform in sorted({tag.platform for tag in tags}):
        if not valid_platform(platform):
            yield (
                "file name",
                f"platform tag {platform!r} is not one PyPI accepts: {_platform_advice(platform)}",
                True,
            )


def _platform_advice(platform: str) -> str:
    if platform.startswith("linux_"):
        return (
            "a wheel for Linux must be repaired with auditwheel (a manylinux or musllinux "
            "tag), e.g. by building it with cibuildwheel"
        )
    return "build it for a platform tag PyPI lists (cibuildwheel does)"


def _fields(dist: Distribution) -> Iterator[tuple[str, str, bool]]:
    meta = dist.metadata
    summary = meta.get("summary", "")
    if len(summary) > MAX_SUMMARY:
        yield (
            "Summary",
            f"is {len(summary)} characters; PyPI takes at most {MAX_SUMMARY} (the long text "
            "belongs in the README)",
            True,
        )
    for field, url in (
        ("Home-page", meta.get("home_page")),
        ("Download-URL", meta.get("download_url")),
    ):
        if isinstance(url, str) and not is_http_url(url):
            yield field, f"{url!r} is not an http(s) URL", True
    for label, url in meta.get("project_urls", {}).items():
        if not label:
            yield "Project-URL", f"{url!r} has no label ('Label, URL')", True
        elif len(label) > MAX_URL_LABEL:
            yield (
                "Project-URL",
                f"label {label!r} is {len(label)} characters; PyPI takes at most {MAX_URL_LABEL}",
                True,
            )
        elif not is_http_url(url):
            yield "Project-URL", f"{label}: {url!r} is not an http(s) URL", True
    for field, values in (
        ("Requires-Dist", meta.get("requires_dist", [])),
        ("Provides-Dist", meta.get("provides_dist", [])),
        ("Obsoletes-Dist", meta.get("obsoletes_dist", [])),
    ):
        for text in values:
            try:
                requirement = Requirement(text)
            except InvalidRequirement as exc:
                yield field, f"{text!r} is not a valid requirement ({exc})", True
                continue
            if requirement.url is not None:
                yield (
                    field,
                    f"{text!r} is a direct URL dependency, which PyPI refuses: depend on a "
                    "published version instead",
                    True,
                )
    if meta.get("license") and meta.get("license_expression"):
        yield (
            "License",
            "License and License-Expression are both set; PyPI takes only "
            "License-Expression: remove the License field (setuptools: drop `license` when "
            '`license-expression`/PEP 639 `license = "…"` is used)',
            True,
        )


_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def is_http_url(url: str) -> bool:
    """An http or https URL without whitespace: what Warehouse's URI check refuses most often
    (`github.com/x` without a scheme, `git+https://…`, a space). Other syntax is left to it."""
    scheme, sep, _ = url.partition(":")
    return bool(sep) and scheme.lower() in ("http", "https") and not _URL_SPACE.search(url)


# -- platform tags (Warehouse's `_valid_platform_tag`) -----------------------------------------

_PLATFORMS = frozenset(
    {"any", "win32", "win_arm64", "win_amd64", "win_ia64", "linux_armv6l", "linux_armv7l"}
    | {f"manylinux1_{arch}" for arch in ("x86_64", "i686")}
    | {f"manylinux2010_{arch}" for arch in ("x86_64", "i686")}
    | {
        f"manylinux2014_{arch}"
        for arch in ("x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x")
    }
)
# Matched from the start, as Warehouse matches them (`re.match`), so the same tags pass.
_MACOS = re.compile(r"macosx_(\d+)_(\d+)_(.+)")
_MACOS_ARCHES = frozenset(
    [
        "ppc",
        "ppc64",
        "i386",
        "x86_64",
        "arm64",
        "intel",
        "fat",
        "fat3",
        "fat64",
        "universal",
        "universal2",
    ]
)
_MACOS_MAJORS = frozenset({"11", "12", "13", "14", "15", "26"})  # 11 and later: minor is 0
_LINUX = re.compile(r"(many|musl)linux_(\d+)_(\d+)_(.+)")
_LINUX_ARCHES = frozenset(["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"])
_IOS = re.compile(r"ios_(\d+)_(\d+)_(.+)_(iphoneos|iphonesimulator)")
_ANDROID = re.compile(r"android_(\d+)_(.+)")
_ANDROID_ARCHES = frozenset({"armeabi_v7a", "arm64_v8a", "x86", "x86_64"})
_EMSCRIPTEN = re.compile(r"pyemscripten_\d+_\d+_wasm32")


def valid_platform(tag: str) -> bool:
    """Whether PyPI accepts a wheel with this platform tag."""
    if tag in _PLATFORMS:
        return True
    if found := _MACOS.match(tag):
        major, minor, arch = found.groups()
        return arch in _MACOS_ARCHES and (
            major == "10" or (major in _MACOS_MAJORS and minor == "0")
        )
    if found := _LINUX.match(tag):
        libc, arch = found.group(1), found.group(4)
        return arch in _LINUX_ARCHES or (libc == "many" and arch == "ppc64")
    if found := _IOS.match(tag):
        return found.group(3) in ("arm64", "x86_64")
    if found := _ANDROID.match(tag):
        return found.group(2) in _ANDROID_ARCHES
    return _EMSCRIPTEN.match(tag) is not None
