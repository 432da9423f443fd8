"""The GitHub Actions reporter: masks, annotations, groups, step summary, step outputs."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import threading
from pathlib import Path

import pytest

from publish_action import cli
from publish_action.ci import CiEnvironment, GitHubRun
from publish_action.distributions.hashing import Hashes
from publish_action.errors import AuthError, MismatchError
from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, FanOut, FileOutcome, RunResult, Status, github
from publish_action.reporting.console import LogStream
from tests.support.samples import build_project

HASHES = Hashes("a" * 64, "b" * 64, "c" * 32)


def outcome(filename: str, status: Status, message: str = "", remote: str = "") -> FileOutcome:
    return FileOutcome(filename, "demo", "1.0", 2_500_000, status, HASHES, 0.5, message, remote)


def parse_outputs(text: str) -> dict[str, str]:
    """Read a $GITHUB_OUTPUT file the way the runner does (both `k=v` and `k<<DELIM`)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def run_of(env: dict[str, str]) -> GitHubRun:
    run = CiEnvironment.read(env).github
    assert run is not None
    return run


def make(
    tmp_path: Path, redactor: Redactor | None = None, **kwargs: object
) -> tuple[github.GitHubReporter, io.StringIO, dict[str, str]]:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(tmp_path / "ws"),
    }
    out = io.StringIO()
    reporter = github.GitHubReporter(
        redactor or Redactor(),
        run_of(env),
        out=out,
        packages_dir=tmp_path / "ws" / "dist",
        **kwargs,  # type: ignore[arg-type]
    )
    return reporter, out, env


def full_result() -> RunResult:
    return RunResult(
        (
            outcome("demo-1.0.tar.gz", Status.UPLOADED),
            outcome("demo-1.0-py3-none-any.whl", Status.UPLOADED),
            outcome("demo-0.9.tar.gz", Status.SKIPPED_IDENTICAL, "already on the index"),
            outcome(
                "demo-0.8.tar.gz",
                Status.SKIPPED_EXISTING,
                "different | content",
                remote="sha256=" + "9" * 64,
            ),
        ),
        exit_code=0,
        seconds=2.5,
        repository_url="https://user:pw@upload.example/legacy/",
    )


def test_escape_data_and_properties() -> None:
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # Message text keeps ':' and ',' (only properties escape them).
    assert github.escape_data("a:b,c") == "a:b,c"


def test_command_line_format() -> None:
    line = github.command("error", "line 1\nline 2", file="dist/x,1.whl", title="t: x")
    assert line == "::error file=dist/x%2C1.whl,title=t%3A x::line 1%0Aline 2"
    assert github.command("endgroup") == "::endgroup::"


def test_output_block_delimiter_is_random_and_absent_from_value() -> None:
    block = github.output_block("files", "a\nb")
    name, _, rest = block.partition("<<")
    delimiter = rest.split("\n", 1)[0]
    assert name == "files" and re.fullmatch(r"ghadelimiter_[0-9a-f]{32}", delimiter)
    assert block == f"files<<{delimiter}\na\nb\n{delimiter}\n"
    assert parse_outputs(block) == {"files": "a\nb"}
    assert github.output_block("files", "a") != block.replace("a\nb", "a")  # new delimiter


