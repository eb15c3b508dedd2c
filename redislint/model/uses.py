"""Every use of a local name in the function that binds it.

Some facts hold only when every use of a name is visible: the calls of a `functools.partial`
bound to it (each builds a client with the partial's keywords and its own), or the keys of a dict
spread into a constructor (`**config`), which a method call, an alias or a callee could change.
One walk of the function body sorts each occurrence of the name into what it does; whatever is
not understood is counted under ``other``, and the facts built on these uses then give up.

Bindings (`name = ...`, `def name`, parameters) are the scope's business (``scopes``), not uses.
Occurrences inside nested functions count as uses too: a closure may call or change the object.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Set, Tuple

import libcst as cst

from .resolve import literal_value
from .walk import walk

# Methods that only read a dict, or take a key out of it (`pop`): neither adds a key, so what the
# dict holds stays within what the stores into it show.
_READ_METHODS = frozenset({"get", "keys", "values", "items", "copy", "pop"})


@dataclass
class NameUses:
    calls: List[cst.Call] = field(default_factory=list)  # `name(...)`
    # `f(name)`, `f(x=name)`, `f(**name)`: the call and the argument (its `star` tells which).
    passed: List[Tuple[cst.Call, cst.Arg]] = field(default_factory=list)
    # `name["k"] = v`: the key when it is a literal string (else None), and the value.
    stores: List[Tuple[Optional[str], cst.BaseExpression]] = field(default_factory=list)
    reads: int = 0  # `name["k"]`, `name.get("k")`, `name.pop("k")`, `"k" in name`
    methods: List[str] = field(default_factory=list)  # every `name.m(...)`, by method name
    other: int = 0  # anything else: returned, aliased, a method that may change it ...


def _not_a_use(field: str):
    """A visitor method that marks ``node.<field>`` as seen: a name there binds something, or
    names an attribute, keyword or import, and is no use of the local name."""
    def visit(self: "_UseCollector", node: cst.CSTNode) -> None:
        self._mark(getattr(node, field))
    return visit


class _UseCollector:
    """Driven by ``walk`` over a function body; parents are visited before their children, so
    a parent that understands an occurrence marks it before the Name itself is reached."""

    def __init__(self, name: str):
        self.name = name
        self.uses = NameUses()
        self.seen: Set[int] = set()  # Name nodes already sorted (or bindings, which are not uses)

    def _is_ours(self, node: Optional[cst.CSTNode]) -> bool:
        return isinstance(node, cst.Name) and node.value == self.name

    def _mark(self, node: Optional[cst.CSTNode]) -> None:
        if node is not None:
            self.seen.add(id(node))

    # --- positions that bind or name something else: not uses ------------------------------
    # `x.name`, `f(name=...)`, `def f(name)`, `def name`, `class name`, `as name`, `import name`,
    # `global name`: the child that holds the name (see ``_not_a_use``).
    visit_Attribute = _not_a_use("attr")
    visit_Arg = _not_a_use("keyword")
    visit_Param = _not_a_use("name")
    visit_FunctionDef = _not_a_use("name")
    visit_ClassDef = _not_a_use("name")
    visit_AsName = _not_a_use("name")
    visit_ImportAlias = _not_a_use("name")
    visit_NameItem = _not_a_use("name")

    # A rebinding (`name = ...`, `name: T = ...`, `(name := ...)`): ``scopes`` records the value.
    visit_AssignTarget = visit_AnnAssign = visit_NamedExpr = _not_a_use("target")

    # --- uses that are understood ------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            sub = target.target
            if isinstance(sub, cst.Subscript) and self._is_ours(sub.value):
                self._mark(sub.value)
                self.uses.stores.append((_literal_key(sub), node.value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self._is_ours(func):
            self._mark(func)
            self.uses.calls.append(node)
        elif isinstance(func, cst.Attribute) and self._is_ours(func.value):
            self._mark(func.value)
            self.uses.methods.append(func.attr.value)
            if func.attr.value in _READ_METHODS:
                self.uses.reads += 1
            else:
                self.uses.other += 1  # update(), setdefault(), pop() ... change it
        for arg in node.args:
            if self._is_ours(arg.value):
                self._mark(arg.value)
                self.uses.passed.append((node, arg))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._is_ours(node.value) and id(node.value) not in self.seen:
            self._mark(node.value)
            self.uses.reads += 1

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for comparison in node.comparisons:
            if isinstance(comparison.operator, (cst.In, cst.NotIn)) and self._is_ours(comparison.comparator):
                self._mark(comparison.comparator)
                self.uses.reads += 1

    def visit_Del(self, node: cst.Del) -> None:
        self._changed(node.target)  # `del name["k"]`

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._changed(node.target)  # `name["k"] += 1`

    def _changed(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript) and self._is_ours(target.value):
            self._mark(target.value)
            self.uses.other += 1

    # --- anything else ---------------------------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self.seen:
            self.uses.other += 1


def _literal_key(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    key = literal_value(node.slice[0].slice.value)
    return key if isinstance(key, str) else None


def name_uses(function: cst.FunctionDef, name: str) -> NameUses:
    """How ``name`` is used in the body of ``function`` (nested functions included)."""
    collector = _UseCollector(name)
    walk(function.body, collector)
    return collector.uses


# Methods that close a client (its pool's connections) for good.
CLOSERS = frozenset({"close", "aclose", "disconnect"})


def closed_names(function: cst.FunctionDef) -> Set[str]:
    """The local names ``function`` closes: `name.close()`/`aclose()`/`disconnect()`, or a call
    named so that is given the name (`close_client(name)`, `contextlib.closing(name)`)."""
    collector = _CloseCollector()
    walk(function.body, collector)
    return collector.names


class _CloseCollector:
    """Driven by ``walk`` over a function body (see ``_UseCollector``)."""

    def __init__(self) -> None:
        self.names: Set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        receiver = _receiver(node)
        if receiver is not None and receiver[1] in CLOSERS:
            self.names.add(receiver[0])
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        name = name.lower()
        if name.startswith(("close", "aclose")) or name in ("closing", "aclosing"):
            self.names.update(arg.value.value for arg in node.args if isinstance(arg.value, cst.Name))


# Methods whose result a `for` keeps drawing from the server: a subscription, a SCAN cursor.
_STREAMING = frozenset({"listen", "scan_iter", "sscan_iter", "hscan_iter", "zscan_iter", "xread", "xreadgroup"})
# Objects a client makes that send its commands: what they do in a loop, the client does.
_SENDERS = frozenset({"pubsub", "pipeline", "monitor"})


def looped_names(function: cst.FunctionDef) -> Set[str]:
    """The local names whose commands ``function`` sends in a loop: a method called on the name
    in a loop's body or a comprehension's element (`while True: r.blpop(q)`, `for k in keys:
    r.delete(k)`), or iterated from the server (`for m in p.listen()`), where the name or a
    pubsub or pipeline made from it (`p = r.pubsub()`) is the receiver."""
    collector = _LoopCollector()
    walk(function.body, collector)
    names = set(collector.looped)
    changed = True
    while changed:  # `p = r.pubsub()` looping makes `r` loop
        changed = False
        for made, maker in collector.made.items():
            if made in names and maker not in names:
                names.add(maker)
                changed = True
    return names


class _LoopCollector:
    """Driven by ``walk`` over a function body."""

    def __init__(self) -> None:
        self.depth = 0
        self.looped: Set[str] = set()
        self.made: dict = {}  # name -> the name of the client it was made from

    def _enter(self, node: cst.CSTNode) -> None:
        self.depth += 1

    def _leave(self, node: cst.CSTNode) -> None:
        self.depth -= 1

    visit_For_body = visit_While = visit_ListComp_elt = visit_SetComp_elt = visit_GeneratorExp_elt = _enter
    leave_For_body = leave_While = leave_ListComp_elt = leave_SetComp_elt = leave_GeneratorExp_elt = _leave
    visit_DictComp_value = _enter
    leave_DictComp_value = _leave

    def visit_For(self, node: cst.For) -> None:
        receiver = _receiver(node.iter)
        if receiver is not None and receiver[1] in _STREAMING:
            self.looped.add(receiver[0])

    def visit_Call(self, node: cst.Call) -> None:
        receiver = _receiver(node)
        if receiver is not None and self.depth:
            self.looped.add(receiver[0])

    def visit_Assign(self, node: cst.Assign) -> None:
        receiver = _receiver(node.value)
        if receiver is not None and receiver[1] in _SENDERS and len(node.targets) == 1 \
                and isinstance(node.targets[0].target, cst.Name):
            self.made[node.targets[0].target.value] = receiver[0]


def _receiver(node: cst.BaseExpression) -> Optional[Tuple[str, str]]:
    """`name.method(...)` (awaited or not): (name, method)."""
    if isinstance(node, cst.Await):
        node = node.expression
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
        return node.func.value.value, node.func.attr.value
    return None
