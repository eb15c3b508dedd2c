"""Applying fixes: text edits at (line, column) positions, the ruff way.

* :func:`apply_edits` applies one round: fixes sorted by where they start, a fix skipped when any
  of its edits overlaps an edit already accepted (identical edits are shared, not a conflict),
  accepted edits spliced into the text in one pass.
* :func:`fix_source` iterates: lint, apply, re-lint … until no applicable fix is left, the text
  stops changing or repeats, a round's output does not parse (that round is rejected and the last
  good text kept), or ``max_rounds`` is reached.

Positions are 1-based lines and 0-based columns counted in characters of the decoded text; lines
end at ``\\n``, ``\\r\\n`` or ``\\r`` (not at form feeds or other characters ``str.splitlines``
treats as breaks, which Python's tokenizer does not).

Writing files (atomically, keeping encoding and line endings) is the runner's job; this module only
transforms text.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from .diagnostics import Applicability, Diagnostic, Fix, Position

_LINE_END = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Line-start offsets of a text, for converting (line, column) positions to string offsets."""

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        for m in _LINE_END.finditer(text):
            starts.append(m.end())
        # A text ending with a line break has an empty last line starting at len(text); one
        # without it has its last line's start already recorded.  Both allow (n + 1, 0) or the
        # last line's end as end-of-file positions.
        self.starts = starts

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def offset(self, pos: Position) -> int:
        """The string offset of ``pos``; ValueError when it is not inside the text.

        A column may point at the line's end, or into/after its line break (so that a deletion
        ending at ``(line, len(line))`` or ``(line + 1, 0)`` both work).
        """
        line, col = pos.line, pos.column
        if line < 1 or line > len(self.starts) or col < 0:
            raise ValueError(f"position {line}:{col} outside the text")
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        if start + col > end:
            raise ValueError(f"position {line}:{col} beyond the end of line {line}")
        return start + col

    def position(self, offset: int) -> Position:
        """The (line, column) of a string offset."""
        if offset < 0 or offset > len(self.text):
            raise ValueError(f"offset {offset} outside the text")
        line = bisect.bisect_right(self.starts, offset)
        return Position(line, offset - self.starts[line - 1])


_Range = Tuple[int, int, str]


def _conflict(a: _Range, b: _Range) -> bool:
    """Two distinct edits conflict when their ranges overlap, or both insert at the same point."""
    (s1, e1, _), (s2, e2, _) = a, b
    if s1 == e1 == s2 == e2:
        return True
    return s1 < e2 and s2 < e1


def _fix_ranges(index: LineIndex, fix: Fix) -> Optional[List[_Range]]:
    """The fix's edits as sorted, de-duplicated offset ranges; None when the fix is invalid
    (no edits, a position outside the text, an edit ending before it starts, edits overlapping
    each other)."""
    if not fix.edits:
        return None
    ranges = []
    try:
        for edit in fix.edits:
            s, e = index.offset(edit.start), index.offset(edit.end)
            if e < s:
                return None
            ranges.append((s, e, edit.content))
    except ValueError:
        return None
    ranges = sorted(set(ranges), key=lambda r: (r[0], r[1], r[2]))
    for i, a in enumerate(ranges):
        for b in ranges[i + 1:]:
            if b[0] > a[1]:
                break
            if _conflict(a, b):
                return None
    return ranges


def _apply(text: str, fixes: Sequence[Fix]) -> Tuple[str, List[int]]:
    """One round: the new text and the indices (into ``fixes``) of the fixes applied, in the
    order they were accepted."""
    index = LineIndex(text)
    candidates = []
    for i, fix in enumerate(fixes):
        ranges = _fix_ranges(index, fix)
        if ranges is not None:
            candidates.append((ranges[0][0], ranges[0][1], i, ranges))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))

    accepted: List[_Range] = []
    accepted_set = set()
    applied: List[int] = []
    for _, _, i, ranges in candidates:
        new = [r for r in ranges if r not in accepted_set]
        if any(_conflict(r, a) for r in new for a in accepted):
            continue
        accepted.extend(new)
        accepted_set.update(new)
        applied.append(i)

    if not accepted:
        return text, applied
    # Splice every accepted edit in; equivalent to applying them from the end backwards.  At one
    # offset an insertion (empty range) goes before a replacement that starts there.
    accepted.sort(key=lambda r: (r[0], r[1]))
    pieces = []
    last = 0
    for s, e, content in accepted:
        pieces.append(text[last:s])
        pieces.append(content)
        last = e
    pieces.append(text[last:])
    return "".join(pieces), applied


