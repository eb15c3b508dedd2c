"""Plain, picklable data describing what one module does to Redis.

Nothing here holds a libcst node: a ModuleModel can be cached on disk and sent between processes.
Rules read these objects and never walk the syntax tree.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..diagnostics import Position, Span


class ClientKind(str, enum.Enum):
    CLIENT = "client"  # redis.Redis and its twins (StrictRedis, fakeredis, walrus, sentinel masters)
    CLUSTER = "cluster"
    PIPELINE = "pipeline"
    JSON = "json"  # the `r.json()` command group: its `set` is JSON.SET
    # An object of a Redis library that is not a client but holds one in its `.connection`
    # (rq's Queue, Job, Worker, registries): `queue.connection.lrem(...)` is a Redis call,
    # `queue.delete()` is not.
    HOLDER = "holder"
    # A walrus container (`db.ZSet(key)`, `db.Hash(key)` ...): an object bound to one key whose
    # methods run commands on it (`zset.expire(60)` is EXPIRE key 60).
    CONTAINER = "container"


@dataclass(frozen=True)
class ClientRef:
    """What a receiver expression is known to be."""

    kind: ClientKind
    # redis.asyncio (or another asyncio client): commands return awaitables.
    is_async: bool = False
    # For pipelines: an id unique within the module (one per `pipeline()` call site or
    # `transaction()` callback), and whether MULTI/EXEC wraps it.
    pipeline_id: Optional[int] = None
    transactional: bool = False
    # Where the knowledge came from: "constructor", "import", "annotation", "factory", "config" ...
    source: str = ""
    # Set when the receiver is (derived from) an object imported from what may be another module
    # of the project: "name:app.ext.redis_client" (the object itself) or "call:app.ext.get_redis"
    # (what that function returns).  Such a receiver is a client only if the project index finds
    # that module exporting a client (or a client factory) under that name; until then calls on it
    # wait in ModuleModel.pending_calls.
    via: Optional[str] = None
    # `pipeline if pipeline is not None else self.redis` (or `pipeline or self.redis`): the client
    # known here, unless callers fill that parameter ("param:<function>:<name>") with something
    # else.  When they pass a pipeline, the command may be queued there (atomic or not: unknown).
    or_param: Optional[str] = None
    # For containers: which `db.ZSet(key)` call built it (an id within the module), so the
    # extraction can find the key it is bound to.
    container_id: Optional[int] = None
    # For pipelines: a cluster client's (`RedisCluster.pipeline()`, `ClusterPipeline`), whose
    # methods differ by redis-py version (no `unlink` before 4.5).
    cluster: bool = False


@dataclass(frozen=True)
class KeyPattern:
    """A normalised Redis key: constant parts joined with `{}` for each dynamic part.

    ``known`` is False when the key expression could not be understood at all (an opaque
    parameter or call): then ``text`` is the source expression and nothing should be inferred.
    ``dynamic`` is True when some part varies per entity (a user id, a uuid ...), so the number
    of such keys can grow without bound.  Parts that look like namespaces (``self.prefix``,
    module constants, settings) make a key a pattern but not a per-entity one.
    """

    text: str
    known: bool
    dynamic: bool
    # Source text of the key expression after following local names, to compare two uses of
    # the same key inside one function even when the pattern is unknown.
    expr: str = ""
    # The key is, as a whole, one its caller names: `self.key` of a class that only ever stores
    # there a parameter of its constructor, as given (walrus' `List(db, key)`, a `RedisSet(key)`
    # wrapper).  The object is a handle on whatever collection its user chooses.
    caller_named: bool = False

    @property
    def constant_prefix(self) -> str:
        if not self.known:
            return ""
        return self.text.split("{}", 1)[0]


# Value.origin kinds that mean a big value: file contents, HTTP bodies, byte buffers,
# serialised data frames and query results (RL401).
LARGE_ORIGINS = frozenset({"file-read", "http-body", "buffer", "dataframe", "query-result"})


@dataclass(frozen=True)
class Value:
    """A summary of one argument expression."""

    kind: str  # str, bytes, int, float, bool, none, name, attribute, call, fstring, concat,
    #            format, dict, list, tuple, set, lambda, other
    text: str
    span: Span
    literal: Any = None  # the Python value of a literal (after unary minus), else None
    # What the value flows from, when known (within the function): "file-read", "pickle",
    # "http-body", "buffer", "dataframe", "query-result", "redis:<command>", "json" ...
    origin: Optional[str] = None
    # Literal byte size for str/bytes literals (and the largest literal an f-string holds).
    size: Optional[int] = None
    # For dict literals: the keys as Values (None for `**spread`).
    items: Optional[Tuple[Optional["Value"], ...]] = None
    # For dict literals: the values, in the same order (None for `**spread`) — what
    # `hset(mapping=...)`, `mset({...})` and `xadd(fields)` store.
    item_values: Optional[Tuple[Optional["Value"], ...]] = None
    # A name resolved to a local/module constant: the constant's literal value.
    resolved_literal: Any = None
    # Every literal a name may hold on some path: its assignments' literals and a parameter's
    # default (`def jobs(end=-1)`: the default path reads to the end).
    possible: Tuple[Any, ...] = ()
    # Parameters of the enclosing function whose defaults are among ``possible``.
    defaults_from: Tuple[str, ...] = ()
    # The value varies per entity (a parameter, an id, a loop variable): see KeyPattern.dynamic.
    entity: bool = False
    # For a call: the qualified name of what it calls ("datetime.timedelta"), when known.
    callee: Optional[str] = None
    # The expression is a parameter of the enclosing function that the function never rebinds
    # (`timeout` in `def acquire(self, timeout=None): r.lock(k, timeout=timeout)`): its value is
    # what each caller passes, or the default.
    parameter: Optional[str] = None

    @property
    def is_literal(self) -> bool:
        return self.kind in {"str", "bytes", "int", "float", "bool", "none"}

    @property
    def constant(self) -> Any:
        """The literal value, directly or through a constant binding; None if unknown."""
        if self.is_literal:
            return self.literal
        return self.resolved_literal

    def may_be(self, value: Any) -> bool:
        """Whether the expression may evaluate to ``value`` (a literal) on some path."""
        candidates = (self.literal,) if self.is_literal else self.possible
        return any(type(p) is type(value) and p == value for p in candidates)

    def is_truthy_literal(self) -> bool:
        return self.kind == "bool" and self.literal is True


@dataclass(frozen=True)
class StatementRef:
    """The simple statement a call is part of, for fixes that merge or delete statements."""

    block_id: int  # id of the enclosing statement list (an indented block or the module)
    index: int  # position of the statement in that block
    span: Span  # the whole line(s) of the statement, including indentation and newline
    is_expression: bool  # the statement is just the call (optionally awaited)
    single_in_block: bool  # removing it would leave the block empty


@dataclass(frozen=True)
class LuaCall:
    """One `redis.call('ZRANGEBYSCORE', KEYS[2], 1, ARGV[1])` in a literal Lua script.

    ``key_index`` is the 0-based index into the script's KEYS table of the first argument (-1
    when that argument is not `KEYS[n]`).  ``args`` are the arguments after it: string literals
    as their text without quotes (`LIMIT`, `-inf`), anything else as written (`ARGV[2]`, `-1`).
    ``spread`` is set when an argument may expand to several (`unpack(t)`, `...`): then which
    options were given is not known."""

    command: str  # the redis-py method name ("zrangebyscore")
    key_index: int
    args: Tuple[str, ...] = ()
    spread: bool = False


# One part of a file path: ("root", "/abs/app") — where the code is: the module's file or
# directory, or a package's directory — then ("text", "lua/clear.lua") or, in a helper that reads
# the file its caller names, ("param", "<parameter name>").
PathPart = Tuple[str, str]


@dataclass(frozen=True)
class FileRead:
    """A file the code reads that ships with it: the parts joined make its path, the first the
    ("root", ...) directory it is found from (the module's own, or a package's for
    `importlib.resources`/`pkgutil`)."""

    parts: Tuple[PathPart, ...]

    @property
    def params(self) -> Tuple[str, ...]:
        return tuple(value for kind, value in self.parts if kind == "param")


@dataclass(frozen=True)
class ScriptSource:
    """Where a Lua script comes from when its use does not show it as a literal; the project
    index reads it (``redislint.scripts``), so a script file that changes is read again."""

    text: Optional[str] = None  # a literal (what a module exports for others to import)
    file: Optional[FileRead] = None  # the contents of this file
    # What a function of the project returns ("local:…"/"import:…", as ClientArgument.callee)
    # when called with these arguments, each a literal string or a path found from the code's
    # place, as path parts: (keyword or None, parts), in call order.
    callee: Optional[str] = None
    arguments: Tuple[Tuple[Optional[str], Tuple[PathPart, ...]], ...] = ()
    # A module-level name or class attribute another module binds ("app.lua.CLEAR",
    # "app.base.Storage.SCRIPT"): what that module exports under the name.
    imported: Optional[str] = None


@dataclass
class RedisCall:
    """One call of a Redis command through a known client."""

    command: str  # the redis-py method name: "set", "lrange"; raw forms are mapped ("keys")
    receiver: str  # source text of the receiver, e.g. "self.redis"
    client: ClientRef
    span: Span  # the whole call expression
    name_span: Span  # the method name (`keys` in `r.keys(...)`)
    args: Dict[str, Value] = field(default_factory=dict)  # bound to the redis-py signature
    extra_args: Tuple[Value, ...] = ()  # positionals bound to *args
    extra_kwargs: Dict[str, Value] = field(default_factory=dict)  # bound to **kwargs
    has_star_args: bool = False  # `*args`/`**kwargs` at the call site: binding is incomplete
    bound: bool = True  # the arguments matched the signature
    raw: bool = False  # came from execute_command("KEYS", ...)
    keys: Tuple[KeyPattern, ...] = ()  # every key the command touches, in argument order
    awaited: bool = False
    # The call including a leading `await`, for fixes that replace the whole expression.
    outer_span: Optional[Span] = None
    function: Optional[int] = None  # index into ModuleModel.functions
    loop_depth: int = 0
    # Exception names handled by enclosing `try` blocks ("Exception", "ConnectionError" ...).
    handlers: Tuple[str, ...] = ()
    in_try: bool = False
    statement: Optional[StatementRef] = None
    # How the call's result is used: "discard", "iterate", "truth", "assign", "return",
    # "argument", "compare", "other"; `assigned_to` names the variable for "assign".
    result_use: str = "other"
    assigned_to: Optional[str] = None
    # The call is inside the condition of an `if`/`while` (its result guards a branch), or in
    # the body guarded by such a condition: the id of the innermost `if` it sits under.
    in_condition_of: Optional[int] = None
    under_if: Tuple[int, ...] = ()
    # Position just after the last argument (before `)`): where `, ex=...` is inserted.
    args_end: Optional[Position] = None
    # The pipeline/transaction the call is queued in (None: sent on its own).
    pipeline_id: Optional[int] = None
    # The result is assigned and a later `if v is None:`/`if not v:` raises or answers 404 at
    # once: a miss is taken to mean "does not exist", with no fallback to another store.
    miss_not_found: bool = False
    lua: Optional[str] = None  # script text given to eval/evalsha/register_script
    # The commands that script calls through `redis.call`/`redis.pcall`, as redis-py method
    # names ("keys", "flushall", "config_set"): the same commands, run by the server.
    lua_commands: Tuple[str, ...] = ()
    # The script's `redis.call`s on a key, with their arguments, in order (RL301 reads them).
    lua_calls: Tuple[LuaCall, ...] = ()
    # A script that is not a literal here (read from a file, imported, returned by a helper):
    # the project index fills ``lua`` and ``lua_commands`` from it when it can.
    script_source: Optional[ScriptSource] = None
    # A `lock()` whose lock is only asked about (`.locked()`, `.owned()`), never acquired.
    lock_queried_only: bool = False
    # Sequence number in source order within the module, to say "before"/"after".
    order: int = 0
    # The loops the call repeats in (indices into ModuleModel.loops), outermost first.
    loops: Tuple[int, ...] = ()

    @property
    def key(self) -> Optional[KeyPattern]:
        return self.keys[0] if self.keys else None

    def arg(self, name: str) -> Optional[Value]:
        return self.args.get(name)

    def has_arg(self, *names: str) -> bool:
        """Whether any of the named parameters was given a value other than a literal None/False."""
        for n in names:
            v = self.args.get(n)
            if v is None:
                continue
            if v.kind in {"none"} or (v.kind == "bool" and v.literal is False):
                continue
            return True
        return False


@dataclass
class ScriptRun:
    """A call that runs a script object a client's `register_script` returned: redis-py's
    `script(keys=[...], args=[...])`, coredis' `script.execute(...)`.  The server runs the script
    (EVALSHA) there, so what the script does happens at this call."""

    span: Span
    receiver: str  # source text of the script object
    client: ClientRef  # the client that registered it
    function: Optional[int] = None
    keys: Tuple[KeyPattern, ...] = ()  # the keys given, when a literal list or tuple
    lua: Optional[str] = None
    lua_commands: Tuple[str, ...] = ()
    script_source: Optional[ScriptSource] = None  # as RedisCall.script_source


@dataclass(frozen=True)
class ClientSite:
    """Where a client or connection pool is constructed (for client rules)."""

    kind: str  # "client", "pool", "cluster", "sentinel", "sentinel_client", "url", "lock"
    # ("sentinel_client": `sentinel.master_for(...)`/`slave_for(...)` on a known Sentinel, a new
    # client on a pool of its own; ``constructor`` is the Sentinel class's name with the method.
    # Its timeouts are the Sentinel's `connection_kwargs`, not its own keywords.)
    constructor: str  # qualified name, e.g. "redis.Redis", "redis.from_url"
    span: Span
    kwargs: Tuple[str, ...]
    args: Dict[str, Value] = field(default_factory=dict)
    function: Optional[int] = None
    loop_depth: int = 0
    args_end: Optional[Position] = None
    # Positional arguments given (besides a from_url's url), and whether `*args`/`**kwargs`
    # hide others: then which keywords were given is not known.  A `**dict` whose keys the code
    # shows (see ``constructions``) hides nothing: its keys are in ``kwargs``.
    positional: int = 0
    has_star_args: bool = False
    # How the new object is kept: the use of the call's result ("assign", "return",
    # "argument", "discard", "other" ...), the source text of the assignment target
    # (`r`, `self.redis`, `_clients[url]`), and whether that target outlives the call: an
    # attribute, an item of a container, or a name declared `global`.
    result_use: str = "other"
    assigned_to: Optional[str] = None
    stored: bool = False
    # How many arguments the call has as written (``kwargs``, ``args`` and ``positional`` also
    # count what a `**dict` spreads, a partial's calls add, a subclass passes on): a fix that
    # adds one after ``args_end`` needs a comma when there are any.
    written_args: int = 0
    # `functools.partial(<constructor>, ...)`: the constructor and some arguments are bound here;
    # the client is built where the partial is called, and those calls' arguments are included.
    partial: bool = False
    # What the code calls when it is not the redis-py class itself: a class of this module that
    # derives from it (`ArqRedis`).  Its arguments are those its `__init__` passes on.
    written: Optional[str] = None
    # Functions of this module whose callers here filled a `**parameter` spread into the call:
    # what it holds was read from them, so a caller in another module would make it unknown.
    keywords_from_callers: Tuple[str, ...] = ()
    # Functions of this module whose own `**kwargs` is spread into the call, when that is all
    # that ``has_star_args`` stands for: the call gets nothing more than the keys shown here if
    # no call of those functions in the project passes keywords beyond their named parameters.
    own_kwargs_of: Tuple[str, ...] = ()
    # Set while the constructor is reached through a module of the project that may re-export
    # redis-py (`from . import redis; redis.Redis(...)`): the name as written.  Such a site
    # waits in ``ModuleModel.pending_clients`` until linking shows the module is redis-py.
    via: Optional[str] = None
    # Inside an `except` clause: built when that error happens (a reconnect), not every time.
    in_except: bool = False
    # The fallback of an `or` whose left side reads state (`self.client or Redis()`,
    # `getattr(g, "redis", None) or Redis()`): built only when that is missing.
    fallback: bool = False
    # A `Lock(...)` only asked about (`.locked()`, `.owned()`), never acquired.
    lock_queried_only: bool = False
    # The new object leaves the function with its return value: returned, or an argument of a
    # call that is (`return Queue(connection=Redis(...))`), however deep.
    forwarded: bool = False
    # Names tested for a missing value by the `if` blocks around the call (as
    # FunctionCallSite.when_missing): a caller that passes that parameter builds nothing here.
    when_missing: Tuple[str, ...] = ()
    # Some condition before the construction in its function may read state that outlives the
    # call (model.guards): it may be a check that a client is already there.
    state_guarded: bool = False
    # The function closes the new client before it returns (`with Redis() as r:`, `r.close()`):
    # it is built to be thrown away after one call.
    closed: bool = False
    # Set only for what is ``closed``: the function sends its commands in a loop (`while True:
    # r.blpop(q)`, `for m in r.pubsub().listen()`, a batch of deletes; uses.looped_names): the
    # one client serves the function's whole run, a consumer's or a batch's.
    used_in_loop: bool = False
    # How many of the loops around it (``loop_depth``) are `while` loops that their body can
    # leave (`break`, `return`): retry loops, which build again only after a failed try.
    retry_loops: int = 0


@dataclass(frozen=True)
class ClientArgument:
    """A client passed to a function of the project: `store(redis_client, key)`.

    ``callee`` is "local:<qualname>" for a function or method of this module,
    "import:<qualified>" for one imported from another module of the project, or
    "bound:<qualified>" for a method of an imported base class called as `super().m(...)`.  ``index`` is the
    position among the callee's parameters (counting `self` for methods and constructors, which
    ``local`` callees already do; for ``import`` callees the index is as written and the project
    index adds one when the name turns out to be a class), or ``keyword`` names the parameter.
    """

    callee: str
    index: Optional[int]
    keyword: Optional[str]
    client: "ClientRef"


@dataclass(frozen=True)
class FunctionCallSite:
    """A call of a function of the project, by the arguments it passes (not their values):
    enough to tell whether callers ever rely on a parameter's default."""

    callee: str  # as in ClientArgument
    positional: int  # positional arguments passed, counting `self` for local methods
    keywords: Tuple[str, ...]
    star: bool  # `*args`/`**kwargs`: any parameter may be passed
    keyword_star: bool = False  # `**kwargs` among them: any keyword may be passed (not only by `*args`)
    # The calling function (index into its module's functions), and the exception names handled
    # by `try` blocks around the call (as RedisCall.handlers).
    function: Optional[int] = None
    handlers: Tuple[str, ...] = ()
    # Where the call is and what is done with its result, as ClientSite records it for a
    # construction (RL602 follows a client factory through the calls of it): the loops around
    # it in its function, the use of the result, the assignment target, whether that target
    # outlives the call, and whether the result leaves the caller with its return value
    # (ClientSite.forwarded).  No line: positions cost a regeneration, and the finding names
    # the caller and its file.
    loop_depth: int = 0
    result_use: str = "other"
    assigned_to: Optional[str] = None
    stored: bool = False
    forwarded: bool = False
    # Names tested for a missing value by the `if` blocks around the call (`if connection is
    # None: connection = get_connection()`): a caller that passes that parameter skips the call.
    # `await f(...)`: an async function's body runs here; unawaited, the call only makes a
    # coroutine that something else runs (a task, `gather`), once.
    awaited: bool = False
    # Inside an `except` clause: runs when that error happens, not on every pass.
    in_except: bool = False
    # As ClientSite.fallback (`sentinel.broker or get_broker()`).
    fallback: bool = False
    when_missing: Tuple[str, ...] = ()
    # As ClientSite.state_guarded: some condition before the call may check for a kept result.
    state_guarded: bool = False
    # As ClientSite.closed: the caller closes what the call returned before it returns.
    closed: bool = False
    # As ClientSite.used_in_loop.
    used_in_loop: bool = False
    # As ClientSite.retry_loops.
    retry_loops: int = 0
    # The call runs a base class's initialiser on the object being built (`super().__init__(...)`
    # in an `__init__`): what that initialiser keeps on `self` lives as long as this object.
    initialises: bool = False


