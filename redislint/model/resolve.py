"""Second-pass questions about expressions: is this a Redis client? what key is this?

All answers come from the bindings ``scopes`` collected, so a receiver defined anywhere in the
module (a factory below its use, `self.redis` set in `__init__`) resolves the same way.
"""
from __future__ import annotations

import dataclasses
import functools
import re
import sys
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from . import clients
from .command_table import SIGNATURES
from .module import ClientKind, ClientRef, KeyPattern
from .scopes import ClassInfo, ModuleScopes, Param, Scope, dotted_name

_MAX_DEPTH = 8
# Decorators that make a function a pytest fixture.
_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
# Type casts: what they return is their value argument, whatever type they name.
_CASTS = frozenset({"typing.cast", "typing_extensions.cast"})

# Top-level modules that are never "another module of the project": the standard library and
# the client libraries themselves (their clients are recognised by name in ``clients``).
_NOT_PROJECT = set(getattr(sys, "stdlib_module_names", ())) | set(clients.CLIENT_MODULES) | {
    "os", "sys", "json", "re", "time", "datetime", "typing", "functools", "collections", "logging",
    "pickle", "io", "pathlib", "asyncio", "threading", "uuid", "random", "math", "itertools",
}


def _memoized(method):
    """Remember a resolver answer for (node, scope), unless it depends on the arguments of a key
    builder being expanded.  An answer cut short (by depth or a cycle) depends on the path that
    reached it, so it is remembered only until the outermost question is answered, and reused
    only where no more depth is left than it had: a node is then worked out at most once per
    depth, not once per path to it (which, in a module whose names refer to each other in
    cycles, is exponential)."""

    @functools.wraps(method)
    def wrapper(self, node, scope, depth=0):
        if self._bindings:
            return method(self, node, scope, depth)
        key = (method.__name__, id(node), id(scope))
        memo = self._memo
        if key in memo:
            return memo[key][1]
        partial = self._partial_memo.get(key)
        if partial is not None and partial[1] <= depth:
            self._cutoffs += 1  # still an answer cut short, for whoever asked
            return partial[2]
        before = self._cutoffs
        self._open_questions += 1
        try:
            result = method(self, node, scope, depth)
        finally:
            self._open_questions -= 1
        if self._cutoffs == before:
            memo[key] = (node, result)  # holding the node keeps its id from being reused
        elif self._open_questions:
            self._partial_memo[key] = (node, depth, result)
        if not self._open_questions:
            self._partial_memo.clear()
        return result

    return wrapper


@functools.lru_cache(maxsize=1024)
def _parse_annotation(text) -> Optional[cst.BaseExpression]:
    """A string annotation (`"Redis[bytes]"`) as an expression; parsed once per distinct text."""
    if not isinstance(text, str):
        return None
    try:
        return cst.parse_expression(text)
    except Exception:
        return None


