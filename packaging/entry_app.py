"""Bundle entry point of ``reviewer-app`` (the GUI; ``--self-test`` checks the install)."""

import sys

from ui.app import main

sys.exit(main())
