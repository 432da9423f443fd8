"""Issue 10: a release stays intact under every server fault, on the check, the upload and the
confirmation.

A FaultProxy stands between the product and a real pypiserver or devpi-server. For the check,
the target indexes are ones that REPLACE a file uploaded again (pypiserver --overwrite, a
volatile devpi index): a check that read junk as "no files" would overwrite the released build,
so "the index still holds the released files" proves the check failed closed. Every case also
asserts the exit code, a message naming the phase and the URL, no traceback, and bounded time
(the product runs with `--timeout 1 --retries 1`; the defaults are in test_run_bounds.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.scenarios.conftest import Publisher, Result, hashes, seed
from tests.support import samples, servers
from tests.support.fault_proxy import (
    Action,
    Delay,
    Drop,
    FaultProxy,
    Forward,
    Huge,
    ResetMidBody,
    Respond,
    RewriteBody,
    Rule,
    SlowRead,
    Stall,
    Trickle,
    Truncate,
)

FAST = ("--timeout", "1", "--retries", "1")


@pytest.fixture(scope="session")
def pypiserver_overwrite(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(tmp_path_factory.mktemp("overwrite"), overwrite=True) as index:
        yield index


@pytest.fixture(params=["pypiserver-overwrite", "devpi-volatile"])
def overwriting(request: pytest.FixtureRequest) -> servers.RunningIndex:
    """An index that silently replaces a file uploaded again: a fail-open check shows at once."""
    name = "pypiserver_overwrite" if request.param == "pypiserver-overwrite" else "devpi_index"
    index: servers.RunningIndex = request.getfixturevalue(name)
    return index


@dataclasses.dataclass
class Case:
    ours: list[Path]
    released: list[Path]
    index: servers.RunningIndex
    proxy: FaultProxy
    project: str

    def page_path(self) -> str:
        return rf"{self.project}/$"


@pytest.fixture
def released(overwriting: servers.RunningIndex, project: str, tmp_path: Path) -> Iterator[Case]:
    """The project's 1.0 is released (another build); ours is a rebuild of it."""
    theirs = samples.build_project(tmp_path / "released", project, "1.0", payload="released")
    ours = samples.build_project(tmp_path / "ours", project, "1.0", payload="rebuilt")
    seed(overwriting, theirs)
    with FaultProxy(overwriting.root_url) as proxy:
        yield Case(ours, theirs, overwriting, proxy, project)
        assert proxy.errors == []


def _run(
    case: Case, publish: Publisher, dist_dir: Callable[..., Path], *extra: str
) -> tuple[Result, float]:
    start = time.monotonic()
    result = publish(case.proxy.index(case.index), dist_dir(*case.ours), *FAST, *extra)
    return result, time.monotonic() - start


def _assert_closed(case: Case, result: Result, seconds: float, code: int, *needles: str) -> None:
    assert result.code == code, result.describe()
    assert "Traceback" not in result.text
    for needle in needles:
        assert needle in result.err, result.describe()
    assert case.proxy.requests(method="POST") == []  # nothing was sent
    assert servers.list_files(case.index, case.project) == hashes(case.released)
    assert seconds < 20


