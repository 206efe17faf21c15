"""`python -m vasa_core ...` is the `vasa` command."""
from .cli import main

raise SystemExit(main())
