"""`python -m newsmon.cli` runs the command line."""

from newsmon.cli import main

main()
