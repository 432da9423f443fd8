"""sources/combine.py: every source in the documented order, explicit first; a repository
name and a repository-url that disagree; files instead of packages-dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import InputError
from publish_action.redaction import Redactor
from publish_action.sources import Gathered, Given, Level, gather

DEFAULTS = {
    "repository-url": "https://upload.pypi.org/legacy/",
    "repository": "",
    "index-url": "",
    "user": "__token__",
    "password": "",
    "cert": "",
    "packages-dir": "dist",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".pypirc").write_text(
        "[distutils]\nindex-servers = local\n[local]\nrepository = http://127.0.0.1:1/\n"
        "username = file-user\npassword = file-pw\nca_cert = file.pem\n",
        encoding="utf-8",
    )
    return home


def run(
    tmp_path: Path,
    *,
    line: dict[str, str] | None = None,
    inputs: dict[str, str] | None = None,
    environ: dict[str, str] | None = None,
    files: tuple[str, ...] = (),
) -> Gathered:
    return gather(
        defaults=DEFAULTS,
        command_line={k: Given(v, f"--{k}", Level.COMMAND_LINE) for k, v in (line or {}).items()},
        inputs={k: Given(v, f"INPUT_{k.upper()}", Level.INPUT) for k, v in (inputs or {}).items()},
        environ=environ or {},
        cwd=tmp_path,
        redactor=Redactor(),
        files=files,
    )


def test_each_source_in_turn_from_the_file_entry_up_to_the_command_line(
    tmp_path: Path, home: Path
) -> None:
    environ = {"HOME": str(home)}
    by_name = run(tmp_path, line={"repository": "local"}, environ=environ)
    assert by_name.raw["password"] == "file-pw"
    assert by_name.chosen["password"].source == "~/.pypirc [local]"  # type: ignore[union-attr]

    environ["TWINE_PASSWORD"] = "twine-pw"
    assert run(tmp_path, line={"repository": "local"}, environ=environ).raw["password"] == (
        "twine-pw"
    )
    by_input = run(
        tmp_path, line={"repository": "local"}, inputs={"password": "input-pw"}, environ=environ
    )
    assert by_input.raw["password"] == "input-pw"
    by_flag = run(
        tmp_path,
        line={"repository": "local", "password": "flag-pw"},
        inputs={"password": "input-pw"},
        environ=environ,
    )
    assert by_flag.raw["password"] == "flag-pw"
    # Settings no source gives keep their defaults, and the entry still gives the rest.
    assert by_flag.raw["index-url"] == ""
    assert (by_flag.raw["user"], by_flag.raw["cert"]) == ("file-user", "file.pem")


def test_verbose_lines_name_each_setting_source_never_a_value(tmp_path: Path, home: Path) -> None:
    gathered = run(
        tmp_path,
        inputs={"repository": "local"},
        environ={"HOME": str(home), "TWINE_PASSWORD": "twine-pw"},
    )
    assert gathered.sources == (
        "repository-url: from ~/.pypirc [local]",
        "repository: from INPUT_REPOSITORY",
        "user: from ~/.pypirc [local]",
        "password: from TWINE_PASSWORD",
        "cert: from ~/.pypirc [local]",
    )
    assert not any("pw" in line.split(": ", 1)[1] for line in gathered.sources)


def test_a_url_more_explicit_than_the_name_wins_and_the_name_is_not_read(
    tmp_path: Path,
) -> None:
    # The name is not even looked up: an unknown one is no error then (as twine).
    gathered = run(
        tmp_path,
        line={"repository-url": "https://flag.example/"},
        environ={"TWINE_REPOSITORY": "nowhere"},
    )
    assert gathered.errors == ()
    assert gathered.raw["repository-url"] == "https://flag.example/"
    assert gathered.notes == (
        "repository 'nowhere' (from TWINE_REPOSITORY) is not used: repository-url is given "
        "by --repository-url",
    )


@pytest.mark.parametrize(
    ("line", "environ"),
    [
        ({"repository": "testpypi"}, {"TWINE_REPOSITORY_URL": "https://upload.pypi.org/legacy/"}),
        ({"repository": "testpypi", "repository-url": "https://upload.pypi.org/legacy/"}, {}),
        ({}, {"TWINE_REPOSITORY": "testpypi", "UV_PUBLISH_URL": "https://upload.pypi.org/"}),
    ],
)
def test_a_name_as_explicit_as_a_different_url_stops_the_run(
    tmp_path: Path, line: dict[str, str], environ: dict[str, str]
) -> None:
    gathered = run(tmp_path, line=line, environ=environ)
    assert len(gathered.errors) == 1
    message = gathered.errors[0].message
    assert "repository 'testpypi'" in message
    assert "https://test.pypi.org/legacy/" in message and "upload.pypi.org" in message


def test_a_name_and_the_same_url_agree(tmp_path: Path) -> None:
    gathered = run(
        tmp_path,
        line={"repository": "testpypi"},
        environ={"TWINE_REPOSITORY_URL": "https://test.pypi.org/legacy"},
    )
    assert gathered.errors == ()
    assert gathered.chosen["repository-url"].source == "TWINE_REPOSITORY_URL"  # type: ignore[union-attr]


def test_problems_of_every_source_are_collected_not_raised(tmp_path: Path) -> None:
    gathered = run(
        tmp_path,
        line={"repository": "unknown"},
        environ={"TWINE_PASSWORD": "a-pw", "UV_PUBLISH_PASSWORD": "b-pw"},
        files=("dist/*.whl",),
    )
    messages = [e.message for e in gathered.errors]
    assert len(messages) == 3
    assert "'password' is given twice" in messages[0]
    assert "repository 'unknown' is not a name known here" in messages[1]
    assert "dist/*.whl: no file matches it" in messages[2]
    assert all(isinstance(e, InputError) for e in gathered.errors)


def test_files_replace_packages_dir_with_a_warning_when_it_was_given(tmp_path: Path) -> None:
    (tmp_path / "a-1.0.tar.gz").write_bytes(b"x")
    quiet = run(tmp_path, files=("*.tar.gz",))
    assert quiet.files is not None and quiet.warnings == ()
    assert quiet.sources == ("files: 1 from the command line",)
    loud = run(tmp_path, line={"packages-dir": "out"}, files=("*.tar.gz",))
    assert loud.warnings == (
        "packages-dir (from --packages-dir) is not used: the files given on the command line "
        "are published instead",
    )
    assert run(tmp_path).files is None
