"""Loops that calls repeat in (RL605): `for` loops and comprehensions, with the names they bind,
whether they iterate a small literal, and whether they may stop at the first hit.  Driven by the
extractor, which calls these hooks from its own visit methods."""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, List, Optional, Tuple

import libcst as cst

from .module import LoopInfo
from .resolve import literal_value

if TYPE_CHECKING:  # pragma: no cover
    from .extract import CallExtractor

_MAX_RANGE = 10_000  # `range(n)` with a literal n: its length, when it is this small


def _names(target: cst.BaseExpression) -> Tuple[str, ...]:
    if isinstance(target, cst.Name):
        return (target.value,)
    if isinstance(target, (cst.Tuple, cst.List)):
        return tuple(n for el in target.elements for n in _names(el.value))
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return ()


class LoopFacts:
    def __init__(self, extractor: "CallExtractor"):
        # A weak reference: the extractor holds this object, and a cycle between them would keep
        # the whole syntax tree alive until the garbage collector's next full pass.
        self.x = weakref.proxy(extractor)
        self.stack: List[int] = []  # indices into model.loops, outermost first
        self.saved: List[List[int]] = []

    def current(self) -> Tuple[int, ...]:
        return tuple(self.stack)

    # --- loops -------------------------------------------------------------------------------
    def _push(self, target: cst.BaseExpression, iterable: cst.BaseExpression, comprehension: bool) -> None:
        x = self.x
        info = LoopInfo(targets=_names(target), iterable=x.resolver.code(iterable),
                        literal_size=self._literal_size(iterable, 0), comprehension=comprehension)
        x.model.loops.append(info)
        self.stack.append(len(x.model.loops) - 1)

    def enter_for(self, node: cst.For) -> None:
        self._push(node.target, node.iter, False)

    def enter_comprehension(self, node: cst.BaseComp) -> None:
        comp = node.for_in
        targets: List[str] = []
        while comp is not None:
            targets.extend(_names(comp.target))
            comp = comp.inner_for_in
        self._push(cst.Tuple([cst.Element(cst.Name(t)) for t in targets]) if targets else node.for_in.target,
                   node.for_in.iter, True)

    def leave(self) -> None:
        if self.stack:
            self.stack.pop()

    def exit_loop(self) -> None:
        """`break`: the innermost loop may stop early."""
        if self.stack:
            self.x.model.loops[self.stack[-1]].exits_early = True

    def exit_function(self) -> None:
        """`return`: every loop of the function may stop early."""
        for i in self.stack:
            self.x.model.loops[i].exits_early = True

    # --- a function body is a loop context of its own ----------------------------------------
    def enter_function(self) -> None:
        self.saved.append(self.stack)
        self.stack = []

    def leave_function(self) -> None:
        self.stack = self.saved.pop() if self.saved else []

    # --- literal iterables -------------------------------------------------------------------
    def _literal_size(self, node: cst.BaseExpression, depth: int) -> Optional[int]:
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            if any(isinstance(el, cst.StarredElement) for el in node.elements):
                return None
            return len(node.elements)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range" \
                and node.args and all(a.keyword is None and not a.star for a in node.args):
            values = [literal_value(a.value) for a in node.args]
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                try:
                    size = len(range(*values))
                except (TypeError, ValueError):
                    return None
                return size if size <= _MAX_RANGE else None
            return None
        if isinstance(node, cst.Name) and depth < 2:
            owner, how = self.x.resolver.lookup(node.value, self.x.scope)
            values = owner.assigns.get(node.value, []) if how == "assign" and owner is not None else []
            if len(values) == 1:
                return self._literal_size(values[0], depth + 1)
        return None
