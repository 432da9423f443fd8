"""What we know about each index (`facts`), recognising it from the upload URL (`recognise`)
and, where a URL shape is shared, from one answer of the server (`targets.identify`, imported
on its own: it needs the HTTP layer, which `--help` never loads)."""

from publish_action.targets.facts import FACTS, Evidence, IndexFacts, Limits, Users, facts_of
from publish_action.targets.kinds import IndexKind
from publish_action.targets.recognise import IndexProfile, classify

__all__ = [
    "FACTS",
    "Evidence",
    "IndexFacts",
    "IndexKind",
    "IndexProfile",
    "Limits",
    "Users",
    "classify",
    "facts_of",
]
