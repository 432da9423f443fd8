"""distributions/classifiers.py: classifiers as PyPI knows them (trove-classifiers)."""

from __future__ import annotations

import pytest

from publish_action.distributions.classifiers import Verdict, check, closest, list_version


def test_valid_classifiers_pass() -> None:
    assert (
        check(
            [
                "Programming Language :: Python :: 3.12",
                "License :: OSI Approved :: MIT License",
                "Development Status :: 5 - Production/Stable",
            ]
        )
        == []
    )


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("Programing Language :: Python :: 3.12", "Programming Language :: Python :: 3.12"),
        ("License :: OSI Approved :: MIT license", "License :: OSI Approved :: MIT License"),
        ("Operating System :: OS Independant", "Operating System :: OS Independent"),
        (
            "Development Status :: 5 - Production / Stable",
            "Development Status :: 5 - Production/Stable",
        ),
    ],
)
def test_an_unknown_classifier_names_the_closest_valid_one(typo: str, meant: str) -> None:
    [finding] = check([typo])
    assert finding.verdict is Verdict.UNKNOWN and finding.instead == (meant,)
    assert finding.describe() == f"{typo!r} is not a trove classifier (did you mean {meant!r}?)"


def test_an_unknown_classifier_far_from_any_gets_no_guess() -> None:
    [finding] = check(["Topic :: Quantum Knitting"])
    assert finding.instead == ()
    assert finding.describe() == "'Topic :: Quantum Knitting' is not a trove classifier"


def test_deprecated_classifiers_name_their_replacement_as_warehouse_does() -> None:
    from trove_classifiers import deprecated_classifiers

    replaced = next(c for c, new in deprecated_classifiers.items() if new)
    dropped = next(c for c, new in deprecated_classifiers.items() if not new)
    first, second = check([replaced, dropped])
    assert first.verdict is Verdict.DEPRECATED
    assert first.instead == tuple(deprecated_classifiers[replaced])
    assert first.describe().startswith(f"{replaced!r} is deprecated: use ")
    assert second.describe() == f"{dropped!r} is deprecated: remove it"


@pytest.mark.parametrize("private", ["Private :: Do Not Upload", "private :: internal tool"])
def test_private_classifiers_are_what_pypi_refuses_on_purpose(private: str) -> None:
    [finding] = check([private])
    assert finding.verdict is Verdict.PRIVATE
    assert "PyPI refuses every 'Private ::' classifier" in finding.describe()


def test_each_classifier_once() -> None:
    assert len(check(["Nope :: Nope", "Nope :: Nope"])) == 1


def test_closest_ignores_case_and_spacing() -> None:
    assert closest("topic :: software  development", ["Topic :: Software Development"]) == (
        "Topic :: Software Development",
    )
    assert closest("Something else entirely", ["Topic :: Software Development"]) == ()


def test_the_list_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    assert list_version() == version("trove-classifiers")
