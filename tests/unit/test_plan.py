from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from publish_action.distributions import Distribution
from publish_action.distributions.hashing import Hashes
from publish_action.errors import ExitCode
from publish_action.plan import Action, make_plan, mismatch_error
from publish_action.settings import OnExisting
from publish_action.simple_index import Comparison, ProjectPage, RemoteFile


def dist(name: str, sha: str) -> Distribution:
    return Distribution(
        path=Path(f"/x/{name}"),
        project=canonicalize_name("demo"),
        version=Version("1.0"),
        kind="sdist",
        size=10,
        hashes=Hashes(sha, "b" * 64, "c" * 32),
        metadata={"name": "demo", "version": "1.0"},
        pyversion="source",
    )


def compare(remote: RemoteFile, local: Distribution) -> Comparison:
    theirs = remote.hashes["sha256"]
    return Comparison(theirs == local.hashes.sha256, "sha256", local.hashes.sha256, theirs)


SAME = dist("demo-1.0.tar.gz", "1" * 64)
NEW = dist("demo-1.0-py3-none-any.whl", "2" * 64)


PAGE = ProjectPage(
    "demo",
    "http://i/simple/demo/",
    True,
    {
        "demo-1.0.tar.gz": RemoteFile("demo-1.0.tar.gz", "http://i/f", {"sha256": "1" * 64}),
    },
)


CHANGED = ProjectPage(
    "demo",
    "http://i/simple/demo/",
    True,
    {
        "demo-1.0.tar.gz": RemoteFile("demo-1.0.tar.gz", "http://i/f", {"sha256": "9" * 64}),
    },
)


@pytest.mark.parametrize(
    ("policy", "page", "expected"),
    [
        (OnExisting.SKIP_IDENTICAL, PAGE, Action.SKIP_IDENTICAL),
        (OnExisting.SKIP_IDENTICAL, CHANGED, Action.MISMATCH),
        (OnExisting.ERROR, PAGE, Action.PRESENT),
        (OnExisting.ERROR, CHANGED, Action.MISMATCH),
        (OnExisting.SKIP, CHANGED, Action.SKIP_EXISTING),
        (OnExisting.SKIP, PAGE, Action.SKIP_IDENTICAL),
        (OnExisting.OVERWRITE, CHANGED, Action.OVERWRITE),
        (OnExisting.OVERWRITE, PAGE, Action.SKIP_IDENTICAL),
    ],
)
def test_policies(policy: OnExisting, page: ProjectPage, expected: Action) -> None:
    plan = make_plan([SAME, NEW], {"demo": page}, policy, compare)
    assert plan.steps[0].action is expected
    assert plan.steps[1].action is Action.UPLOAD
    assert not plan.steps[1].project_is_new


def test_absent_project_marks_first_upload_as_new() -> None:
    gone = ProjectPage("demo", "u", found=False)
    plan = make_plan([SAME, NEW], {"demo": gone}, OnExisting.SKIP_IDENTICAL, compare)
    assert [s.action for s in plan.steps] == [Action.UPLOAD, Action.UPLOAD]
    assert all(s.project_is_new for s in plan.steps)


def test_no_index_plans_everything_for_upload() -> None:
    plan = make_plan([SAME], None, OnExisting.SKIP_IDENTICAL, compare)
    assert plan.steps[0].action is Action.UPLOAD and not plan.steps[0].project_is_new


def test_mismatch_error_lists_both_hashes() -> None:
    plan = make_plan([SAME, NEW], {"demo": CHANGED}, OnExisting.SKIP_IDENTICAL, compare)
    error = mismatch_error(plan, "http://i/simple/")
    assert error is not None
    assert error.exit_code is ExitCode.MISMATCH
    assert error.details == (f"demo-1.0.tar.gz: local sha256={'1' * 64}, index sha256={'9' * 64}",)
    assert "nothing was uploaded" in error.message
    assert (
        mismatch_error(make_plan([NEW], {"demo": PAGE}, OnExisting.SKIP_IDENTICAL, compare), "x")
        is None
    )
