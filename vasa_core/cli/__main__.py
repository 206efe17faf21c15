"""`python -m vasa_core.cli ...` (as `accelerate launch -m` and `torchrun -m` run it) is
the `vasa` command."""
import sys

from . import main

sys.exit(main())
