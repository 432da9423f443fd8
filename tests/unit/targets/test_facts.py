"""`targets.facts`: one complete row per index, and facts that agree with their sources."""

from __future__ import annotations

from publish_action.targets import FACTS, IndexKind, facts_of
from publish_action.targets.facts import MiB


def test_every_kind_has_one_row_naming_its_conventions() -> None:
    assert set(FACTS) == set(IndexKind)
    for kind, facts in FACTS.items():
        assert facts.kind is kind
        assert facts.users.convention and facts.reads and facts.duplicate and facts.check_url
        assert kind is IndexKind.UNKNOWN or facts.sources, kind


def test_warehouse_limits_and_metadata_versions() -> None:
    """warehouse constants.py (100 MiB), forklift/metadata.py (1.0 to 1.2, 2.1 to 2.5, not 2.0),
    #19727 (no new files on releases older than 14 days)."""
    for kind in (IndexKind.PYPI, IndexKind.TESTPYPI):
        facts = facts_of(kind)
        assert facts.limits.max_file_size == 100 * MiB
        assert facts.limits.new_files_within_days == 14
        assert facts.metadata_versions is not None
        assert "2.0" not in facts.metadata_versions and "2.5" in facts.metadata_versions


def test_redirect_facts() -> None:
    """pypiserver's fallback and GitLab's forwarding mean "not here"; Pulp's content app is
    the index itself; nobody else's cross-origin redirect is trusted."""
    absent = {k for k, f in FACTS.items() if f.redirect_means_absent}
    assert absent == {IndexKind.PYPISERVER, IndexKind.GITLAB}
    assert {k for k, f in FACTS.items() if f.follows_content_redirect} == {IndexKind.PULP}


def test_only_documented_sibling_hosts_get_the_upload_credentials() -> None:
    cross = {k for k, f in FACTS.items() if f.check_credentials_cross_host}
    assert cross == {IndexKind.CLOUDSMITH, IndexKind.GEMFURY}


def test_user_conventions() -> None:
    artifactory = dict(facts_of(IndexKind.ARTIFACTORY).users.refused)
    assert "__token__" in artifactory and "401" in artifactory["__token__"]
    assert facts_of(IndexKind.CODEARTIFACT).users.expected == ("aws",)
    assert facts_of(IndexKind.GEMFURY).users.token_as_user
    assert facts_of(IndexKind.PYPI).users.expected == ("__token__",)


def test_only_warehouse_validates_metadata_and_ties_attestations_to_trusted_publishers() -> None:
    """forklift/legacy.py renders the description and applies its file-name rules;
    forklift/metadata.py checks classifiers against trove-classifiers; attestations/services.py
    refuses attestations without a trusted publisher. No other index does these."""
    warehouse = {IndexKind.PYPI, IndexKind.TESTPYPI}
    assert {k for k, f in FACTS.items() if f.validates_metadata} == warehouse
    assert {k for k, f in FACTS.items() if f.attestations_need_trusted_publisher} == warehouse
    assert all(FACTS[k].accepts_attestations for k in warehouse)
