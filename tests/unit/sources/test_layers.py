"""sources/layers.py: the most explicit source wins, and where each value came from is said
without the value."""

from __future__ import annotations

from publish_action.sources.layers import Given, Level, pick, provenance


def test_the_most_explicit_layer_wins_whatever_the_order_they_are_passed_in() -> None:
    repository = {"password": Given("from-file", "~/.pypirc [x]", Level.REPOSITORY)}
    variables = {"password": Given("from-var", "TWINE_PASSWORD", Level.VARIABLE)}
    inputs = {"password": Given("from-input", "INPUT_PASSWORD", Level.INPUT)}
    line = {"password": Given("from-flag", "-p", Level.COMMAND_LINE)}
    assert pick("password", [repository, variables]).value == "from-var"  # type: ignore[union-attr]
    assert pick("password", [repository, inputs, variables]).value == "from-input"  # type: ignore[union-attr]
    assert pick("password", [repository, variables, inputs, line]).value == "from-flag"  # type: ignore[union-attr]
    assert pick("password", [repository]).value == "from-file"  # type: ignore[union-attr]
    assert pick("password", [{}, {}]) is None


def test_provenance_names_the_source_never_the_value() -> None:
    lines = provenance(
        {
            "repository-url": Given("https://x/", "~/.pypirc [testpypi]", Level.REPOSITORY),
            "password": Given("pypi-s3cret", "TWINE_PASSWORD", Level.VARIABLE),
            "user": None,
        }
    )
    assert lines == ("repository-url: from ~/.pypirc [testpypi]", "password: from TWINE_PASSWORD")
    assert "pypi-s3cret" not in repr(Given("pypi-s3cret", "TWINE_PASSWORD", Level.VARIABLE))
