"""Classifiers checked against `trove-classifiers`, the list PyPI accepts them from.

Warehouse (`forklift/metadata.py`) refuses a classifier that is not in the list and one that is
deprecated (naming its replacements), and the list holds no `Private ::` classifier on
purpose: that prefix is the documented way to make PyPI refuse an upload by mistake. Each
finding says what to write instead: the replacement, or the closest listed classifier.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache

PRIVATE_PREFIX = "private ::"  # compared case-insensitively, as the classifier's convention


class Verdict(Enum):
    UNKNOWN = "unknown"
    DEPRECATED = "deprecated"
    PRIVATE = "private"


@dataclass(frozen=True)
class Finding:
    classifier: str
    verdict: Verdict
    instead: tuple[str, ...] = ()  # the replacements, or the closest valid classifier

    def describe(self) -> str:
        if self.verdict is Verdict.PRIVATE:
            return (
                f"{self.classifier!r} marks the project private: PyPI refuses every "
                "'Private ::' classifier, which is what it is for"
            )
        if self.verdict is Verdict.DEPRECATED:
            if not self.instead:
                return f"{self.classifier!r} is deprecated: remove it"
            return (
                f"{self.classifier!r} is deprecated: use "
                f"{' or '.join(repr(c) for c in self.instead)}"
            )
        hint = f" (did you mean {self.instead[0]!r}?)" if self.instead else ""
        return f"{self.classifier!r} is not a trove classifier{hint}"


@cache
def list_version() -> str:
    """The trove-classifiers release checked against: PyPI may know newer classifiers. (Asked
    once: importlib.metadata searches sys.path for it, a millisecond each time.)"""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trove-classifiers")
    except PackageNotFoundError:  # vendored or run from a source tree: no version to name
        return "unknown"


def check(classifiers: Iterable[str]) -> list[Finding]:
    """Every classifier PyPI would refuse, each once, in the order given."""
    from trove_classifiers import deprecated_classifiers, sorted_classifiers

    known = _known()
    findings: list[Finding] = []
    seen: set[str] = set()
    for classifier in classifiers:
        if classifier in seen:
            continue
        seen.add(classifier)
        if classifier.lower().startswith(PRIVATE_PREFIX):
            findings.append(Finding(classifier, Verdict.PRIVATE))
        elif classifier in deprecated_classifiers:
            findings.append(
                Finding(classifier, Verdict.DEPRECATED, tuple(deprecated_classifiers[classifier]))
            )
        elif classifier not in known:
            near = closest(classifier, sorted_classifiers)
            findings.append(Finding(classifier, Verdict.UNKNOWN, near))
    return findings


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    from trove_classifiers import all_classifiers  # a list: looked up once as a set

    return frozenset(all_classifiers)


def closest(classifier: str, valid: list[str]) -> tuple[str, ...]:
    """The listed classifier nearest in spelling (case and spaces do not count), if any is
    near enough to be a typo of it."""

    def key(text: str) -> str:
        return " ".join(text.lower().split())

    keys = {key(c): c for c in valid}
    match = difflib.get_close_matches(key(classifier), list(keys), n=1, cutoff=0.8)
    return (keys[match[0]],) if match else ()
