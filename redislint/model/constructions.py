"""What a client or pool constructor is given, when the code that builds it is not a plain
`Redis(host=..., ...)` (RL601 judges the keywords, RL602 where the client is built).

- `**config` spreads a dict whose keys the code shows: a dict display or `dict(...)` built in the
  function and filled only with literal keys, or a parameter that every call of the function in
  the module fills that way.  Any other use of the dict (a method that may change it, an alias,
  another callee) or of the function (a mention that is not a resolved call) leaves it unknown.

Anything that cannot be followed makes the arguments partly unknown (``Arguments.star``): the
rules then stay quiet, as they do for `**kwargs` they cannot see into.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from .resolve import _NO_VALUE, literal_value
from .scopes import Scope
from .uses import NameUses, name_uses
from .walk import walk

if TYPE_CHECKING:  # pragma: no cover
    from .extract import CallExtractor

_MAX_DEPTH = 4  # dicts handed from caller to caller


@dataclass(frozen=True)
class Argument:
    keyword: Optional[str]  # None: positional
    value: cst.BaseExpression
    scope: Scope  # where ``value`` is written: its names resolve there


@dataclass
class Arguments:
    items: List[Argument] = field(default_factory=list)
    star: bool = False  # some `*args`/`**mapping` whose content is unknown
    # Functions of this module whose callers here decided what a `**parameter` holds: callers in
    # other modules could pass something else (the project index knows whether there are any).
    from_callers: Tuple[str, ...] = ()

    def add(self, other: "Arguments") -> None:
        self.items.extend(other.items)
        self.star = self.star or other.star
        self.from_callers = tuple(dict.fromkeys(self.from_callers + other.from_callers))

    @property
    def keywords(self) -> Dict[str, Argument]:
        """Each keyword with its first value."""
        out: Dict[str, Argument] = {}
        for item in self.items:
            if item.keyword is not None:
                out.setdefault(item.keyword, item)
        return out

    def values_of(self, keyword: str) -> List[Argument]:
        """Every value given for ``keyword``: callers or calls of a partial may differ."""
        return [item for item in self.items if item.keyword == keyword]

    @property
    def positional(self) -> List[Argument]:
        return [item for item in self.items if item.keyword is None]


class Constructions:
    def __init__(self, extractor: "CallExtractor"):
        self.x = extractor
        self._uses: Dict[Tuple[int, str], NameUses] = {}
        self._callers: Optional[Dict[str, List[Tuple[cst.Call, Scope]]]] = None
        self._mentions: Dict[str, int] = {}

    # --- what a call passes ------------------------------------------------------------------
    def of_call(self, args: Sequence[cst.Arg], call: cst.Call, scope: Scope, depth: int = 0) -> Arguments:
        """The arguments as written, with each `**mapping` whose keys are known spelled out."""
        out = Arguments()
        for arg in args:
            if arg.star == "*":
                out.star = True
            elif arg.star == "**":
                spread = self.mapping(arg.value, scope, call, depth)
                out.add(spread if spread is not None else Arguments(star=True))
            else:
                out.items.append(Argument(arg.keyword.value if arg.keyword else None, arg.value, scope))
        return out

    # --- `**mapping` -------------------------------------------------------------------------
    def mapping(self, node: cst.BaseExpression, scope: Scope, call: Optional[cst.Call],
                depth: int) -> Optional[Arguments]:
        """The entries of a dict expression as keyword arguments, when every key is known.
        ``call`` is the call that receives the dict (passing it there is not a change to it)."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Dict):
            return self._display(node, scope)
        if isinstance(node, cst.Call) and self._is_builtin(node.func, "dict", scope):
            return self._dict_call(node, scope, depth)
        if isinstance(node, cst.Name):
            return self._named_mapping(node.value, scope, call, depth)
        return None

    @staticmethod
    def _display(node: cst.Dict, scope: Scope) -> Optional[Arguments]:
        out = Arguments()
        for el in node.elements:
            key = literal_value(el.key) if isinstance(el, cst.DictElement) else _NO_VALUE
            if not isinstance(key, str):
                return None  # `{**other}` or a computed key
            out.items.append(Argument(key, el.value, scope))
        return out

    def _dict_call(self, node: cst.Call, scope: Scope, depth: int) -> Optional[Arguments]:
        """`dict(host=h, port=p)`, `dict(base, db=1)`: keywords, and what a positional dict holds."""
        out = Arguments()
        for arg in node.args:
            if arg.star or arg.keyword is None:
                inner = self.mapping(arg.value, scope, node, depth + 1)
                if inner is None:
                    return None
                out.add(inner)
            else:
                out.items.append(Argument(arg.keyword.value, arg.value, scope))
        return out

    def _is_builtin(self, func: cst.BaseExpression, name: str, scope: Scope) -> bool:
        return isinstance(func, cst.Name) and func.value == name and not self.x.resolver.lookup(name, scope)[1] \
            and name not in self.x.scopes.imports

    def _named_mapping(self, name: str, scope: Scope, call: Optional[cst.Call],
                       depth: int) -> Optional[Arguments]:
        """A local dict: what every binding of it holds plus every literal key stored into it,
        when nothing else touches it.  A parameter: what the callers in this module pass."""
        owner, how = self.x.resolver.lookup(name, scope)
        if how not in ("assign", "param") or not isinstance(getattr(owner, "node", None), cst.FunctionDef):
            return None  # a module-level dict can be changed from anywhere
        if name in owner.opaque or (name in owner.assigns and name in owner.params):
            return None  # also bound by a loop, `with`, unpacking ...: values we cannot see
        out = self._stored_keys(owner, name, call)
        if out is None:
            return None
        if how == "assign":
            for value in owner.assigns[name]:
                bound = self.mapping(value, owner, None, depth + 1)
                if bound is None:
                    return None
                out.add(bound)
            return out
        passed = self._parameter_values(owner, name, depth)
        if passed is None:
            return None
        out.add(passed)
        out.from_callers = tuple(dict.fromkeys(out.from_callers + (owner.qualname,)))
        return out

    def _stored_keys(self, owner: Scope, name: str, call: Optional[cst.Call]) -> Optional[Arguments]:
        """`name["k"] = v` in the function, when the dict is otherwise only read, spread, or
        passed to ``call``."""
        uses = self.uses(owner, name)
        if uses.other or uses.calls:
            return None
        if any(arg.star != "**" and passed is not call for passed, arg in uses.passed):
            return None  # handed to another function, which may change it
        out = Arguments()
        for key, value in uses.stores:
            if key is None:
                return None
            out.items.append(Argument(key, value, owner))
        return out

    def _parameter_values(self, function: Scope, name: str, depth: int) -> Optional[Arguments]:
        """What the callers of ``function`` in this module pass for parameter ``name`` (its
        default where they pass nothing), when every mention of the function is such a call."""
        param = function.params[name]
        callers = self.callers(function)
        if param.star or not callers:
            return None  # `**kwargs` of the function itself, or an API nobody here calls
        shift = 1 if function.self_name is not None else 0
        out = Arguments()
        for call, scope in callers:
            if any(arg.star for arg in call.args):
                return None
            given = next((arg.value for arg in call.args
                          if arg.keyword is not None and arg.keyword.value == name), None)
            positional = [arg.value for arg in call.args if arg.keyword is None]
            if given is None and 0 <= param.index - shift < len(positional):
                given = positional[param.index - shift]
            where = scope
            if given is None:
                given, where = param.default, function.parent or self.x.scopes.module
            entries = self.mapping(given, where, call, depth + 1) if given is not None else None
            if entries is None:
                return None
            out.add(entries)
        return out

    def uses(self, owner: Scope, name: str) -> NameUses:
        key = (id(owner), name)
        if key not in self._uses:
            self._uses[key] = name_uses(owner.node, name)
        return self._uses[key]

    # --- callers of a function of this module ------------------------------------------------
    def callers(self, function: Scope) -> List[Tuple[cst.Call, Scope]]:
        """The calls of ``function`` in this module, each with the scope it is written in; empty
        unless every mention of its name (or its class's, for `__init__`) is one of them."""
        if self._callers is None:
            self._index_calls()
        calls = self._callers.get(f"local:{function.qualname}", [])
        if function.name == "__init__" and function.class_name:
            if any(function.class_name in (b.rsplit(".", 1)[-1] for b in info.bases)
                   for info in self.x.scopes.classes.values()):
                return []  # `Sub(...)` runs it too, and is resolved as Sub's own
            names: Tuple[str, ...] = (function.class_name, "__init__")
        else:
            names = (function.name,)
        return calls if sum(self._mentions.get(n, 0) for n in names) == len(calls) else []

    def _index_calls(self) -> None:
        """One walk of the module: every call of a function of this module, and how often each
        name is mentioned at all (a mention that is no resolved call may be a caller we miss)."""
        self._callers = {}
        walk(self.x.positions.module, _CallIndex(self))


class _CallIndex:
    """Driven by ``walk``: resolves every call with the extractor's own callee resolution."""

    def __init__(self, owner: Constructions):
        self.owner = owner
        self.stack: List[Scope] = [owner.x.scopes.module]
        self.definitions: set = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.definitions.add(id(node.name))
        self.stack.append(self.owner.x.scopes.functions[id(node)])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.definitions.add(id(node.name))

    def visit_Call(self, node: cst.Call) -> None:
        callee = self.owner.x._callee(node.func, self.stack[-1])
        if callee is not None and callee.startswith("local:"):
            self.owner._callers.setdefault(callee, []).append((node, self.stack[-1]))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._mention(node.attr.value)
        self.definitions.add(id(node.attr))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.definitions:
            self._mention(node.value)

    def _mention(self, name: str) -> None:
        mentions = self.owner._mentions
        mentions[name] = mentions.get(name, 0) + 1
