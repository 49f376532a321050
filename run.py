#!/usr/bin/env python3
"""Shiftdesk's command line; `python run.py --help` lists the commands."""
import sys

from server.cli import main

if __name__ == "__main__":
    sys.exit(main())
