"""Publish Python distributions to PyPI or any PyPI-compatible index, safely re-runnable."""

__version__ = "0.1.0"