@dataclass(frozen=True)
class Deserialisation:
    """A call that turns bytes into objects by running code (`pickle.loads(data)`), with the
    value it is given (whose origin says whether it was read from Redis): RL402."""

    callee: str  # qualified: "pickle.loads", "dill.loads", "cloudpickle.loads"
    span: Span
    value: Value
    function: Optional[int] = None


@dataclass(frozen=True)
class CacheCall:
    """A call on a framework cache object — Django's `cache`/`caches["x"]`, a Flask-Caching
    `Cache`, a cachelib `RedisCache` — which is not a Redis client: its methods have their own
    semantics (`clear()`, `keys()`), and whether they reach Redis depends on the configured
    backend (see ``model.caches``).

    A walrus cache is recorded where it is made: `walrus.Cache(db, ...)` (method "Cache") or
    `db.cache(...)` on a walrus Database (method "cache"), with the arguments given to it."""

    framework: str  # "django", "flask_caching", "cachelib", "walrus"
    method: str
    span: Span
    name_span: Span
    receiver: str  # source text of the cache object
    # Django: the cache alias (`cache` is "default"); None when the subscript is not a literal.
    alias: Optional[str] = None
    # Flask-Caching/cachelib objects built in this module: what their own constructor (or
    # `init_app(config=...)`) says — the CACHE_TYPE or class, and the key prefix
    # (None: not given; "?" given but not a literal).
    backend: Optional[str] = None
    key_prefix: Optional[str] = None
    args: Tuple[Value, ...] = ()  # positional arguments
    kwargs: Tuple[str, ...] = ()
    has_star_args: bool = False
    result_use: str = "other"
    function: Optional[int] = None
    # The keyword arguments with their values, in call order (`timeout=None`).
    keyword_values: Tuple[Tuple[str, Value], ...] = ()
    # Exception names handled by enclosing `try` blocks (as RedisCall.handlers), and whether any.
    handlers: Tuple[str, ...] = ()
    in_try: bool = False
    # The call is a decorator (`@cache.cached(timeout=0)`).
    decorator: bool = False

    def argument(self, name: str, position: Optional[int]) -> Optional[Value]:
        """The value given to parameter ``name`` (also at ``position`` among the positionals);
        None when not given, or when `*args`/`**kwargs` hide where it went."""
        for keyword, value in self.keyword_values:
            if keyword == name:
                return value
        if self.has_star_args or position is None or position >= len(self.args):
            return None
        return self.args[position]


