"""What a client or pool constructor is given, when the code that builds it is not a plain
`Redis(host=..., ...)` (RL601 judges the keywords, RL602 where the client is built).

- `**config` spreads a dict whose keys the code shows: a dict display or `dict(...)` built in the
  function and filled only with literal keys, or a parameter that every call of the function in
  the module fills that way.  Any other use of the dict (a method that may change it, an alias,
  another callee) or of the function (a mention that is not a resolved call) leaves it unknown.
- `functools.partial(Redis, host=...)` binds the constructor and some arguments; the client is
  built where the partial is called, with the partial's arguments and the call's.  Known only
  when the partial is bound to a local name that is only ever called: then every call is in view.
- `ArqRedis(...)`, a class of this module deriving from a client type, passes its arguments to the
  base class through its `__init__`: unchanged when it has none, else as far as an `__init__` of
  the usual shape shows (`def __init__(self, pool=None, **kwargs)`, `kwargs["connection_pool"] =
  pool`, `super().__init__(**kwargs)`).

Anything that cannot be followed makes the arguments partly unknown (``Arguments.star``): the
rules then stay quiet, as they do for `**kwargs` they cannot see into.
"""
from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from . import clients
from .resolve import _NO_VALUE, literal_value
from .scopes import Scope, dotted_name
from .uses import NameUses, name_uses
from .walk import walk

if TYPE_CHECKING:  # pragma: no cover
    from .extract import CallExtractor

_MAX_DEPTH = 4  # dicts handed from caller to caller
_PARTIALS = frozenset({"functools.partial"})


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
    # Functions of this module whose own `**kwargs` is spread in (besides the literal keys they
    # store into it): it holds whatever their callers pass beyond the named parameters, which
    # only the project index can tell (``ClientSite.own_kwargs_of``).
    own_kwargs: Tuple[str, ...] = ()

    def add(self, other: "Arguments") -> None:
        self.items.extend(other.items)
        self.star = self.star or other.star
        self.from_callers = _union(self.from_callers, other.from_callers)
        self.own_kwargs = _union(self.own_kwargs, other.own_kwargs)

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


@dataclass(frozen=True)
class _Init:
    """How a client subclass's `__init__` passes its arguments on to the base class."""

    own: Tuple[str, ...]  # its named parameters after `self`, in order: consumed unless forwarded
    keyword_only: Tuple[str, ...]  # its keyword-only parameters: the same
    forwards: Dict[str, str]  # own parameter -> the base keyword it is stored under
    defaults: Dict[str, cst.BaseExpression]  # forwarded parameters' defaults
    sets: Tuple[Tuple[str, cst.BaseExpression], ...]  # base keywords it sets to values of its own
    scope: Scope
    extra_positional: bool  # positionals after its own go on to the base (`*args` forwarded)


_UNCHANGED = "unchanged"  # a subclass without an `__init__` of its own


