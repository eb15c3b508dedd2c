"""A fast pre-order walk of a libcst tree for read-only visitors.

libcst's own ``node.visit(visitor)`` rebuilds every node on the way back up (it is written for
transformers) and visits every whitespace and punctuation token: on a large module that costs
more than the parse.  Our visitors only read, and never look at whitespace, so this walk calls
the same ``visit_<Node>``/``leave_<Node>`` and ``visit_<Node>_<field>``/``leave_<Node>_<field>``
methods in the same order as libcst, but skips the tokens and builds nothing.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any, Callable, Dict, Optional, Tuple, Type

import libcst as cst

# Nodes no visitor of ours looks at and that hold nothing it does: whitespace, comments,
# brackets, separators and operators.
_TRIVIA_BASES: Tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline, cst.Comment,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Comma, cst.Semicolon, cst.AssignEqual, cst.Colon, cst.Dot, cst.Asynchronous,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseUnaryOp, cst.BaseCompOp, cst.BaseAugOp, cst.ImportStar,
)

_VISITED_FIELD = re.compile(r"""visit_\w+\(\s*self\s*,\s*["'](\w+)["']""")

# node class -> the fields that can hold non-trivia children, in libcst's visiting order
_FIELDS: Dict[type, Tuple[str, ...]] = {}
_TRIVIA: Dict[type, bool] = {}


def _is_trivia(cls: type) -> bool:
    known = _TRIVIA.get(cls)
    if known is None:
        known = _TRIVIA[cls] = issubclass(cls, _TRIVIA_BASES)
    return known


# What a field value is, by its exact type (isinstance on libcst's abstract classes is slow):
_SKIP, _NODE, _SEQUENCE = 0, 1, 2
_KINDS: Dict[type, int] = {}


def _classify(cls: type) -> int:
    if issubclass(cls, (tuple, list)):
        kind = _SEQUENCE
    elif issubclass(cls, cst.CSTNode) and not _is_trivia(cls):
        kind = _NODE
    else:
        kind = _SKIP
    _KINDS[cls] = kind
    return kind


def _child_fields(cls: type) -> Tuple[str, ...]:
    """The order libcst visits a node's fields in, read from its ``_visit_and_replace_children``
    (the dataclass order differs: a FunctionDef's decorators come first in the source)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        try:
            source = inspect.getsource(cls._visit_and_replace_children)
            names = list(dict.fromkeys(_VISITED_FIELD.findall(source)))
        except (OSError, TypeError):
            names = []
        declared = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
        if not names:
            names = declared
        skip = ("whitespace", "leading_lines", "lines_after_decorators", "lpar", "rpar", "header", "footer")
        fields = _FIELDS[cls] = tuple(n for n in names if not n.startswith(skip))
    return fields


_Plan = Tuple[Optional[Callable[[Any], Any]], Optional[Callable[[Any], Any]],
              Tuple[Tuple[str, Optional[Callable[[Any], Any]], Optional[Callable[[Any], Any]]], ...]]


class Walker:
    """Drives one visitor object over a tree; plans are per node class, looked up once."""

    def __init__(self, visitor: Any):
        self.visitor = visitor
        self.plans: Dict[type, _Plan] = {}

    def _plan(self, cls: Type[cst.CSTNode]) -> _Plan:
        v = self.visitor
        name = cls.__name__
        fields = tuple((f, getattr(v, f"visit_{name}_{f}", None), getattr(v, f"leave_{name}_{f}", None))
                       for f in _child_fields(cls))
        plan = (getattr(v, f"visit_{name}", None), getattr(v, f"leave_{name}", None), fields)
        self.plans[cls] = plan
        return plan

    def walk(self, node: cst.CSTNode) -> None:
        cls = type(node)
        plan = self.plans.get(cls) or self._plan(cls)
        visit, leave, fields = plan
        if visit is None or visit(node) is not False:
            walk = self.walk
            kinds = _KINDS
            for attr, before, after in fields:
                if before is not None:
                    before(node)
                value = getattr(node, attr)
                kind = kinds.get(type(value))
                if kind is None:
                    kind = _classify(type(value))
                if kind == _NODE:
                    walk(value)
                elif kind == _SEQUENCE:
                    for child in value:
                        child_kind = kinds.get(type(child))
                        if child_kind is None:
                            child_kind = _classify(type(child))
                        if child_kind == _NODE:
                            walk(child)
                if after is not None:
                    after(node)
        if leave is not None:
            leave(node)


    def walk_module(self, module: cst.Module, before_statement: Callable[[int], None]) -> None:
        """``walk(module)``, telling ``before_statement(i)`` before each top-level statement."""
        visit, leave, fields = self.plans.get(cst.Module) or self._plan(cst.Module)
        if visit is None or visit(module) is not False:
            for attr, before, after in fields:
                if before is not None:
                    before(module)
                for i, statement in enumerate(getattr(module, attr)):
                    if attr == "body":
                        before_statement(i)
                    self.walk(statement)
                if after is not None:
                    after(module)
        if leave is not None:
            leave(module)


def walk(node: cst.CSTNode, visitor: Any) -> None:
    Walker(visitor).walk(node)
