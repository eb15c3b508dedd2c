"""Source ranges of libcst nodes, the same as libcst's ``PositionProvider``, at a fraction of
its cost.

``PositionProvider`` regenerates the module and, for every token, splits it on newlines and
builds position objects for every node.  Here the regeneration only notes, per node, the index
of its first and last token; a node's line and column are worked out from those indexes when a
rule actually needs its range (a Redis call, not every name in the file).
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


class Positions:
    """Lazily computed ranges for the nodes of one module (which must outlive this object)."""

    def __init__(self, module: cst.Module):
        self.module = module
        self._marks: Optional[Dict[int, Tuple[int, int]]] = None
        self._offsets: List[int] = []
        self._line_starts: List[int] = []

    def _compute(self) -> Dict[int, Tuple[int, int]]:
        state = _MarkingState(default_indent=self.module.default_indent,
                              default_newline=self.module.default_newline)
        self.module._codegen(state)
        tokens = state.tokens
        self._offsets = [0, *itertools.accumulate(map(len, tokens))]
        text = "".join(tokens)
        self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self._marks = state.marks
        return state.marks

    def _position(self, token_index: int) -> Position:
        offset = self._offsets[token_index]
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(line + 1, offset - self._line_starts[line])

    def span(self, node: cst.CSTNode) -> Span:
        marks = self._marks if self._marks is not None else self._compute()
        start, end = marks[id(node)]
        return Span(self._position(start), self._position(end))