def test_known_secrets_are_masked_at_construction_before_any_other_line(tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add("pypi-SECRET%token")
    reporter, out, _ = make(tmp_path, redactor)
    assert out.getvalue() == "::add-mask::pypi-SECRET%25token\n"
    reporter.warning("the token pypi-SECRET%token was refused")
    assert "pypi-SECRET" not in out.getvalue().split("\n", 1)[1]


def test_a_secret_learned_later_is_masked_the_moment_it_is_known(tmp_path: Path) -> None:
    redactor = Redactor()
    _, out, _ = make(tmp_path, redactor)
    assert out.getvalue() == ""
    redactor.add("minted-token-1234")
    assert out.getvalue() == "::add-mask::minted-token-1234\n"
    redactor.add("minted-token-1234")  # already known: not masked twice
    assert out.getvalue().count("add-mask") == 1


def test_a_multi_line_secret_is_masked_whole_and_line_by_line(tmp_path: Path) -> None:
    redactor = Redactor()
    _, out, _ = make(tmp_path, redactor)
    redactor.add("first-line\nsecond-line")
    assert out.getvalue().splitlines() == [
        "::add-mask::first-line%0Asecond-line",
        "::add-mask::first-line",
        "::add-mask::second-line",
    ]


def test_cli_masks_the_password_before_it_prints_anything(tmp_path: Path) -> None:
    """Through the real CLI: the first stdout line masks the password; it appears nowhere
    else, not in annotations, outputs, the summary or the report."""
    dist = tmp_path / "dist"
    dist.mkdir()
    for path in build_project(tmp_path, "mask-probe", "1.0"):
        path.rename(dist / path.name)
    (tmp_path / "temp").mkdir()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "temp"),
        "INPUT_PASSWORD": "s3cret-password-xyz",
        "INPUT_REPOSITORY-URL": "http://127.0.0.1:9/",  # nobody listens: exit 6
        "INPUT_PACKAGES-DIR": "dist",
        "INPUT_RETRIES": "0",
    }
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([], env, stdout=out, stderr=err)
    assert code == 6
    assert out.getvalue().splitlines()[0] == "::add-mask::s3cret-password-xyz"
    written = [
        out.getvalue().split("\n", 1)[1],
        err.getvalue(),
        (tmp_path / "output.txt").read_text(encoding="utf-8"),
        (tmp_path / "summary.md").read_text(encoding="utf-8"),
        (tmp_path / "temp" / "publish-action-report.json").read_text(encoding="utf-8"),
    ]
    assert all("s3cret-password-xyz" not in text for text in written)
    # One error block: the annotation (the runner shows it in the log, prefixed "Error:").
    errors = re.findall(
        r"^::error title=publish-action failed \(exit code 6\)::(.*)$", out.getvalue(), re.MULTILINE
    )
    assert len(errors) == 1 and errors[0].startswith("check: ")
    assert "error:" not in err.getvalue() and "hint:" not in err.getvalue()
    outputs = parse_outputs((tmp_path / "output.txt").read_text(encoding="utf-8"))
    assert outputs["exit-code"] == "6"
    assert outputs["report-path"] == str(tmp_path / "temp" / "publish-action-report.json")


def test_failed_and_mismatched_files_get_error_annotations_naming_the_file(
    tmp_path: Path,
) -> None:
    reporter, out, _ = make(tmp_path)
    result = RunResult(
        (
            outcome("demo-1.0.tar.gz", Status.UPLOADED),
            outcome(
                "demo-1.0-py3-none-any.whl",
                Status.MISMATCH,
                "different content on the index",
                remote="sha256=" + "9" * 64,
            ),
            outcome("demo-2.0.tar.gz", Status.FAILED, "400 Bad Request: invalid, sorry"),
        ),
        exit_code=4,
        seconds=1.0,
    )
    reporter.finish(result)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "::error file=dist/demo-1.0-py3-none-any.whl,"
        "title=mismatch%3A demo-1.0-py3-none-any.whl::different content on the index "
        f"(index: sha256={'9' * 64}, local: sha256={'a' * 64})"
    )
    assert lines[1] == (
        "::error file=dist/demo-2.0.tar.gz,title=failed%3A demo-2.0.tar.gz::"
        "400 Bad Request: invalid, sorry"
    )
    assert len(lines) == 2


def annotation_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("::error", "::warning"))]


def test_a_mismatch_of_two_files_is_one_problem_and_one_annotation(tmp_path: Path) -> None:
    reporter, out, _ = make(tmp_path)
    error = MismatchError(
        "2 file(s) are already on http://x/simple/ with different content; nothing was uploaded",
        details=("demo-1.0.tar.gz: local sha256=a, index sha256=b", "demo-1.0-py3-none-any.whl: …"),
    )
    reporter.failed(error)
    reporter.finish(
        RunResult(
            (
                outcome("demo-1.0.tar.gz", Status.MISMATCH, "different content on the index"),
                outcome("demo-1.0-py3-none-any.whl", Status.MISMATCH, "different content"),
            ),
            exit_code=4,
            seconds=0.1,
            error=error,
        )
    )
    [only] = annotation_lines(out.getvalue())
    assert only.startswith("::error title=publish-action failed (exit code 4)::2 file(s) are")


