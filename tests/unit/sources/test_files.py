"""sources/files.py: files and globs given as arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import ExitCode, InputError
from publish_action.sources.files import expand

WHEEL = "pkg-1.0-py3-none-any.whl"
SDIST = "pkg-1.0.tar.gz"


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in (WHEEL, SDIST, f"{WHEEL}.publish.attestation", f"{SDIST}.asc", "SHA256SUMS"):
        (dist / name).write_bytes(b"x")
    return tmp_path


def names(paths: tuple[Path, ...]) -> list[str]:
    return [p.name for p in paths]


def test_literal_paths_are_relative_to_the_working_directory(cwd: Path) -> None:
    found = expand([f"dist/{SDIST}", str(cwd / "dist" / WHEEL)], cwd)
    assert found.distributions == (cwd / "dist" / SDIST, cwd / "dist" / WHEEL)


def test_a_glob_is_expanded_and_what_is_not_a_distribution_is_noted(cwd: Path) -> None:
    found = expand(["dist/*"], cwd)
    assert names(found.distributions) == [WHEEL, SDIST]
    assert found.notes == (  # sorted as the glob's matches are
        "ignoring dist/SHA256SUMS (matched by dist/*, not a wheel or sdist)",
        f"ignoring dist/{SDIST}.asc (a GPG signature: PyPI takes them no more)",
    )


def test_overlapping_globs_give_each_file_once(cwd: Path) -> None:
    found = expand(["dist/*.whl", "dist/*", f"dist/{WHEEL}", "**/*.whl"], cwd)
    assert names(found.distributions) == [WHEEL, SDIST]


def test_a_glob_matching_nothing_is_an_input_error_naming_it(cwd: Path) -> None:
    with pytest.raises(InputError) as info:
        expand(["dist/*.zip"], cwd)
    assert info.value.exit_code is ExitCode.INPUT
    assert info.value.message == "dist/*.zip: no file matches it"


def test_named_files_that_are_not_distributions_are_errors(cwd: Path) -> None:
    with pytest.raises(InputError) as info:
        expand([f"dist/{WHEEL}", "dist/SHA256SUMS", "dist/missing.whl", "dist"], cwd)
    assert info.value.message == "3 of the files given are unusable"
    assert info.value.details == (
        "dist/SHA256SUMS is not a wheel or sdist (.whl, .tar.gz, .zip)",
        "dist/missing.whl: no such file",
        "dist is a folder: give its files (dist/*) or --packages-dir dist",
    )


def test_a_signature_named_explicitly_is_ignored_as_twine_ignores_it(cwd: Path) -> None:
    found = expand([f"dist/{SDIST}", f"dist/{SDIST}.asc"], cwd)
    assert names(found.distributions) == [SDIST]


def test_an_attestation_goes_with_its_distribution_beside_it(cwd: Path) -> None:
    attestation = f"dist/{WHEEL}.publish.attestation"
    found = expand([f"dist/{WHEEL}", attestation], cwd)
    assert names(found.distributions) == [WHEEL]  # found beside it by the attestations step
    with pytest.raises(InputError, match="not among the files given in the same folder"):
        expand([f"dist/{SDIST}", attestation], cwd)
    elsewhere = cwd / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / WHEEL).write_bytes(b"x")
    with pytest.raises(InputError, match="not among the files given in the same folder"):
        expand([f"elsewhere/{WHEEL}", attestation], cwd)


def test_files_without_any_distribution_are_an_error(cwd: Path) -> None:
    with pytest.raises(InputError, match="none of the files given is a wheel or sdist"):
        expand(["dist/*.asc"], cwd)
