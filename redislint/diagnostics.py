"""Findings and the fixes attached to them: plain data, shared by rules, suppression and output.

Positions are (line, column): 1-based lines and 0-based columns counted in characters of the
decoded source, as libcst reports them.  Output formatters add one to the column.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, col: int, end_line: int, end_col: int) -> "Span":
        return cls(Position(line, col), Position(end_line, end_col))


class Applicability(enum.IntEnum):
    """Ordered: a fix is applied when its applicability is at least the requested level."""

    DISPLAY_ONLY = 0
    UNSAFE = 1
    SAFE = 2

    @property
    def label(self) -> str:
        return {0: "display-only", 1: "unsafe", 2: "safe"}[int(self)]


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` with ``content`` (empty: deletion)."""

    start: Position
    end: Position
    content: str = ""

    @classmethod
    def insertion(cls, at: Position, content: str) -> "Edit":
        return cls(at, at, content)

    @classmethod
    def deletion(cls, start: Position, end: Position) -> "Edit":
        return cls(start, end, "")

    @classmethod
    def replacement(cls, span: Span, content: str) -> "Edit":
        return cls(span.start, span.end, content)


@dataclass(frozen=True)
class Fix:
    message: str
    edits: Tuple[Edit, ...]
    applicability: Applicability

    @classmethod
    def safe(cls, message: str, *edits: Edit) -> "Fix":
        return cls(message, tuple(edits), Applicability.SAFE)

    @classmethod
    def unsafe(cls, message: str, *edits: Edit) -> "Fix":
        return cls(message, tuple(edits), Applicability.UNSAFE)

    @classmethod
    def display_only(cls, message: str, *edits: Edit) -> "Fix":
        return cls(message, tuple(edits), Applicability.DISPLAY_ONLY)

    @property
    def span(self) -> Tuple[Position, Position]:
        return min(e.start for e in self.edits), max(e.end for e in self.edits)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    path: str
    span: Span
    fix: Optional[Fix] = None
    # The line a `# noqa` comment must sit on to suppress this finding (the call's first line).
    noqa_line: Optional[int] = None

    @property
    def sort_key(self):
        return (self.path, self.span.start.line, self.span.start.column, self.code)

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def suppression_line(self) -> int:
        return self.noqa_line if self.noqa_line is not None else self.span.start.line

    def fixable(self, level: Applicability) -> bool:
        return self.fix is not None and self.fix.applicability >= level and self.fix.applicability > Applicability.DISPLAY_ONLY
