"""``python -m fle_testkit.emulator``: the server, with Factorio's command line."""

import sys

from .cli import main

sys.exit(main())