@dataclass(frozen=True)
class CacheConfig:
    """A cache backend configured somewhere in the project: Django `CACHES = {alias: {"BACKEND":
    ...}}`, a use of `django_redis.get_redis_connection(alias)` (which only works when that alias
    is a django-redis cache), Flask `CACHE_TYPE`/`CACHE_KEY_PREFIX` settings."""

    framework: str  # "django", "flask_caching"
    setting: str  # "BACKEND", "CACHE_TYPE", "CACHE_KEY_PREFIX"
    value: str
    alias: Optional[str] = None  # Django alias
    span: Optional[Span] = None
    # For settings given in a Django `CACHES` entry ("TIMEOUT", "IGNORE_EXCEPTIONS"): the BACKEND
    # named in the same entry, when it is a literal.
    backend: Optional[str] = None


@dataclass
class LoopInfo:
    """A `for` loop or comprehension that calls may repeat in (RL605).  `while` loops are not
    recorded: they have no loop variable for a key to depend on."""

    targets: Tuple[str, ...]  # the names the loop binds (`for uid, name in rows` → uid, name)
    iterable: str  # source text of what it iterates
    # The iterable is a literal display of at most a few fixed elements (`("a", "b")`, a module
    # constant bound to one, `range(3)`): the number of elements; None otherwise.
    literal_size: Optional[int] = None
    # A `break` in the loop's own body, or a `return` anywhere in it: it may stop at the first hit.
    exits_early: bool = False
    comprehension: bool = False

    def varies(self, text: str) -> bool:
        """Whether the expression ``text`` (a key, an argument) depends on the loop variable:
        it names one of the loop's targets as a whole word."""
        return any(re.search(rf"\b{re.escape(name)}\b", text) for name in self.targets)


