"""Issue 13, item 5: `verify-metadata` catches what PyPI would refuse, before anything is sent.

Real builds (hatchling) with one flaw each: a README that does not render as reStructuredText,
a misspelt classifier, a local version. Against PyPI (the Warehouse stand-in at
upload.pypi.org, through ``FakeInternet``) every flaw is exit 3 naming the file, the field and
what to change, with no upload sent; with ``verify-metadata: false`` the same files reach the
stand-in, which refuses them as Warehouse does (its rules run readme-renderer and
trove-classifiers themselves, ``tests/support/indexes/warehouse_rules.py``), so the check and
the index agree. Against real pypiserver and devpi, which validate none of this, the files are
uploaded: the README and the classifier as warnings, the local version silently.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from publish_action.cli import main
from tests.scenarios.conftest import Publisher, Result, assert_no_secret
from tests.support import samples, servers
from tests.support.dists import METADATA, write_sdist, write_wheel
from tests.support.indexes import FakeInternet, Warehouse

BROKEN_README = "Meta demo\n=========\n\nSee `the docs`_ for more.\n"


@dataclass(frozen=True)
class Flaw:
    version: str = "1.0"
    project_toml: str = ""
    files: dict[str, str] = field(default_factory=dict)
    classifier: str = ""  # written directly: see FLAWS


FLAWS = {
    "readme": Flaw(project_toml='readme = "README.rst"', files={"README.rst": BROKEN_README}),
    # Backends refuse unknown classifiers when trove-classifiers is importable in the build
    # environment (hatchling, setuptools' validate-pyproject); an isolated setuptools build or
    # setup.cfg goes without: written directly here, a valid wheel and sdist.
    "classifier": Flaw(classifier="Programing Language :: Python :: 3"),
    "local-version": Flaw(version="1.0+corp.7"),
}
# What this run says, per flaw (a detail line of the exit-3 error, after "<file>: ").
OURS = {
    "readme": "Description: the long description does not render as text/x-rst (line 4: Error: "
    'Unknown target name: "the docs".); fix the markup',
    "classifier": "Classifier: 'Programing Language :: Python :: 3' is not a trove classifier "
    "(did you mean 'Programming Language :: Python :: 3'?)",
    "local-version": "Version: 1.0+corp.7 has a local version label ('+corp.7'), which PyPI "
    "refuses",
}
# What Warehouse answers when the file is sent anyway (forklift/legacy.py, metadata.py).
WAREHOUSE = {
    "readme": "The description failed to render for 'text/x-rst'. See "
    "https://pypi.org/help/#description-content-type for more information.",
    "classifier": "'Programing Language :: Python :: 3' is not a valid classifier. See "
    "https://packaging.python.org/specifications/core-metadata for more information.",
    "local-version": "The use of local versions in '1.0+corp.7' is not allowed.",
}


def build(tmp: Path, name: str, flaw: str) -> list[Path]:
    spec = FLAWS[flaw]
    if spec.classifier:
        tmp.mkdir(parents=True)
        text = METADATA.format(name=name, version=spec.version)
        text += f"Classifier: {spec.classifier}\n"
        return [
            write_sdist(tmp, name, spec.version, text),
            write_wheel(tmp, name, spec.version, text),
        ]
    return samples.build_project(
        tmp, name, spec.version, project_toml=spec.project_toml, files=spec.files
    )


@pytest.fixture(scope="module")
def pypi() -> Iterator[tuple[FakeInternet, Warehouse]]:
    warehouse = Warehouse()
    with FakeInternet(warehouse) as net:
        yield net, warehouse


def run_pypi(net: FakeInternet, warehouse: Warehouse, folder: Path, *flags: str) -> Result:
    environ = {
        **net.env(),
        "INPUT_REPOSITORY_URL": warehouse.upload_url,
        "INPUT_PASSWORD": warehouse.token,
    }
    report = folder.parent / f"report-{folder.name}.json"
    argv = ["--packages-dir", str(folder), "--report-path", str(report), *flags]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=environ, stdout=out, stderr=err)
    raw = report.read_text(encoding="utf-8") if report.is_file() else ""
    result = Result(code, out.getvalue(), err.getvalue(), json.loads(raw or "{}"), ())
    assert_no_secret((warehouse.token,), {"stdout": result.out, "stderr": result.err, "r": raw})
    return result


@pytest.mark.parametrize("flaw", list(FLAWS))
def test_pypi_would_refuse_it_so_nothing_is_sent(
    flaw: str,
    pypi: tuple[FakeInternet, Warehouse],
    tmp_path: Path,
) -> None:
    net, warehouse = pypi
    warehouse.reset()
    files = build(tmp_path / "build", "meta-demo", flaw)
    folder = tmp_path / "dist"
    samples.copy_into(files, folder)

    result = run_pypi(net, warehouse, folder)
    assert result.code == 3, result.describe()
    assert [r for r in warehouse.requests if r.method == "POST"] == []
    assert "error: pypi.org would refuse 2 file(s); nothing was uploaded" in result.err
    for path in files:
        assert f"  {path.name}: {OURS[flaw]}" in result.err, result.describe()
    assert "hint: fix each field named in pyproject.toml" in result.err
    assert result.report["exit_code"] == 3
    assert {f["status"] for f in result.report["files"]} == {"not-attempted"}

    # Sent anyway, the index refuses the first file with the same finding.
    sent = run_pypi(net, warehouse, folder, "--verify-metadata", "false")
    assert sent.code == 6, sent.describe()
    assert not net.errors, net.errors[0]
    assert WAREHOUSE[flaw] in sent.text, sent.describe()
    assert warehouse.files("meta-demo") == {}
    assert not net.unexpected


@pytest.mark.parametrize("index_name", ["pypiserver_index", "devpi_index"])
def test_private_indexes_take_them_with_warnings_that_name_pypi(
    index_name: str,
    request: pytest.FixtureRequest,
    publish: Publisher,
    project: str,
    tmp_path: Path,
) -> None:
    index: servers.RunningIndex = request.getfixturevalue(index_name)
    files: list[Path] = []
    for flaw in ("readme", "classifier", "local-version"):
        files += build(tmp_path / flaw, f"{project}-{flaw}", flaw)
    folder = tmp_path / "dist"
    samples.copy_into(files, folder)

    result = publish(index, folder)
    assert result.code == 0, result.describe()
    assert set(result.report_outcomes.values()) == {"uploaded"}, result.describe()
    name = index.kind
    readme = [p.name for p in files if "readme" in p.name]
    classifier = [p.name for p in files if "classifier" in p.name]
    warnings = [ln for ln in result.text.splitlines() if "PyPI would refuse the file" in ln]
    assert len(warnings) == 4, result.describe()
    for filename in readme:
        assert any(filename in ln and "Description: the long description" in ln for ln in warnings)
    for filename in classifier:
        assert any(filename in ln and "Programing Language" in ln for ln in warnings)
    assert all(f"({name} does not check it;" in ln for ln in warnings), result.describe()
    # Private indexes take local versions: not a warning (a debug line under 'verbose').
    assert "local version" not in result.text
    verbose = publish(index, folder, "--verbose", "true", "--dry-run", "true")
    assert "has a local version label ('+corp.7'), which PyPI refuses" in verbose.text
