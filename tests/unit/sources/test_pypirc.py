"""sources/pypirc.py: twine's .pypirc, read by twine's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import InputError
from publish_action.redaction import Redactor
from publish_action.sources.pypirc import read_pypirc


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".pypirc"
    path.write_text(text, encoding="utf-8")
    return path


def test_listed_sections_are_names_with_their_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[distutils]\nindex-servers =\n    testpypi\n    private\n\n"
        "[testpypi]\nusername = __token__\npassword = pypi-abc%def\n\n"
        "[private]\nrepository = https://pypi.example/legacy/\nusername = ci\n"
        "password = pw\nca_cert = /etc/ca.pem\nclient_cert = /etc/me.pem\n\n"
        "[forgotten]\nrepository = https://other.example/\npassword = unlisted-pw\n",
    )
    redactor = Redactor()
    pypirc = read_pypirc(path, "~/.pypirc", redactor)
    assert pypirc is not None
    assert list(pypirc.sections) == ["testpypi", "private"]
    testpypi, private = pypirc.sections["testpypi"], pypirc.sections["private"]
    assert (testpypi.repository, testpypi.username) == ("", "__token__")
    assert testpypi.password == "pypi-abc%def"  # raw: no % interpolation
    assert (private.repository, private.ca_cert, private.client_cert) == (
        "https://pypi.example/legacy/",
        "/etc/ca.pem",
        "/etc/me.pem",
    )
    assert pypirc.unlisted == ("forgotten",)
    # Every password of the file is a secret, the unlisted section's too.
    assert redactor("pypi-abc%def unlisted-pw") == "*** ***"
    assert "pypi-abc" not in repr(testpypi)


def test_without_index_servers_the_names_are_pypi_and_testpypi(tmp_path: Path) -> None:
    path = write(tmp_path, "[pypi]\npassword = pypi-main\n[local]\nrepository = http://x/\n")
    pypirc = read_pypirc(path, "~/.pypirc", Redactor())
    assert pypirc is not None
    assert list(pypirc.sections) == ["pypi"]
    assert pypirc.unlisted == ("local",)


def test_server_login_gives_the_default_credentials(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[distutils]\nindex-servers = pypi other\n"
        "[server-login]\nusername = old\npassword = old-pw\n"
        "[other]\nrepository = https://o.example/\nusername = mine\n",
    )
    pypirc = read_pypirc(path, "~/.pypirc", Redactor())
    assert pypirc is not None
    assert (pypirc.sections["pypi"].username, pypirc.sections["pypi"].password) == (
        "old",
        "old-pw",
    )
    assert (pypirc.sections["other"].username, pypirc.sections["other"].password) == (
        "mine",
        "old-pw",
    )


def test_no_file_is_none_and_a_broken_one_an_input_error(tmp_path: Path) -> None:
    assert read_pypirc(tmp_path / "none", "~/.pypirc", Redactor()) is None
    broken = write(tmp_path, "username = outside any section\n")
    with pytest.raises(InputError, match=r"~/.pypirc is not a valid \.pypirc file"):
        read_pypirc(broken, "~/.pypirc", Redactor())
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="cannot read"):
        read_pypirc(binary, str(binary), Redactor())
