"""Source ranges of libcst nodes, the same as libcst's ``PositionProvider``, at a fraction of
its cost.

``PositionProvider`` regenerates the module and, for every token, splits it on newlines and
builds position objects for every node.  Here a regeneration only notes, per node, the index
of its first and last token; a node's line and column are worked out from those indexes when a
rule actually needs its range (a Redis call, not every name in the file).

Most modules need a few ranges in a few functions, so the regeneration is of one *unit* only:
the innermost function around the node, or the top-level statement it is in.  The unit's text
is then looked up in the source: units come in source order, so its only occurrence after the
last unit placed is where it is.  A unit that occurs twice there (or a node outside its unit)
falls back to regenerating the whole module, so a range is always libcst's.
"""
from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from ..diagnostics import Position, Span

_NEWLINE = re.compile(r"\r\n?|\n")


@dataclass
class _MarkingState(CodegenState):
    # id(node) -> (first token index, end token index), by libcst's own rules: the syntactic
    # range where a node records one, else everything it generated.  Whitespace and punctuation
    # nodes are never asked for, so they are not marked.
    marks: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    starts: List[int] = field(default_factory=list)
    # record_syntactic_position: one reusable context manager; nesting is kept on this stack.
    syntactic: List[Tuple[cst.CSTNode, Optional[cst.CSTNode], Optional[cst.CSTNode], int]] = field(
        default_factory=list)
    pending: List[Tuple[cst.CSTNode, Optional[cst.CSTNode], Optional[cst.CSTNode]]] = field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) not in _UNMARKED:
            self.starts.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if type(node) not in _UNMARKED:
            start = self.starts.pop()
            key = id(node)
            if key not in self.marks:
                self.marks[key] = (start, len(self.tokens))

    def pop_trailing_newline(self) -> None:
        pass  # keep the token stream the marks index into

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> "_MarkingState":
        self.pending.append((node, start_node, end_node))
        return self

    def __enter__(self) -> None:
        node, start_node, end_node = self.pending.pop()
        self.syntactic.append((node, start_node, end_node, len(self.tokens)))

    def __exit__(self, *exc: object) -> None:
        node, start_node, end_node, start = self.syntactic.pop()
        end = len(self.tokens)
        marks = self.marks
        if start_node is not None:
            start = marks[id(start_node)][0]
        if end_node is not None:
            end = marks[id(end_node)][1]
        marks[id(node)] = (start, end)


def _unmarked() -> frozenset:
    """Node classes whose range is never asked for: whitespace, comments, commas and the like.
    (A node that records a syntactic position is marked by that, whatever its class.)"""
    # (Brackets are marked: a parenthesised `from x import (a)` ends at its `)`.)
    bases = (cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline, cst.Comment,
             cst.Comma, cst.Semicolon, cst.AssignEqual, cst.Colon, cst.Dot)
    return frozenset(c for c in vars(cst).values() if isinstance(c, type) and issubclass(c, bases))


_UNMARKED = _unmarked()


class _Unit:
    """Token marks of one regenerated unit, placed at ``offset`` in the source."""

    __slots__ = ("marks", "offsets", "base")

    def __init__(self, marks: Dict[int, Tuple[int, int]], offsets: List[int], base: int):
        self.marks = marks
        self.offsets = offsets
        self.base = base


