"""RL6xx: clients and resilience.  How clients and pools are built decides what a slow or dead
server does to the application: hang it, or fail fast so that it can fall back."""
from __future__ import annotations

import os
from typing import Iterator, Optional, Tuple

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import ClientSite
from ..model.builders import PER_CALL_PREFIXES, forwarded as _forwarded, judged_construction, kept_by_instance
from ..model.clients import URL_FACTORIES
from ..model.uses import CLOSERS
from ..registry import Context, FixAvailability, rule
from ._frequency import CONTEXT_MANAGERS, checks_connection, repeats, runs_once, runs_per, spawned, throwaway
from ._support import TIMEOUT_DEFAULT_SINCE, url_parts

# `socket_connect_timeout` exists since redis-py 2.10.
CONNECT_TIMEOUT_SINCE = (2, 10)

# Constructors whose timeouts RL601 judges: redis-py's own clients, clusters and pools (sync and
# asyncio) and walrus (a redis.Redis subclass).  Not fakeredis (no network), not aioredis (its
# own versions), not framework helpers that build the client from settings we cannot see.
_JUDGED_PREFIXES = PER_CALL_PREFIXES
# `Redis(host, port, db, password, socket_timeout, ...)`: from the fifth positional argument on,
# socket_timeout may have been passed by position.
_REDIS_POSITIONAL_BEFORE_TIMEOUT = 4


def _judged(ctx: Context, site: ClientSite) -> bool:
    # Also the client a URL factory builds (model.clients.URL_FACTORIES), from its options dict
    # and URL query.
    if site.kind not in ("client", "cluster", "pool") or not (
            site.constructor.startswith(_JUDGED_PREFIXES) or site.constructor in URL_FACTORIES):
        return False
    if (site.has_star_args and not _own_kwargs_empty(ctx, site)) or site.constructor.endswith(".from_pool") \
            or "connection_pool" in site.kwargs:
        return False  # **kwargs may hold it; a client on a shared pool takes the pool's timeouts
    if site.kind == "client" and not site.constructor.endswith("from_url") \
            and site.positional > _REDIS_POSITIONAL_BEFORE_TIMEOUT:
        return False
    return not _called_from_elsewhere(ctx, site)


def _called_from_elsewhere(ctx: Context, site: ClientSite) -> bool:
    """A `**parameter` was read from the callers in this module: another module that calls the
    function may pass other keys, the timeout among them."""
    for qualname in site.keywords_from_callers:
        found = _calls_of(ctx, qualname)
        if found is None or any(module.path != ctx.module.path for module, _ in found[1]):
            return True
    return False


def _calls_of(ctx: Context, qualname: str):
    """The function of this module called ``qualname`` and its calls in the project: [(module,
    FunctionCallSite)]; None when the module has no such function."""
    function = ctx.index.project.functions(ctx.module).get(qualname)
    return None if function is None else (function, ctx.index.callers_of(ctx.module, function))


def _own_kwargs_empty(ctx: Context, site: ClientSite) -> bool:
    """The only `**` spread into the call is the `**kwargs` of functions that the project calls,
    and never with a keyword beyond their named parameters (nor `*`/`**` of its own): in this
    project that dict holds only the keys the function stores into it.  (Callers outside the
    project may pass more; the project's own calls are the ones that build its clients.)"""
    if not site.own_kwargs_of:
        return False
    for qualname in site.own_kwargs_of:
        function, callers = _calls_of(ctx, qualname) or (None, [])
        if not callers:
            return False  # an API nobody here calls: its callers choose what it holds
        for _, call in callers:
            if call.star or any(keyword not in function.params for keyword in call.keywords):
                return False
    return True


def _shown(site: ClientSite) -> str:
    """How the message names the construction: `Redis.from_url(...)`, `ArqRedis(...)`,
    `functools.partial(Redis, ...)`."""
    if site.written is not None:
        name = site.written
    else:
        parts = site.constructor.rsplit(".", 2)
        name = ".".join(parts[-2:]) if site.constructor.endswith("from_url") else parts[-1]
    return f"functools.partial({name}, ...)" if site.partial else f"{name}(...)"


