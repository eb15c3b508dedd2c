"""RL0xx: problems with the input itself."""
from __future__ import annotations

from ..registry import rule

# RL001 is produced by the runner, which knows why a file could not be read or parsed; it is
# registered here so it can be selected, ignored and documented like any other rule.


@rule("RL001", "parse-error", "A file that cannot be read or parsed as Python.")
def parse_error(ctx):
    return ()