class Positions:
    """Lazily computed ranges for the nodes of one module (which must outlive this object).

    The walk tells it where it is (``top_statement``, ``enter_block``/``leave_block``,
    ``enter_def``/``leave_def``), so ``span`` knows the unit a node belongs to."""

    def __init__(self, module: cst.Module, text: Optional[str] = None):
        self.module = module
        # The source (None: always regenerate the whole module), as libcst counts it: without
        # a byte order mark.
        self.text = text[1:] if text is not None and text.startswith("\ufeff") else text
        self._marks: Optional[Dict[int, Tuple[int, int]]] = None
        self._offsets: List[int] = []
        self._line_starts: List[int] = []  # of the regenerated module
        self._source_starts: List[int] = []  # of the source, for units
        # where the walk is: the top-level statement, the indents of open blocks, open defs
        self._top = -1
        self._indents: List[str] = []
        self._defs: List[Tuple[cst.FunctionDef, int, Tuple[str, ...]]] = []
        self._def_count = 0
        self._units: Dict[Tuple[str, int], Optional[_Unit]] = {}
        self._cursor = 0  # where the last unit placed starts: units come in source order

    # --- where the walk is -----------------------------------------------------------------
    def top_statement(self, index: int) -> None:
        self._top = index

    def enter_block(self, block: cst.IndentedBlock) -> None:
        self._indents.append(self.module.default_indent if block.indent is None else block.indent)

    def leave_block(self) -> None:
        self._indents.pop()

    def enter_def(self, node: cst.FunctionDef) -> None:
        self._defs.append((node, self._def_count, tuple(self._indents)))
        self._def_count += 1

    def leave_def(self) -> None:
        self._defs.pop()

    # --- ranges ------------------------------------------------------------------------------
    def span(self, node: cst.CSTNode) -> Span:
        unit = self._current_unit() if self.text is not None else None
        if unit is not None:
            mark = unit.marks.get(id(node))
            if mark is not None:
                starts = self._source_line_starts()
                return Span(_locate(starts, unit.base + unit.offsets[mark[0]]),
                            _locate(starts, unit.base + unit.offsets[mark[1]]))
        marks = self._marks if self._marks is not None else self._compute()
        start, end = marks[id(node)]
        return Span(_locate(self._line_starts, self._offsets[start]), _locate(self._line_starts, self._offsets[end]))

    def _current_unit(self) -> Optional[_Unit]:
        if self._defs:
            node, ordinal, indents = self._defs[-1]
            key = ("def", ordinal)
        elif 0 <= self._top < len(self.module.body):
            node, ordinal, indents = self.module.body[self._top], self._top, ()
            key = ("top", ordinal)
        else:
            return None
        if key not in self._units:
            self._units[key] = self._regenerate(node, indents)
        return self._units[key]

    def _generate(self, node: cst.CSTNode, indents: Tuple[str, ...] = ()) -> _MarkingState:
        """Regenerate ``node`` inside blocks indented by ``indents``, noting every node's tokens."""
        state = _MarkingState(default_indent=self.module.default_indent,
                              default_newline=self.module.default_newline)
        state.indent_tokens = list(indents)
        node._codegen(state)
        return state

    def _regenerate(self, node: cst.CSTNode, indents: Tuple[str, ...]) -> Optional[_Unit]:
        state = self._generate(node, indents)
        code = "".join(state.tokens)
        base = self._place(code)
        if base is None:
            return None
        self._cursor = base
        return _Unit(state.marks, [0, *itertools.accumulate(map(len, state.tokens))], base)

    def _place(self, code: str) -> Optional[int]:
        """Where the unit's text is in the source: its only occurrence from the last unit placed
        on (the walk enters units in source order).  None when it is not there, or not once."""
        text = self.text
        assert text is not None
        base = text.find(code, self._cursor)
        if base >= 0:
            return base if text.find(code, base + 1) < 0 else None
        # The last line of a file without a final newline: libcst's unit still ends with one.
        newline = self.module.default_newline
        if self.module.has_trailing_newline or not code.endswith(newline):
            return None
        code = code[:-len(newline)]
        base = text.find(code, self._cursor)
        return base if base >= 0 and base + len(code) == len(text) and text.find(code, base + 1) < 0 else None

    def _source_line_starts(self) -> List[int]:
        if not self._source_starts:
            self._source_starts = _line_starts_of(self.text or "")
        return self._source_starts

    def _compute(self) -> Dict[int, Tuple[int, int]]:
        state = self._generate(self.module)
        self._offsets = [0, *itertools.accumulate(map(len, state.tokens))]
        self._line_starts = _line_starts_of("".join(state.tokens))
        self._marks = state.marks
        return state.marks


def _line_starts_of(text: str) -> List[int]:
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def _locate(line_starts: List[int], offset: int) -> Position:
    line = bisect.bisect_right(line_starts, offset) - 1
    return Position(line + 1, offset - line_starts[line])
