"""Reading a simple index (PEP 503/691): its pages (`page`), the client that fetches them
(`client`), the evidence that a 404 means "not here" (`evidence`), and the hash comparison
that decides "same bytes" (`compare`)."""

from publish_action.simple_index.client import (
    ACCEPT,
    PAGE_LIMIT,
    READS_IN_FLIGHT,
    IndexClient,
    ProjectPage,
)
from publish_action.simple_index.compare import Comparison, local_digest
from publish_action.simple_index.page import RemoteFile

__all__ = [
    "ACCEPT",
    "PAGE_LIMIT",
    "READS_IN_FLIGHT",
    "Comparison",
    "IndexClient",
    "ProjectPage",
    "RemoteFile",
    "local_digest",
]
