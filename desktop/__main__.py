"""``python -m desktop``: the same as the ``antq`` command."""

import sys

from desktop.cli import main

sys.exit(main())