@dataclass
class FunctionInfo:
    name: str
    qualname: str
    is_async: bool = False
    class_name: Optional[str] = None
    decorators: Tuple[str, ...] = ()
    params: Tuple[str, ...] = ()
    # The decorators in full (`app.route`, `router.get`, imports resolved: `rest_framework.
    # decorators.api_view`), "" for one that is not a dotted name.
    decorator_paths: Tuple[str, ...] = ()
    # Calls to a durable store in this function (ORM save/create, session.commit, SQL execute).
    durable_writes: Tuple[str, ...] = ()
    returns_client: bool = False
    # Local names whose object may outlive the call: assigned to an attribute, an item or a
    # global, or passed to some call (`self.r = r`, `app.extensions["redis"] = r`, `Service(r)`).
    kept_names: Tuple[str, ...] = ()
    # Of those, the names assigned to an attribute, an item or a global (the object outlives the
    # call by being stored, not merely handed to a call).
    stored_names: Tuple[str, ...] = ()
    # Local names whose object leaves the function with its return value: returned, or passed
    # to a call that is returned (`conn = get_connection(); return Queue(connection=conn)`).
    returned_names: Tuple[str, ...] = ()
    # Keys set on a client's or pool's connection keywords after it was built, by the name that
    # holds it (`client.connection_pool.connection_kwargs["socket_timeout"] = 3`): (name, key).
    connection_kwargs_set: Tuple[Tuple[str, str], ...] = ()
    # The function returns the contents of a file shipped with the code, whose path may be built
    # from its parameters (`def get_package_data(path): return files("pkg").joinpath(path).read_bytes()`).
    returns_file: Optional[FileRead] = None

    def parameter_for(self, keyword: Optional[str], index: int, shift: int = 0) -> Optional[str]:
        """The parameter an argument fills: its keyword, when the function has it, or the
        ``index``-th positional after ``shift`` parameters (`self`); None when it fits none."""
        if keyword is not None:
            return keyword if keyword in self.params else None
        index += shift
        return self.params[index] if index < len(self.params) else None


