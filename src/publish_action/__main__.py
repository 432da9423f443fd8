"""`python -m publish_action`."""

import sys

from publish_action.cli import main

sys.exit(main())
