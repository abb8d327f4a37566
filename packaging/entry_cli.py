"""Bundle entry point of ``reviewer`` (the command line), beside ``reviewer-app``."""

import sys

from reviewer.cli import main

sys.exit(main())
