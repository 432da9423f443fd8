"""Find, verify and hash the distributions in packages-dir, before any request is made.

`discover` lists the files (and refuses what would be ambiguous or unsafe there); `inspect`
verifies each archive through (`wheel`, `sdist`), reads and validates its metadata (`metadata`)
and hashes it, reporting every problem in every file together.
"""

from publish_action.distributions.discover import Discovery, discover, discover_files
from publish_action.distributions.inspect import inspect
from publish_action.distributions.model import Distribution

__all__ = ["Discovery", "Distribution", "discover", "discover_files", "inspect"]