def _where_timeout_goes(site: ClientSite) -> str:
    """For a URL factory, the dict the client's keywords go in (` in its `client_options``)."""
    factory = URL_FACTORIES.get(site.constructor)
    return f" in its `{factory[0]}`" if factory is not None else ""


def _url_query(site: ClientSite) -> Tuple[dict, str]:
    """The query parameters and scheme of the literal URL given to `from_url` (empty if none)."""
    return url_parts(site.args.get("url")) or ({}, "")


def _given(site: ClientSite, name: str, query: dict) -> bool:
    """The timeout is set: a keyword that is not a literal None, or a parameter of the URL."""
    value = site.args.get(name)
    if name in site.kwargs:
        return not (value is not None and value.kind == "none")
    return name in query


def _set_after(ctx: Context, site: ClientSite, name: str) -> bool:
    """The keyword is set on the pool's connection keywords once built, through the local name
    that holds it (`client.connection_pool.connection_kwargs["socket_timeout"] = 3`): every
    connection the pool makes afterwards gets it."""
    if site.function is None or site.result_use != "assign" or site.stored or site.assigned_to is None:
        return False
    function = ctx.module.functions[site.function]
    return (site.assigned_to, name) in function.connection_kwargs_set


def _hands_out_pubsub(ctx: Context, site: ClientSite) -> bool:
    """The client's `pubsub()` is taken in this module: a subscriber's connection comes from the
    same pool with the same timeout, and a socket timeout makes an idle `listen()` raise
    `TimeoutError`.  Whether the timeout helps or breaks depends on how the subscriber waits
    (`get_message(timeout=...)` polling, `health_check_interval`), so the rule stays quiet."""
    if site.assigned_to is None or site.result_use != "assign":
        return False
    return any(call.command == "pubsub" and call.receiver == site.assigned_to
               and (site.stored or call.function == site.function) for call in ctx.module.calls)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _timeout_fix(ctx: Context, site: ClientSite, query: dict, scheme: str, version: Tuple[int, ...]) -> Optional[Fix]:
    """Add `socket_timeout` (and `socket_connect_timeout`, which falls back to it anyway) with the
    configured defaults.  Unix-socket connections (and pools with a connection class of their own)
    get only `socket_timeout`: older redis-py's UnixDomainSocketConnection takes no connect
    timeout, and neither does redis-py before 2.10."""
    # `socket_timeout=None` written out: replacing it is the author's call.  A URL factory takes
    # the timeout in its options dict, not as a keyword of its own.
    if site.args_end is None or "socket_timeout" in site.kwargs or not site.constructor.startswith(_JUDGED_PREFIXES):
        return None
    unix = "unix_socket_path" in site.kwargs or "connection_class" in site.kwargs or scheme == "unix"
    parts = [f"socket_timeout={_number(ctx.settings.default_socket_timeout)}"]
    # Not when the call writes `socket_connect_timeout` (None included) or its URL gives one.
    if not unix and version[:2] >= CONNECT_TIMEOUT_SINCE and "socket_connect_timeout" not in site.kwargs \
            and "socket_connect_timeout" not in query:
        parts.append(f"socket_connect_timeout={_number(ctx.settings.default_connect_timeout)}")
    has_args = site.written_args > 0
    text = ", ".join(parts)
    return Fix.unsafe(f"Add `{text}` (the configured defaults)",
                      Edit.insertion(site.args_end, f", {text}" if has_args else text))