def test_a_refused_upload_is_one_annotation_linked_to_its_file(tmp_path: Path) -> None:
    reporter, out, _ = make(tmp_path)
    message = "http://x/ refused the upload of demo-1.0.tar.gz: HTTP 403"
    reporter.failed(AuthError(message, advice="check the password"))
    reporter.finish(
        RunResult(
            (
                outcome("demo-1.0.tar.gz", Status.FAILED, message),
                # Not named by the error, but a consequence: never annotated.
                outcome("demo-1.0-py3-none-any.whl", Status.NOT_ATTEMPTED, "not sent"),
            ),
            exit_code=5,
            seconds=0.1,
        )
    )
    assert annotation_lines(out.getvalue()) == [
        "::error file=dist/demo-1.0.tar.gz,title=publish-action failed (exit code 5)::"
        f"{message}%0Ahint: check the password"
    ]


def test_a_failed_file_the_error_does_not_name_gets_its_own_annotation(tmp_path: Path) -> None:
    reporter, out, _ = make(tmp_path)
    reporter.failed(AuthError("refused the upload of a-1.0.tar.gz"))
    reporter.finish(
        RunResult(
            (
                outcome("a-1.0.tar.gz", Status.FAILED, "refused"),
                # A longer name that ends with the other is not named by it.
                outcome("aa-1.0.tar.gz", Status.FAILED, "400 bad metadata"),
            ),
            exit_code=5,
            seconds=0.1,
        )
    )
    found = annotation_lines(out.getvalue())
    assert len(found) == 2
    assert found[0].startswith("::error file=dist/a-1.0.tar.gz,title=publish-action failed")
    assert found[1] == (
        "::error file=dist/aa-1.0.tar.gz,title=failed%3A aa-1.0.tar.gz::400 bad metadata"
    )


