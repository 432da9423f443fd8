"""`targets.kinds`: the names an index is shown by."""

from __future__ import annotations

from publish_action.targets import IndexKind


def test_every_kind_has_a_distinct_display_name() -> None:
    names = [kind.value for kind in IndexKind]
    assert len(set(names)) == len(names)
    assert IndexKind.UNKNOWN.value == "an unrecognised index"
    assert IndexKind("Pulp") is IndexKind.PULP