@dataclass
class ModuleModel:
    path: str
    # Set when the file could not be read or parsed: the message for RL001, and where.
    error: Optional[str] = None
    error_position: Optional[Position] = None
    calls: List[RedisCall] = field(default_factory=list)
    clients: List[ClientSite] = field(default_factory=list)
    # Constructions through a module alias of the project (ClientSite.via); linking moves those
    # whose alias is redis-py into ``clients``.
    pending_clients: List[ClientSite] = field(default_factory=list)
    functions: List[FunctionInfo] = field(default_factory=list)
    imports: Dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    # Module-level names bound to clients, and module-level functions that return one (with
    # source "factory"): exported for other modules via the project index.
    exported_clients: Dict[str, ClientRef] = field(default_factory=dict)
    # Each class of the module with its bases ("local:Base" or the qualified name of an import),
    # for calls that `self.m()` in a base class makes to a subclass's override.
    class_bases: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    # Calls on receivers imported from elsewhere (ClientRef.via set).  The project index moves
    # those whose import turns out to name a client into ``calls``; the rest are not Redis.
    pending_calls: List[RedisCall] = field(default_factory=list)
    # Clients this module passes to functions of the project (see ClientArgument).
    client_arguments: List[ClientArgument] = field(default_factory=list)
    function_calls: List[FunctionCallSite] = field(default_factory=list)
    deserialisations: List[Deserialisation] = field(default_factory=list)
    # Framework cache API calls and cache backend settings (RL201/RL202 framework forms).
    cache_calls: List[CacheCall] = field(default_factory=list)
    cache_configs: List[CacheConfig] = field(default_factory=list)
    loops: List[LoopInfo] = field(default_factory=list)
    # Exception names the module registers application-wide handlers for: Flask
    # `@app.errorhandler(RedisError)` / `register_error_handler(...)`, FastAPI
    # `@app.exception_handler(...)` / `add_exception_handler(...)` (last name segment).
    error_handlers: Tuple[str, ...] = ()
    # `if v is None:` / `if not v:` blocks (by the id RedisCall.under_if uses) -> the name tested.
    miss_branches: Dict[int, str] = field(default_factory=dict)
    # `if` blocks whose body calls something slow -> what ("a Django ORM query", "an HTTP request",
    # "a database query"): the recompute of a cache miss that a stampede multiplies (RL604).
    expensive_branches: Dict[int, str] = field(default_factory=dict)
    # What literal Lua scripts do to the keys they are given (`redis.call('EXPIRE', KEYS[1], ...)`
    # run with `keys=[f"user:{uid}"]`): (redis-py method name, key) pairs for the keyspace index.
    script_effects: List[Tuple[str, KeyPattern]] = field(default_factory=list)
    # Each run of a literal script with keys the code shows: (the script's SHA1, as EVALSHA names
    # it; the keys it is given, in KEYS order; the span of the EVAL call that runs it, None for
    # a call of the Script object `register_script` returned).  Rules match a script call's
    # `lua` to its runs with ``commands.script_sha`` to learn which keys its `KEYS[n]` are.
    literal_script_runs: List[Tuple[str, Tuple[KeyPattern, ...], Optional[Span]]] = field(default_factory=list)
    # Runs of registered scripts (ScriptRun), and those whose client is known only to the
    # project index (as ``pending_calls``).
    script_runs: List[ScriptRun] = field(default_factory=list)
    pending_script_runs: List[ScriptRun] = field(default_factory=list)
    # Module-level names and class attributes bound to a script (a literal that calls Redis, a
    # file read, a helper's result), for other modules that import them: "CLEAR", "Storage.SCRIPT".
    exported_scripts: Dict[str, ScriptSource] = field(default_factory=dict)
    # What scripts the project index read (from files, other modules) do to the keys their runs
    # pass: as ``script_effects``, set by the index on every run (never cached).
    linked_script_effects: List[Tuple[str, KeyPattern]] = field(default_factory=list)
    # Set by the runner from the `test-paths` setting: most rules do not judge test code.
    # Lines of pytest fixtures (first, last): test code wherever the file lives (a plugin's
    # fixture flushes its throwaway database on purpose).
    test_ranges: List[Tuple[int, int]] = field(default_factory=list)
    is_test: bool = False
    # False when the prefilter decided the file cannot touch Redis and it was not parsed.
    analysed: bool = True

    def function_of(self, call: RedisCall) -> Optional[FunctionInfo]:
        return self.functions[call.function] if call.function is not None else None