def test_under_github_the_console_leaves_warnings_and_the_error_to_the_annotations(
    tmp_path: Path,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    log = LogStream(out, err)
    reporter, _, _ = make(tmp_path, log=log)
    fan = FanOut([reporter, ConsoleReporter(Redactor(), log=log, annotated=True)])
    fan.warning("slow index")
    fan.failed(AuthError("refused", advice="check it"))
    fan.finish(RunResult((), 5, 0.1))
    assert err.getvalue() == ""
    assert out.getvalue().splitlines() == [
        "::warning title=publish-action::slow index",
        "::error title=publish-action failed (exit code 5)::refused%0Ahint: check it",
        "nothing uploaded in 0.10 s — exit code 5",
    ]


def test_warnings_name_the_file_and_the_run_error_is_one_annotation(tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add("hunter2-password")
    reporter, out, _ = make(tmp_path, redactor)
    reporter.warning("same name, different content; skipped", filename="demo-1.0.tar.gz")
    reporter.warning("no index-url known")
    reporter.failed(AuthError("the index refused hunter2-password", advice="check: the token"))
    reporter.finish(RunResult((), 5, 0.1))
    lines = out.getvalue().splitlines()[1:]  # after the mask
    assert lines[0] == (
        "::warning file=dist/demo-1.0.tar.gz,title=publish-action%3A "
        "demo-1.0.tar.gz::same name, different content; skipped"
    )
    assert lines[1] == "::warning title=publish-action::no index-url known"
    assert lines[2] == (
        "::error title=publish-action failed (exit code 5)::"
        "the index refused ***%0Ahint: check: the token"
    )
    assert len(lines) == 3


def test_a_path_outside_the_workspace_stays_absolute(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path / "ws")}
    out = io.StringIO()
    reporter = github.GitHubReporter(
        Redactor(), run_of(env), out=out, packages_dir=tmp_path / "elsewhere"
    )
    reporter.warning("w", filename="x.whl")
    expected = github.escape_property((tmp_path / "elsewhere" / "x.whl").as_posix())
    assert f"file={expected}," in out.getvalue()


def test_a_file_given_as_an_argument_is_annotated_at_its_own_path(tmp_path: Path) -> None:
    given = tmp_path / "ws" / "build" / "out" / "x-1.0.tar.gz"
    reporter, out, _ = make(tmp_path, files=(given,))
    reporter.warning("w", filename="x-1.0.tar.gz")
    reporter.warning("w", filename="other-1.0.tar.gz")  # not given: packages-dir, as before
    assert "::warning file=build/out/x-1.0.tar.gz," in out.getvalue()
    assert "::warning file=dist/other-1.0.tar.gz," in out.getvalue()


def test_verbose_detail_is_grouped_and_the_group_closes_before_other_lines(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    log = LogStream(out, out, group_details=True)
    reporter, _, _ = make(tmp_path, log=log)
    console = ConsoleReporter(Redactor(), verbose=True, log=log, annotated=True)
    fan = FanOut([reporter, console])
    fan.info("checking")
    fan.debug("GET /simple/demo/ -> 200")
    fan.debug("demo-1.0.tar.gz: identical")
    fan.file_done(outcome("demo-1.0.tar.gz", Status.SKIPPED_IDENTICAL))
    fan.debug("one more")
    fan.warning("careful")
    fan.debug("and more")
    fan.finish(RunResult((), 0, 0.1))
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "checking",
        "::group::publish-action details",
        "  · GET /simple/demo/ -> 200",
        "  · demo-1.0.tar.gz: identical",
        "::endgroup::",
    ]
    assert lines[5].startswith("skipped-identical  demo-1.0.tar.gz")
    assert lines[6:13] == [
        "::group::publish-action details",
        "  · one more",
        "::endgroup::",
        "::warning title=publish-action::careful",  # an annotation is never folded away
        "::group::publish-action details",
        "  · and more",
        "::endgroup::",
    ]
    assert lines[13].startswith("nothing uploaded in ")


def test_no_result_line_is_ever_folded_into_a_detail_group(tmp_path: Path) -> None:
    """Verbose under GitHub: details from other threads (confirmation reads, uploads) never
    open a group between a result line's group check and the line itself."""
    out = io.StringIO()
    log = LogStream(out, out, group_details=True)
    reporter, _, _ = make(tmp_path, log=log)
    fan = FanOut([reporter, ConsoleReporter(Redactor(), verbose=True, log=log, annotated=True)])

    def work(n: int) -> None:
        for i in range(200):
            fan.debug(f"GET /simple/p{n}/ → 200 ({i})")
            fan.file_done(outcome(f"p{n}-{i}.tar.gz", Status.UPLOADED))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fan.finish(RunResult((), 0, 0.1))
    folded, grouped = [], False
    for line in out.getvalue().splitlines():
        if line.startswith("::group::"):
            assert not grouped
            grouped = True
        elif line == "::endgroup::":
            grouped = False
        elif grouped and not line.startswith("  · "):
            folded.append(line)
    assert folded == []
    assert out.getvalue().count("uploaded           p") == 800


def test_without_verbose_no_group_is_opened(tmp_path: Path) -> None:
    reporter, out, _ = make(tmp_path)
    reporter.debug("hidden")
    reporter.info("x")
    assert out.getvalue() == ""


def test_outputs_file_has_counts_files_and_report_path(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    reporter, _, env = make(tmp_path)
    Path(env["GITHUB_OUTPUT"]).write_text("earlier=kept\n", encoding="utf-8")
    reporter.finish(dataclasses.replace(full_result(), report_path=report))
    outputs = parse_outputs(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))
    assert outputs == {
        "earlier": "kept",
        "uploaded": "2",
        "skipped": "2",
        "failed": "0",
        "uploaded-files": '["demo-1.0.tar.gz", "demo-1.0-py3-none-any.whl"]',
        "report-path": str(report),
        "exit-code": "0",
    }
    assert json.loads(outputs["uploaded-files"]) == ["demo-1.0.tar.gz", "demo-1.0-py3-none-any.whl"]


def test_failed_output_counts_mismatched_failed_and_not_attempted(tmp_path: Path) -> None:
    reporter, _, env = make(tmp_path)
    result = RunResult(
        (
            outcome("a-1.tar.gz", Status.MISMATCH),
            outcome("a-1-py3-none-any.whl", Status.NOT_ATTEMPTED),
            outcome("b-1.tar.gz", Status.FAILED),
            outcome("c-1.tar.gz", Status.SKIPPED_IDENTICAL),
        ),
        exit_code=4,
        seconds=0.2,
        error=MismatchError("1 file(s) differ"),
    )
    reporter.finish(result)
    outputs = parse_outputs(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))
    assert (outputs["uploaded"], outputs["skipped"], outputs["failed"]) == ("0", "1", "3")
    assert outputs["uploaded-files"] == "[]"
    assert outputs["report-path"] == ""


