"""`python -m digitpad`: the command line (see digitpad.cli)."""

from digitpad import cli

raise SystemExit(cli.main())