def apply_edits(text: str, fixes: Sequence[Fix]) -> Tuple[str, List[Fix]]:
    """Apply as many of ``fixes`` as do not conflict; return the new text and the fixes applied.

    Fixes are taken in order of their first edit's position; a fix is skipped whole when one of
    its edits overlaps an edit of a fix already accepted (two insertions at the same point count
    as overlapping unless they are identical; identical edits from several fixes are applied
    once).  Fixes with no edits or with positions outside the text are skipped.
    """
    new_text, applied = _apply(text, fixes)
    return new_text, [fixes[i] for i in applied]


@dataclass
class FixResult:
    """The outcome of :func:`fix_source`.

    ``fixed`` counts applied fixes per diagnostic code; ``remaining`` is what linting the final
    text reports; ``rounds`` is the number of rounds whose edits were kept.  ``rejected`` is set when
    a round's output did not parse (``rejected_codes``: the codes whose fixes were in that round);
    ``converged`` is False when the loop stopped at ``max_rounds`` or because the text came back to
    an earlier state while fixes were still applicable.
    """

    text: str
    fixed: Counter = field(default_factory=Counter)
    remaining: List[Diagnostic] = field(default_factory=list)
    rounds: int = 0
    rejected: bool = False
    rejected_codes: Tuple[str, ...] = ()
    converged: bool = True

    @property
    def fixed_count(self) -> int:
        return sum(self.fixed.values())

    @property
    def changed(self) -> bool:
        return self.rounds > 0


def default_parses(text: str) -> bool:
    """True when libcst parses ``text``."""
    import libcst

    try:
        libcst.parse_module(text)
    except Exception:  # libcst raises ParserSyntaxError, and occasionally others on odd input
        return False
    return True


def fix_source(
    text: str,
    lint: Callable[[str], List[Diagnostic]],
    level: Applicability = Applicability.SAFE,
    max_rounds: int = 10,
    parses: Optional[Callable[[str], bool]] = None,
) -> FixResult:
    """Lint and fix ``text`` until it reaches a fixpoint (bounded by ``max_rounds``).

    Each round applies the fixes whose applicability is at least ``level`` (display-only fixes
    never).  A round whose result does not satisfy ``parses`` (default: libcst parses it) is
    rejected: the text of the previous round is kept and the loop stops.
    """
    if level <= Applicability.DISPLAY_ONLY:
        level = Applicability.UNSAFE
    check = parses or default_parses
    current = text
    diags = list(lint(current))
    fixed: Counter = Counter()
    rounds = 0
    seen = {current}
    result = FixResult(text)
    while True:
        fixable = [d for d in diags if d.fixable(level)]
        if not fixable:
            break
        if rounds >= max_rounds:
            result.converged = False
            break
        new_text, applied = _apply(current, [d.fix for d in fixable])
        if not applied or new_text == current:
            break
        if not check(new_text):
            result.rejected = True
            result.rejected_codes = tuple(sorted({fixable[i].code for i in applied}))
            break
        for i in applied:
            fixed[fixable[i].code] += 1
        rounds += 1
        current = new_text
        diags = list(lint(current))
        if current in seen:
            # A cycle (fix A undoes fix B): stop here rather than loop until max_rounds.
            result.converged = not any(d.fixable(level) for d in diags)
            break
        seen.add(current)
    result.text = current
    result.fixed = fixed
    result.remaining = diags
    result.rounds = rounds
    return result


__all__ = ["FixResult", "LineIndex", "apply_edits", "default_parses", "fix_source"]