def test_summary_table_lists_every_file_with_outcome_size_and_sha256(tmp_path: Path) -> None:
    reporter, _, env = make(tmp_path)
    reporter.finish(dataclasses.replace(full_result(), report_path=tmp_path / "r.json"))
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith(
        "### ✅ publish-action: 2 uploaded, 2 already on the index, 0 failed\n"
    )
    assert "Index `https://upload.example/legacy/`" in summary  # credentials never shown
    assert "pw@" not in summary
    assert "| File | Outcome | Size | SHA-256 | Details |" in summary
    assert f"| `demo-1.0.tar.gz` | ✅ uploaded | 2.5 MB | `{'a' * 64}` |  |" in summary
    assert "| `demo-0.9.tar.gz` | ⏭️ skipped-identical | 2.5 MB |" in summary
    assert (
        f"| `demo-0.8.tar.gz` | ⚠️ skipped-existing | 2.5 MB | `{'a' * 64}` "
        f"| different \\| content; index has sha256={'9' * 64} |"
    ) in summary
    rows = [line for line in summary.splitlines() if line.startswith("| `")]
    assert len(rows) == 4
    assert f"JSON report: `{tmp_path / 'r.json'}`" in summary


def test_summary_of_a_failed_dry_run_shows_the_error_redacted(tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add("tok-abcdef")
    reporter, _, env = make(tmp_path, redactor)
    result = RunResult(
        (outcome("demo-1.0.tar.gz", Status.WOULD_UPLOAD),),
        exit_code=5,
        seconds=0.1,
        dry_run=True,
        error=AuthError("refused <tok-abcdef>"),
    )
    reporter.finish(result)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith("### ❌ publish-action: dry run: 1 would be uploaded, 0 uploaded")
    assert "📝 would-upload" in summary
    assert "<pre>error: refused &lt;***&gt;</pre>" in summary
    assert "tok-abcdef" not in summary


def test_summary_of_a_dry_run_says_whether_the_credentials_were_verified(
    tmp_path: Path,
) -> None:
    redactor = Redactor()
    redactor.add("tok-abcdef")
    for verified, expected in ((True, "verified"), (False, "**not verified**")):
        (tmp_path / str(verified)).mkdir()
        reporter, _, env = make(tmp_path / str(verified), redactor)
        reporter.finish(
            RunResult(
                (outcome("demo-1.0.tar.gz", Status.WOULD_UPLOAD),),
                exit_code=0,
                seconds=0.1,
                dry_run=True,
                credentials_verified=verified,
                credentials_note="the index answered | tok-abcdef",
            )
        )
        summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
        assert f"Dry run: credentials {expected}: the index answered \\| ***\n" in summary
    (tmp_path / "real").mkdir()
    reporter, _, env = make(tmp_path / "real")
    reporter.finish(RunResult((), 0, 0.1))
    assert "credentials" not in Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")


def test_two_runs_in_one_step_append_to_summary_and_outputs(tmp_path: Path) -> None:
    for _ in range(2):
        reporter, _, env = make(tmp_path)
        reporter.finish(full_result())
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.count("### ✅ publish-action") == 2


def test_unwritable_output_file_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "missing" / "out.txt")}
    out = io.StringIO()
    github.GitHubReporter(Redactor(), run_of(env), out=out).finish(full_result())
    assert out.getvalue().startswith(
        "::warning title=publish-action::could not write GITHUB_OUTPUT"
    )


def test_github_parts_only_when_github_actions_is_true() -> None:
    assert CiEnvironment.read({"GITHUB_ACTIONS": "true"}).github is not None
    assert CiEnvironment.read({}).github is None
    assert CiEnvironment.read({"GITHUB_ACTIONS": "false", "GITHUB_OUTPUT": "/x"}).github is None


@pytest.mark.parametrize("value", ["", "plain", "a\nb", "%0A", "x::y"])
def test_output_block_round_trips(value: str) -> None:
    assert parse_outputs(github.output_block("v", value)) == {"v": value}
