"""One libcst parse of a file → its ModuleModel (see DESIGN.md, "extract").

Pass one (``scopes``) collects bindings; pass two, here, walks the tree once with positions and
records every Redis call on a known client: arguments bound to redis-py's signature, keys
normalised to patterns, and the context rules need (function, loop, try, statement, how the
result is used, pipeline).
"""
from __future__ import annotations

import ast
import re
import weakref
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..diagnostics import Position, Span
from ..gcpause import collector_paused
from . import clients
from .caches import CacheFacts
from .constructions import Arguments, Constructions, is_super_init
from .guards import reads_state
from .holders import HolderFacts
from .loops import LoopFacts
from .uses import closed_names, looped_names
from .command_table import KEY_PARAMS, SIGNATURES
from .commands import key_effects, lua_calls, lua_commands, method_for_raw, script_sha
from .module import (ClientArgument, ClientKind, ClientRef, ClientSite, Deserialisation, FileRead, FunctionCallSite,
                     FunctionInfo, KeyPattern, ModuleModel, RedisCall, ScriptRun, ScriptSource, StatementRef, Value)
from .origins import OriginFinder
from .positions import Positions
from .resolve import Resolver, literal_value, _NO_VALUE
from .scopes import ModuleScopes, Scope, collect_scopes, dotted_name
from .scripts import ScriptFinder
from .walk import Walker, walk

