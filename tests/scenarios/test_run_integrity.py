"""Issue 10: nothing fails after the files are out, what is sent is what was checked, and no
secret reaches any output, whatever the index echoes back.

Real pypiserver, devpi or Pulp behind a FaultProxy (or a counting proxy); the CLI in-process
under a GitHub-like environment (outputs and step summary files), every output scanned for
secrets.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from publish_action import distributions
from publish_action.pipeline import stages as publish_module
from publish_action.reporting import JsonReport
from tests.scenarios.conftest import Publisher, hashes
from tests.support import http_stubs, samples, servers
from tests.support.fault_proxy import FaultProxy, Respond, Rule


def github_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "gh").mkdir(exist_ok=True)
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "gh" / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "gh" / "summary"),
        "RUNNER_TEMP": str(tmp_path / "gh"),
    }


def outputs(env: dict[str, str]) -> dict[str, str]:
    text = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, _, delimiter = line.partition("<<")
        found[name] = next(lines)
        assert next(lines) == delimiter
    return found


# -- the report and the outputs ------------------------------------------------------------


@pytest.mark.parametrize("where", ["a-folder", "under-a-file"])
def test_an_unwritable_report_path_is_an_input_error_before_any_request(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
    where: str,
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    (tmp_path / "blocker").write_text("a file, not a folder")
    report = tmp_path / "blocker" / "report.json" if where == "under-a-file" else tmp_path
    env = github_env(tmp_path)
    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        result = publish(
            http_stubs.index_via(any_index, proxy),
            dist_dir(*files),
            environ=env,
            report_path=report,
        )
    assert result.code == 2, result.describe()
    assert "cannot write 1 of the files" in result.log and "report-path" in result.log
    assert sum(proxy.counts.values()) == 0
    assert outputs(env)["exit-code"] == "2"
    assert servers.list_files(any_index, project) == {}


def test_a_report_that_cannot_be_written_after_uploading_is_a_warning(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")

    def disk_full(self: JsonReport, result: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(JsonReport, "write", disk_full)
    env = github_env(tmp_path)
    result = publish(any_index, dist_dir(*files), environ=env)
    assert result.code == 0, result.describe()
    assert "could not write the JSON report" in result.log and "No space left" in result.log
    found = outputs(env)
    assert found["exit-code"] == "0" and found["uploaded"] == "2" and found["report-path"] == ""
    assert servers.list_files(any_index, project) == hashes(files)


def test_an_internal_error_after_uploading_keeps_the_record(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the confirmation")

    monkeypatch.setattr(publish_module, "confirm_uploads", bug)
    env = github_env(tmp_path)
    result = publish(any_index, dist_dir(*files), environ=env)
    assert result.code == 1, result.describe()
    assert "RuntimeError: a bug in the confirmation" in result.err and "Traceback" in result.err
    assert result.report_outcomes == {p.name: "uploaded" for p in files}
    found = outputs(env)
    assert found["exit-code"] == "1" and found["uploaded"] == "2"


# -- what is sent is what was checked --------------------------------------------------------


@pytest.mark.parametrize("change", ["same-size", "grown", "shrunk"])
def test_a_file_changed_after_inspection_is_never_stored(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    real_inspect = distributions.inspect  # the function the stages module imported

    def then_rewrite(*args: object, **kwargs: object) -> object:
        dists = real_inspect(*args, **kwargs)  # type: ignore[arg-type]
        for dist in dists:  # a second build writing into packages-dir meanwhile
            data = bytearray(dist.path.read_bytes())
            if change == "same-size":
                data[-30] ^= 0xFF
            elif change == "grown":
                data += b"\0" * 1000
            else:
                del data[-100:]
            dist.path.write_bytes(bytes(data))
        return dists

    monkeypatch.setattr(publish_module, "inspect", then_rewrite)
    result = publish(any_index, dist_dir(*files))
    assert result.code == 3, result.describe()
    assert "changed after it was checked" in result.err
    assert "cut off before its end, so the index did not store it" in result.err
    assert "Traceback" not in result.text
    assert servers.list_files(any_index, project) == {}


# -- secrets ---------------------------------------------------------------------------------

SECRET = "s3cr3t pa/ss+wörd&<x>%"  # every character URL- or HTML-encoding changes


def test_a_password_echoed_back_in_any_encoding_is_never_printed(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    basic = base64.b64encode(f"{pypiserver_index.username}:{SECRET}".encode()).decode()
    echo = (
        f"<html><body><h1>403 Forbidden</h1><p>bad password {quote(SECRET)} "
        f"({quote_plus(SECRET)}, {quote(SECRET).lower()}) for "
        f"{SECRET.replace('<', '&lt;').replace('>', '&gt;').replace('&', '&amp;', 1)} "
        f"header {basic}</p></body></html>"
    )
    env = github_env(tmp_path)
    env["INPUT_PASSWORD"] = SECRET
    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(Respond(403, {"Content-Type": "text/html"}, echo), method="POST"))
        result = publish(
            proxy.index(pypiserver_index),
            dist_dir(*files),
            credentials=False,
            environ={**env, "INPUT_USER": pypiserver_index.username},
            secrets=(SECRET, basic, quote(SECRET).lower()),
        )
    assert result.code == 5, result.describe()
    assert "bad password ***" in result.err  # the echo is shown, the secret is not
    assert "::add-mask::" in result.out  # and the runner is told to hide it too


def test_a_password_inside_index_url_is_used_and_never_printed(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    with FaultProxy(pypiserver_index.root_url) as proxy:
        via = proxy.index(pypiserver_index)
        index_url = via.index_url.replace("http://", f"http://reader:{quote(SECRET, safe='')}@")
        result = publish(
            via,
            dist_dir(*files),
            "--index-url",
            index_url,
            environ=github_env(tmp_path),
            secrets=(SECRET, quote(SECRET, safe="")),
        )
        reads = proxy.requests(method="GET")
    assert result.code == 0, result.describe()
    assert reads and all(r.auth_scheme == "Basic" for r in reads)
    assert "credentials in index-url are sent as check-user/check-password" in result.out
