"""sources/command_line.py: twine's and uv's command lines, normalised for argparse."""

from __future__ import annotations

import pytest

from publish_action.sources.command_line import normalise

VALUES = {"--password", "-p", "--user", "-u", "--repository", "-r", "--token", "-t"}
BOOLEANS = {"--dry-run", "--verbose", "-v", "--skip-existing"}


def norm(*argv: str) -> list[str]:
    return normalise(argv, takes_value=VALUES, boolean=BOOLEANS)


@pytest.mark.parametrize("word", ["upload", "publish"])
def test_a_leading_upload_or_publish_word_is_dropped(word: str) -> None:
    assert norm(word, "-r", "testpypi", "dist/a.whl") == ["-rtestpypi", "dist/a.whl"]
    assert norm("dist/a.whl", word) == ["dist/a.whl", word]  # only in front


def test_a_bare_boolean_means_true_and_a_following_file_stays_a_file() -> None:
    assert norm("--skip-existing", "dist/a.whl", "--dry-run") == [
        "--skip-existing=true",
        "dist/a.whl",
        "--dry-run=true",
    ]
    assert norm("--verbose", "--dry-run", "x-1.0.tar.gz") == [
        "--verbose=true",
        "--dry-run=true",
        "x-1.0.tar.gz",
    ]
    assert norm("-v", "dist/*") == ["-vtrue", "dist/*"]


def test_a_boolean_still_takes_a_value_and_a_wrong_one_reaches_validation() -> None:
    assert norm("--dry-run", "false", "--verbose", "YES") == ["--dry-run=false", "--verbose=YES"]
    # Not a file by its looks: the flag's value, refused later as "must be true or false".
    assert norm("--verbose", "maybe") == ["--verbose=maybe"]


def test_other_inputs_take_the_next_item_even_with_a_dash() -> None:
    assert norm("--password", "-abc", "-p", "-xyz", "-u", "--weird") == [
        "--password=-abc",
        "-p-xyz",
        "-u--weird",
    ]
    assert norm("--user") == ["--user"]  # argparse says it needs a value
    assert norm("--user=x", "-uy") == ["--user=x", "-uy"]


def test_after_a_double_dash_everything_is_a_file() -> None:
    assert norm("--dry-run", "--", "--verbose", "true") == [
        "--dry-run=true",
        "--",
        "--verbose",
        "true",
    ]


def test_the_leading_word_may_follow_options_and_is_never_a_value() -> None:
    assert norm("--verbose", "upload", "dist/a.whl") == ["--verbose=true", "dist/a.whl"]
    assert norm("-r", "x", "publish", "upload") == ["-rx", "upload"]  # a second one is a file
    assert norm("--user", "upload") == ["--user=upload"]  # an input's value stays one
