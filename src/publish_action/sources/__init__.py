"""Where settings come from besides `--<name>` and `INPUT_*`: twine's and uv's habits.

`command_line` (aliases, bare booleans), `files` (paths and globs as arguments), `variables`
(`TWINE_*`, `UV_PUBLISH_*`), `repositories` (a name from the built-ins, `pypirc` and
`uv_index`), put together by `combine` in the one order `layers` documents.
"""

from publish_action.sources.combine import Gathered, gather
from publish_action.sources.files import ExplicitFiles
from publish_action.sources.layers import Given, Layer, Level

__all__ = ["ExplicitFiles", "Gathered", "Given", "Layer", "Level", "gather"]