class Constructions:
    def __init__(self, extractor: "CallExtractor"):
        # A weak reference: the extractor holds this object, and a cycle between them would keep
        # the whole syntax tree alive until the garbage collector's next full pass.
        self.x = weakref.proxy(extractor)
        self._uses: Dict[Tuple[int, str], NameUses] = {}
        self._callers: Optional[Dict[str, List[Tuple[cst.Call, Scope]]]] = None
        self._mentions: Dict[str, int] = {}
        self._bases: Dict[str, Optional[str]] = {}  # class of this module -> redis-py class it derives from

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
        return self.x.resolver.builtin(func, scope) == name

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
        if how == "param" and name == _star_name(owner.node, "star_kwarg"):
            out.own_kwargs = (owner.qualname,)
            return out
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
        out.from_callers = _union(out.from_callers, (owner.qualname,))
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
            if self.x.resolver.subclasses(function.class_name):
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

    # --- functools.partial ---------------------------------------------------------------------
    def partial_target(self, node: cst.Call, qualified: Optional[str]) -> Optional[cst.BaseExpression]:
        """`functools.partial(X, ...)`: X."""
        if qualified not in _PARTIALS or not node.args:
            return None
        first = node.args[0]
        return first.value if first.keyword is None and not first.star else None

    def of_partial(self, node: cst.Call, scope: Scope, bound_to: Optional[str]) -> Optional[Arguments]:
        """The arguments a partial bound to the local ``bound_to`` builds its object with: its own
        and those of every call of it (every keyword value given, the longest positional list).
        None when it may be called where we cannot see (returned, passed on, stored ...)."""
        owner, how = self.x.resolver.lookup(bound_to, scope) if bound_to else (None, "")
        if how != "assign" or owner is not scope or not isinstance(scope.node, cst.FunctionDef):
            return None
        uses = self.uses(owner, bound_to)
        if uses.other or uses.passed or uses.stores or uses.reads or not uses.calls:
            return None
        out = self.of_call(node.args[1:], node, scope)
        longest: List[Argument] = []
        for call in uses.calls:
            more = self.of_call(call.args, call, scope)
            out.add(dataclasses.replace(more, items=[item for item in more.items if item.keyword is not None]))
            if len(more.positional) > len(longest):
                longest = more.positional
        out.items.extend(longest)
        return out

    # --- subclasses of a client type ---------------------------------------------------------
    def client_subclass(self, func: cst.BaseExpression, scope: Scope) -> Optional[Tuple[str, str]]:
        """`ArqRedis(...)` with `class ArqRedis(redis.asyncio.Redis)` in this module: (the
        redis-py class it derives from, the class's name)."""
        if not isinstance(func, cst.Name) or func.value not in self.x.scopes.classes \
                or self.x.resolver.lookup(func.value, scope)[1]:
            return None
        if func.value not in self._bases:
            self._bases[func.value] = self._client_base(func.value)
        base = self._bases[func.value]
        return (base, func.value) if base is not None else None

    def _client_base(self, class_name: str) -> Optional[str]:
        """The redis-py class a class of this module derives from, when every other class on the
        way is of this module too (a base from elsewhere may change the constructor)."""
        found = None
        for base, qualified in self.x.resolver.foreign_bases(class_name):
            client = self._class_named(base, qualified)
            if client is None:
                return None
            found = found or client
        return found

    def _class_named(self, base: str, qualified: Optional[str]) -> Optional[str]:
        """A base written as a client class, or as a module-level alias of one (`BaseRedis =
        Redis[bytes]` for the type checker, `BaseRedis = Redis` at run time)."""
        resolver = self.x.resolver
        if _client_class(qualified):
            return qualified
        names = set()
        for value in self.x.scopes.module.assigns.get(base, ()):
            value = value.value if isinstance(value, cst.Subscript) else value
            names.add(resolver.qualified(value, self.x.scopes.module))
        if len(names) == 1 and _client_class(next(iter(names))):
            return names.pop()
        return None

    def url_factory(self, node: cst.Call, scope: Scope, options: str, position: int) -> Arguments:
        """What a URL factory (``clients.URL_FACTORIES``) gives the client it builds: the URL,
        then the keys of its options dict as keywords.  Unknown (``star``) when the dict's keys
        are not shown or `*args`/`**kwargs` may hold it."""
        out = Arguments()
        given = None
        for i, arg in enumerate(node.args):
            if arg.star:
                return Arguments(star=True)
            if arg.keyword is None and i == 0:
                out.items.append(Argument(None, arg.value, scope))
            elif (arg.keyword is None and i == position) or (arg.keyword is not None and arg.keyword.value == options):
                given = arg.value
        if given is not None and not (isinstance(given, cst.Name) and given.value == "None"):
            spread = self.mapping(given, scope, node, 0)
            out.add(spread if spread is not None else Arguments(star=True))
        return out

    def through_subclass(self, class_name: str, given: Arguments) -> Arguments:
        """What the base class receives when ``class_name`` is called with ``given``."""
        init = self._init_of(class_name)
        if init is _UNCHANGED:
            return given
        if init is None:
            return Arguments(star=True, from_callers=given.from_callers, own_kwargs=given.own_kwargs)
        out = Arguments(star=given.star, from_callers=given.from_callers, own_kwargs=given.own_kwargs)
        received: Dict[str, Argument] = {}
        for i, item in enumerate(given.positional):
            if i < len(init.own):
                received[init.own[i]] = item
            elif init.extra_positional:
                out.items.append(item)
            else:
                out.star = True  # more than it takes: not a call we understand
        for keyword, item in given.keywords.items():
            if keyword in init.own or keyword in init.keyword_only:
                received[keyword] = item
            else:
                out.items.append(item)  # lands in its `**kwargs`, passed on
        for param, keyword in init.forwards.items():
            if param in received:
                out.items.append(Argument(keyword, received[param].value, received[param].scope))
            elif param in init.defaults and literal_value(init.defaults[param]) is not None:
                out.items.append(Argument(keyword, init.defaults[param], init.scope.parent or init.scope))
        out.items = [item for item in out.items if item.keyword not in dict(init.sets)]
        out.items.extend(Argument(keyword, value, init.scope) for keyword, value in init.sets)
        return out

    def _init_of(self, class_name: str):
        """The `__init__` between the subclass and redis-py: _UNCHANGED when the classes of this
        module define none, an _Init when the nearest one is of the usual shape, else None."""
        chain = list(self.x.resolver.class_chain(class_name))
        inits = [info.methods["__init__"] for info in chain if "__init__" in info.methods]
        if any("__new__" in info.methods for info in chain):
            return None
        if not inits:
            return _UNCHANGED
        if len(inits) > 1:
            return None  # one `__init__` calling another: not followed
        return self._read_init(inits[0])

    def _read_init(self, init: Scope) -> Optional[_Init]:
        """`def __init__(self, <own parameters>, *args, **kwargs)` whose only use of `kwargs`
        besides literal-key stores and reads is `super().__init__(*args, **kwargs)`."""
        kwargs = _star_name(init.node, "star_kwarg")
        args = _star_name(init.node, "star_arg")
        if kwargs is None:
            return None  # no `**kwargs` to pass on: the base gets what the subclass chooses
        uses = self.uses(init, kwargs)
        if uses.other or uses.calls or len(uses.passed) != 1:
            return None
        call, _ = uses.passed[0]
        if not is_super_init(call) or not _passes_on_only(call, args, kwargs):
            return None
        if args is not None and (self.uses(init, args).other or len(self.uses(init, args).passed) != 1):
            return None
        params = sorted((p for p in init.params.values() if not p.star and p.index > 0), key=lambda p: p.index)
        keyword_only = tuple(p.name for p in init.params.values() if not p.star and p.index == -1)
        own = tuple(p.name for p in params)
        forwards: Dict[str, str] = {}
        sets: List[Tuple[str, cst.BaseExpression]] = []
        for key, value in uses.stores:
            if key is None:
                return None
            if isinstance(value, cst.Name) and value.value in own + keyword_only \
                    and value.value not in init.assigns and value.value not in init.opaque:
                forwards[value.value] = key
            else:
                sets.append((key, value))
        defaults = {p.name: p.default for p in init.params.values() if p.default is not None}
        return _Init(own, keyword_only, forwards, defaults, tuple(sets), init,
                     extra_positional=any(arg.star == "*" for arg in call.args))


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


