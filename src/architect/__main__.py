"""``python -m architect`` is the ``architect`` command."""

import sys

from architect.cli import main

sys.exit(main())
