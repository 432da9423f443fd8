"""sources/repositories.py: a repository name made into settings, from the built-ins,
~/.pypirc and [[tool.uv.index]], merged while they agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import ExitCode, InputError
from publish_action.redaction import Redactor
from publish_action.sources.layers import Level
from publish_action.sources.repositories import Places, resolve


@pytest.fixture
def places(tmp_path: Path) -> Places:
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    return Places.of({"HOME": str(tmp_path / "home")}, tmp_path / "work", None)


def pypirc(places: Places, text: str) -> None:
    assert places.pypirc is not None
    places.pypirc.write_text(text, encoding="utf-8")


def uv(places: Places, text: str) -> None:
    places.pyproject.write_text(text, encoding="utf-8")


def fields(places: Places, name: str) -> dict[str, tuple[str, str]]:
    entry = resolve(name, places, Redactor())
    assert {g.level for g in entry.values.values()} == {Level.REPOSITORY}
    return {k: (g.value, g.source) for k, g in entry.values.items()}


def test_built_in_names_need_no_file(places: Places) -> None:
    assert fields(places, "testpypi") == {
        "repository-url": ("https://test.pypi.org/legacy/", "the built-in name testpypi")
    }
    assert fields(places, "pypi")["repository-url"][0] == "https://upload.pypi.org/legacy/"


def test_a_pypirc_section_gives_url_credentials_and_ca(places: Places) -> None:
    pypirc(
        places,
        "[distutils]\nindex-servers = local\n[local]\nrepository = http://127.0.0.1:1/\n"
        "username = bob\npassword = pw-1234\nca_cert = ca.pem\n",
    )
    assert fields(places, "local") == {
        "repository-url": ("http://127.0.0.1:1/", "~/.pypirc [local]"),
        "user": ("bob", "~/.pypirc [local]"),
        "password": ("pw-1234", "~/.pypirc [local]"),
        "cert": ("ca.pem", "~/.pypirc [local]"),
    }


def test_a_pypirc_section_for_a_built_in_name_adds_credentials_to_its_url(places: Places) -> None:
    pypirc(places, "[testpypi]\nusername = __token__\npassword = pypi-test\n")
    got = fields(places, "testpypi")
    assert got["repository-url"] == ("https://test.pypi.org/legacy/", "the built-in name testpypi")
    assert got["password"] == ("pypi-test", "~/.pypirc [testpypi]")


def test_a_uv_index_gives_the_upload_and_the_check_url(places: Places) -> None:
    uv(
        places,
        '[[tool.uv.index]]\nname = "devpi"\nurl = "http://127.0.0.1:2/u/i/+simple/"\n'
        'publish-url = "http://127.0.0.1:2/u/i/"\n',
    )
    source = 'pyproject.toml [[tool.uv.index]] name = "devpi"'
    assert fields(places, "devpi") == {
        "repository-url": ("http://127.0.0.1:2/u/i/", source),
        "index-url": ("http://127.0.0.1:2/u/i/+simple/", source),
    }


def test_definitions_that_agree_are_merged(places: Places) -> None:
    pypirc(places, "[testpypi]\nrepository = https://test.pypi.org/legacy\npassword = pypi-t\n")
    uv(
        places,
        '[[tool.uv.index]]\nname = "testpypi"\nurl = "https://test.pypi.org/simple/"\n'
        'publish-url = "https://test.pypi.org/legacy/"\n',
    )
    entry = resolve("testpypi", places, Redactor())
    assert entry.values["password"].source == "~/.pypirc [testpypi]"
    assert entry.values["index-url"].value == "https://test.pypi.org/simple/"
    assert entry.notes == ()  # the same URL as the built-in one


def test_files_naming_different_upload_urls_stop_the_run(places: Places) -> None:
    pypirc(places, "[distutils]\nindex-servers = x\n[x]\nrepository = https://a.example/\n")
    uv(places, '[[tool.uv.index]]\nname = "x"\npublish-url = "https://b.example/"\n')
    with pytest.raises(InputError, match="different upload URLs") as info:
        resolve("x", places, Redactor())
    assert info.value.details == (
        "~/.pypirc [x]: https://a.example/",
        'pyproject.toml [[tool.uv.index]] name = "x": https://b.example/',
    )


def test_a_file_may_give_a_built_in_name_another_url_with_a_note(places: Places) -> None:
    pypirc(places, "[pypi]\nrepository = https://proxy.example/pypi/\n")
    entry = resolve("pypi", places, Redactor())
    assert entry.values["repository-url"].value == "https://proxy.example/pypi/"
    assert entry.notes == (
        "repository 'pypi' is https://proxy.example/pypi/ (~/.pypirc [pypi]), not the "
        "built-in https://upload.pypi.org/legacy/",
    )


def test_an_entry_without_an_upload_url_is_refused(places: Places) -> None:
    uv(places, '[[tool.uv.index]]\nname = "mirror"\nurl = "https://m.example/simple/"\n')
    with pytest.raises(InputError, match="has no publish-url"):
        resolve("mirror", places, Redactor())
    pypirc(places, "[distutils]\nindex-servers = bare\n[bare]\nusername = x\n")
    with pytest.raises(InputError, match=r"\[bare\] has no repository"):
        resolve("bare", places, Redactor())


def test_an_unknown_name_lists_the_names_found_and_where(places: Places) -> None:
    pypirc(places, "[distutils]\nindex-servers = a\n[a]\nrepository = https://a/\n[b]\n")
    uv(places, '[[tool.uv.index]]\nname = "c"\npublish-url = "https://c/"\n')
    with pytest.raises(InputError) as info:
        resolve("b", places, Redactor())
    error = info.value
    assert error.exit_code is ExitCode.INPUT
    assert error.message == "repository 'b' is not a name known here"
    assert error.details == (
        "built-in: pypi, testpypi",
        f"~/.pypirc ({places.pypirc}): a",
        "~/.pypirc has a section [b], but [distutils] index-servers does not list it, so it "
        "is not a name (twine reads it the same way)",
        f"{places.pyproject} [[tool.uv.index]]: c",
    )


def test_an_unknown_name_without_any_file(tmp_path: Path) -> None:
    places = Places.of({}, tmp_path, None)
    with pytest.raises(InputError) as info:
        resolve("nope", places, Redactor())
    assert info.value.details == (
        "built-in: pypi, testpypi",
        "~/.pypirc: not read (neither HOME nor USERPROFILE is set)",
        f"{tmp_path / 'pyproject.toml'}: no such file",
    )


def test_config_file_replaces_the_home_file_and_must_exist(tmp_path: Path) -> None:
    other = tmp_path / "ci.pypirc"
    other.write_text("[distutils]\nindex-servers = ci\n[ci]\nrepository = https://ci/\n")
    places = Places.of({"HOME": str(tmp_path / "nohome")}, tmp_path, "ci.pypirc")
    assert places.pypirc == other
    assert resolve("ci", places, Redactor()).values["repository-url"].source == "ci.pypirc [ci]"
    missing = Places.of({}, tmp_path, "missing.pypirc")
    with pytest.raises(InputError, match=r"--config-file missing\.pypirc: no such file"):
        resolve("pypi", missing, Redactor())


def test_the_home_folder_is_home_or_on_windows_userprofile(tmp_path: Path) -> None:
    assert Places.of({"USERPROFILE": "C:/Users/me"}, tmp_path, None).pypirc == Path(
        "C:/Users/me/.pypirc"
    )
    assert Places.of({"HOME": "/h", "USERPROFILE": "/u"}, tmp_path, None).pypirc == Path(
        "/h/.pypirc"
    )


def test_client_certificates_are_not_sent_and_said_so(places: Places) -> None:
    pypirc(places, "[testpypi]\nclient_cert = me.pem\n")
    entry = resolve("testpypi", places, Redactor())
    assert len(entry.warnings) == 1
    assert "client_cert" in entry.warnings[0]
