"""Issue 13, item 3: the habits of twine and uv, end to end on real pypiserver and devpi.

One scenario per source kind, each proving the run publishes where that source says (what
the index stores is read independently with ``servers.list_files``): a ``~/.pypirc`` in a
temporary HOME, a ``[[tool.uv.index]]`` in the working directory's pyproject.toml, the
``TWINE_*`` and the ``UV_PUBLISH_*`` variables, and files and globs as arguments. Then the
order between them: a variable beats the file, a flag beats the variable, and a name that
contradicts a URL publishes nowhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.scenarios.conftest import hashes
from tests.support import samples, servers

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.scenarios.conftest import Publisher


def pypirc_home(tmp_path: Path, index: servers.RunningIndex, *, password: str) -> Path:
    """A HOME whose ~/.pypirc names `index` "local", as twine users write it."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".pypirc").write_text(
        "[distutils]\nindex-servers =\n    pypi\n    local\n\n"
        "[pypi]\nusername = __token__\npassword = pypi-never-used\n\n"
        f"[local]\nrepository = {index.upload_url}\nusername = {index.username}\n"
        f"password = {password}\n",
        encoding="utf-8",
    )
    return home


# -- each source kind ----------------------------------------------------------------------------


def test_a_pypirc_name_publishes_where_its_section_says(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    home = pypirc_home(tmp_path, pypiserver_index, password=pypiserver_index.password)
    result = publish(
        None,
        dist_dir(*files),
        "-r",
        "local",
        "--verbose",
        environ={"HOME": str(home)},
        secrets=(pypiserver_index.password, "pypi-never-used"),
    )

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(pypiserver_index, project) == hashes(files)
    assert f"→ {pypiserver_index.upload_url}" in result.out
    for line in (
        "repository-url: from ~/.pypirc [local]",
        "repository: from -r",
        "user: from ~/.pypirc [local]",
        "password: from ~/.pypirc [local]",
    ):
        assert f"  · {line}" in result.out.splitlines(), result.describe()


def test_a_uv_index_name_publishes_to_its_publish_url_and_checks_its_url(
    devpi_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    packages = dist_dir(*files)
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text(
        f'[project]\nname = "{project}"\nversion = "1.0"\n\n'
        '[[tool.uv.index]]\nname = "team"\n'
        f'url = "{devpi_index.index_url}"\npublish-url = "{devpi_index.upload_url}"\n'
        "explicit = true\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(work)
    environ = {
        "UV_PUBLISH_USERNAME": devpi_index.username,
        "UV_PUBLISH_PASSWORD": devpi_index.password,
    }
    first = publish(None, packages, "publish", "--index", "team", "--verbose", environ=environ)
    again = publish(None, packages, "publish", "--index", "team", environ=environ)

    assert first.code == 0, first.describe()
    first.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(devpi_index, project) == hashes(files)
    source = 'pyproject.toml [[tool.uv.index]] name = "team"'
    lines = first.out.splitlines()
    assert f"  · repository-url: from {source}" in lines, first.describe()
    assert f"  · index-url: from {source}" in lines
    assert "  · password: from UV_PUBLISH_PASSWORD" in lines
    # The uv index's url is the check URL: the re-run finds every file there and skips it.
    assert again.code == 0, again.describe()
    again.assert_outcomes({p.name: "skipped-identical" for p in files})


def test_twine_variables_publish_where_they_say(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    environ = {
        "TWINE_REPOSITORY_URL": pypiserver_index.upload_url,
        "TWINE_USERNAME": pypiserver_index.username,
        "TWINE_PASSWORD": pypiserver_index.password,
    }
    result = publish(
        None, dist_dir(*files), "--verbose", environ=environ, secrets=(pypiserver_index.password,)
    )

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(pypiserver_index, project) == hashes(files)
    assert "  · repository-url: from TWINE_REPOSITORY_URL" in result.out.splitlines()
    assert "  · password: from TWINE_PASSWORD" in result.out.splitlines()


def test_uv_variables_publish_where_they_say(
    devpi_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    environ = {
        "UV_PUBLISH_URL": devpi_index.upload_url,
        "UV_PUBLISH_CHECK_URL": devpi_index.index_url,
        "UV_PUBLISH_USERNAME": devpi_index.username,
        "UV_PUBLISH_PASSWORD": devpi_index.password,
    }
    result = publish(
        None, dist_dir(*files), "--verbose", environ=environ, secrets=(devpi_index.password,)
    )

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(devpi_index, project) == hashes(files)
    lines = result.out.splitlines()
    assert "  · repository-url: from UV_PUBLISH_URL" in lines
    assert "  · index-url: from UV_PUBLISH_CHECK_URL" in lines


def test_files_and_globs_as_arguments_replace_packages_dir(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sdist, wheel = samples.build_project(tmp_path, project, "1.0")
    [other_sdist, other_wheel] = samples.build_project(tmp_path, project, "2.0")
    packages = dist_dir(sdist, wheel, other_sdist, other_wheel)
    (packages / f"{sdist.name}.asc").write_text("a GPG signature, as twine users have them")
    unused = dist_dir()  # packages-dir: empty, and not read at all
    monkeypatch.chdir(packages.parent)
    environ = {"INPUT_PASSWORD": pypiserver_index.password}
    login = ["--repository-url", pypiserver_index.upload_url, "-u", pypiserver_index.username]

    # As `twine upload --skip-existing ...` is typed: a quoted glob, expanded here, and a
    # path; the 2.0 files stay where they are.
    first = publish(
        None,
        unused,
        "upload",
        "--skip-existing",
        *login,
        f"{packages.name}/*-1.0-*.whl",
        str(packages / sdist.name),
        f"{packages.name}/{sdist.name}.asc",
        environ=environ,
    )
    assert first.code == 0, first.describe()
    first.assert_outcomes({sdist.name: "uploaded", wheel.name: "uploaded"})
    assert servers.list_files(pypiserver_index, project) == hashes([sdist, wheel])
    assert "packages-dir (from --packages-dir) is not used" in first.err

    # `dist/*` as a shell leaves it when quoted: everything, the 1.0 files already there.
    second = publish(None, unused, *login, f"{packages.name}/*", environ=environ)
    assert second.code == 0, second.describe()
    second.assert_outcomes(
        {
            sdist.name: "skipped-identical",
            wheel.name: "skipped-identical",
            other_sdist.name: "uploaded",
            other_wheel.name: "uploaded",
        }
    )
    assert servers.list_files(pypiserver_index, project) == hashes(
        [sdist, wheel, other_sdist, other_wheel]
    )

    nothing = publish(None, unused, *login, f"{packages.name}/*.zip", environ=environ)
    assert nothing.code == 2, nothing.describe()
    assert f"error: {packages.name}/*.zip: no file matches it" in nothing.err


# -- the order between them ----------------------------------------------------------------------


def test_a_variable_beats_the_file_and_a_flag_beats_the_variable(
    pypiserver_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    packages = dist_dir(*files)
    home = pypirc_home(tmp_path, pypiserver_index, password="stale-file-password")
    environ = {"HOME": str(home), "TWINE_PASSWORD": pypiserver_index.password}
    secrets = (pypiserver_index.password, "stale-file-password", "wrong-flag-password")

    # The flag's wrong password wins over the right one in TWINE_PASSWORD: refused.
    refused = publish(
        None, packages, "-r", "local", "-p", "wrong-flag-password", environ=environ, secrets=secrets
    )
    assert refused.code == 5, refused.describe()
    assert servers.list_files(pypiserver_index, project) == {}

    # TWINE_PASSWORD wins over the stale one of ~/.pypirc [local]: published.
    result = publish(None, packages, "-r", "local", "--verbose", environ=environ, secrets=secrets)
    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(pypiserver_index, project) == hashes(files)
    assert "  · password: from TWINE_PASSWORD" in result.out.splitlines()


def test_a_name_contradicting_a_url_publishes_nowhere(
    pypiserver_index: servers.RunningIndex,
    devpi_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    home = pypirc_home(tmp_path, pypiserver_index, password=pypiserver_index.password)
    environ = {"HOME": str(home), "TWINE_REPOSITORY_URL": devpi_index.upload_url}
    result = publish(
        None, dist_dir(*files), "-r", "local", environ=environ, secrets=(pypiserver_index.password,)
    )

    assert result.code == 2, result.describe()
    assert "error: repository 'local' (from -r) is " in result.err
    assert f"repository-url from TWINE_REPOSITORY_URL is {devpi_index.upload_url}" in result.err
    assert servers.list_files(pypiserver_index, project) == {}
    assert servers.list_files(devpi_index, project) == {}
