"""twine's and uv's command-line habits, where they don't clash with an input's own flag.

`twine upload -r testpypi -u __token__ --skip-existing dist/*` and `uv publish --index
testpypi --token ... --check-url ...` run as they are: the `upload` or `publish` word is
optional, and is the first item that is not an option or its value (`twine --verbose upload`
puts options before it). Every input keeps its own `--<name>`; the aliases below are other
spellings of the same input. A boolean input given bare (`--dry-run`) means true, and still
takes a value when one follows (`--dry-run false`); any other input takes the next item as
its value even when it begins with a dash (`--password -abc`).

After a boolean flag, the next item is a file when it looks like one (a path separator, a
glob, a distribution's or attestation's suffix), an option when it begins with a dash, and
otherwise the flag's value: `--verbose maybe` is refused as a bad boolean, not looked for as
a file named "maybe".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

# input -> other spellings (twine's, uv's).
ALIASES: dict[str, tuple[str, ...]] = {
    "repository-url": ("--publish-url",),  # uv
    "index-url": ("--check-url",),  # uv
    "repository": ("-r", "--index"),  # twine, uv
    "user": ("-u", "--username"),  # twine, uv
    "password": ("-p",),  # twine, uv
    "verbose": ("-v",),  # uv
}
TOKEN = ("-t", "--token")  # uv: the password, with the user __token__
CONFIG_FILE = "--config-file"  # twine: the .pypirc to read instead of ~/.pypirc
# Accepted so that a twine command line runs unchanged; they change nothing here: nothing is
# ever asked interactively, and output on a terminal is this tool's own.
NO_OPS = ("--non-interactive", "--disable-progress-bar")
LEADING_WORDS = ("upload", "publish")  # `twine upload ...`, `uv publish ...`
FILE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".attestation", ".asc")


def normalise(
    argv: Sequence[str], *, takes_value: Collection[str], boolean: Collection[str]
) -> list[str]:
    """`argv` with each option's value joined to it, so that argparse cannot mistake a value
    for an option nor a file for a value. `takes_value` and `boolean` are option strings."""
    items = list(argv)
    joined: list[str] = []
    positional = False  # the leading word is the first item that is not an option's
    index = 0
    while index < len(items):
        item = items[index]
        following = items[index + 1] if index + 1 < len(items) else None
        index += 1
        if item == "--":  # the rest are files, whatever they look like
            joined += items[index - 1 :]
            break
        if item in boolean:
            if following is None or not _boolean_value(following):
                joined.append(_join(item, "true"))  # bare: `--dry-run dist/*` means true
            else:
                joined.append(_join(item, following))
                index += 1
        elif item in takes_value and following is not None:
            joined.append(_join(item, following))
            index += 1
        elif item.startswith("-"):
            joined.append(item)
        else:
            if positional or item not in LEADING_WORDS:
                joined.append(item)
            positional = True
    return joined


def _join(option: str, value: str) -> str:
    # `-p-abc`: argparse takes a short option's value attached, a long one's after `=`.
    return f"{option}={value}" if option.startswith("--") else option + value


def _boolean_value(item: str) -> bool:
    """Whether the item after a boolean flag is its value rather than an option or a file."""
    return not (item.startswith("-") or item in LEADING_WORDS or _looks_like_a_file(item))


def _looks_like_a_file(item: str) -> bool:
    return (
        any(char in item for char in "/\\*?[")
        or item.lower().endswith(FILE_SUFFIXES)
        or item in (".", "..")
    )
