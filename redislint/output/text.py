"""Text output: ruff's concise format, its summary lines and ``--statistics`` table.

``path:line:col: CODE [*] message`` — 1-based line and column; ``[*]`` only when the finding's fix
would be applied with the current options (applicability at least ``fix_level``; display-only
fixes never).
"""
from __future__ import annotations

from collections import Counter
from typing import IO, List, Optional, Sequence

from ..diagnostics import Applicability, Diagnostic
from . import MODE_CHECK, MODE_DIFF, MODE_FIX, MODE_FIX_ONLY, SummaryInfo, display_path, sorted_diagnostics

FIX_MARK = "[*]"


def _plural(n: int, word: str, suffix: str = "s") -> str:
    return f"{n} {word}{'' if n == 1 else suffix}"


def format_diagnostic(d: Diagnostic, fix_level: Applicability = Applicability.SAFE,
                      cwd: Optional[str] = None) -> str:
    mark = f" {FIX_MARK}" if d.fixable(fix_level) else ""
    path = display_path(d.path, cwd)
    return f"{path}:{d.span.start.line}:{d.span.start.column + 1}: {d.code}{mark} {d.message}"


def _fix_counts(diagnostics: Sequence[Diagnostic], fix_level: Applicability):
    """(applicable, hidden): findings whose fix applies at ``fix_level``, and findings with an
    unsafe fix that only ``--unsafe-fixes`` would apply."""
    applicable = sum(1 for d in diagnostics if d.fixable(fix_level))
    hidden = sum(
        1 for d in diagnostics
        if d.fix is not None and d.fix.applicability == Applicability.UNSAFE and not d.fixable(fix_level)
    )
    return applicable, hidden


def summary_lines(diagnostics: Sequence[Diagnostic], info: SummaryInfo) -> List[str]:
    """The summary after the findings, worded as ruff words it.

    ``diagnostics`` are the findings that remain (after fixing, when fixes were applied).
    """
    applicable, hidden = _fix_counts(diagnostics, info.fix_level)
    fixed = info.fixed_count
    remaining = len(diagnostics)
    lines: List[str] = []
    hint = not info.unsafe_fixes_enabled

    if info.mode in (MODE_FIX_ONLY, MODE_DIFF):
        verb_done = info.mode == MODE_FIX_ONLY
        verb = "Fixed" if verb_done else "Would fix"
        if hidden and hint:
            if fixed:
                lines.append(f"{verb} {_plural(fixed, 'error')} ({_plural(hidden, 'additional fix', 'es')}"
                             " available with `--unsafe-fixes`).")
            else:
                lead = "No errors fixed" if verb_done else "No errors would be fixed"
                lines.append(f"{lead} ({_plural(hidden, 'fix', 'es')} available with `--unsafe-fixes`).")
        elif fixed:
            lines.append(f"{verb} {_plural(fixed, 'error')}.")
        return lines

    if fixed:
        total = fixed + remaining
        lines.append(f"Found {_plural(total, 'error')} ({fixed} fixed, {remaining} remaining).")
    elif remaining:
        lines.append(f"Found {_plural(remaining, 'error')}.")
    else:
        lines.append("All checks passed!")

    if hint:
        if applicable and hidden:
            lines.append(f"{FIX_MARK} {applicable} fixable with the --fix option "
                         f"({_plural(hidden, 'hidden fix', 'es')} can be enabled with the --unsafe-fixes option).")
        elif applicable:
            lines.append(f"{FIX_MARK} {applicable} fixable with the --fix option.")
        elif hidden:
            lines.append(f"No fixes available ({_plural(hidden, 'hidden fix', 'es')} can be enabled with "
                         "the --unsafe-fixes option).")
    elif applicable:
        lines.append(f"{FIX_MARK} {applicable} fixable with the --fix option.")
    return lines


def _rule_name(code: str) -> str:
    try:
        from ..registry import rule_info

        info = rule_info(code)
    except Exception:  # a broken rules package must not break the report
        return ""
    return info.name if info is not None else ""


def statistics_rows(diagnostics: Sequence[Diagnostic], fix_level: Applicability = Applicability.SAFE):
    """[(count, code, name, fixable)] sorted by count (descending), then code."""
    counts = Counter(d.code for d in diagnostics)
    fixable = {d.code for d in diagnostics if d.fixable(fix_level)}
    rows = [(n, code, _rule_name(code), code in fixable) for code, n in counts.items()]
    rows.sort(key=lambda r: (-r[0], r[1]))
    return rows


def statistics_lines(diagnostics: Sequence[Diagnostic], info: SummaryInfo) -> List[str]:
    """ruff's ``--statistics`` table: ``count<TAB>CODE<TAB>[*] name``, aligned."""
    rows = statistics_rows(diagnostics, info.fix_level)
    if not rows:
        return []
    count_width = max(len(str(r[0])) for r in rows)
    code_width = max(len(r[1]) for r in rows)
    any_fixable = any(r[3] for r in rows)
    lines = []
    for count, code, name, fixable in rows:
        mark = (f"{FIX_MARK} " if fixable else "[ ] ") if any_fixable else ""
        lines.append(f"{count:>{count_width}}\t{code:<{code_width}}\t{mark}{name}".rstrip())
    if any_fixable:
        lines.append(f"{FIX_MARK} fixable with `redislint check --fix`")
    return lines


def render(diagnostics: Sequence[Diagnostic], info: SummaryInfo, stream: IO[str]) -> None:
    ordered = sorted_diagnostics(diagnostics)
    if info.statistics:
        for line in statistics_lines(ordered, info):
            stream.write(line + "\n")
        return
    if info.mode in (MODE_CHECK, MODE_FIX):
        for d in ordered:
            stream.write(format_diagnostic(d, info.fix_level, info.cwd) + "\n")
    for line in summary_lines(ordered, info):
        stream.write(line + "\n")


__all__ = ["FIX_MARK", "format_diagnostic", "render", "statistics_lines", "statistics_rows", "summary_lines"]