def _unquoted(node: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """An annotation as an expression: a string one (`"Redis"`) parsed, any other as it is."""
    return _parse_annotation(literal_value(node)) if isinstance(node, cst.SimpleString) else node


def _dotted_expr(dotted: str) -> cst.BaseExpression:
    node: cst.BaseExpression = cst.Name(dotted.split(".")[0])
    for part in dotted.split(".")[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _best(refs) -> Optional[ClientRef]:
    """The first ref known outright, else the first that depends on an import, else None."""
    pending = None
    for ref in refs:
        if ref is None:
            continue
        if ref.via is None:
            return ref
        pending = pending or ref
    return pending


def _either(refs) -> Optional[ClientRef]:
    """What `a if test else b` / `a or b` is when either may be chosen.  A pipeline on one side
    makes the command possibly queued, so its atomicity is unknown: the pipeline wins.  A
    parameter that callers fill, against a client known here, is the client, marked with the
    parameter so the project index can tell whether callers pass a pipeline (``or_param``)."""
    refs = [r for r in refs if r is not None]
    known = [r for r in refs if r.via is None]
    pipeline = next((r for r in known if r.kind is ClientKind.PIPELINE), None)
    if pipeline is not None:
        return pipeline
    param = next((r.via for r in refs if r.via is not None and r.via.startswith("param:")), None)
    if known and param is not None and known[0].kind is not ClientKind.JSON:
        return dataclasses.replace(known[0], or_param=param)
    return _best(refs)


@dataclass(frozen=True)
class Hole:
    """A dynamic part of a key; ``entity`` when it varies per user/order/request."""

    entity: bool


Part = Union[str, Hole]


# Fields whose `default=` is what the attribute holds on an object built without it.
_FIELD_FACTORIES = frozenset({"dataclasses.field", "attr.ib", "attr.attrib", "attrs.field", "attr.field"})


class Resolver:
    def __init__(self, scopes: ModuleScopes, client_names: Sequence[str] = (),
                 external_clients: Optional[Dict[str, ClientRef]] = None):
        self.scopes = scopes
        self.client_names = set(client_names)
        # Qualified names of clients other modules export ("app.ext.redis_client").
        self.external_clients = external_clients or {}
        self._pipeline_ids: Dict[int, int] = {}
        self._bindings: Dict[Tuple[int, str], Tuple[cst.BaseExpression, Scope]] = {}
        # Answers already worked out, per (question, node, scope).  Big modules bind the same
        # names many times over; without this, following every binding is exponential.
        self._memo: Dict[Tuple[str, int, int], Any] = {}
        self._cutoffs = 0  # answers cut short by depth or a cycle are not remembered for good
        # ... but for as long as the outermost question is open (see ``_memoized``).
        self._partial_memo: Dict[Tuple[str, int, int], Tuple[cst.BaseExpression, int, Any]] = {}
        self._open_questions = 0
        self._in_progress: Set[Tuple[int, int]] = set()
        self._aliases_open: Set[str] = set()
        # walrus containers built in this module: id of the building call -> (key, its scope).
        self._containers: Dict[int, Tuple[cst.BaseExpression, Scope]] = {}
        self._derived: Optional[Dict[str, List[str]]] = None  # class -> classes deriving from it
        self._fixture_scopes: Optional[Dict[str, Scope]] = None
        self._code = cst.Module([])

    # --- small helpers -------------------------------------------------------------------
    def code(self, node: cst.CSTNode) -> str:
        return self._code.code_for_node(node)

    def qualified(self, node: cst.BaseExpression, scope: Optional[Scope] = None) -> Optional[str]:
        """The qualified name an expression names through imports (`R` -> `redis.Redis`).

        With ``scope``, a head name that a function binds itself (`def f(redis): redis.Redis()`)
        is that local object, not the import.  Module-level rebinding is not treated as
        shadowing: `import redis` then `redis = redis.Redis()` at module level is rare, and
        `redis` may well still name the module where it is used.
        """
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if scope is not None:
            owner, how = self.lookup(head, scope)
            if how and owner is not self.scopes.module:
                return None
        imports = self.scopes.imports
        if dotted in imports:
            return imports[dotted]
        if head in imports:
            base = imports[head]
            return f"{base}.{rest}" if rest else base
        return None

    def class_alias(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """What `cls(...)` or `cls.from_url(...)` builds when `cls` is a local name that only
        ever holds a client class, of one kind (`redis_cls = redis.StrictRedis if strict else
        redis.Redis`; pools, clusters and Sentinels too):
        the qualified name, as ``qualified`` gives for the class itself.  fakeredis classes among
        them (`redis_cls = fakeredis.FakeRedis if TESTING else redis.Redis`) are left out.  Any
        other assignment (a class loaded by name from settings) leaves it unknown."""
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Call):
            returned = self._returned_class(node.value, scope)  # `_redis_class().from_url(...)`
            return f"{returned}.{node.attr.value}" if returned is not None else None
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        owner, how = self.lookup(head, scope)
        if how != "assign" or owner is None:
            return None
        found = set()
        for value in owner.assigns[head]:
            for option in (value.body, value.orelse) if isinstance(value, cst.IfExp) else (value,):
                name = self.qualified(option, owner)
                if name is not None and name.startswith("fakeredis."):
                    continue  # a test double chosen by a flag: the real class is what runs in production
                if name is None or clients.site_kind(name) in (None, "lock"):
                    return None  # (a client, cluster, pool or Sentinel class)
                found.add(name)
        if not found or len({clients.site_kind(name) for name in found}) != 1:
            return None
        name = sorted(found)[0]  # the same kind of client whichever branch ran
        return f"{name}.{rest}" if rest else name

    def _returned_class(self, call: cst.Call, scope: Scope) -> Optional[str]:
        """`_import_redis()`: a function of this module, called with no arguments, whose every
        `return` names a client class (imported inside it, so that a missing package fails
        late): that class."""
        if call.args or not isinstance(call.func, cst.Name) or self.lookup(call.func.value, scope)[1]:
            return None
        function = self.scopes.module_functions.get(call.func.value)
        if function is None or not function.returns:
            return None
        found = {self.qualified(value, function) for value in function.returns}
        if len(found) != 1 or None in found:
            return None
        name = found.pop()
        return name if clients.client_type(name) is not None else None

    def pipeline_id(self, node: cst.CSTNode) -> int:
        return self._pipeline_ids.setdefault(id(node), len(self._pipeline_ids) + 1)

    def builtin(self, func: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The builtin a bare name calls (`open`, `dict`): nothing in the module binds it, not a
        local, an import, nor a module-level function."""
        if not isinstance(func, cst.Name) or self.lookup(func.value, scope)[1]:
            return None
        name = func.value
        return None if name in self.scopes.imports or name in self.scopes.module_functions else name

    def lookup(self, name: str, scope: Scope) -> Tuple[Optional[Scope], str]:
        """Find the scope that binds ``name`` as seen from ``scope``: (scope, how)."""
        s: Optional[Scope] = scope
        while s is not None:
            if name in s.globals and s is not self.scopes.module:  # (`global x` at module level is legal)
                s = self.scopes.module
                continue
            if name in s.params:
                return s, "param"
            if name in s.assigns:
                return s, "assign"
            if name in s.opaque:
                return s, "opaque"
            s = s.parent
        return None, ""

    # --- clients -------------------------------------------------------------------------
    @_memoized
    def client_of(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[ClientRef]:
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return None
        key = (id(node), id(scope))
        if key in self._in_progress:
            self._cutoffs += 1
            return None
        self._in_progress.add(key)
        try:
            return self._client_of(node, scope, depth + 1)
        finally:
            self._in_progress.discard(key)

    def _client_of(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Optional[ClientRef]:
        if isinstance(node, cst.Await):
            return self.client_of(node.expression, scope, depth)
        if isinstance(node, cst.Name):
            return self._name_client(node.value, scope, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute_client(node, scope, depth)
        if isinstance(node, cst.Call):
            return self._call_client(node, scope, depth)
        if isinstance(node, cst.BooleanOperation):
            # `client or redis.Redis()`: either side being a client is good enough.
            return _either((self.client_of(node.left, scope, depth), self.client_of(node.right, scope, depth)))
        if isinstance(node, cst.IfExp):
            return _either((self.client_of(node.body, scope, depth), self.client_of(node.orelse, scope, depth)))
        if isinstance(node, cst.Subscript):
            return self.element_client(node.value, scope, depth)
        return None

    # --- containers and instances ----------------------------------------------------------
    def _element_values(self, node: cst.BaseExpression, scope: Scope, depth: int):
        """(value, scope) pairs for the elements a container expression holds."""
        if depth > _MAX_DEPTH:
            return
        d = depth + 1
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in {"values", "copy"} and not node.args:
                yield from self._element_values(func.value, scope, d)
            elif isinstance(func, cst.Name) and func.value in {"list", "tuple", "sorted", "set", "iter", "reversed"} \
                    and node.args:
                yield from self._element_values(node.args[0].value, scope, d)
            return
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for el in node.elements:
                if not isinstance(el, cst.StarredElement):
                    yield el.value, scope
            return
        if isinstance(node, cst.Dict):
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    yield el.value, scope
            return
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            yield node.elt, scope
            return
        if isinstance(node, cst.DictComp):
            yield node.value, scope
            return
        if isinstance(node, cst.Name):
            owner, how = self.lookup(node.value, scope)
            holder = owner if owner is not None else self.scopes.module
            for value in holder.assigns.get(f"{node.value}[]", ()):
                yield value, holder
            if how == "assign":
                for value in owner.assigns[node.value]:
                    yield from self._element_values(value, owner, d)
            return
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            cls = self.class_of_instance(node.value.value, scope)
            info = self.scopes.classes.get(cls) if cls else None
            if info is not None:
                for value, owner in info.attrs.get(f"{node.attr.value}[]", ()):
                    yield value, owner
                for value, owner in info.attrs.get(node.attr.value, ()):
                    yield from self._element_values(value, owner, d)

    def element_client(self, container: cst.BaseExpression, scope: Scope, depth: int) -> Optional[ClientRef]:
        """`self.clients[host]`, `for c in self.clients.values()`: containers of clients."""
        found = _best(self.client_of(value, owner, depth + 1)
                      for value, owner in self._element_values(container, scope, depth))
        if found is not None:
            return found
        # `self._servers: dict[str, Redis] = self.connect()`: the annotation says what it holds.
        while isinstance(container, cst.Call) and isinstance(container.func, cst.Attribute) \
                and container.func.attr.value in {"values", "copy"}:
            container = container.func.value
        if isinstance(container, cst.Attribute) and isinstance(container.value, cst.Name):
            cls = self.class_of_instance(container.value.value, scope)
            info = self.scopes.classes.get(cls) if cls else None
            if info is not None and container.attr.value in info.annotations:
                return self.annotated_element(info.annotations[container.attr.value])
        if isinstance(container, cst.Name):
            owner, how = self.lookup(container.value, scope)
            if how == "param" and owner.params[container.value].annotation is not None:
                return self.annotated_element(owner.params[container.value].annotation)
        return None

    def instance_class(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        """The class of this module an expression is an instance of, when the code shows it."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return None
        d = depth + 1
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
            owner, how = self.lookup(node.func.value, scope)
            if how == "param" and "classmethod" in owner.decorators and owner.self_name == node.func.value:
                return owner.class_name  # `cls(...)` in a classmethod builds an instance
            return node.func.value if how == "" and node.func.value in self.scopes.classes else None
        if isinstance(node, cst.Name):
            cls = self.class_of_instance(node.value, scope)
            if cls is not None:
                return cls
            owner, how = self.lookup(node.value, scope)
            if how == "assign":
                for value in owner.assigns[node.value]:
                    found = self.instance_class(value, owner, d)
                    if found:
                        return found
            return None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            cls = self.class_of_instance(node.value.value, scope)
            info = self.scopes.classes.get(cls) if cls else None
            if info is not None:
                for value, owner in info.attrs.get(node.attr.value, ()):
                    found = self.instance_class(value, owner, d)
                    if found:
                        return found
            return None
        if isinstance(node, cst.Subscript):
            for value, owner in self._element_values(node.value, scope, d):
                found = self.instance_class(value, owner, d)
                if found:
                    return found
        return None

    def client_class(self, class_name: str) -> Optional[Tuple[ClientKind, bool]]:
        """A class of this module that derives from a client type (`class ArqRedis(Redis)`)."""
        for info in self.class_chain(class_name):
            for base in info.bases:
                typ = clients.client_type(self.qualified(_dotted_expr(base), self.scopes.module))
                if typ is not None and typ[0] is not ClientKind.PIPELINE:
                    return typ
                # `BaseRedis = Redis[bytes]` ... `class ArqRedis(BaseRedis)`.
                for value in self.scopes.module.assigns.get(base, ()):
                    ref = self.annotation_client(value)
                    if ref is not None and ref.kind is not ClientKind.PIPELINE:
                        return ref.kind, ref.is_async
        return None

    def _name_client(self, name: str, scope: Scope, depth: int) -> Optional[ClientRef]:
        if name in self.client_names:
            return ClientRef(ClientKind.CLIENT, source="config")
        owner, how = self.lookup(name, scope)
        if how == "assign":
            return _best(self.client_of(value, owner, depth) for value in owner.assigns[name])
        if how == "param":
            param = owner.params[name]
            # `transaction(fn)` calls `fn(pipe)`; a method passed as `self._fn` gets the pipeline
            # after `self`, and `self` is the object, not the pipeline.
            first = 1 if owner.self_name is not None else 0
            if param.index == first and owner.name in self.scopes.transaction_callbacks:
                return ClientRef(ClientKind.PIPELINE, pipeline_id=self.pipeline_id(owner.node),
                                 transactional=True, is_async=owner.is_async, source="transaction")
            if param.annotation is not None and not self._untyped(param.annotation):
                ref = self.annotation_client(param.annotation)
                if ref is not None and ref.kind is ClientKind.PIPELINE:
                    # A pipeline handed in by the caller: what is called on it is queued there,
                    # not sent on its own.  One id per parameter; whether the caller's pipeline is
                    # transactional is unknown (left False).
                    return ClientRef(ClientKind.PIPELINE, is_async=ref.is_async, cluster=ref.cluster,
                                     pipeline_id=self.pipeline_id(param.annotation), source="annotation")
                return ref
            if name == owner.self_name:
                typ = self.client_class(owner.class_name)
                return ClientRef(typ[0], is_async=typ[1], source="subclass") if typ else None
            if param.star:
                return None
            fixture = self._injected_fixture(owner, param)
            if fixture is not None:
                return _best(self.client_of(value, fixture, depth) for value in fixture.returns + fixture.yields)
            # Unannotated: a client only if callers in the project pass one (RULES.md: "parameters
            # ... receive clients from their callers"); the project index decides.
            return ClientRef(ClientKind.CLIENT, source="param", via=f"param:{owner.qualname}:{name}")
        if how == "opaque" and name in owner.iterates:
            return _best(self.element_client(it, owner, depth) for it in owner.iterates[name])
        if how:
            return None
        if name in self.scopes.module_functions:
            # `@LazyObject def redis_client(): ...`: the name is the proxy, i.e. the client.
            return self.lazy_client(self.scopes.module_functions[name], depth)
        qualified = self.scopes.imports.get(name)
        if qualified and qualified in self.external_clients:
            return self.external_clients[qualified]
        return self.imported(qualified, "name")

    def _injected_fixture(self, fn: Scope, param: Param) -> Optional[Scope]:
        """The pytest fixture of this module that pytest passes for ``param``: tests and fixtures
        are called by pytest, not by the project, and get the fixture of the parameter's name
        (`def ts(redis_client): return TimeSeries(redis_client)`).  A parameter with a default is
        not filled by pytest."""
        if param.default is not None or fn.parent is not self.scopes.module:
            return None
        is_test = fn.name.startswith("test") and (fn.class_name is None or fn.class_name.startswith("Test"))
        if not is_test and self._fixture_name(fn) is None:
            return None
        return self._fixtures().get(param.name)

    def _fixtures(self) -> Dict[str, Scope]:
        """Module-level pytest fixtures by the name tests ask for them (`@pytest.fixture(name=...)`)."""
        if self._fixture_scopes is None:
            self._fixture_scopes = {}
            for fn in self.scopes.module_functions.values():
                name = self._fixture_name(fn)
                if name is not None:
                    self._fixture_scopes.setdefault(name, fn)
        return self._fixture_scopes

    def fixture_decorator(self, fn: Scope) -> Optional[cst.BaseExpression]:
        """The `@pytest.fixture` (or pytest-asyncio's) decorator of a function, if it has one:
        the name, or the call with its arguments."""
        for decorator in fn.node.decorators if isinstance(fn.node, cst.FunctionDef) else ():
            expr = decorator.decorator
            if self.qualified(expr.func if isinstance(expr, cst.Call) else expr, self.scopes.module) \
                    in _FIXTURE_DECORATORS:
                return expr
        return None

    def _fixture_name(self, fn: Scope) -> Optional[str]:
        """The fixture name of a function decorated `@pytest.fixture` (or pytest-asyncio's)."""
        expr = self.fixture_decorator(fn)
        if expr is None:
            return None
        named = next((a.value for a in expr.args if a.keyword is not None and a.keyword.value == "name"),
                     None) if isinstance(expr, cst.Call) else None
        if named is None:
            return fn.name
        value = literal_value(named)
        return value if isinstance(value, str) else None

    def imported(self, qualified: Optional[str], how: str) -> Optional[ClientRef]:
        """An object imported from what may be another module of the project (RULES.md:
        "module-level clients imported from other modules of the same project").  One file
        cannot tell; the project index can, so the ref records the import in ``via``."""
        if not qualified:
            return None
        rest = qualified.lstrip(".")
        module, _, name = rest.rpartition(".")
        if not name or (not module and rest == qualified):
            return None  # `import settings`: a module object itself is never a client
        if rest == qualified and module.split(".", 1)[0] in _NOT_PROJECT:
            return None
        return ClientRef(ClientKind.CLIENT, source="import", via=f"{how}:{qualified}")

    def _attribute_client(self, node: cst.Attribute, scope: Scope, depth: int) -> Optional[ClientRef]:
        if node.attr.value == clients.HOLDER_ATTRIBUTE:
            ref = self._held_client(node.value, scope, depth)
            if ref is not None:
                return ref
        dotted = dotted_name(node)
        if dotted is not None:
            if dotted in self.client_names or node.attr.value in self.client_names:
                return ClientRef(ClientKind.CLIENT, source="config")
            base = node.value
            if isinstance(base, cst.Name):
                cls = self.class_of_instance(base.value, scope)
                if cls is not None:
                    return self.class_attr_client(cls, node.attr.value, depth)
                if base.value in self.scopes.classes:
                    return self.class_attr_client(base.value, node.attr.value, depth)
            ref = _best(self.client_of(value, self.scopes.module, depth)
                        for value in self.scopes.dotted_assigns.get(dotted, ()))
            if ref is not None:
                return ref
            qualified = self.qualified(node, scope)
            if qualified and qualified in self.external_clients:
                return self.external_clients[qualified]
            return self.imported(qualified, "name")
        return None

    def _held_client(self, holder: cst.BaseExpression, scope: Scope, depth: int) -> Optional[ClientRef]:
        """`queue.connection` of an rq Queue (Job, Worker ...): the client it holds.  When the
        holder comes from elsewhere in the project (an import, a parameter), the project index
        decides: ``via`` gets a `#connection` suffix, and links only if the object is a holder."""
        ref = self.client_of(holder, scope, depth)
        if ref is None:
            return None
        if ref.kind is ClientKind.HOLDER and ref.via is None:
            return ClientRef(ClientKind.CLIENT, is_async=ref.is_async, source="holder")
        if ref.via is not None and ref.kind in (ClientKind.CLIENT, ClientKind.HOLDER) and "#" not in ref.via:
            return ClientRef(ClientKind.CLIENT, is_async=ref.is_async, source="holder",
                             via=f"{ref.via}#{clients.HOLDER_ATTRIBUTE}")
        return None

    def class_of_instance(self, name: str, scope: Scope) -> Optional[str]:
        """The class whose instance ``name`` is: `self`/`cls` inside a method."""
        s: Optional[Scope] = scope
        while s is not None:
            if s.class_name is not None and s.self_name == name:
                return s.class_name
            if name in s.params or name in s.assigns:
                return None
            s = s.parent
        return None

    def annotated_class(self, name: str, scope: Scope) -> Optional[Tuple[str, str]]:
        """The class a parameter is annotated with (`credentials: "RedisDatabase"`, or
        `Optional[...]` of one): ("local", class of this module) or ("import", its qualified
        name); None for anything else (a union of classes, a builtin, an unannotated name)."""
        owner, how = self.lookup(name, scope)
        if how != "param":
            return None
        node = _unquoted(owner.params[name].annotation)
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) \
                and (self.qualified(node.value) or dotted_name(node.value) or "").rsplit(".", 1)[-1] == "Optional":
            node = _unquoted(node.slice[0].slice.value)
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        if isinstance(node, cst.Name) and node.value in self.scopes.classes:
            return "local", node.value
        qualified = self.qualified(node)
        return ("import", qualified) if qualified is not None and "." in qualified else None

    def class_attr_client(self, class_name: str, attr: str, depth: int) -> Optional[ClientRef]:
        """`self.<attr>` of ``class_name``: set, annotated or computed by a property in the class
        or one of its bases of this module, or by a base from another module of the project."""
        chain = list(self.class_chain(class_name))
        for info in chain:
            if attr in info.annotations:
                ref = self.annotation_client(info.annotations[attr])
                if ref is not None:
                    return ref
            ref = _best(self.client_of(value, owner, depth) for value, owner in info.attrs.get(attr, ()))
            if ref is not None:
                return ref
            method = info.methods.get(attr)
            if method is not None and {"property", "cached_property"} & set(method.decorators):
                # `self.redis` where `redis` is a (cached) property that builds or returns a client.
                ref = self.factory_client(method, depth)
                if ref is not None:
                    return ref
        if not any(_binds(info, attr) for info in chain):
            ref = self._mixed_in_attr_client(class_name, attr, depth)
            if ref is not None:
                return ref
        for _, qualified in self.foreign_bases(class_name):
            # The project index knows whether that module sets it (`attr:app.repos.BaseRepo.redis`).
            if qualified and qualified.lstrip(".").split(".", 1)[0] not in _NOT_PROJECT:
                return ClientRef(ClientKind.CLIENT, source="base-class", via=f"attr:{qualified}.{attr}")
        return None

    def _mixed_in_attr_client(self, class_name: str, attr: str, depth: int) -> Optional[ClientRef]:
        """`self.<attr>` of a mixin that never sets it: the attribute comes from the classes it is
        mixed into (`class PriorityStorage(PriorityQueueMixin, RedisStorage)`).  When every class
        of this module that derives from it and has the attribute gets a client there, so does
        the mixin; a subclass that sets it to something else makes it unknown."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return None
        refs = [self.class_attr_client(name, attr, depth + 1) for name in self.subclasses(class_name)
                if any(_binds(info, attr) for info in self.class_chain(name))]
        if not refs or any(ref is None for ref in refs):
            return None
        return _best(refs)

    def subclasses(self, class_name: str) -> List[str]:
        """The classes of this module that derive from ``class_name`` (worked out once)."""
        if self._derived is None:
            self._derived = {}
            for name in self.scopes.classes:
                for info in list(self.class_chain(name))[1:]:
                    self._derived.setdefault(info.name, []).append(name)
        return self._derived.get(class_name, [])

    def _call_client(self, node: cst.Call, scope: Scope, depth: int) -> Optional[ClientRef]:
        func = node.func
        qualified = self.qualified(func, scope)
        made = clients.constructor(qualified)
        if made is not None:
            kind, is_async = made
            return ClientRef(kind, is_async=is_async, source="constructor")
        if qualified in clients.LAZY_PROXIES:
            return self._proxied_client(node, scope, depth)
        if qualified in _CASTS:
            # `cast(RedisClient, self.storage)` returns its second argument unchanged (limits'
            # `get_connection()` casts its client to a Protocol of its own); the type it names is
            # the author's word, as an annotation is.
            values = positional_values(node)
            if len(values) != 2:
                return None
            return self.client_of(values[1], scope, depth) or self.annotation_client(values[0])
        if qualified in clients.HOLDER_TYPES or qualified in clients.HOLDER_SOURCES:
            return ClientRef(ClientKind.HOLDER, source="holder")
        made = self._module_attribute_constructor(func, scope) if qualified is None else None
        if made is not None:
            return ClientRef(made[0], is_async=made[1], source="constructor")
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in clients.SENTINEL_CLIENT_METHODS:
                sentinel = self.sentinel_of(func.value, scope, depth)
                if sentinel is not None:
                    return ClientRef(ClientKind.CLIENT, is_async=sentinel, source="sentinel")
                return None
            receiver = self.client_of(func.value, scope, depth)
            if receiver is not None:
                if method == "pipeline":
                    return ClientRef(ClientKind.PIPELINE, is_async=receiver.is_async,
                                     pipeline_id=self.pipeline_id(node),
                                     transactional=_transaction_flag(node), source="pipeline", via=receiver.via,
                                     cluster=receiver.kind is ClientKind.CLUSTER)
                if method == "json" and receiver.kind is not ClientKind.PIPELINE:
                    return ClientRef(ClientKind.JSON, is_async=receiver.is_async, source="json", via=receiver.via)
                if receiver.kind is ClientKind.PIPELINE and method in SIGNATURES and method not in {"execute", "reset"}:
                    return receiver  # chained pipeline calls return the pipeline
                if method in {"client", "get_client"}:
                    return receiver
                if method in clients.WALRUS_CONTAINERS and receiver.kind is ClientKind.CLIENT and node.args:
                    # `db.ZSet(key)`: only walrus clients have these methods.
                    self._containers.setdefault(id(node), (node.args[0].value, scope))
                    return ClientRef(ClientKind.CONTAINER, is_async=receiver.is_async, source="container",
                                     via=receiver.via, container_id=id(node))
                if method == "get_redis_connection" and receiver.kind is ClientKind.CLUSTER:
                    # `cluster.get_redis_connection(node)`: the plain client of one node.
                    return ClientRef(ClientKind.CLIENT, is_async=receiver.is_async, source="cluster-node",
                                     via=receiver.via)
                if receiver.via is not None and receiver.via.startswith("name:") and method not in SIGNATURES:
                    # `ext.get_redis()` with `ext` an imported module: a factory if `ext` exports one.
                    return self.imported(qualified, "call")
                return None
            # `self.get_redis()` / `Class.factory()` / `layer.get_connection(i)`: a method that
            # returns a client.
            cls = None
            if isinstance(func.value, cst.Name):
                cls = self.class_of_instance(func.value.value, scope) or (
                    func.value.value if func.value.value in self.scopes.classes else None)
                if cls is not None and self.class_of_instance(func.value.value, scope) is not None:
                    # `redis_class = redis.Redis` in the class body, then `self.redis_class(...)`.
                    info = self.scopes.classes.get(cls)
                    for value, _owner in (info.attrs.get(method, ()) if info else ()):
                        made = clients.constructor(self.qualified(value, self.scopes.module))
                        if made is not None:
                            return ClientRef(made[0], is_async=made[1], source="constructor")
            if cls is None:
                cls = self.instance_class(func.value, scope, depth)
            if cls is not None:
                method_scope = self._method(cls, method)
                if method_scope is not None:
                    return self.factory_client(method_scope, depth)
                if self.class_of_instance(func.value.value, scope) is not None if isinstance(func.value, cst.Name) else False:
                    # `self.connection_getter = lambda _: self.storage` ... `self.connection_getter(ro)`
                    return _best(self.client_of(value.body, owner, depth)
                                 for info in self.class_chain(cls) for value, owner in info.attrs.get(method, ())
                                 if isinstance(value, cst.Lambda))
            return None
        if isinstance(func, cst.Name):
            owner, how = self.lookup(func.value, scope)
            if how == "" and func.value in self.scopes.classes:
                typ = self.client_class(func.value)
                return ClientRef(typ[0], is_async=typ[1], source="constructor") if typ else None
            if how == "assign":
                # `factory = redis.Redis` ... `factory(...)`; `get = lambda: client` ... `get()`
                for value in owner.assigns[func.value]:
                    made = clients.constructor(self.qualified(value, owner))
                    if made is not None:
                        return ClientRef(made[0], is_async=made[1], source="constructor")
                    if isinstance(value, cst.Lambda):
                        ref = self.client_of(value.body, owner, depth)
                        if ref is not None:
                            return ref
            if how == "" and func.value in self.scopes.module_functions:
                fn = self.scopes.module_functions[func.value]
                if self.lazy_client(fn, depth) is not None:
                    return None  # a lazy proxy is the client itself; calling it is not a factory call
                return self.factory_client(fn, depth)
            if how == "" and qualified and qualified in self.external_clients:
                ref = self.external_clients[qualified]
                return ref if ref.source == "factory" else None
            if how == "":
                return self.imported(qualified, "call")
        return None

    def _module_attribute_constructor(self, func: cst.BaseExpression, scope: Scope):
        """`self.dependency.asyncio.Redis(...)`: a client class of a module object the instance
        loaded at run time.  Only through an attribute of `self`: a parameter named `redis` is
        whatever the caller passes."""
        dotted = dotted_name(func) or ""
        root, _, rest = dotted.partition(".")
        if "." not in rest or self.class_of_instance(root, scope) is None:
            return None
        return clients.dynamic_constructor(rest)

    def class_chain(self, class_name: str):
        """The class and its bases defined in this module, nearest first, each once."""
        seen: Set[str] = set()
        todo = [class_name]
        while todo:
            name = todo.pop(0)
            info = self.scopes.classes.get(name)
            if info is None or name in seen:
                continue
            seen.add(name)
            yield info
            todo.extend(base.rsplit(".", 1)[-1] for base in info.bases)

    def foreign_bases(self, class_name: str) -> Iterator[Tuple[str, Optional[str]]]:
        """The bases in the class's chain that no class of this module defines, nearest class
        first: each as written and qualified through the module's imports (None if it is not)."""
        for info in self.class_chain(class_name):
            for base in info.bases:
                if base.rsplit(".", 1)[-1] not in self.scopes.classes:
                    yield base, self.qualified_dotted(base)

    def qualified_dotted(self, dotted: str) -> Optional[str]:
        """A dotted name as written at module level (a class's base), qualified through imports."""
        return self.qualified(_dotted_expr(dotted), self.scopes.module)

    def _method(self, class_name: str, method: str) -> Optional[Scope]:
        return next((info.methods[method] for info in self.class_chain(class_name) if method in info.methods), None)

    def attribute_function(self, class_name: str, attr: str) -> Optional[str]:
        """The module-level function that a class-body attribute holds, when that is all it
        ever holds: `client_factory = make_client`, or a dataclass/attrs field's default
        (`client_factory: Callable = field(default=make_client)`).  `self.client_factory()`
        calls it on every object built without another one."""
        for info in self.class_chain(class_name):
            values = info.attrs.get(attr)
            if not values:
                continue
            found = {self._function_named(value) for value, _ in values}
            return found.pop() if len(found) == 1 else None
        return None

    def _function_named(self, value: cst.BaseExpression) -> Optional[str]:
        if isinstance(value, cst.Call) and self.qualified(value.func, self.scopes.module) in _FIELD_FACTORIES:
            value = next((a.value for a in value.args if a.keyword is not None and a.keyword.value == "default"), None)
        if isinstance(value, cst.Name) and value.value in self.scopes.module_functions:
            return value.value
        return None

    def factory_client(self, fn: Scope, depth: int) -> Optional[ClientRef]:
        """A function returns a client: by its return annotation or by what it returns."""
        if fn.return_annotation is not None:
            ref = self.annotation_client(fn.return_annotation)
            if ref is not None:
                return ClientRef(ref.kind, is_async=ref.is_async, source="factory")
        ref = _best(ref for ref in (self.client_of(value, fn, depth) for value in fn.returns)
                    if ref is not None and ref.kind is not ClientKind.PIPELINE)
        if ref is not None:
            return ClientRef(ref.kind, is_async=ref.is_async, source="factory", via=ref.via)
        return None

    def lazy_client(self, fn: Scope, depth: int) -> Optional[ClientRef]:
        """A function decorated with a lazy proxy (`@funcy.LazyObject`) names the object its body
        returns, built on first use: a client when the body returns one."""
        decorators = fn.node.decorators if isinstance(fn.node, cst.FunctionDef) else ()
        if not any(self.qualified(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator,
                                  self.scopes.module) in clients.LAZY_PROXIES for d in decorators):
            return None
        ref = self.factory_client(fn, depth)
        return ClientRef(ref.kind, is_async=ref.is_async, source="lazy", via=ref.via) if ref else None

    def _proxied_client(self, node: cst.Call, scope: Scope, depth: int) -> Optional[ClientRef]:
        """`SimpleLazyObject(get_redis)` / `LocalProxy(lambda: make())`: the proxy forwards to what
        calling its first argument returns."""
        args = positional_values(node)
        if not args:
            return None
        target = args[0]
        if isinstance(target, cst.Lambda):
            ref = self.client_of(target.body, scope, depth)
        elif isinstance(target, (cst.Name, cst.Attribute)):
            ref = self._call_client(cst.Call(func=target), scope, depth)
        else:
            ref = None
        if ref is None or ref.kind is ClientKind.PIPELINE:
            return None
        return ClientRef(ref.kind, is_async=ref.is_async, source="lazy", via=ref.via)

    def sentinel_of(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Optional[bool]:
        """Whether ``node`` is a Sentinel (returns its is_async), else None."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return None
        if isinstance(node, cst.Call):
            q = self.qualified(node.func, scope) or self.class_alias(node.func, scope)
            return clients.SENTINELS.get(q) if q else None
        if isinstance(node, cst.Name):
            owner, how = self.lookup(node.value, scope)
            if how == "assign":
                for value in owner.assigns[node.value]:
                    found = self.sentinel_of(value, owner, depth + 1)
                    if found is not None:
                        return found
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            cls = self.class_of_instance(node.value.value, scope)
            if cls is not None:
                for value, owner in self.scopes.classes[cls].attrs.get(node.attr.value, ()):
                    found = self.sentinel_of(value, owner, depth + 1)
                    if found is not None:
                        return found
        return None

    def _untyped(self, annotation: cst.BaseExpression) -> bool:
        """`Any` / `object` say nothing about what a parameter holds."""
        name = self.qualified(annotation) or dotted_name(annotation) or ""
        return name.rsplit(".", 1)[-1] in {"Any", "object"}

    def annotated_element(self, annotation: cst.BaseExpression) -> Optional[ClientRef]:
        """The client type a container annotation holds: `dict[str, Redis]`, `list[Redis]`."""
        annotation = _unquoted(annotation)
        if not isinstance(annotation, cst.Subscript) or not annotation.slice:
            return None
        base = (self.qualified(annotation.value) or dotted_name(annotation.value) or "").rsplit(".", 1)[-1]
        if base in {"Optional", "Union"}:
            for el in annotation.slice:
                if isinstance(el.slice, cst.Index):
                    found = self.annotated_element(el.slice.value)
                    if found is not None:
                        return found
            return None
        mapping = base.lower() in {"dict", "mapping", "mutablemapping", "defaultdict", "ordereddict"}
        element = annotation.slice[-1] if mapping else annotation.slice[0]
        if base.lower() not in {"dict", "mapping", "mutablemapping", "defaultdict", "ordereddict", "list",
                                "sequence", "iterable", "set", "frozenset", "tuple", "collection"}:
            return None
        if not isinstance(element.slice, cst.Index):
            return None
        ref = self.annotation_client(element.slice.value)
        return ref if ref is not None and ref.kind is not ClientKind.PIPELINE else None

    def annotation_client(self, node: cst.BaseExpression) -> Optional[ClientRef]:
        node = _unquoted(node)
        if node is None:
            return None
        if isinstance(node, cst.Subscript):
            base = self.qualified(node.value) or dotted_name(node.value) or ""
            if base.rsplit(".", 1)[-1] in {"Optional", "Union", "Annotated"}:
                for el in node.slice:
                    if isinstance(el.slice, cst.Index):
                        ref = self.annotation_client(el.slice.value)
                        if ref is not None:
                            return ref
                return None
            return self.annotation_client(node.value)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return self.annotation_client(node.left) or self.annotation_client(node.right)
        qualified = self.qualified(node)
        typ = clients.client_type(qualified)
        if typ is None:
            return self._alias_client(node)
        kind, is_async = typ
        cluster = kind is ClientKind.PIPELINE and (qualified or "").endswith("ClusterPipeline")
        return ClientRef(kind, is_async=is_async, source="annotation", cluster=cluster)

    def _alias_client(self, node: cst.BaseExpression) -> Optional[ClientRef]:
        """A module-level type alias: `if TYPE_CHECKING: client_t = Redis else: client_t = Any`.
        The type checker's binding names the type; the run-time fallback (`Any`) says nothing."""
        if not isinstance(node, cst.Name) or node.value in self._aliases_open:
            return None
        self._aliases_open.add(node.value)
        try:
            return next(filter(None, (self.annotation_client(value)
                                      for value in self.scopes.module.assigns.get(node.value, ()))), None)
        finally:
            self._aliases_open.discard(node.value)

    # --- keys ----------------------------------------------------------------------------
    def key_of(self, node: cst.BaseExpression, scope: Scope) -> KeyPattern:
        parts = self.key_parts(node, scope, 0)
        expr = self.key_expr(node, scope)
        if parts is None:
            named = self._entity_id_key(node, scope)
            if named is not None:
                return KeyPattern(text=f"{{{named}}}", known=True, dynamic=True, expr=expr)
            return KeyPattern(text=expr, known=False, dynamic=False, expr=expr,
                              caller_named=self.caller_named_key(node, scope))
        text = "".join(p if isinstance(p, str) else "{}" for p in parts)
        has_constant = any(isinstance(p, str) and p for p in parts)
        # A per-entity key names its kind before the varying part (`user:{}`); a key that starts
        # with the varying part (`{}:hash`, `{prefix}:{key}`) is a caller's key or namespace
        # passed through, whose number the code does not decide.
        dynamic = any(isinstance(p, Hole) and p.entity for p in parts[1:]) and any(
            isinstance(p, str) and _HAS_WORD.search(p) for p in parts[:-1])
        if isinstance(parts[0], Hole) and not any(isinstance(p, Hole) and p.entity for p in parts[2:]):
            dynamic = False
        return KeyPattern(text=text, known=has_constant, dynamic=dynamic, expr=expr)

    def caller_named_key(self, node: cst.BaseExpression, scope: Scope) -> bool:
        """`self.key` of a class whose (nearest) binding of that attribute only ever stores a
        parameter of the constructor, as given and with no default: the key its caller names."""
        if not isinstance(node, cst.Attribute) or not isinstance(node.value, cst.Name):
            return False
        cls = self.class_of_instance(node.value.value, scope)
        attr = node.attr.value
        info = next((i for i in self.class_chain(cls) if _binds(i, attr)), None) if cls else None
        values = info.attrs.get(attr, []) if info is not None else []
        return bool(values) and all(self._constructor_parameter(value, owner) for value, owner in values)

    def _constructor_parameter(self, value: cst.BaseExpression, owner: Scope) -> bool:
        """``value`` is a parameter of the `__init__` it is stored in, not rebound there, with no
        default (a default names a key of the class's own)."""
        if not isinstance(value, cst.Name) or owner.name != "__init__" or owner.class_name is None:
            return False
        param = owner.params.get(value.value)
        return param is not None and not param.star and param.default is None \
            and param.name != owner.self_name and param.name not in owner.assigns

    def container_key(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple[cst.BaseExpression, Scope]]:
        """`results.key` of a walrus container `results = db.ZSet(k)`: `k`, and where it is written."""
        if not isinstance(node, cst.Attribute) or node.attr.value != "key":
            return None
        ref = self.client_of(node.value, scope)
        if ref is None or ref.kind is not ClientKind.CONTAINER:
            return None
        return self._containers.get(ref.container_id)

    def _entity_id_key(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        """`r.set(lock.conversation_id, ...)`: a key that is an entity's id attribute names what it
        is by the attribute, as `conversation:{}` would: one key per conversation.  Returns the
        attribute name (the key pattern is `{conversation_id}`).  `self.id` is left to the key's
        own class; a bare parameter (`key`) is a caller's key and stays unknown."""
        if isinstance(node, cst.Name) and depth < _MAX_DEPTH:
            # `job_id = job.id` ... `r.setex(job_id, ...)`: the same key, through a local name.
            owner, how = self.lookup(node.value, scope)
            if how != "assign":
                return None
            names = {self._entity_id_key(v, owner, depth + 1) for v in owner.assigns[node.value]}
            return names.pop() if len(names) == 1 else None
        if not isinstance(node, cst.Attribute) or not _ENTITY_ATTRIBUTE.search(node.attr.value):
            return None
        root = _chain_root(node)
        if not isinstance(root, cst.Name) or self.class_of_instance(root.value, scope) is not None:
            return None
        owner, how = self.lookup(root.value, scope)
        if how == "" or _namespace_chain(node):
            return None  # an imported module's or settings' attribute is configuration
        return node.attr.value

    def key_expr(self, node: cst.BaseExpression, scope: Scope) -> str:
        """Source text of a key, following a local name bound exactly once."""
        bound = self.container_key(node, scope)
        if bound is not None:
            return self.key_expr(*bound)
        if isinstance(node, cst.Name):
            owner, how = self.lookup(node.value, scope)
            if how == "assign" and owner is scope and len(owner.assigns[node.value]) == 1:
                return self.code(owner.assigns[node.value][0])
        return self.code(node)

    @_memoized
    def key_parts(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Optional[List[Part]]:
        """The constant and dynamic parts of a key expression, or None if it is opaque."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return None
        d = depth + 1
        if isinstance(node, cst.SimpleString):
            value = literal_value(node)  # not `evaluated_value`: `"\N{bogus}"` parses but cannot be evaluated
            if value is _NO_VALUE:
                return None
            return [value.decode("latin-1") if isinstance(value, bytes) else value]
        if isinstance(node, cst.ConcatenatedString):
            left = self.key_parts(node.left, scope, d)
            right = self.key_parts(node.right, scope, d)
            return None if left is None or right is None else left + right
        if isinstance(node, cst.FormattedString):
            parts: List[Part] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(part.value.replace("{{", "{").replace("}}", "}"))
                elif isinstance(part, cst.FormattedStringExpression):
                    parts.extend(self._sub_parts(part.expression, scope, d))
            return parts
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                left = self.key_parts(node.left, scope, d)
                right = self.key_parts(node.right, scope, d)
                if left is None and right is None:
                    return None
                return (left or [Hole(self.is_entity(node.left, scope))]) + (
                    right or [Hole(self.is_entity(node.right, scope))])
            if isinstance(node.operator, cst.Modulo):
                template = self.key_parts(node.left, scope, d)
                if template is None or not all(isinstance(p, str) for p in template):
                    return None
                operands = node.right.elements if isinstance(node.right, cst.Tuple) else None
                entities = [self.is_entity(e.value, scope) for e in operands] if operands is not None else [
                    self.is_entity(node.right, scope)]
                return _split_template("".join(template), re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]"),
                                       entities)
        if isinstance(node, cst.Call):
            return self._call_key_parts(node, scope, d)
        if isinstance(node, cst.Name):
            owner, how = self.lookup(node.value, scope)
            bound = self._bound_argument(owner, how, node.value)
            if bound is not None:
                return self.key_parts(bound[0], bound[1], d)
            if how == "assign":
                return self._same_parts([(v, owner) for v in owner.assigns[node.value]], d)
            if how == "opaque" and node.value in owner.iterates and all(
                    self._key_listing(it, owner) for it in owner.iterates[node.value]):
                # `for key in r.scan_iter("session:*")`: each key matches the pattern.
                return self._same_parts([(it, owner) for it in owner.iterates[node.value]], d)
            return None
        bound = self.container_key(node, scope)
        if bound is not None:
            return self.key_parts(bound[0], bound[1], d)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            # `self.stats_key`, set once in `__init__` or computed by a `@property`.
            cls = self.class_of_instance(node.value.value, scope)
            info = self.scopes.classes.get(cls) if cls else None
            if info is None:
                return None
            values = info.attrs.get(node.attr.value, [])
            if values:
                return self._same_parts(values, d)
            method = self._method(cls, node.attr.value)
            if method is not None and "property" in "".join(method.decorators) and len(method.returns) == 1:
                return self.key_parts(method.returns[0], method, d)
        return None

    def _same_parts(self, values, depth: int) -> Optional[List[Part]]:
        """The parts every one of several bindings gives, when they agree."""
        candidates = [self.key_parts(v, owner, depth) for v, owner in values]
        if candidates and all(c is not None for c in candidates) and all(
                _pattern_text(c) == _pattern_text(candidates[0]) for c in candidates):
            return candidates[0]
        return None

    def _bound_argument(self, owner: Optional[Scope], how: str, name: str):
        """While a key builder is expanded for one call: the argument its parameter receives."""
        if how != "param" or owner is None:
            return None
        return self._bindings.get((id(owner), name))

    def _sub_parts(self, node: cst.BaseExpression, scope: Scope, depth: int) -> List[Part]:
        """Parts of an expression embedded in a key: constant when it resolves to one, else a hole."""
        parts = self.key_parts(node, scope, depth)
        if parts is not None and all(isinstance(p, str) for p in parts):
            return parts
        literal = self.constant_of(node, scope)
        if isinstance(literal, (int, str)) and not isinstance(literal, bool):
            return [str(literal)]
        if parts is not None:
            return parts
        return [Hole(self.is_entity(node, scope))]

    def _key_listing(self, node: cst.BaseExpression, scope: Scope) -> Optional[cst.BaseExpression]:
        """`r.keys(pattern)` / `r.scan_iter(pattern)`: the glob pattern the keys it returns match."""
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        param = _KEY_LISTINGS.get(node.func.attr.value)
        if param is None or self.client_of(node.func.value, scope) is None:
            return None
        for i, arg in enumerate(node.args):
            if (arg.keyword is None and i == 0 and not arg.star) or (arg.keyword and arg.keyword.value == param):
                return arg.value
        return None

    def _call_key_parts(self, node: cst.Call, scope: Scope, depth: int) -> Optional[List[Part]]:
        func = node.func
        pattern = self._key_listing(node, scope)
        if pattern is not None:
            # The keys KEYS/SCAN return match the glob: `conj:{}:*` names `conj:{}:{}` keys, the
            # `*` standing for whatever varies per key.
            parts = self.key_parts(pattern, scope, depth)
            return _glob_parts(parts) if parts is not None else None
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            template = self.key_parts(func.value, scope, depth)
            if template is None or not all(isinstance(p, str) for p in template):
                return None
            positional = [self.is_entity(a.value, scope) for a in node.args if a.keyword is None and not a.star]
            keywords = {a.keyword.value: self.is_entity(a.value, scope) for a in node.args if a.keyword is not None}
            return _split_format("".join(template), positional, keywords)
        if isinstance(func, cst.Attribute) and func.attr.value == "join" and len(node.args) == 1:
            sep = self.key_parts(func.value, scope, depth)
            seq = node.args[0].value
            if sep is None or not isinstance(seq, (cst.List, cst.Tuple)):
                return None
            out: List[Part] = []
            for i, el in enumerate(seq.elements):
                if i:
                    out.extend(sep)
                out.extend(self._sub_parts(el.value, scope, depth))
            return out
        if isinstance(func, cst.Name) and func.value == "str" and len(node.args) == 1:
            return self.key_parts(node.args[0].value, scope, depth)
        if isinstance(func, cst.Attribute) and func.attr.value in {"encode", "decode"}:
            return self.key_parts(func.value, scope, depth)
        # A key-builder function of this module: `def _key(uid): return f"user:{uid}"`.
        builder = self._key_builder(func, scope)
        if builder is not None and len(builder.returns) == 1:
            # Expand the builder with its parameters bound to this call's arguments, so that
            # `self.namespace("stats")` is `saq:{}:stats` and a parameter fed a uuid is dynamic.
            params = sorted((p for p in builder.params.values() if not p.star and p.index >= 0), key=lambda p: p.index)
            if builder.self_name is not None and isinstance(func, cst.Attribute):
                params = params[1:]
            bindings = {}
            for i, arg in enumerate(a for a in node.args if a.keyword is None and not a.star):
                if i < len(params):
                    bindings[(id(builder), params[i].name)] = (arg.value, scope)
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in builder.params:
                    bindings[(id(builder), arg.keyword.value)] = (arg.value, scope)
            saved = dict(self._bindings)
            self._bindings.update(bindings)
            try:
                return self.key_parts(builder.returns[0], builder, depth)
            finally:
                self._bindings = saved
        return None

    def _key_builder(self, func: cst.BaseExpression, scope: Scope) -> Optional[Scope]:
        if isinstance(func, cst.Name):
            owner, how = self.lookup(func.value, scope)
            if how == "":
                return self.scopes.module_functions.get(func.value)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            cls = self.class_of_instance(func.value.value, scope)
            if cls is not None:
                return self._method(cls, func.attr.value)
        return None

    @_memoized
    def is_entity(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether a dynamic key part varies per entity (a parameter, a request value, an id, a
        uuid, a timestamp) rather than naming a namespace: module settings and constants,
        `self.prefix`, `settings.X`, environment look-ups."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return False
        d = depth + 1
        if isinstance(node, cst.Name):
            name = node.value
            if name.isupper():
                return False
            owner, how = self.lookup(name, scope)
            bound = self._bound_argument(owner, how, name)
            if bound is not None:
                return self.is_entity(bound[0], bound[1], d)
            if how == "param":
                return name != owner.self_name
            if how == "opaque":
                return owner is not self.scopes.module
            if how == "assign":
                if owner is self.scopes.module:
                    return False
                return any(self.is_entity(v, owner, d) for v in owner.assigns[name])
            return False  # imported or builtin names are configuration, not data
        if isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                    and _ENTITY_ATTRIBUTE.search(node.attr.value) \
                    and self.class_of_instance(node.value.value, scope) is not None:
                # `self.id`, `self.order_id` in a method of a model/entity class: one key per
                # instance, though `self.prefix`-like attributes of the same object are not.
                return True
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                    and self._minted_attribute(node.value.value, node.attr.value, scope):
                return True
            if _namespace_chain(node):
                return False
            if isinstance(node, cst.Attribute) and node.attr.value.isupper():
                return False
            root = _chain_root(node)
            if isinstance(node, cst.Call) and not isinstance(node.func, cst.Attribute) and root is not None:
                # A plain function call: `current_user_id()`, `uuid4()`, `int(x)`.
                return True
            if isinstance(root, cst.Name):
                owner, how = self.lookup(root.value, scope)
                if how == "" and root.value in self.scopes.imports and not isinstance(node, cst.Call):
                    # `request.args["id"]`, `current_user.id`, `g.user_id`: request-scoped proxies
                    # hold per-request data; `settings.X` was caught above.
                    return True
                if how == "":
                    return isinstance(node, cst.Call)  # `uuid.uuid4().hex`, `time.time()`
                return self.is_entity(root, scope, d) or isinstance(node, cst.Call)
            return True
        if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)):
            return False
        return any(self.is_entity(child, scope, d) for child in node.children
                   if isinstance(child, cst.BaseExpression))

    def _minted_attribute(self, name: str, attr: str, scope: Scope) -> bool:
        """`self.name = name or uuid4().hex`: an attribute that may hold an id generated for each
        instance is one value per entity, whatever the attribute is called."""
        cls = self.class_of_instance(name, scope)
        if cls is None:
            return False
        return any(self._mints_id(value, owner) for info in self.class_chain(cls)
                   for value, owner in info.attrs.get(attr, ()))

    def _mints_id(self, node: cst.CSTNode, scope: Scope, depth: int = 0) -> bool:
        """The expression calls a generator of unique ids (`uuid.uuid4()`, `secrets.token_hex()`)."""
        if depth > _MAX_DEPTH or isinstance(node, cst.Lambda):
            return False
        if isinstance(node, cst.Call):
            qualified = self.qualified(node.func, scope) or ""
            if qualified.startswith("uuid.uuid") or qualified.startswith("secrets.token_"):
                return True
        return any(self._mints_id(child, scope, depth + 1) for child in node.children)

    # --- constants -----------------------------------------------------------------------
    @_memoized
    def constant_of(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Any:
        """The literal value of an expression, through names bound to one literal; else None."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return None
        lit = literal_value(node)
        if lit is not _NO_VALUE:
            return lit
        if isinstance(node, cst.Name):
            owner, how = self.lookup(node.value, scope)
            bound = self._bound_argument(owner, how, node.value)
            if bound is not None:
                return self.constant_of(bound[0], bound[1], depth + 1)
            if how == "assign":
                values = {repr(self.constant_of(v, owner, depth + 1)) for v in owner.assigns[node.value]}
                if len(values) == 1:
                    return self.constant_of(owner.assigns[node.value][0], owner, depth + 1)
            if how == "param":
                default = owner.params[node.value].default
                if default is not None:
                    lit = literal_value(default)
                    return None if lit is _NO_VALUE else lit
        return None


    @_memoized
    def possible_constants(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Tuple[Tuple[Any, Optional[str]], ...]:
        """The literals an expression may evaluate to on some path (see Value.possible), each
        with the parameter whose default it is (None for a literal in the code)."""
        if depth > _MAX_DEPTH:
            self._cutoffs += 1
            return ()
        d = depth + 1
        lit = literal_value(node)
        if lit is not _NO_VALUE:
            return ((lit, None),)
        if isinstance(node, cst.Name):
            owner, how = self.lookup(node.value, scope)
            if how == "assign":
                out: Tuple[Tuple[Any, Optional[str]], ...] = ()
                for value in owner.assigns[node.value]:
                    out += self.possible_constants(value, owner, d)
                return out
            if how == "param":
                default = owner.params[node.value].default
                lit = literal_value(default) if default is not None else _NO_VALUE
                return () if lit is _NO_VALUE else ((lit, node.value),)
            return ()
        if isinstance(node, cst.IfExp):
            return self.possible_constants(node.body, scope, d) + self.possible_constants(node.orelse, scope, d)
        if isinstance(node, cst.BooleanOperation):
            return self.possible_constants(node.left, scope, d) + self.possible_constants(node.right, scope, d)
        return ()


_NO_VALUE = object()


def _binds(info: ClassInfo, attr: str) -> bool:
    """The class itself sets, annotates or computes ``attr``."""
    return attr in info.attrs or attr in info.annotations or attr in info.methods


def positional_values(call: cst.Call) -> List[cst.BaseExpression]:
    """The values of a call's plain positional arguments (not `*args`, not keywords)."""
    return [a.value for a in call.args if a.keyword is None and not a.star]


def literal_value(node: cst.BaseExpression) -> Any:
    if isinstance(node, cst.SimpleString):
        try:
            return node.evaluated_value
        except Exception:
            return _NO_VALUE
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_value(node.left), literal_value(node.right)
        if (isinstance(left, str) and isinstance(right, str)) or (isinstance(left, bytes) and isinstance(right, bytes)):
            return left + right
        return _NO_VALUE
    if isinstance(node, cst.Integer):
        return node.evaluated_value
    if isinstance(node, cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in {"True", "False", "None"}:
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal_value(node.expression)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
    return _NO_VALUE


# A constant part that names something (`user:`), not only a separator (`:`).
_HAS_WORD = re.compile(r"[A-Za-z]")

# Attribute names that identify one entity: `id`, `pk`, `uuid`, `user_id` ...
_ENTITY_ATTRIBUTE = re.compile(r"^(id|pk|uuid|uid|guid)$|_(id|pk|uuid|uid)$", re.I)
_NAMESPACE_ROOTS = {"self", "cls", "settings", "config", "conf", "app", "os", "current_app", "django_settings"}
_NAMESPACE_WORDS = re.compile(r"prefix|namespace|environ|getenv|hostname|gethostname|version|app_name", re.I)


def _chain_root(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node


def _namespace_chain(node: cst.BaseExpression) -> bool:
    """`self.prefix`, `settings.REDIS_PREFIX`, `os.environ["X"]`, `self.key_prefix()`."""
    root = _chain_root(node)
    if isinstance(root, cst.Name) and root.value in _NAMESPACE_ROOTS:
        return True
    text = dotted_name(node.func if isinstance(node, cst.Call) else node) or ""
    return bool(_NAMESPACE_WORDS.search(text))


def _transaction_flag(call: cst.Call) -> bool:
    """`pipeline(transaction=False)` is not atomic; the default is MULTI/EXEC."""
    for i, arg in enumerate(call.args):
        if (arg.keyword is not None and arg.keyword.value == "transaction") or (arg.keyword is None and i == 0):
            lit = literal_value(arg.value)
            return bool(lit) if lit is not _NO_VALUE else True
    return True


_KEY_LISTINGS = {"keys": "pattern", "scan_iter": "match"}


def _glob_parts(parts: List[Part]) -> List[Part]:
    out: List[Part] = []
    for part in parts:
        if not isinstance(part, str) or "*" not in part:
            out.append(part)
            continue
        for i, piece in enumerate(part.split("*")):
            if i:
                out.append(Hole(True))
            if piece:
                out.append(piece)
    return out


def _pattern_text(parts: List[Part]) -> str:
    return "".join(p if isinstance(p, str) else ("{E}" if p.entity else "{N}") for p in parts)


def _split_template(template: str, placeholder: "re.Pattern[str]", entities: List[bool]) -> List[Part]:
    parts: List[Part] = []
    pos = 0
    index = 0
    for m in placeholder.finditer(template):
        parts.append(template[pos:m.start()])
        if m.group(0) == "%%":
            parts.append("%")
        else:
            parts.append(Hole(entities[index] if index < len(entities) else any(entities)))
            index += 1
        pos = m.end()
    parts.append(template[pos:])
    return [p for p in parts if p != ""]


def _split_format(template: str, positional: List[bool], keywords: Dict[str, bool]) -> List[Part]:
    parts: List[Part] = []
    pos = 0
    auto = 0
    for m in re.finditer(r"\{\{|\}\}|\{([^{}!:]*)(?:![rsa])?(?::[^{}]*)?\}", template):
        parts.append(template[pos:m.start()])
        text = m.group(0)
        if text in {"{{", "}}"}:
            parts.append(text[0])
        else:
            field_name = (m.group(1) or "").split(".", 1)[0].split("[", 1)[0]
            if field_name == "":
                entity = positional[auto] if auto < len(positional) else any(positional)
                auto += 1
            elif field_name.isdigit():
                i = int(field_name)
                entity = positional[i] if i < len(positional) else any(positional)
            else:
                entity = keywords.get(field_name, any(keywords.values()))
            parts.append(Hole(entity))
        pos = m.end()
    parts.append(template[pos:])
    return [p for p in parts if p != ""]
