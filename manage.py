#!/usr/bin/env python
"""Django's command-line utility; `regulars` is the same thing installed as a console script."""

import sys

from regulars.cli import main

if __name__ == "__main__":
    sys.exit(main())