# Methods on non-Redis receivers that write to a durable store (RL501), by the kind of receiver
# that makes them one.
_ORM_WRITES = {"save", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
_QUERYSET_WRITES = {"create", "update", "delete", "insert"}
_SESSION_WRITES = {"add", "add_all", "commit", "execute", "executemany", "merge", "flush", "execute_many"}
_DOCUMENT_WRITES = {"insert_one", "insert_many", "update_one", "update_many", "replace_one", "put_item", "bulk_write"}
# Deserialisers that run code chosen by whoever wrote the bytes.
_CODE_RUNNING_LOADS = {"pickle.loads", "cPickle.loads", "_pickle.loads", "dill.loads", "cloudpickle.loads"}
# Slow calls for RL604: HTTP clients (by qualified name), ORM reads on a manager or query
# (`Product.objects.filter`, `User.query.get`), SQL on a session/connection/cursor.
_HTTP_MODULES = ("requests.", "httpx.", "urllib.request.urlopen", "urllib3.")
_ORM_READS = {"get", "filter", "all", "exclude", "aggregate", "annotate", "count", "values", "values_list",
              "order_by", "select_related", "prefetch_related", "first", "last", "raw", "filter_by", "get_or_404"}
_SQL_CALLS = {"query", "execute", "scalars", "scalar", "fetch", "fetchrow", "fetchval"}
_SESSION_WORDS = ("session", "db", "conn", "cursor", "engine", "tx", "database", "cur")
_QUERYSET_WORDS = ("objects", "query", "session", "db", "repo", "table", "model")


def _syntax_error_model(path: str, text: str, err: cst.ParserSyntaxError) -> ModuleModel:
    """CPython's own parser names a syntax error's place and cause more precisely than libcst."""
    try:
        compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as py_err:
        line = py_err.lineno or 1
        column = max((py_err.offset or 1) - 1, 0)
        return ModuleModel(path=path, error=f"syntax error: {py_err.msg}", error_position=Position(line, column))
    except (ValueError, RecursionError, MemoryError):
        pass
    return ModuleModel(path=path, error=f"syntax not supported by libcst: {parse_error_message(err)}",
                       error_position=parse_error_position(err))


def parse_error_position(err: cst.ParserSyntaxError) -> Optional[Position]:
    try:
        return Position(err.editor_line, max(err.editor_column - 1, 0))
    except Exception:  # libcst computes these lazily from the source; never fail on them
        return None


def parse_error_message(err: cst.ParserSyntaxError) -> str:
    """libcst's message without its own prefix: "parser error: error at 3:0: expected ..."."""
    message = (getattr(err, "message", "") or str(err)).strip().splitlines()[0] if str(err).strip() else ""
    message = re.sub(r"^(parser error: )?(error at \d+:\d+: )?", "", message)
    return message or "invalid syntax"


def extract(path: str, text: str, client_names: Sequence[str] = (),
            external_clients: Optional[Dict[str, ClientRef]] = None) -> ModuleModel:
    """Parse ``text`` once and return its Redis model; syntax errors become ``model.error``."""
    # A syntax tree: many objects, no cycles (see gcpause); nothing here may form a cycle with
    # it, or every tree waits for a full collection to be freed (tests/test_walk_positions.py).
    with collector_paused():
        return _extract(path, text, client_names, external_clients)


def _extract(path: str, text: str, client_names: Sequence[str],
             external_clients: Optional[Dict[str, ClientRef]]) -> ModuleModel:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as err:
        return _syntax_error_model(path, text, err)
    except (RecursionError, MemoryError, ValueError, cst.CSTValidationError) as err:  # pathological input
        return ModuleModel(path=path, error=f"cannot parse: {type(err).__name__}")
    scopes = collect_scopes(module)
    resolver = Resolver(scopes, client_names, external_clients)
    positions = Positions(module, text)
    extractor = CallExtractor(path, scopes, resolver, positions)
    Walker(extractor).walk_module(module, positions.top_statement)
    model = extractor.model
    # Chained calls are visited outermost first; "before"/"after" is source order of the
    # method names, which is also execution order for chains.
    # Pending calls are numbered with the others: the project index may merge them in.
    every = sorted(model.calls + model.pending_calls, key=lambda c: (c.name_span.start.line, c.name_span.start.column))
    for i, call in enumerate(every, 1):
        call.order = i
    model.calls = [c for c in every if c.client.via is None]
    model.pending_calls = [c for c in every if c.client.via is not None]
    model.exported_clients = _exports(scopes, resolver)
    model.exported_scripts = _exported_scripts(scopes, extractor.scripts)
    model.class_bases = _class_bases(scopes, resolver)
    return model


def _class_bases(scopes: ModuleScopes, resolver: Resolver) -> Dict[str, Tuple[str, ...]]:
    """Each class of the module with its bases: `local:Name` for a class of the module, else
    the name qualified through the imports (a base we cannot name is left out)."""
    out: Dict[str, Tuple[str, ...]] = {}
    for name, info in scopes.classes.items():
        bases = []
        for base in info.bases:
            if base in scopes.classes:
                bases.append(f"local:{base}")
            else:
                qualified = resolver.qualified_dotted(base)
                if qualified is not None:
                    bases.append(qualified)
        out[name] = tuple(bases)
    return out


def _exports(scopes: ModuleScopes, resolver: Resolver) -> Dict[str, ClientRef]:
    """Module-level names bound to a client, and module-level client factories, for other
    modules of the project (`from app.ext import redis_client, get_redis`)."""
    out: Dict[str, ClientRef] = {}
    module = scopes.module
    for name in module.assigns:
        if not name.isidentifier():
            continue  # `clients[]`: the elements of a container, not a name
        ref = resolver.client_of(cst.Name(name), module)
        if ref is not None and ref.via is None and ref.kind in (ClientKind.CLIENT, ClientKind.CLUSTER, ClientKind.HOLDER):
            out[name] = ClientRef(ref.kind, is_async=ref.is_async, source="import")
    for name, fn in scopes.module_functions.items():
        lazy = resolver.lazy_client(fn, 0)
        if lazy is not None:  # `@LazyObject def redis_client()`: the name is a client, not a factory
            if lazy.via is None and lazy.kind in (ClientKind.CLIENT, ClientKind.CLUSTER):
                out.setdefault(name, ClientRef(lazy.kind, is_async=lazy.is_async, source="import"))
            continue
        ref = resolver.factory_client(fn, 0)
        if ref is not None and ref.via is None and name not in out:
            out[name] = ref
    # Classes deriving from a client type: calling them builds a client (`ArqRedis(...)`).
    for class_name in scopes.classes:
        typ = resolver.client_class(class_name)
        if typ is not None:
            out.setdefault(class_name, ClientRef(typ[0], is_async=typ[1], source="factory"))
    # Class attributes holding a client, for subclasses in other modules (`BaseRepo.redis`).
    for class_name, info in scopes.classes.items():
        for attr in sorted(a for a in set(info.attrs) | set(info.annotations) if a.isidentifier()):
            ref = resolver.class_attr_client(class_name, attr, 0)
            if ref is not None and ref.via is None and ref.kind in (ClientKind.CLIENT, ClientKind.CLUSTER, ClientKind.HOLDER):
                out[f"{class_name}.{attr}"] = ClientRef(ref.kind, is_async=ref.is_async, source="import")
    return out


def _exported_scripts(scopes: ModuleScopes, scripts: ScriptFinder) -> Dict[str, ScriptSource]:
    """Module-level names and class attributes bound (once) to a script, for other modules that
    import them or subclass the class (`self.SCRIPT` set by a base class of another module)."""
    out: Dict[str, ScriptSource] = {}
    module = scopes.module
    bindings = [(name, values[0], module) for name, values in module.assigns.items()
                if name.isidentifier() and len(values) == 1]
    bindings += [(f"{cls}.{attr}", values[0][0], values[0][1]) for cls, info in scopes.classes.items()
                 for attr, values in info.attrs.items() if attr.isidentifier() and len(values) == 1]
    for name, value, scope in bindings:
        found = scripts.exported(value, scope)
        if found is not None:
            out[name] = found
    return out


class CallExtractor:
    """Visits a module once (with ``walk``) and records what it does to Redis."""

    def __init__(self, path: str, scopes: ModuleScopes, resolver: Resolver, positions: Positions):
        self.positions = positions
        self.scopes = scopes
        self.resolver = resolver
        self.origins = OriginFinder(resolver)
        self.model = ModuleModel(path=path, imports=dict(scopes.imports))
        self.scope_stack: List[Scope] = [scopes.module]
        self.function_stack: List[int] = []
        self.class_stack: List[str] = []
        self.loop_depth = 0
        self.try_stack: List[Tuple[str, ...]] = []
        self.except_depth = 0  # `except` clauses around the current node, in the current function
        self.queried_locks: Set[int] = set()  # calls whose result is only asked `.locked()`
        self.blocks: List[Dict[int, int]] = []  # statement id -> index, per enclosing block
        self.block_ids: List[int] = []
        self.block_sizes: List[int] = []
        self.statement: Optional[Tuple[cst.SimpleStatementLine, int, int, bool]] = None
        self.use: Dict[int, Tuple[str, Optional[str]]] = {}
        self.awaited: Dict[int, cst.Await] = {}
        # assigned value id -> (first target, stored); the target's text is made only for the
        # few values that are recorded (``_assigned``), not for every assignment in the module.
        self.targets: Dict[int, Tuple[cst.BaseExpression, bool]] = {}
        # Calls whose result leaves their function with its return value (ClientSite.forwarded).
        self.forwarded: Set[int] = set()
        # `with <expr> as ...` / `async with`: the expression's object is closed when the block ends.
        self.with_items: Set[int] = set()
        self.closed_in: Dict[int, Set[str]] = {}  # function scope id -> the local names it closes
        self.looped_in: Dict[int, Set[str]] = {}  # function scope id -> names it sends commands through in loops
        # (function index, local name) -> the Sentinel's name, for `client = sentinel.master_for(...)`:
        # returning the client takes the Sentinel it draws its connections from along.
        self.sentinel_clients: Dict[Tuple[int, str], str] = {}
        self.condition_of: List[int] = []
        self.under_if: List[int] = []
        # In the function being walked: whether a condition met so far may read state that
        # outlives the call (guards.reads_state), which makes the constructions after it guarded.
        self.state_tested = False
        # `a or f()`: id of the call -> what it waits for: the parameter `a` names (a caller that
        # passes it skips the call), or "" when `a` reads state (it runs only when that is missing).
        self.or_fallbacks: Dict[int, str] = {}
        # The `while` loops around the current node, each True when its body can leave it
        # (`break`, `return`): a retry loop, whose body runs again only when a try failed.
        self.retry_loops: List[bool] = []
        # What a function body starts afresh, saved while a nested def is walked (its calls run later).
        self._saved: List[tuple] = []
        self.if_counter = 0
        self.order = 0
        self.decorator_calls: set = set()  # ids of `@x.y(...)` decorator calls
        self.caches = CacheFacts(self)  # framework cache calls and settings
        # Where Lua scripts come from; it asks the extractor for callees through a weak reference
        # (a bound method would make a cycle that keeps the syntax tree alive).
        extractor = weakref.ref(self)
        self.scripts = ScriptFinder(resolver, path, lambda expr, scope: extractor()._callee(expr, scope))
        self.loops = LoopFacts(self)  # the for loops and comprehensions calls repeat in
        self.holders = HolderFacts(self)  # objects built around a client (`Queue(connection=r)`)
        self.constructions = Constructions(self)  # what partials, subclasses and `**dicts` pass

    # --- positions -----------------------------------------------------------------------
    def span(self, node: cst.CSTNode) -> Span:
        return self.positions.span(node)

    @property
    def scope(self) -> Scope:
        return self.scope_stack[-1]

    # --- structure -----------------------------------------------------------------------
    def _enter_block(self, body: Sequence[cst.CSTNode], node: cst.CSTNode) -> None:
        self.blocks.append({id(stmt): i for i, stmt in enumerate(body)})
        self.block_ids.append(id(node))
        self.block_sizes.append(len(body))

    def _leave_block(self) -> None:
        self.blocks.pop()
        self.block_ids.pop()
        self.block_sizes.pop()

    def visit_Module(self, node: cst.Module) -> None:
        self._enter_block(node.body, node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_block(node.body, node)
        self.positions.enter_block(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._leave_block()
        self.positions.leave_block()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        index = self.blocks[-1].get(id(node), -1) if self.blocks else -1
        self.statement = (node, self.block_ids[-1] if self.block_ids else 0, index, len(node.body) == 1)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self.statement = None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_stack.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.positions.enter_def(node)
        scope = self.scopes.functions[id(node)]
        qual = scope.qualname
        info = FunctionInfo(
            name=node.name.value, qualname=qual, is_async=scope.is_async,
            class_name=scope.class_name, decorators=scope.decorators, params=tuple(scope.params),
            decorator_paths=tuple(self._decorator_path(d.decorator) for d in node.decorators),
        )
        self.decorator_calls.update(id(d.decorator) for d in node.decorators if isinstance(d.decorator, cst.Call))
        if self.resolver.fixture_decorator(scope) is not None:
            span = self.span(node)
            self.model.test_ranges.append((span.start.line, span.end.line))
        self.model.functions.append(info)
        self.function_stack.append(len(self.model.functions) - 1)
        self.scope_stack.append(scope)
        # A function body is a new loop/try context: a call in a nested def runs later.
        self._saved.append((self.loop_depth, self.try_stack, self.condition_of, self.under_if, self.except_depth,
                            self.state_tested, self.retry_loops))
        self.loop_depth, self.try_stack, self.condition_of, self.under_if, self.except_depth = 0, [], [], [], 0
        self.state_tested, self.retry_loops = False, []
        self.loops.enter_function()

    def _decorator_path(self, expr: cst.BaseExpression) -> str:
        """A decorator as written, qualified through imports, without its arguments:
        `app.route`, `router.get`, `rest_framework.decorators.api_view`."""
        if isinstance(expr, cst.Call):
            expr = expr.func
        return self.resolver.qualified(expr, self.scope) or dotted_name(expr) or ""

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.positions.leave_def()
        index = self.function_stack.pop()
        scope = self.scope_stack.pop()
        factory = self.resolver.factory_client(scope, 0)
        self.model.functions[index].returns_client = factory is not None and factory.via is None \
            and factory.kind is not ClientKind.HOLDER
        self.model.functions[index].returns_file = self._returned_file(scope)
        self.holders.leave_function(index)
        (self.loop_depth, self.try_stack, self.condition_of, self.under_if, self.except_depth,
         self.state_tested, self.retry_loops) = self._saved.pop()
        self.loops.leave_function()

    def _returned_file(self, fn: Scope) -> Optional[FileRead]:
        """The file a function returns the contents of, its path maybe built from its parameters
        (a helper that loads the scripts its callers name)."""
        if len(fn.returns) != 1 or not isinstance(fn.returns[0], (cst.Call, cst.Name)):
            return None
        return self.scripts.file_read(fn.returns[0], fn, helper=fn)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    # loops: only the body repeats
    def visit_For_body(self, node: cst.For) -> None:
        self.loop_depth += 1
        self.loops.enter_for(node)

    def leave_For_body(self, node: cst.For) -> None:
        self.loop_depth -= 1
        self.loops.leave()

    def visit_Break(self, node: cst.Break) -> None:
        self.loops.exit_loop()

    def visit_While_body(self, node: cst.While) -> None:
        self.loop_depth += 1
        self.retry_loops.append(_leaves_loop(node.body))

    def leave_While_body(self, node: cst.While) -> None:
        self.loop_depth -= 1
        self.retry_loops.pop()

    def visit_For(self, node: cst.For) -> None:
        self._mark(node.iter, "iterate")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._mark(node.iter, "iterate")

    def _enter_comp(self, node: cst.CSTNode) -> None:
        self.loop_depth += 1
        self.loops.enter_comprehension(node)

    def _leave_comp(self, node: cst.CSTNode) -> None:
        self.loop_depth -= 1
        self.loops.leave()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comp
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comp

    def visit_Try_body(self, node: cst.Try) -> None:
        self.try_stack.append(_handled_names(node.handlers))

    def leave_Try_body(self, node: cst.Try) -> None:
        self.try_stack.pop()

    # An `except` clause runs when its error happens, not on every pass through the code.
    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.except_depth += 1

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.except_depth -= 1

    visit_ExceptStarHandler, leave_ExceptStarHandler = visit_ExceptHandler, leave_ExceptHandler

    def visit_If(self, node: cst.If) -> None:
        self.if_counter += 1
        self._current_if = getattr(self, "_current_if", [])
        self._current_if.append(self.if_counter)
        self._mark_condition(node.test)
        self._note_state_test(node.test)

        name = _missing_value_test(node.test)
        if name is not None:
            self.model.miss_branches[self.if_counter] = name
        if name is not None and _answers_not_found(node.body) and self.function_stack:
            function = self.function_stack[-1]
            for call in sorted(self.model.calls + self.model.pending_calls, key=lambda c: -c.order):
                if call.function == function and call.assigned_to == name:
                    call.miss_not_found = True
                    break

    def leave_If(self, original_node: cst.If) -> None:
        self._current_if.pop()

    def visit_If_test(self, node: cst.If) -> None:
        self.condition_of.append(self._current_if[-1])

    def leave_If_test(self, node: cst.If) -> None:
        self.condition_of.pop()

    def visit_If_body(self, node: cst.If) -> None:
        self.under_if.append(self._current_if[-1])

    def leave_If_body(self, node: cst.If) -> None:
        self.under_if.pop()

    def visit_While(self, node: cst.While) -> None:
        self._mark_condition(node.test)
        self._note_state_test(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._note_state_test(node.test)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if not self.function_stack:
            return
        left, scope = node.left, self.scope
        right = node.right.expression if isinstance(node.right, cst.Await) else node.right
        if not (isinstance(node.operator, cst.Or) and isinstance(right, cst.Call)):
            self._note_state_test(left)
            return
        key = _local_dict_key(left, scope)
        if isinstance(left, cst.Name) and left.value in scope.params and left.value not in scope.globals:
            self.or_fallbacks[id(right)] = left.value  # `broker or get_broker()`
        elif key is not None:
            # `task.pop("broker", None) or get_broker()`: the call's own dict, which a `**kwargs`
            # may have filled from the caller's keyword of that name.
            if scope.star_kwarg is not None:
                self.or_fallbacks[id(right)] = "**" + key
        elif reads_state(left, scope, self.resolver):
            self.or_fallbacks[id(right)] = ""  # `sentinel.broker or get_broker()`
            self.state_tested = True  # (`getattr(g, "redis", None) or Redis()`)
            return
        self._note_state_test(left)

    def _note_state_test(self, test: cst.BaseExpression) -> None:
        if self.function_stack and not self.state_tested and reads_state(test, self.scope, self.resolver):
            self.state_tested = True

    # --- how results are used -------------------------------------------------------------
    def _mark(self, node: cst.BaseExpression, use: str, target: Optional[str] = None) -> None:
        while isinstance(node, cst.Await):
            node = node.expression
        self.use.setdefault(id(node), (use, target))

    def _mark_condition(self, test: cst.BaseExpression) -> None:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self._mark_condition(test.expression)
        elif isinstance(test, cst.BooleanOperation):
            self._mark_condition(test.left)
            self._mark_condition(test.right)
        elif isinstance(test, cst.Comparison):
            self._mark(test.left, "compare")
        else:
            self._mark(test, "truth")

    def visit_Expr(self, node: cst.Expr) -> None:
        self._mark(node.value, "discard")

    def visit_Assign(self, node: cst.Assign) -> None:
        self.caches.assign(node)
        target = node.targets[0].target if len(node.targets) == 1 else None
        self._mark(node.value, "assign", target.value if isinstance(target, cst.Name) else None)
        self._note_targets(node.value, [t.target for t in node.targets])
        self._assign_fallback(node.value, [t.target for t in node.targets])

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._mark(node.value, "assign", node.target.value if isinstance(node.target, cst.Name) else None)
            self._note_targets(node.value, [node.target])
            self._assign_fallback(node.value, [node.target])

    def _assign_fallback(self, value: cst.BaseExpression, targets: List[cst.BaseExpression]) -> None:
        """`app.redis = getattr(app, "redis", None) or Redis()`: the call after the last `or`
        is assigned too, when what comes before it is missing."""
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or) \
                and isinstance(value.right, cst.Call):
            first = targets[0] if len(targets) == 1 else None
            self._mark(value.right, "assign", first.value if isinstance(first, cst.Name) else None)
            self._note_targets(value.right, targets)

    def _note_targets(self, value: cst.BaseExpression, targets: List[cst.BaseExpression]) -> None:
        """Where an assigned value is kept (for ClientSite): the first target's text, and whether
        some target outlives the function (an attribute, an item, a `global` name)."""
        scope = self.scope
        stored = any(isinstance(t, (cst.Attribute, cst.Subscript))
                     or (isinstance(t, cst.Name) and t.value in scope.globals)
                     for t in targets)
        while isinstance(value, cst.Await):  # `client = await make()`: the call is what is assigned
            value = value.expression
        self.targets[id(value)] = (targets[0], stored)
        if stored and isinstance(value, cst.Name):
            self._add_name("kept_names", value.value)
            self._add_name("stored_names", value.value)
        for target in targets:
            self._connection_kwargs_set(target, value)

    def _site_use(self, node: cst.Call) -> Tuple[str, Optional[str], bool]:
        """How a construction's or a project call's result is used, where it is assigned, and
        whether that outlives the function; given to an object that holds it, as that object's
        (``holders.HolderFacts.site_use``)."""
        use = self.use.get(id(node), ("other", None))[0]
        return self.holders.site_use(node, use) or (use, *self._assigned(node))

    def _assigned(self, value: cst.BaseExpression) -> Tuple[Optional[str], bool]:
        """The text of the first target ``value`` is assigned to (None: it is not assigned), and
        whether some target outlives the function."""
        target, stored = self.targets.get(id(value), (None, False))
        return (self.resolver.code(target) if target is not None else None), stored

    def _unpacked(self, value: cst.BaseExpression, index: int, target: Optional[str],
                  stored: bool) -> Tuple[Optional[str], bool]:
        """Where element ``index`` of ``value`` goes when the assignment unpacks it (`_, c = f()`):
        the element's text and whether it outlives the function; else ``target`` and ``stored``."""
        written, _ = self.targets.get(id(value), (None, False))
        if not isinstance(written, (cst.Tuple, cst.List)) or len(written.elements) <= index \
                or any(isinstance(e, cst.StarredElement) for e in written.elements):
            return target, stored
        element = written.elements[index].value
        kept = isinstance(element, (cst.Attribute, cst.Subscript)) or (
            isinstance(element, cst.Name) and element.value in self.scope.globals)
        return self.resolver.code(element), kept

    def _add_name(self, field_name: str, name: str) -> None:
        """Add ``name`` to a tuple of names of the current function's FunctionInfo."""
        if self.function_stack:
            info = self.model.functions[self.function_stack[-1]]
            names = getattr(info, field_name)
            if name not in names:
                setattr(info, field_name, names + (name,))

    def _connection_kwargs_set(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`client.connection_pool.connection_kwargs["socket_timeout"] = 3` (or `pool.connection_kwargs[...]`):
        a keyword every connection the pool makes from now on is given."""
        if not self.function_stack or not isinstance(target, cst.Subscript) or len(target.slice) != 1:
            return
        index = target.slice[0].slice
        if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
            return
        if isinstance(value, cst.Name) and value.value == "None":
            return
        holder = dotted_name(target.value) or ""
        parts = holder.split(".")
        if len(parts) not in (2, 3) or parts[-1] != "connection_kwargs" \
                or (len(parts) == 3 and parts[1] != "connection_pool"):
            return
        info = self.model.functions[self.function_stack[-1]]
        entry = (parts[0], literal_value(index.value))
        if isinstance(entry[1], str) and entry not in info.connection_kwargs_set:
            info.connection_kwargs_set = info.connection_kwargs_set + (entry,)

    def visit_Return(self, node: cst.Return) -> None:
        self.loops.exit_function()
        if node.value is not None:
            self._mark(node.value, "return")
            self._forward(node.value)

    def _forward(self, value: cst.BaseExpression) -> None:
        """``value`` leaves the function with its return value: a call's result, or a name's."""
        while isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            self.forwarded.add(id(value))
            func = value.func
            if isinstance(func, cst.Attribute) and func.attr.value in clients.SENTINEL_CLIENT_METHODS \
                    and isinstance(func.value, cst.Name):
                # `return sentinel.master_for(...)`: the client returned draws its connections
                # from that Sentinel, which goes with it.
                self._add_name("returned_names", func.value.value)
        elif isinstance(value, cst.Name):
            self._add_name("returned_names", value.value)
            sentinel = self.sentinel_clients.get((self.function_stack[-1], value.value)) if self.function_stack else None
            if sentinel is not None:
                self._add_name("returned_names", sentinel)

    def visit_Arg(self, node: cst.Arg) -> None:
        self._mark(node.value, "argument")
        self.holders.argument(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        item = node.item
        while isinstance(item, cst.Await):
            item = item.expression
        self.with_items.add(id(item))
        if node.asname is not None and isinstance(node.asname.name, cst.Name) and id(item) not in self.targets:
            self.targets[id(item)] = (node.asname.name, False)  # `with Redis() as r:`: what holds it

    def _pass_default(self, node: cst.Call) -> None:
        """`options.pop("client", Redis())`, `kwargs.get("client", Redis())`, `getattr(o, "client",
        Redis())`: the default is built on every call, whether or not it is needed, and it is what
        the expression gives when the key is missing: it is used as the expression is."""
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("get", "pop") and len(node.args) == 2:
            arg = node.args[1]
        elif isinstance(func, cst.Name) and func.value == "getattr" and len(node.args) == 3 \
                and self.resolver.builtin(func, self.scope) == "getattr":
            arg = node.args[2]
        else:
            return
        if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.Call) or id(node) not in self.use:
            return
        self.use.setdefault(id(arg.value), self.use[id(node)])
        if id(node) in self.targets:
            self.targets.setdefault(id(arg.value), self.targets[id(node)])

    def _site_context(self, node: cst.Call, use: str, target: Optional[str], stored: bool) -> Dict[str, object]:
        """What ClientSite and FunctionCallSite record alike of where a call runs: the `if x is
        None:`/`or` it waits for, the conditions and retry loops before it, whether the function
        closes what it gives (and then whether it sends commands through it in a loop)."""
        closed = use != "return" and self._closed(node, target, stored)
        return dict(when_missing=self._when_missing(node), fallback=self.or_fallbacks.get(id(node)) == "",
                    state_guarded=self.state_tested, retry_loops=sum(self.retry_loops), closed=closed,
                    used_in_loop=closed and target in self._function_names(self.looped_in, looped_names))

    def _function_names(self, table: Dict[int, Set[str]], collect: Callable[[cst.FunctionDef], Set[str]]) -> Set[str]:
        """``collect(function)`` for the current function, walked once for all its names."""
        scope = self.scope
        if id(scope) not in table:
            table[id(scope)] = collect(scope.node) if scope.node is not None else set()
        return table[id(scope)]

    def _closed(self, node: cst.Call, target: Optional[str], stored: bool) -> bool:
        """The function ends the life of what ``node`` returns before it returns: a `with` on it,
        or, on the local name it is assigned to, `.close()`/`.aclose()`/`.disconnect()` or a
        call named so (`close_client(c)`, `contextlib.closing(c)`)."""
        if id(node) in self.with_items:
            return True
        if target is None or stored or not self.function_stack or not target.isidentifier():
            return False
        return target in self._function_names(self.closed_in, closed_names)

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited[id(node.expression)] = node

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._mark(node.left, "compare")

    # --- calls ---------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        self.holders.call(node)
        if isinstance(func, cst.Attribute) and func.attr.value in _LOCK_QUERIES and isinstance(func.value, cst.Call):
            self.queried_locks.add(id(func.value))  # `r.lock(name).locked()`: visited before the inner call
        if id(node) in self.forwarded:
            for arg in node.args:  # what a returned call is given goes with it (`return Queue(conn)`)
                if not arg.star:
                    self._forward(arg.value)
        self._pass_default(node)
        qualified = self.resolver.qualified(func, self.scope)
        built = qualified if qualified is not None else self.resolver.class_alias(func, self.scope)
        if built is not None:
            self._client_site(node, built)
        else:
            self._subclass_site(node)
            self._sentinel_client_site(node)
        self._partial_site(node, qualified)
        if qualified is not None:
            self._deserialisation(node, qualified)
            self.caches.walrus_cache(node, qualified)
        self.caches.call(node, qualified)
        self._error_handler(node)
        if node.args:
            self._client_arguments(node)
        self._function_call(node)
        self._script_call(node)
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        receiver = self.resolver.client_of(func.value, self.scope)
        if receiver is None or receiver.via is not None:
            # An imported object that may turn out not to be a client may be a database session.
            self._durable_write(node, method, func.value)
        if receiver is None:
            self._expensive(method, func.value, qualified)
            return
        if receiver.kind is ClientKind.HOLDER:
            return  # `queue.delete()` is rq's method, not DEL
        if method in clients.SENTINEL_CLIENT_METHODS:
            return
        self._redis_call(node, func, method, receiver)

    def _error_handler(self, node: cst.Call) -> None:
        """`@app.errorhandler(RedisError)`, `app.register_error_handler(RedisError, fn)`,
        FastAPI's `exception_handler`/`add_exception_handler`: an application-wide handler."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _ERROR_HANDLER_METHODS or not node.args:
            return
        first = node.args[0]
        name = dotted_name(first.value) if first.keyword is None and not first.star else None
        if name:
            self.model.error_handlers = self.model.error_handlers + (name.rsplit(".", 1)[-1],)

    def _callee(self, func: cst.BaseExpression, scope: Optional[Scope] = None) -> Optional[str]:
        """How the project index can find the function a call invokes (see ClientArgument)."""
        scope = scope or self.scope
        if isinstance(func, cst.Name):
            owner, how = self.resolver.lookup(func.value, scope)
            if how:
                return None
            if func.value in self.scopes.module_functions:
                return f"local:{func.value}"
            if func.value in self.scopes.classes:
                return f"local:{self._constructor(func.value)}"
            qualified = self.scopes.imports.get(func.value)
            return f"import:{qualified}" if qualified else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call) \
                and isinstance(func.value.func, cst.Name) and func.value.func.value == "super":
            return self._super_callee(func.attr.value, scope)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            cls = self.resolver.class_of_instance(func.value.value, scope)
            if cls is not None:
                # The class that defines the method, which may be a base of `self`'s class.
                method = self.resolver._method(cls, func.attr.value)
                if method is None:
                    held = self.resolver.attribute_function(cls, func.attr.value)
                    if held is not None:
                        return f"local:{held}"  # `self.client_factory()`: the function it holds
                    inherited = self._foreign_method(cls, func.attr.value)
                    if inherited is not None:
                        return inherited
                return f"local:{method.qualname if method is not None else cls + '.' + func.attr.value}"
            qualified = self.resolver.qualified(func, scope)
            if qualified:
                return f"import:{qualified}"
            annotated = self.resolver.annotated_class(func.value.value, scope)
            if annotated is not None:
                # `def task(credentials: RedisDatabase): credentials.get_client()`: that class's method.
                where, cls = annotated
                if where == "local":
                    method = self.resolver._method(cls, func.attr.value)
                    return f"local:{method.qualname}" if method is not None else None
                return f"bound:{cls}.{func.attr.value}"
        if isinstance(func, cst.Attribute):
            # `result = cls(...); result.save(...)`, `Store(conn).save(...)`: a method of an
            # instance of a class of this module.
            cls = self.resolver.instance_class(func.value, scope)
            method = self.resolver._method(cls, func.attr.value) if cls is not None else None
            if method is not None:
                return f"local:{method.qualname}"
            if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) \
                    and not self.resolver.lookup(func.value.func.value, scope)[1]:
                # `Result(conn).save(...)` with `Result` imported: that class's method, `self` bound.
                qualified = self.scopes.imports.get(func.value.func.value)
                return f"bound:{qualified}.{func.attr.value}" if qualified else None
        return None

    def _constructor(self, cls: str) -> str:
        """What `cls(...)` runs, for a class of this module: the `__init__` it defines or inherits
        from a base of this module, else such a `__new__` (`Broker.__new__` returning an instance
        of the class the URL asks for)."""
        for name in ("__init__", "__new__"):
            method = self.resolver._method(cls, name)
            if method is not None:
                return method.qualname
        return f"{cls}.__init__"

    def _foreign_method(self, cls: str, method: str) -> Optional[str]:
        """`self.get_broker()` where no class of this module in ``cls``'s chain defines the
        method, and that chain has one base from elsewhere: that base's method, `self` bound."""
        bases = list(self.resolver.foreign_bases(cls))
        if len(bases) != 1 or bases[0][1] is None:
            return None
        return f"bound:{bases[0][1]}.{method}"

    def _super_callee(self, method: str, scope: Scope) -> Optional[str]:
        """`super().__init__(client)`: the base class's method, with `self` bound ("bound:")."""
        cls = scope.class_name
        info = self.scopes.classes.get(cls) if cls else None
        if info is None or not info.bases:
            return None
        base = info.bases[0]
        if base.rsplit(".", 1)[-1] in self.scopes.classes:
            found = self.resolver._method(base.rsplit(".", 1)[-1], method)
            return f"local:{found.qualname}" if found is not None else None
        head, _, rest = base.partition(".")
        qualified = self.scopes.imports.get(head)
        if qualified is None:
            return None
        return f"bound:{qualified}{'.' + rest if rest else ''}.{method}"

    def _function_call(self, node: cst.Call) -> None:
        callee = self._callee(node.func)
        if callee is None:
            return
        shift = 1 if callee.startswith("local:") and "." in callee[len("local:"):] else 0
        positional = sum(1 for a in node.args if a.keyword is None and not a.star) + shift
        keywords = tuple(a.keyword.value for a in node.args if a.keyword is not None)
        star = any(a.star for a in node.args)
        keyword_star = any(a.star == "**" for a in node.args)
        use, target, stored = self._site_use(node)
        self.model.function_calls.append(FunctionCallSite(
            callee, positional, keywords, star, keyword_star=keyword_star,
            function=self.function_stack[-1] if self.function_stack else None,
            handlers=tuple(h for handlers in self.try_stack for h in handlers),
            loop_depth=self.loop_depth, result_use=use, assigned_to=target,
            stored=stored, forwarded=id(node) in self.forwarded, in_except=self.except_depth > 0,
            initialises=is_super_init(node), awaited=id(node) in self.awaited,
            **self._site_context(node, use, target, stored)))

    def _when_missing(self, node: cst.Call) -> Tuple[str, ...]:
        """The names the `if x is None:` blocks around ``node`` test, and the parameter before
        an `or` whose fallback it is (`broker or get_broker()`)."""
        names = tuple(self.model.miss_branches[i] for i in self.under_if if i in self.model.miss_branches)
        fallback = self.or_fallbacks.get(id(node))
        return names + (fallback,) if fallback else names

    def _client_arguments(self, node: cst.Call) -> None:
        """Record clients passed to project functions, so their parameters can be resolved."""
        candidates = [(i, a) for i, a in enumerate(node.args)
                      if isinstance(a.value, (cst.Name, cst.Attribute, cst.Call)) and a.star == ""]
        if not candidates:
            return
        callee = None
        for i, arg in candidates:
            if arg.keyword is None and any(a.star for a in node.args[:i]):
                continue  # its position is unknown after *args
            ref = self.resolver.client_of(arg.value, self.scope)
            if ref is None or ref.kind in (ClientKind.JSON, ClientKind.CONTAINER):
                continue
            callee = callee or self._callee(node.func)
            if callee is None:
                return
            shift = 1 if callee.startswith("local:") and (
                callee.endswith(".__init__") or "." in callee[len("local:"):]) else 0
            keyword = arg.keyword.value if arg.keyword is not None else None
            position = None if keyword else sum(1 for a in node.args[:i] if a.keyword is None) + shift
            self.model.client_arguments.append(ClientArgument(callee, position, keyword, ref))

    def _expensive(self, method: str, receiver: cst.BaseExpression, qualified: Optional[str]) -> None:
        """Note slow calls (a query, an HTTP request) in the `if` blocks around them (RL604)."""
        if not self.under_if:
            return
        what = None
        if qualified is not None and qualified.startswith(_HTTP_MODULES):
            what = "an HTTP request"
        else:
            text = dotted_name(receiver) or ""
            last = text.rsplit(".", 1)[-1].lower()
            if method in _ORM_READS and (".objects" in text or text == "objects" or text.endswith(".query")):
                what = "an ORM query"
            elif method in _SQL_CALLS and any(w in last for w in _SESSION_WORDS):
                what = "a database query"
        if what is not None:
            for if_id in self.under_if:
                self.model.expensive_branches.setdefault(if_id, what)

    def _durable_write(self, node: cst.Call, method: str, receiver: cst.BaseExpression) -> None:
        if not self.function_stack:
            return
        text = (dotted_name(receiver) or self.resolver.code(receiver)).lower()
        durable = (
            method in _ORM_WRITES
            or method in _DOCUMENT_WRITES
            or (method in _QUERYSET_WRITES and any(w in text for w in _QUERYSET_WORDS))
            or (method in _SESSION_WRITES and any(w in text.split(".")[-1] for w in _SESSION_WORDS))
        )
        if durable:
            info = self.model.functions[self.function_stack[-1]]
            info.durable_writes = info.durable_writes + (f"{text}.{method}",)

    def _deserialisation(self, node: cst.Call, qualified: str) -> None:
        """`pickle.loads(data)` and its twins, with the value they load (RL402)."""
        if qualified not in _CODE_RUNNING_LOADS or not node.args or node.args[0].star or node.args[0].keyword:
            return
        self.model.deserialisations.append(Deserialisation(
            callee=qualified, span=self.span(node), value=self._value(node.args[0].value),
            function=self.function_stack[-1] if self.function_stack else None))

    def _client_site(self, node: cst.Call, qualified: str, arguments: Optional[Arguments] = None,
                     partial: bool = False, written: Optional[str] = None) -> None:
        """Record a construction; ``arguments`` when they are not the call's own (a partial's,
        or a subclass's after its `__init__`)."""
        kind = clients.site_kind(qualified)
        via = None
        if kind is None:
            aliased = clients.reexported_constructor(qualified)
            if not aliased:
                return
            # Built as what the most likely reading names; linking settles which one it is.
            via, kind = qualified, clients.site_kind("redis." + aliased[0][1])
        scope = self.scope
        if arguments is None and qualified in clients.URL_FACTORIES:
            arguments, written = self.constructions.url_factory(node, scope, *clients.URL_FACTORIES[qualified]), qualified
        if arguments is None:
            arguments = self.constructions.of_call(node.args, node, scope)
        keywords = arguments.keywords
        args = {keyword: self._keyword_value(arguments, keyword) for keyword in keywords}
        positional = arguments.positional
        url = bool(positional) and (qualified.endswith("from_url") or qualified in clients.URL_FACTORIES)
        if url:
            args["url"] = self._value(positional[0].value, positional[0].scope)
        if kind == "lock":
            names, timeout = clients.LOCKS[qualified]
            for name, arg in zip(names, positional):
                args[name] = self._value(arg.value, arg.scope)
            if timeout in args:
                args["timeout"] = args[timeout]  # one name for rules, whatever the library calls it
        use, target, stored = self._site_use(node)
        if qualified in clients.URL_FACTORIES:
            # `sentinel, client = connect(url)`: the client is the second of the pair.
            target, stored = self._unpacked(node, 1, target, stored)
        (self.model.clients if via is None else self.model.pending_clients).append(ClientSite(
            kind=kind, constructor=qualified, span=self.span(node), in_except=self.except_depth > 0,
            lock_queried_only=kind == "lock" and self._lock_queried_only(node),
            kwargs=tuple(keywords), args=args, function=self.function_stack[-1] if self.function_stack else None,
            loop_depth=self.loop_depth, args_end=self._args_end(node),
            positional=len(positional) - (1 if url else 0),
            has_star_args=arguments.star or bool(arguments.own_kwargs),
            own_kwargs_of=() if arguments.star else arguments.own_kwargs,
            result_use=use, assigned_to=target, stored=stored,
            written_args=len(node.args), partial=partial, written=written,
            keywords_from_callers=arguments.from_callers, forwarded=id(node) in self.forwarded, via=via,
            **self._site_context(node, use, target, stored),
        ))

    def _lock_queried_only(self, node: cst.Call) -> bool:
        """The lock a call makes is only asked about, never acquired: `r.lock(n).locked()`, or a
        local name whose every use is `.locked()`/`.owned()` (no `acquire`, no `with`, not passed
        on, returned or kept)."""
        if id(node) in self.queried_locks:
            return True
        use, target = self.use.get(id(node), ("other", None))
        if use != "assign" or not target or not self.function_stack or self._assigned(node)[1]:
            return False
        uses = self.constructions.uses(self.scope, target)
        return bool(uses.methods) and set(uses.methods) <= _LOCK_QUERIES and uses.other == len(uses.methods) \
            and not (uses.calls or uses.passed or uses.stores or uses.reads)

    def _keyword_value(self, arguments: Arguments, keyword: str) -> Value:
        """The value a keyword is given; when callers (or calls of a partial) give it different
        ones, an opaque value: present, but not one literal a rule could rely on."""
        given = arguments.values_of(keyword)
        first = self._value(given[0].value, given[0].scope)
        # The others are compared as literals and shown as text: a full Value of each would take
        # its range, and a value written in a caller lies outside the current unit, which costs a
        # regeneration of the whole module (``positions``).
        literals = [literal_value(a.value) for a in given]
        if len(given) == 1 or all(lit is not _NO_VALUE and type(lit) is type(literals[0]) and lit == literals[0]
                                  for lit in literals):
            return first
        return Value(kind="other", text=" | ".join(dict.fromkeys(self.resolver.code(a.value) for a in given)),
                     span=first.span)

    def _sentinel_client_site(self, node: cst.Call) -> None:
        """`sentinel.master_for(...)`/`slave_for(...)` on a known Sentinel: a new client, with a
        connection pool of its own (ClientSite kind "sentinel_client")."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in clients.SENTINEL_CLIENT_METHODS:
            return
        is_async = self.resolver.sentinel_of(func.value, self.scope, 0)
        if is_async is None:
            return
        base = "redis.asyncio.sentinel.Sentinel" if is_async else "redis.sentinel.Sentinel"
        self._client_site(node, f"{base}.{func.attr.value}")
        use, target = self.use.get(id(node), ("other", None))
        if use == "assign" and target is not None and isinstance(func.value, cst.Name) and self.function_stack:
            self.sentinel_clients[(self.function_stack[-1], target)] = func.value.value

    def _subclass_site(self, node: cst.Call) -> None:
        """`ArqRedis(...)`: a class of this module deriving from a client type builds a client,
        with what its `__init__` passes on."""
        found = self.constructions.client_subclass(node.func, self.scope)
        if found is None:
            return
        base, name = found
        arguments = self.constructions.of_call(node.args, node, self.scope)
        self._client_site(node, base, self.constructions.through_subclass(name, arguments), written=name)

    def _partial_site(self, node: cst.Call, qualified: Optional[str]) -> None:
        """`factory = functools.partial(Redis, host=...)` in a function that only calls
        `factory(...)`: the construction is the partial's, with the calls' arguments added."""
        target = self.constructions.partial_target(node, qualified)
        if target is None:
            return
        scope = self.scope
        base = self.resolver.qualified(target, scope) or self.resolver.class_alias(target, scope)
        subclass = self.constructions.client_subclass(target, scope) if base is None else None
        base = base or (subclass[0] if subclass else None)
        if base is None or clients.site_kind(base) is None:
            return
        use, bound_to = self.use.get(id(node), ("other", None))
        arguments = self.constructions.of_partial(node, scope, bound_to if use == "assign" else None)
        if arguments is None:
            return  # it may be called where we cannot see, with other arguments
        if subclass is not None:
            arguments = self.constructions.through_subclass(subclass[1], arguments)
        self._client_site(node, base, arguments, partial=True, written=subclass[1] if subclass else None)

    def _redis_call(self, node: cst.Call, func: cst.Attribute, method: str, receiver: ClientRef) -> None:
        command = f"json.{method}" if receiver.kind is ClientKind.JSON else method
        raw = False
        arg_nodes = list(node.args)
        if receiver.kind is ClientKind.CONTAINER:
            command, arg_nodes = self._container_command(method, receiver, arg_nodes)
            if command is None:
                return
        if method == "execute_command":
            words = []
            for a in arg_nodes:
                lit = literal_value(a.value) if a.keyword is None and not a.star else _NO_VALUE
                if not isinstance(lit, str):
                    break
                words.append(lit)
            mapped, used = method_for_raw(tuple(words[:2]))
            if mapped is None:
                return
            command, raw = mapped, True
            arg_nodes = arg_nodes[used:]
        if command not in SIGNATURES and not raw:
            return  # not a command (e.g. `execute`, `close`, attributes of the client object)
        bound_args, extra, extra_kw, star, ok = _bind(command, arg_nodes, raw)
        scope = self.scope
        args = {name: self._value(value) for name, value in bound_args.items()}
        keys = self._keys(command, bound_args, extra, raw, arg_nodes)
        lua, script_source = self._lua(command, bound_args, scope)
        if lua and command in {"eval", "eval_ro"}:
            numkeys = literal_value(bound_args["numkeys"]) if "numkeys" in bound_args else None
            if isinstance(numkeys, int) and not isinstance(numkeys, bool) and not star:
                self._script_effects(lua, extra[:numkeys], ran_at=self.span(node))
        self.order += 1
        awaited = self.awaited.get(id(node))
        use, target = self.use.get(id(node), ("other", None))
        call = RedisCall(
            command=command,
            receiver=self.resolver.code(func.value),
            client=receiver,
            span=self.span(node),
            name_span=self.span(func.attr),
            args=args,
            extra_args=tuple(self._value(v) for v in extra),
            extra_kwargs={k: self._value(v) for k, v in extra_kw.items()},
            has_star_args=star,
            bound=ok,
            raw=raw,
            keys=tuple(keys),
            awaited=awaited is not None,
            outer_span=self.span(awaited) if awaited is not None else None,
            function=self.function_stack[-1] if self.function_stack else None,
            loop_depth=self.loop_depth,
            handlers=tuple(h for handlers in self.try_stack for h in handlers),
            in_try=bool(self.try_stack),
            statement=self._statement_ref(node),
            result_use=use,
            assigned_to=target,
            in_condition_of=self.condition_of[-1] if self.condition_of else None,
            under_if=tuple(self.under_if),
            args_end=self._args_end(node),
            pipeline_id=receiver.pipeline_id if receiver.kind is ClientKind.PIPELINE else None,
            lua=lua,
            lua_commands=lua_commands(lua) if lua else (),
            lua_calls=lua_calls(lua) if lua else (),
            script_source=script_source,
            lock_queried_only=command == "lock" and self._lock_queried_only(node),
            order=self.order,
            loops=self.loops.current(),
        )
        (self.model.pending_calls if receiver.via is not None else self.model.calls).append(call)

    def _container_command(self, method: str, receiver: ClientRef, args: List[cst.Arg]):
        """`zset.expire(60)` on a walrus container: EXPIRE on the key it is bound to (the key
        prepended to the method's own arguments), or (None, args) for other methods."""
        command = clients.CONTAINER_COMMANDS.get(method)
        bound = self.resolver._containers.get(receiver.container_id)
        if command is None or bound is None or (command != "delete" and not args):
            return None, args
        return command, [cst.Arg(value=bound[0])] + args

    def _statement_ref(self, call: cst.Call) -> Optional[StatementRef]:
        if self.statement is None:
            return None
        line, block_id, index, single = self.statement
        stmt = line.body[0]
        value = stmt.value if isinstance(stmt, cst.Expr) else None
        while isinstance(value, cst.Await):
            value = value.expression
        is_expression = single and value is call
        size = self.block_sizes[-1] if self.block_sizes else 0
        return StatementRef(block_id=block_id, index=index, span=self.span(line),
                            is_expression=is_expression, single_in_block=size <= 1)

    def _args_end(self, node: cst.Call) -> Position:
        if node.args:
            return self.span(node.args[-1].value).end if not node.args[-1].star else self.span(node.args[-1]).end
        end = self.span(node).end
        return Position(end.line, end.column - 1)

    def _keys(self, command: str, bound: Dict[str, cst.BaseExpression], extra: List[cst.BaseExpression],
              raw: bool, arg_nodes: List[cst.Arg]) -> List[KeyPattern]:
        scope = self.scope
        if raw:
            params = KEY_PARAMS.get(command, ())
            if params and arg_nodes and arg_nodes[0].keyword is None and not arg_nodes[0].star:
                return [self.resolver.key_of(arg_nodes[0].value, scope)]
            return []
        out: List[KeyPattern] = []
        positional_names, varargs, _, _ = SIGNATURES[command]
        for param, how in KEY_PARAMS.get(command, ()):
            if param == varargs:
                out.extend(self.resolver.key_of(v, scope) for v in extra)
                continue
            value = bound.get(param)
            if value is None:
                continue
            if how == "key":
                out.append(self.resolver.key_of(value, scope))
            elif how == "keys":
                if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                    out.extend(self.resolver.key_of(el.value, scope) for el in value.elements
                               if not isinstance(el, cst.StarredElement))
                else:
                    out.append(self.resolver.key_of(value, scope))
            elif how == "mapping" and isinstance(value, cst.Dict):
                out.extend(self.resolver.key_of(el.key, scope) for el in value.elements
                           if isinstance(el, cst.DictElement))
        return out

    def _lua(self, command: str, bound: Dict[str, cst.BaseExpression],
             scope: Scope) -> Tuple[Optional[str], Optional[ScriptSource]]:
        """The script given to eval/register_script: its literal text, or where it comes from."""
        if command not in {"eval", "evalsha", "eval_ro", "register_script"}:
            return None, None
        script = bound.get("script")
        if script is None:
            return None, None
        return self._script(script, scope)

    def _script(self, node: cst.BaseExpression, scope: Scope) -> Tuple[Optional[str], Optional[ScriptSource]]:
        text = self.scripts.text(node, scope)
        return (text, None) if text is not None else (None, self.scripts.source(node, scope))

    def _script_call(self, node: cst.Call) -> None:
        """`script(keys=[...], args=[...])` (coredis: `script.execute(...)`) on the Script a
        client's `register_script` returned: a run of the script, and what it does to the keys
        it is given."""
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "execute":
            func = func.value
        registered = self._registered_script(func, self.scope)
        if registered is None:
            return
        client, text, source = registered
        keys = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "keys"), None)
        if keys is None and node.args and node.args[0].keyword is None and not node.args[0].star:
            keys = node.args[0].value
        key_nodes = [el.value for el in keys.elements if not isinstance(el, cst.StarredElement)] \
            if isinstance(keys, (cst.List, cst.Tuple)) else []
        if text is not None:
            self._script_effects(text, key_nodes)
        run = ScriptRun(span=self.span(node), receiver=self.resolver.code(func), client=client,
                        function=self.function_stack[-1] if self.function_stack else None,
                        keys=tuple(self.resolver.key_of(k, self.scope) for k in key_nodes),
                        lua=text, lua_commands=lua_commands(text) if text else (), script_source=source)
        (self.model.pending_script_runs if client.via is not None else self.model.script_runs).append(run)

    def _registered_script(self, func: cst.BaseExpression, scope: Scope
                           ) -> Optional[Tuple[ClientRef, Optional[str], Optional[ScriptSource]]]:
        """The script ``func`` names, when it is bound to `<client>.register_script(<script>)`
        (a local name or an attribute of `self`): the client, and the script's literal text or
        where it comes from."""
        values: List[Tuple[cst.BaseExpression, Scope]] = []
        if isinstance(func, cst.Name):
            owner, how = self.resolver.lookup(func.value, scope)
            if how == "assign":
                values = [(v, owner) for v in owner.assigns[func.value]]
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            cls = self.resolver.class_of_instance(func.value.value, scope)
            for info in (self.resolver.class_chain(cls) if cls else ()):
                values.extend(info.attrs.get(func.attr.value, ()))
        for value, owner in values:
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value == "register_script" and value.args:
                client = self.resolver.client_of(value.func.value, owner)
                if client is not None:
                    return (client,) + self._script(value.args[0].value, owner)
        return None

    def _script_effects(self, script: str, keys: Sequence[cst.BaseExpression], ran_at: Optional[Span] = None) -> None:
        """Record a run of a literal script with these keys (``ran_at``: the EVAL that runs it)."""
        patterns = tuple(self.resolver.key_of(key, self.scope) for key in keys)
        self.model.literal_script_runs.append((script_sha(script), patterns, ran_at))
        self.model.script_effects.extend(key_effects(script, patterns))

    # --- values --------------------------------------------------------------------------
    def _value(self, node: cst.BaseExpression, scope: Optional[Scope] = None) -> Value:
        """``scope``: where the expression is written, when not where the walk is (an entry of a
        dict built by a caller, the keywords of a partial)."""
        lit = literal_value(node)
        scope = scope or self.scope
        text = self.resolver.code(node)
        span = self.span(node)
        if lit is not _NO_VALUE:
            kind = {str: "str", bytes: "bytes", int: "int", float: "float", bool: "bool",
                    type(None): "none"}[type(lit)]
            size = len(lit.encode("utf-8", "surrogatepass")) if isinstance(lit, str) else (
                len(lit) if isinstance(lit, bytes) else None)
            return Value(kind=kind, text=text, span=span, literal=lit, size=size)
        kind = _KINDS.get(type(node), "other")
        items = item_values = None
        if isinstance(node, cst.DictComp):
            items = (self._value(node.key, scope),)  # `{pid: qty for pid, qty in rows}`: keys vary
        if isinstance(node, cst.Dict):
            items = tuple(self._value(el.key, scope) if isinstance(el, cst.DictElement) else None
                          for el in node.elements)
            item_values = tuple(self._value(el.value, scope) if isinstance(el, cst.DictElement) else None
                                for el in node.elements)
        resolved = self.resolver.constant_of(node, scope) if isinstance(node, cst.Name) else None
        possible = self.resolver.possible_constants(node, scope) if isinstance(node, (cst.Name, cst.IfExp)) else ()
        plain = (int, float, str, bytes, bool, type(None))
        size = None
        if isinstance(node, cst.FormattedString):
            size = sum(len(p.value.encode("utf-8", "surrogatepass")) for p in node.parts
                       if isinstance(p, cst.FormattedStringText))
        elif isinstance(resolved, (str, bytes)):
            size = len(resolved.encode("utf-8", "surrogatepass")) if isinstance(resolved, str) else len(resolved)
        return Value(kind=kind, text=text, span=span, origin=self.origins.origin(node, scope),
                     size=size, items=items, item_values=item_values, resolved_literal=resolved,
                     possible=tuple(dict.fromkeys(v for v, _ in possible if isinstance(v, plain))),
                     defaults_from=tuple(dict.fromkeys(p for _, p in possible if p is not None)),
                     entity=self.resolver.is_entity(node, scope), callee=self._callee_of(node, scope),
                     parameter=self._parameter(node, scope))

    def _parameter(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The parameter of the enclosing function ``node`` names, when nothing in the function
        rebinds it (`if timeout is None: timeout = 10` makes it not the caller's value)."""
        if not isinstance(node, cst.Name) or scope is self.scopes.module:
            return None
        owner, how = self.resolver.lookup(node.value, scope)
        name = node.value
        if how != "param" or owner is not scope or owner.params[name].star:
            return None
        return None if name in owner.assigns or name in owner.opaque else name

    def _callee_of(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The qualified name a call expression calls (`timedelta(...)` → datetime.timedelta)."""
        if not isinstance(node, cst.Call):
            return None
        return self.resolver.qualified(node.func, scope) or dotted_name(node.func)


_KINDS = {
    cst.Name: "name", cst.Attribute: "attribute", cst.Call: "call", cst.FormattedString: "fstring",
    cst.BinaryOperation: "binop", cst.Dict: "dict", cst.List: "list", cst.Tuple: "tuple", cst.Set: "set",
    cst.Lambda: "lambda", cst.Subscript: "subscript", cst.Await: "await",
}


# What asks about a lock without taking it.
_LOCK_QUERIES = frozenset({"locked", "owned"})

_ERROR_HANDLER_METHODS = {"errorhandler", "app_errorhandler", "register_error_handler", "exception_handler",
                          "add_exception_handler"}


_NOT_FOUND_CALLS = {"abort", "Http404", "HTTPException", "NotFound", "HttpResponseNotFound", "HTTPNotFound",
                    "get_object_or_404"}


def _leaves_loop(body: cst.BaseSuite) -> bool:
    """The loop body holds a `break` or `return` of its own (not one of a nested loop or def)."""
    finder = _LoopExit()
    walk(body, finder)
    return finder.found


class _LoopExit:
    """Driven by ``walk`` over a loop body: a `break` or `return` that leaves that loop."""

    def __init__(self) -> None:
        self.found = False

    def visit_Break(self, node: cst.Break) -> None:
        self.found = True

    visit_Return = visit_Break

    def visit_For(self, node: cst.BaseCompoundStatement) -> bool:
        if node.orelse is not None:  # a nested loop's `else` runs once, in this loop's body
            walk(node.orelse, self)
        return False

    visit_While = visit_For

    def visit_FunctionDef(self, node: cst.CSTNode) -> bool:
        return False

    visit_ClassDef = visit_Lambda = visit_FunctionDef


def _missing_value_test(test: cst.BaseExpression) -> Optional[str]:
    """`v is None`, `v == None`, `not v` → "v"."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and isinstance(test.expression, cst.Name):
        return test.expression.value
    if isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        if isinstance(comp.operator, (cst.Is, cst.Equal)) and isinstance(comp.comparator, cst.Name) \
                and comp.comparator.value == "None":
            return test.left.value
    return None


def _answers_not_found(body: cst.BaseSuite) -> bool:
    """The block's first statement raises, aborts, or returns a 404."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    if not statements:
        return False
    first = statements[0]
    if not isinstance(first, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) or not first.body:
        return False
    stmt = first.body[0]
    if isinstance(stmt, cst.Raise):
        return True
    if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call):
        name = dotted_name(stmt.value.func) or ""
        return name.rsplit(".", 1)[-1] in _NOT_FOUND_CALLS
    if isinstance(stmt, cst.Return) and stmt.value is not None:
        value = stmt.value
        parts = value.elements if isinstance(value, cst.Tuple) else []
        if any(isinstance(el.value, cst.Integer) and el.value.value == "404" for el in parts):
            return True
        if isinstance(value, cst.Call):
            name = dotted_name(value.func) or ""
            return name.rsplit(".", 1)[-1] in _NOT_FOUND_CALLS
    return False


def _handled_names(handlers: Sequence[cst.ExceptHandler]) -> Tuple[str, ...]:
    names: List[str] = []
    for h in handlers:
        if h.type is None:
            names.append("BaseException")
            continue
        types = [el.value for el in h.type.elements] if isinstance(h.type, cst.Tuple) else [h.type]
        for t in types:
            dotted = dotted_name(t)
            if dotted:
                names.append(dotted.rsplit(".", 1)[-1])
    return tuple(names)


def _bind(command: str, args: List[cst.Arg], raw: bool):
    """Bind call arguments to the redis-py signature: (bound, extra positionals, extra
    keywords, has star-args, matched)."""
    bound: Dict[str, cst.BaseExpression] = {}
    extra: List[cst.BaseExpression] = []
    extra_kw: Dict[str, cst.BaseExpression] = {}
    if raw:
        return bound, [a.value for a in args if a.keyword is None and not a.star], extra_kw, any(a.star for a in args), False
    positional, varargs, kwonly, varkw = SIGNATURES[command]
    star = False
    ok = True
    index = 0
    for a in args:
        if a.star == "*":
            star = True
            continue
        if a.star == "**":
            star = True
            continue
        if a.keyword is None:
            if star:
                continue  # position unknown after *args
            if index < len(positional):
                bound[positional[index]] = a.value
            elif varargs:
                extra.append(a.value)
            else:
                ok = False
            index += 1
        else:
            name = a.keyword.value
            if name in positional or name in kwonly:
                bound[name] = a.value
            elif varkw:
                extra_kw[name] = a.value
            else:
                ok = False
    return bound, extra, extra_kw, star, ok


def _local_dict_key(node: cst.BaseExpression, scope) -> Optional[str]:
    """`task.pop("broker", None)`, `kwargs.get("broker")`: the key read from a dict that a
    parameter or a local name of the function holds (the call's own, no state)."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("get", "pop") and isinstance(node.func.value, cst.Name) and node.args):
        return None
    name = node.func.value.value
    if name in scope.globals or not (name in scope.params or name in scope.assigns):
        return None
    key = node.args[0].value
    return key.evaluated_value if isinstance(key, cst.SimpleString) else None
