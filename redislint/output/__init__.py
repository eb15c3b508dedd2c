"""Output formatters, one per module: ``text`` (ruff's concise format) and ``json`` (ruff's fields).

:func:`render` is the single entry point the CLI uses; :class:`SummaryInfo` carries what the
formatters need to know about the run beyond its diagnostics.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, Mapping, Optional, Sequence, Union

from ..diagnostics import Applicability, Diagnostic

FORMATS = ("text", "json")

# What the run did with fixes; it decides the summary's wording (as ruff words it).
MODE_CHECK = "check"        # report only:                 "Found 3 errors." + "[*] 2 fixable …"
MODE_FIX = "fix"            # --fix, findings shown:        "Found 3 errors (2 fixed, 1 remaining)."
MODE_FIX_ONLY = "fix-only"  # fixes written, none shown:    "Fixed 2 errors."
MODE_DIFF = "diff"          # --diff, fixes shown as diff:  "Would fix 2 errors."
MODES = (MODE_CHECK, MODE_FIX, MODE_FIX_ONLY, MODE_DIFF)


@dataclass
class SummaryInfo:
    """What the formatters need besides the diagnostics.

    ``fix_level``: the lowest applicability ``--fix`` applies — ``SAFE`` normally, ``UNSAFE`` with
    ``--unsafe-fixes``; it decides the ``[*]`` marks and the hidden-fix hint.  ``fixed``: how many
    findings the fixer fixed (a number, or counts per code).  ``statistics``: print per-code counts
    instead of findings.  ``cwd``: text output shows paths relative to it (default: the process's
    working directory).
    """

    fix_level: Applicability = Applicability.SAFE
    mode: str = MODE_CHECK
    fixed: Union[int, Mapping[str, int]] = 0
    statistics: bool = False
    cwd: Optional[str] = None

    @property
    def fixed_count(self) -> int:
        if isinstance(self.fixed, int):
            return self.fixed
        return sum(self.fixed.values())

    @property
    def unsafe_fixes_enabled(self) -> bool:
        return self.fix_level <= Applicability.UNSAFE


def sorted_diagnostics(diagnostics: Sequence[Diagnostic]):
    """Sorted by path, line, column, code (the order every format uses)."""
    return sorted(diagnostics, key=lambda d: d.sort_key)


def display_path(path: str, cwd: Optional[str] = None) -> str:
    """``path`` relative to ``cwd`` when it lies below it, otherwise unchanged."""
    if not os.path.isabs(path):
        return path
    base = os.path.abspath(cwd or os.getcwd())
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return path
    if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        return path
    return rel


def render(fmt: str, diagnostics: Sequence[Diagnostic], summary_info: Optional[SummaryInfo],
           stream: IO[str]) -> None:
    """Write ``diagnostics`` to ``stream`` in format ``fmt`` (one of :data:`FORMATS`)."""
    info = summary_info if summary_info is not None else SummaryInfo()
    if info.mode not in MODES:
        raise ValueError(f"unknown output mode {info.mode!r}; expected one of {', '.join(MODES)}")
    if fmt == "text":
        from . import text

        text.render(diagnostics, info, stream)
    elif fmt == "json":
        from . import json as json_format

        json_format.render(diagnostics, info, stream)
    else:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "MODES", "SummaryInfo", "display_path", "render", "sorted_diagnostics"]
