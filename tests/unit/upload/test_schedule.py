"""`upload.schedule`: the ordering rules of uploads, as a pure function."""

from __future__ import annotations

from publish_action.upload.schedule import LARGE_FILE, Job, first_files, probe_first, startable

MB = 1024 * 1024


def job(key: str, project: str = "p", size: int = 1000, new: bool = False) -> Job:
    return Job(key, project, size, new)


def test_at_most_slots_in_flight_in_plan_order() -> None:
    jobs = [job(f"f{i}", project=f"p{i}") for i in range(6)]
    assert [j.key for j in startable(jobs, [], set(), firsts={}, slots=4)] == [
        "f0",
        "f1",
        "f2",
        "f3",
    ]
    assert [j.key for j in startable(jobs[2:], jobs[:2], set(), firsts={}, slots=4)] == ["f2", "f3"]
    assert startable(jobs, jobs[:4], set(), firsts={}, slots=4) == []


def test_a_new_projects_smallest_file_goes_alone_first() -> None:
    sdist, wheel, other = (
        job("a.tar.gz", "a", 500, True),
        job("a.whl", "a", 900, True),
        job("b.whl", "b", 100),
    )
    jobs = [wheel, sdist, other]
    firsts = first_files(jobs)
    assert firsts == {"a": "a.tar.gz"}
    assert [j.key for j in startable(jobs, [], set(), firsts=firsts, slots=4)] == [
        "a.tar.gz",
        "b.whl",
    ]  # the wheel waits; another project does not
    assert startable([wheel], [sdist], set(), firsts=firsts, slots=4) == []
    assert startable([wheel], [], {"a.tar.gz"}, firsts=firsts, slots=4) == [wheel]


def test_a_project_already_on_the_index_uploads_in_parallel() -> None:
    jobs = [job("a.tar.gz", "a"), job("a.whl", "a")]
    assert first_files(jobs) == {}
    assert startable(jobs, [], set(), firsts={}, slots=4) == jobs


def test_one_large_file_at_a_time_and_small_files_keep_flowing_beside_it() -> None:
    big1, big2 = job("big1.whl", "x", LARGE_FILE), job("big2.whl", "y", 200 * MB)
    small = [job(f"s{i}.whl", f"s{i}") for i in range(3)]
    chosen = startable([big1, big2, *small], [], set(), firsts={}, slots=4)
    assert [j.key for j in chosen] == ["big1.whl", "s0.whl", "s1.whl", "s2.whl"]
    assert startable([big2], [big1], set(), firsts={}, slots=4) == []
    assert startable([big2], [small[0]], set(), firsts={}, slots=4) == [big2]
    just_under = job("u.whl", "u", LARGE_FILE - 1)
    assert startable([just_under], [big1], set(), firsts={}, slots=4) == [just_under]


def test_the_next_large_file_starts_once_the_body_before_it_is_out() -> None:
    """While the index stores a large file (its answer still to come), the next one goes on
    the wire; never two large bodies at once, nor more than one answer awaited besides."""
    big = [job(f"big{i}.whl", "x", LARGE_FILE) for i in range(4)]
    assert startable(big[1:], big[:1], set(), firsts={}, slots=4) == []
    sent_one = startable(big[1:], big[:1], set(), firsts={}, slots=4, sent={"big0.whl"})
    assert sent_one == [big[1]]
    # big0 answered nothing yet, big1 out too: a third waits for one of the answers.
    both = {"big0.whl", "big1.whl"}
    assert startable(big[2:], big[:2], set(), firsts={}, slots=4, sent=both) == []
    assert startable(big[2:], big[1:2], {"big0.whl"}, firsts={}, slots=4, sent=both) == [big[2]]


def test_a_new_project_of_large_files_still_starts_with_its_smallest() -> None:
    a, b = job("a1.whl", "a", 100 * MB, True), job("a2.whl", "a", 20 * MB, True)
    firsts = first_files([a, b])
    assert firsts == {"a": "a2.whl"}
    assert startable([a, b], [], set(), firsts=firsts, slots=4) == [b]
    assert startable([a], [], {"a2.whl"}, firsts=firsts, slots=4) == [a]


def test_each_new_projects_smallest_file_leads_its_project_in_plan_order() -> None:
    big = Job("a-1.0-py3-none-any.whl", "a", 900, True)
    small = Job("a-1.0.tar.gz", "a", 10, True)
    other = Job("b-1.0-py3-none-any.whl", "b", 50, True)
    known_big = Job("c-1.0-py3-none-any.whl", "c", 900, False)
    known_small = Job("c-1.0.tar.gz", "c", 10, False)
    ordered = probe_first([other, big, known_big, small, known_small])
    assert [j.key for j in ordered] == [
        other.key,
        small.key,  # moved before its project's bigger file
        big.key,
        known_big.key,  # a project the index knows keeps plan order
        known_small.key,
    ]
