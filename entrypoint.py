#!/usr/bin/env python3
"""Thin entry point used by the container image and the GitHub Action."""

import sys
from pathlib import Path

# Runs from a checkout (action) or the image without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from publish_action.cli import main

if __name__ == "__main__":
    sys.exit(main())
