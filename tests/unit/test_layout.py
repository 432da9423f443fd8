"""The unit tests mirror src/publish_action/: every module has its test file, so a new module
cannot land without one, and a test file left behind by a removed module is noticed too."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "publish_action"
UNIT = Path(__file__).resolve().parent
NOT_MODULES = {"__init__.py", "__main__.py"}


def modules() -> list[Path]:
    return sorted(p.relative_to(SRC) for p in SRC.rglob("*.py") if p.name not in NOT_MODULES)


def mirror(module: Path) -> Path:
    return UNIT / module.parent / f"test_{module.name}"


def test_every_module_has_its_mirror_test_file() -> None:
    assert len(modules()) > 60  # the walk found the package
    missing = [str(m) for m in modules() if not mirror(m).is_file()]
    assert missing == [], f"write tests/unit/<package>/test_<module>.py for: {missing}"


def test_every_mirror_file_holds_tests() -> None:
    empty = [
        str(mirror(m).relative_to(ROOT))
        for m in modules()
        if mirror(m).is_file() and "\ndef test_" not in mirror(m).read_text(encoding="utf-8")
    ]
    assert empty == []


def test_every_test_package_has_an_init_so_tests_import_as_a_package() -> None:
    folders = {p.parent for p in UNIT.rglob("test_*.py")}
    assert [str(f) for f in sorted(folders) if not (f / "__init__.py").is_file()] == []


def test_no_test_file_mirrors_a_module_that_is_gone() -> None:
    known = {mirror(m) for m in modules()}
    extra_ok = {
        UNIT / "test_layout.py",
        UNIT / "test_docs.py",
        UNIT / "test_repo_config.py",
        UNIT / "targets" / "test_readme_table.py",
        UNIT / "test_action_prepare.py",  # action/prepare.py: the set-up step, outside src
    }
    stray = []
    for path in UNIT.rglob("test_*.py"):
        if path in known or path in extra_ok:
            continue
        # A second file for one module is fine (`test_<module>_<aspect>.py`); one for no
        # module is a leftover.
        stem = path.stem.removeprefix("test_")
        folder = SRC / path.parent.relative_to(UNIT)
        if not any(stem.startswith(m.stem) for m in folder.glob("*.py")):
            stray.append(str(path.relative_to(ROOT)))
    assert stray == []
