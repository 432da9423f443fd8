"""distributions/limits.py: the inflate budget (100 times the file, at least 128 MiB) and the
problems a file is refused for."""

from __future__ import annotations

import pytest

from publish_action.distributions.limits import (
    FLOOR,
    RATIO,
    Budget,
    Problem,
    Refused,
    inflate_limit,
)


def test_the_limit_is_the_floor_for_small_files_and_a_ratio_for_large_ones() -> None:
    assert inflate_limit(0) == FLOOR == 128 * 1024 * 1024
    assert inflate_limit(FLOOR // RATIO) == FLOOR
    assert inflate_limit(10 * 1024 * 1024) == RATIO * 10 * 1024 * 1024


def test_a_budget_may_be_spent_exactly_and_refuses_one_byte_more() -> None:
    budget = Budget(0)
    budget.spend(FLOOR - 1)
    budget.spend(1)
    assert budget.spent == budget.limit
    with pytest.raises(Refused) as caught:
        budget.spend(1, "pkg/bomb.bin")
    problem = caught.value.problem
    assert problem.member == "pkg/bomb.bin"
    assert problem.text.startswith("inflates to more than 128 MiB (100 times the file's size")
    assert str(caught.value) == problem.render() == f"pkg/bomb.bin: {problem.text}"


def test_a_problem_renders_with_its_member_when_it_has_one() -> None:
    assert Problem("bad").render() == "bad"
    assert Problem("bad", "a/b").render() == "a/b: bad"