def _client_class(qualified: Optional[str]) -> bool:
    made = clients.constructor(qualified)
    return made is not None and not qualified.endswith(("from_url", "from_pool"))


def _union(names: Tuple[str, ...], more: Tuple[str, ...]) -> Tuple[str, ...]:
    """Both, in order, each once."""
    return tuple(dict.fromkeys(names + more))


def _is_name(node: cst.BaseExpression, name: Optional[str]) -> bool:
    return name is not None and isinstance(node, cst.Name) and node.value == name


def _star_name(function: cst.CSTNode, which: str) -> Optional[str]:
    """The name of a function's `*args` ("star_arg") or `**kwargs` ("star_kwarg") parameter."""
    star = getattr(function.params, which) if isinstance(function, cst.FunctionDef) else None
    return star.name.value if isinstance(star, cst.Param) else None


def _passes_on_only(call: cst.Call, args: Optional[str], kwargs: str) -> bool:
    """`super().__init__(**kwargs)` or `(*args, **kwargs)`: nothing of the subclass's choosing."""
    return all((arg.star == "**" and _is_name(arg.value, kwargs)) or (arg.star == "*" and _is_name(arg.value, args))
               for arg in call.args)


def is_super_init(call: cst.Call) -> bool:
    """`super().__init__(...)` or `super(Cls, self).__init__(...)`: the base class's initialiser,
    run on the object being built."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "__init__" and isinstance(func.value, cst.Call) \
        and dotted_name(func.value.func) == "super"