CHECK_FAULTS: dict[str, tuple[Callable[[], object], str]] = {
    "maintenance-200": (
        lambda: Respond(
            200,
            {"Content-Type": "text/html"},
            "<html><body><h1>Down for maintenance</h1></body></html>",
        ),
        "is not the simple page of",
    ),
    "empty-200": (lambda: Respond(200, {"Content-Type": "text/html"}, ""), "its body is empty"),
    # HTML (pypiserver) loses its closing tags, JSON (devpi) its closing brackets.
    "truncated": (lambda: RewriteBody(lambda b: b[: len(b) * 3 // 4]), "is not the simple page of"),
    "cut-connection": (lambda: Truncate(100), "check: reading"),
    "json-junk": (
        lambda: Respond(
            200,
            {"Content-Type": "application/vnd.pypi.simple.v1+json"},
            '{"error": "backend down"}',
        ),
        "no PEP 691 'meta'",
    ),
    "plain-text": (
        lambda: Respond(200, {"Content-Type": "text/plain"}, "ok"),
        "neither PEP 691 JSON nor HTML",
    ),
    "login-redirect": (
        lambda: Respond.redirect("http://127.0.0.1:9/login?next=/simple/"),
        "cannot tell whether",
    ),
    "503-always": (lambda: Respond(503, {"Retry-After": "0"}, "busy"), "check: could not read"),
    "stall": (Stall, "stopped answering"),
    "trickle": (lambda: Trickle(0.5, chunk=1), "check: reading"),
}


@pytest.mark.parametrize("fault", sorted(CHECK_FAULTS))
def test_a_faulty_check_never_reads_as_no_files(
    released: Case,
    fault: str,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    action, needle = CHECK_FAULTS[fault]
    released.proxy.add(Rule(action(), method="GET", path=released.page_path()))  # type: ignore[arg-type]
    result, seconds = _run(released, publish, dist_dir)
    _assert_closed(released, result, seconds, 6, needle, "nothing was uploaded")
    assert released.proxy.translate(released.index.index_url) in result.err


def test_a_401_on_the_check_is_refused_not_absent(
    released: Case,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    released.proxy.add(
        Rule(
            Respond(401, {"WWW-Authenticate": 'Basic realm="pypi"'}, "no"),
            method="GET",
            path=released.page_path(),
        )
    )
    result, seconds = _run(released, publish, dist_dir)
    _assert_closed(released, result, seconds, 5, "refused to let us read", "check-password")


@pytest.mark.parametrize("order", ["ours-first", "theirs-first"])
def test_a_file_listed_twice_with_different_hashes_is_ambiguous_in_either_order(
    released: Case,
    order: str,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    import hashlib
    import json
    import re

    ours = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in released.ours}

    def pair(real: object, fake: object) -> list[object]:
        return [fake, real] if order == "ours-first" else [real, fake]

    def duplicate(body: bytes) -> bytes:
        # Every file listed again with OUR hash: one of its two entries matches the local file.
        if body.lstrip().startswith(b"{"):  # devpi: PEP 691 JSON
            page = json.loads(body)
            page["files"] = [
                e
                for f in page["files"]
                for e in pair(f, {**f, "hashes": {"sha256": ours.get(f["filename"], "0" * 64)}})
            ]
            return json.dumps(page).encode()

        def twice(match: re.Match[bytes]) -> bytes:
            name = match.group(2).decode()
            fake = match.group(0).replace(match.group(1), ours.get(name, "0" * 64).encode())
            return b"".join(pair(match.group(0), fake))  # type: ignore[arg-type]

        return re.sub(rb"<a [^>]*#sha256=([0-9a-f]{64})[^>]*>([^<]+)</a>", twice, body)

    released.proxy.add(Rule(RewriteBody(duplicate), method="GET", path=released.page_path()))
    result, seconds = _run(released, publish, dist_dir)
    _assert_closed(released, result, seconds, 6, "twice with different hashes", "ambiguous listing")


def test_a_mistyped_index_url_answering_404_everywhere_is_an_error(
    released: Case,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    wrong = released.proxy.translate(released.index.root_url) + "simpel/"
    result, seconds = _run(released, publish, dist_dir, "--index-url", wrong)
    _assert_closed(
        released,
        result,
        seconds,
        6,
        "does not look like a working simple index",
        f"asked GET {wrong}",
    )


def test_a_100_mb_page_is_refused_at_the_cap(
    released: Case,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    released.proxy.add(
        Rule(Huge(100 * 1024 * 1024, "text/html"), method="GET", path=released.page_path())
    )
    result, seconds = _run(released, publish, dist_dir)
    _assert_closed(released, result, seconds, 6, "larger than 32 MiB")


def test_retry_after_as_an_http_date_is_honoured(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    import datetime

    files = samples.build_project(tmp_path, project, "1.0")
    with FaultProxy(any_index.root_url) as proxy:
        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
        proxy.add(Rule(Respond.unavailable(soon), method="GET", path=rf"{project}/$", times=1))
        start = time.monotonic()
        result = publish(proxy.index(any_index), dist_dir(*files), "--verbose", "true")
        waited = time.monotonic() - start
    assert result.code == 0, result.describe()
    assert "retrying in 1." in result.out or "retrying in 2." in result.out
    assert waited >= 1.0
    assert servers.list_files(any_index, project) == hashes(files)


# -- the upload ------------------------------------------------------------------------------


@pytest.fixture
def fresh(any_index: servers.RunningIndex, project: str, tmp_path: Path) -> Iterator[Case]:
    ours = samples.build_project(tmp_path, project, "1.0")
    with FaultProxy(any_index.root_url) as proxy:
        yield Case(ours, [], any_index, proxy, project)
        assert proxy.errors == []


def test_a_lost_answer_is_decided_by_reading_the_index(
    fresh: Case,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    fresh.proxy.add(Rule(Stall(after_forward=True), method="POST", times=1))
    result, seconds = _run(fresh, publish, dist_dir)
    assert result.code == 0, result.describe()
    if fresh.index.kind == "pypiserver":  # refuses the re-sent file: the index decides
        assert "stored by an earlier attempt whose answer was lost" in result.text
    assert servers.list_files(fresh.index, fresh.project) == hashes(fresh.ours)
    assert seconds < 20


@pytest.mark.parametrize("fault", ["reset-mid-body", "drop", "503-once"])
def test_a_transient_upload_fault_is_retried(
    fresh: Case,
    fault: str,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    actions: dict[str, Action] = {
        "reset-mid-body": ResetMidBody(300),
        "drop": Drop(),
        "503-once": Respond(503, {"Retry-After": "0"}, "busy"),
    }
    action = actions[fault]
    fresh.proxy.add(Rule(action, method="POST", times=1))
    result, seconds = _run(fresh, publish, dist_dir)
    assert result.code == 0, result.describe()
    assert "retrying" in result.err
    assert servers.list_files(fresh.index, fresh.project) == hashes(fresh.ours)
    assert seconds < 20


@pytest.mark.parametrize("fault", ["stall", "slow-reader", "500-always", "trickle"])
def test_an_upload_that_cannot_finish_ends_the_run(
    fresh: Case,
    fault: str,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    actions: dict[str, Action] = {
        "stall": Stall(),
        "slow-reader": SlowRead(50),
        "500-always": Respond(500, {}, "internal error"),
        "trickle": Trickle(0.5, chunk=1),
    }
    action = actions[fault]
    fresh.proxy.add(Rule(action, method="POST"))
    result, seconds = _run(fresh, publish, dist_dir)
    assert "Traceback" not in result.text
    if fault == "trickle" and fresh.index.kind == "pypiserver":
        # pypiserver stores the file before it answers, and both files go at once (it keeps
        # no project record): the retry's re-read finds each one there, byte-identical. That
        # is a decided answer, not a guess: the run ends 0 and says how it knows.
        assert result.code == 0, result.describe()
        assert result.text.count("stored by an earlier attempt whose answer was lost") == 2
        assert servers.list_files(fresh.index, fresh.project) == hashes(fresh.ours)
        return
    assert result.code == 6, result.describe()
    assert "upload:" in result.err
    if fresh.index.kind == "pulp" and fault == "slow-reader":
        # Pulp's API is sync gunicorn workers (one here, Pulp's default): the slowly forwarded
        # POST holds it, so the read that decides whether that attempt stored the file is what
        # stops answering, and the error names it.
        reading = fresh.proxy.translate(fresh.index.simple_url(fresh.project))
        assert f"upload: reading {reading}" in result.err
    else:
        assert fresh.proxy.translate(fresh.index.upload_url) in result.err
    if fresh.index.kind == "pulp" and fault == "slow-reader":
        fresh.proxy.close()  # else the POSTs it still feeds hold Pulp's API worker for a minute
    if fault != "trickle":  # a trickled answer came after the file was stored
        assert servers.list_files(fresh.index, fresh.project) == {}
    assert seconds < 30


# -- the confirmation ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["maintenance-200", "stall"])
def test_a_faulty_confirmation_is_an_error_naming_the_phase(
    fresh: Case,
    fault: str,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    actions: dict[str, Action] = {
        "maintenance-200": Respond(
            200, {"Content-Type": "text/html"}, "<html><body>maintenance</body></html>"
        ),
        "stall": Stall(),
    }
    action = actions[fault]
    # The check reads the page first (404: new project); the faults hit the reads after.
    fresh.proxy.add(Rule(Forward(), method="GET", path=fresh.page_path(), times=1))
    fresh.proxy.add(Rule(action, method="GET", path=fresh.page_path()))
    result, seconds = _run(fresh, publish, dist_dir)
    assert result.code == 6, result.describe()
    assert "confirmation:" in result.err and "Traceback" not in result.text
    assert servers.list_files(fresh.index, fresh.project) == hashes(fresh.ours)  # it is there
    assert seconds < 30


def test_a_slow_but_steady_index_is_not_a_fault(
    fresh: Case,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    fresh.proxy.add(Rule(Delay(0.5)))
    result, _ = _run(fresh, publish, dist_dir)
    assert result.code == 0, result.describe()