@rule("RL601", "client-without-timeout", "A client or pool that waits forever on a dead server (redis-py < 8).",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def client_without_timeout(ctx: Context) -> Iterator[Diagnostic]:
    """A redis-py client or pool built without `socket_timeout`, in a project whose redis-py is
    older than 8.0: there a command on a connection whose server died or stalls waits forever,
    and the worker or request holding it hangs with it.  `socket_connect_timeout` falls back to
    `socket_timeout`, so the socket timeout is the one that must be there.  Quiet when the
    version is unknown or 8.0 and later (which default both to 5 s); a declaration with no
    lower end (`redis`, `redis<8`) allows the older releases, so it counts as older, and so
    does a project that declares its dependencies without naming redis-py."""
    version = ctx.redis_py_version
    if version is None or version.version[:2] >= TIMEOUT_DEFAULT_SINCE:
        return
    for site in ctx.module.clients:
        if not _judged(ctx, site):
            continue
        query, scheme = _url_query(site)
        if _given(site, "socket_timeout", query) or _set_after(ctx, site, "socket_timeout"):
            continue
        if _hands_out_pubsub(ctx, site):
            continue
        if not version.declared:
            which = f"redis-py undeclared ({version.source} does not name it, so releases before 8.0 may be installed)"
        elif version.unbounded:
            which = f"redis-py unpinned ({version.source} allows releases before 8.0)"
        else:
            which = f"redis-py {version} ({version.source})"
        yield ctx.report(
            site.span,
            f"`{_shown(site)}` without `socket_timeout`{_where_timeout_goes(site)}: with {which} a command "
            "waits forever when the server stalls or the connection dies",
            _timeout_fix(ctx, site, query, scheme, version.version),
        )


def _closing_caller(ctx: Context, module, function, depth: int = 0) -> Optional[list]:
    """The factory ``function``'s result is closed after one use by a caller that may run many
    times (or by one through factories that return it): [(module, function, why)] from the call
    of ``function`` outwards, as ``_per_call_chains`` gives."""
    for caller_module, call in ctx.index.callers_of(module, function):
        if call.function is None or caller_module.is_test or call.in_except or call.fallback:
            continue
        caller = caller_module.functions[call.function]
        if call.closed and _serves_one_call(ctx, caller_module, call) and not _forwarded(call, caller) \
                and throwaway(ctx, caller_module, caller):
            return [(caller_module, caller, "closes it")]
        if depth + 1 < _FACTORY_DEPTH and _forwarded(call, caller) and caller is not function:
            rest = _closing_caller(ctx, caller_module, caller, depth + 1)
            if rest is not None:
                return [(caller_module, caller, "returns it")] + rest
    return None


def _serves_one_call(ctx: Context, module, site) -> bool:
    """What the function does with the client it closes is one call's work.  Not when all it
    does is `ping` it (a check that the server answers, whatever the function is called: a
    fresh client is what it is for), nor when it sends commands in a loop (a consumer or a
    batch: one client for the whole run is the right size)."""
    if site.used_in_loop:
        return False
    if site.assigned_to is None:
        return True
    commands = {call.command for call in ctx.index.calls_in(module, site.function) if call.receiver == site.assigned_to}
    return commands - CLOSERS != {"ping"}


def _kept(site: ClientSite, function) -> bool:
    """The new client outlives the call: returned (a factory: its callers decide how often),
    stored on an object, in a container or a global, or its name handed to another call."""
    if site.stored or site.result_use in ("return", "argument") or function.returns_client:
        return True
    return _assigned_to(site, function.kept_names)


def _assigned_to(site, names: Tuple[str, ...]) -> bool:
    """The result is assigned to a local name among ``names`` (FunctionInfo.kept_names, ...)."""
    return site.result_use == "assign" and site.assigned_to in names


def _stored(site, function) -> bool:
    """The result is stored where it outlives the call, directly or through a local name."""
    return site.stored or _assigned_to(site, function.stored_names)


def _replaces_stored(site, function) -> bool:
    """Stored where it outlives the call (`current_app.redis = Redis()`, or through a local
    name), on every pass: no loop around it (one per server is fine), and no condition before
    it that may check whether one is already there (ClientSite.state_guarded)."""
    if site.loop_depth or site.state_guarded or site.when_missing or site.result_use != "assign" \
            or _forwarded(site, function):
        return False
    return _stored(site, function)


def _local_pool(ctx: Context, client: ClientSite, name: str) -> bool:
    """``name`` holds a pool built in the same function (`pool = ConnectionPool(...)`)."""
    return any(site.kind == "pool" and site.function == client.function and site.result_use == "assign"
               and not site.stored and site.assigned_to == name for site in ctx.module.clients)


# How far RL602 follows a factory up through callers that are factories themselves; the steps
# from an object's initialiser to where the object is built do not count, up to a bound of their own.
_FACTORY_DEPTH = 3
_CHAIN_LENGTH = 8


def _per_call_chains(ctx: Context, module, function, depth: int = 0, seen: Tuple = (),
                     leaving: Tuple[str, ...] = (), drops: bool = False) -> Iterator[list]:
    """The chains of calls in the project that run the factory ``function`` of ``module`` per
    request, per task or per loop iteration: [(module, caller function, why)], from
    the call of ``function`` outwards to the one that makes it per call.  None comes from a
    chain that ends in start-up code, module level, a cached function, an object that keeps
    the result, or a function whose own callers we cannot see.  An `__init__` that keeps the
    result on its object is judged by where the object is built: the calls of its class (and
    of the subclasses whose `__init__` runs it), followed as calls of a factory of it.

    With ``drops``, ``function`` builds the client (or gets one from a factory), uses it and
    lets it go: it builds one per call of its own, whatever its callers do with what it
    returns, so its callers are judged the same way in turn."""
    key = (module.path, function.qualname)
    if depth >= _FACTORY_DEPTH or key in seen or len(seen) >= _CHAIN_LENGTH:
        return
    seen = seen + (key,)
    callers = ctx.index.callers_of(module, function, leaving)
    if not leaving:  # and the base classes' own `self.m()` calls of an override
        callers = callers + ctx.index.overridden_callers_of(module, function)
    for caller_module, call in callers:
        if call.function is None:
            continue  # module level: runs once, at import
        if caller_module.is_test:
            continue  # tests call as they please: no evidence of how the code runs it
        caller = caller_module.functions[call.function]
        if call.in_except or call.fallback:
            continue  # a fallback when an error happens (a reconnect) or one is missing, not every call
        if spawned(call, function):
            continue  # a coroutine made for `gather` or a task: a worker that runs once
        if kept_by_instance(call, caller) and not drops:
            # As often as the object is built: its class is the factory now.  (Objects of it
            # the project keeps elsewhere do not make the ones built per call any cheaper.)
            given = _left_out(call, caller)
            for rest in _per_call_chains(ctx, caller_module, caller, depth, seen, given):
                yield [(caller_module, caller, "builds it")] + rest
            continue
        if runs_once(caller_module, caller):
            continue  # start-up code, a cached function
        handler = runs_per(caller_module, caller)
        if handler and checks_connection(caller.name):
            continue  # a connection-check endpoint builds its own client to try the settings
        if not drops and handler and _replaces_stored(call, caller):
            yield [(caller_module, caller, handler)]  # kept, but a new one on every call
            continue
        if not drops and _stored(call, caller):
            continue  # the result is kept on an object
        forwarded = not drops and _forwarded(call, caller)
        if not drops and call.result_use == "argument" and not forwarded:
            continue  # handed to a call that may keep it
        if handler:
            yield [(caller_module, caller, handler)]
        elif repeats(call) and not forwarded:
            if not _assigned_to(call, caller.kept_names):
                yield [(caller_module, caller, "loop")]  # (one kept per item: one per server, say)
        elif forwarded:
            # `if connection is None: connection = get_connection()`: only the callers that
            # leave the parameter out get a new one.
            given = _left_out(call, caller)
            for rest in _per_call_chains(ctx, caller_module, caller, depth + 1, seen, given):
                yield [(caller_module, caller, "returns it")] + rest
        elif drops or not _kept(call, caller):
            # The caller uses the client and lets it go: a new one per call of the caller, whose
            # own callers decide how often that is.
            given = _left_out(call, caller)
            for rest in _per_call_chains(ctx, caller_module, caller, depth + 1, seen, given, drops=True):
                yield [(caller_module, caller, "calls it")] + rest


def _left_out(site, function) -> Tuple[str, ...]:
    """`if client is None: client = Redis()` (or `= get_client()`, `client or Redis()`): the
    parameters whose absence the construction or call waits for, and the keywords a `**kwargs`
    may bring (`task.pop("broker", None) or get_broker()`); only the callers that leave them
    out get a new one."""
    return tuple(name[2:] if name.startswith("**") else name for name in site.when_missing
                 if name in function.params or name.startswith("**"))


def _per_call_chain(ctx: Context, module, function, leaving: Tuple[str, ...] = (),
                    drops: bool = False) -> Optional[list]:
    """The chain to report: a request handler or a task before a loop (a loop may well be over
    distinct servers, each built once), then the shortest."""
    chains = list(_per_call_chains(ctx, module, function, leaving=leaving, drops=drops))
    if not chains:
        return None
    return min(chains, key=lambda chain: (chain[-1][2] == "loop", len(chain)))


def _chain_text(ctx: Context, chain: list, verb: str = "calls it") -> str:
    """`queue_jobs()` (a request handler, views.py) calls it through `get_queue_by_index()`;
    an object's initialiser is named by the building of the object (`Broker(...)`)."""
    module, caller, why = chain[-1]
    where = _shown_path(ctx, module.path)
    if why == "loop":
        head = f"`{caller.qualname}()` {verb} in a loop ({where})"
    else:
        head = f"`{caller.qualname}()` ({why}, {where}) {verb}"
    through = _through(chain)
    return head + (f" through {through}" if through else "")


def _through(chain: list) -> str:
    """The functions a chain goes through on its way out, innermost first (`get_queue()`, ...)."""
    return ", ".join(_called(c) for _, c, _ in reversed(chain[:-1]))


def _called(function) -> str:
    """How a chain names a function it goes through: `get_queue()`, or `Broker(...)` for the
    initialiser (or `__new__`) of a class."""
    if function.class_name is not None and function.name in ("__init__", "__new__"):
        return f"`{function.qualname.rsplit('.', 1)[0]}(...)`"
    return f"`{function.qualname}()`"


def _shown_path(ctx: Context, path: str) -> str:
    """A caller's file as the message names it: relative to the project root, or else to the
    reported module's directory, when it is below it; else as given."""
    for base in (ctx.settings.project_root, os.path.dirname(ctx.module.path)):
        try:
            shown = os.path.relpath(path, base) if base else ".."
        except ValueError:
            continue
        if not shown.startswith(".."):
            return shown.replace("\\", "/")
    return path


@rule("RL602", "client-per-call", "A client or pool built on every call instead of once.")
def client_per_call(ctx: Context) -> Iterator[Diagnostic]:
    """A redis-py client or pool constructed inside a function that runs per request, task or
    iteration and dropped when it returns: each call opens a new connection pool (TCP connect,
    AUTH, SELECT) instead of reusing one.  A factory that returns the new client is judged by
    its callers in the project (see ``_per_call_chains``).  Conservative: quiet for start-up code
    and functions that run once, cached factories, clients on a shared pool, clients that outlive
    the call (stored, passed on), and factories whose callers we cannot see.
    A client that `__init__` keeps on its object is judged by where the project builds objects
    of that class, as a factory's callers are (a class built nowhere in it is an API: quiet).
    `sentinel.master_for(...)` builds a client with a pool of its own: judged as a construction."""
    for site in ctx.module.clients:
        if not judged_construction(site):
            continue
        if site.function is None or site.constructor.endswith(".from_pool") or site.partial:
            continue  # (a partial builds nothing where it is written, but where it is called)
        pool = site.args.get("connection_pool")
        if pool is not None and pool.kind != "call" and not _local_pool(ctx, site, pool.text):
            continue  # a shared pool; a pool built here, inline or in a local name, is not one
        function = ctx.module.functions[site.function]
        if site.in_except or site.fallback:
            continue  # a fallback when an error happens (a reconnect) or one is missing
        what = {"pool": "pool", "sentinel": "Sentinel (and its connections)"}.get(site.kind, "client")
        leaving = _left_out(site, function)
        if kept_by_instance(site, function):
            # Kept on the object: as often as the object is built.
            chain = _per_call_chain(ctx, ctx.module, function, leaving)
            if chain is not None:
                cls = function.qualname.rsplit(".", 1)[0]
                yield ctx.report(site.span, f"a new Redis {what} is built with every `{cls}` object, and "
                                            f"{_chain_text(ctx, chain, 'builds one')}: each object opens its own "
                                            "connections; build the client once (module level or a cached "
                                            "factory) and give it to the objects, or keep the object")
            continue
        if runs_once(ctx.module, function, closing=site.closed):
            continue  # start-up code
        runs = runs_per(ctx.module, function)
        if runs is not None and _replaces_stored(site, function):
            yield ctx.report(site.span, f"a new Redis {what} is built on every call of `{function.qualname}()` ({runs}) and "
                                        "replaces the one stored before, with nothing checking whether one is "
                                        "there: each call opens its own connections; build it once (module level, "
                                        "start-up code or a cached factory) and reuse it")
            continue
        if site.assigned_to in site.when_missing and site.assigned_to in function.stored_names:
            continue  # `if client is None: client = Redis(); CLIENTS[key] = client`: built once, memoized
        factory = _forwarded(site, function)
        if not factory and not site.closed and _kept(site, function):
            continue  # (a client it closes is not kept, whatever calls it is handed to)
        if factory or not (repeats(site) or runs):
            # A factory, or a plain function that uses the client and lets it go: how often it
            # builds one is its callers' business.  Followed through the project's calls of it
            # (and of the factories that return what it returns).
            chain = _per_call_chain(ctx, ctx.module, function, leaving, drops=not factory)
            if chain is not None:
                yield ctx.report(site.span, f"a new Redis {what} is built on every call of `{function.qualname}()`, and "
                                            f"{_chain_text(ctx, chain)}: each call opens its own connections; "
                                            "build it once (module level, `__init__` or a cached factory) and reuse it")
            elif not factory and site.closed and _serves_one_call(ctx, ctx.module, site) \
                    and throwaway(ctx, ctx.module, function):
                use = "`with`" if CONTEXT_MANAGERS.intersection(function.decorators) else "call"
                yield ctx.report(site.span, f"a new Redis {what} is built and closed on every {use} of "
                                            f"`{function.qualname}()`: each one opens its own connections and tears "
                                            "them down; build one client (module level, `__init__` or a cached "
                                            "factory) and reuse it")
            elif factory:
                closing = _closing_caller(ctx, ctx.module, function)
                if closing is not None:
                    module, caller, _ = closing[-1]
                    through = _through(closing)
                    yield ctx.report(site.span, f"a new Redis {what} is built on every call of `{function.qualname}()`, "
                                                f"and `{caller.qualname}()` ({_shown_path(ctx, module.path)}) closes it "
                                                "after one use" + (f" (through {through})" if through else "")
                                                + ": each call opens its own connections and tears them down; build "
                                                "one client (module level, `__init__` or a cached factory) and reuse it")
            continue
        where = "in a loop, once per iteration" if repeats(site) else f"in `{function.name}()`, once per call" + (
            " (it takes the request: once per request)" if runs == "it takes the request" else "")
        yield ctx.report(site.span, f"a new Redis {what} is built {where}: every one opens its own connections; "
                                    "build it once (module level, `__init__` or a cached factory) and reuse it")
