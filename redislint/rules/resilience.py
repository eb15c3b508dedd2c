"""RL6xx (resilience and efficiency of the calls themselves): round trips in loops, cache calls that
fail the request when Redis fails."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from ..diagnostics import Diagnostic, Span
from ..model import CacheCall, ClientKind, LoopInfo, RedisCall, Value
from ..model import commands as C
from ..model.cache_backends import redis_backend
from ..project import gives_ttl, same_key
from ..registry import Context, Status, rule
from ._support import key_label, request_handler

# A loop over at most this many literal elements (`for k in ("a", "b")`, `range(3)`) is a fixed,
# small amount of work, not "many keys".
SMALL_LITERAL = 16
# Commands that already take many keys, and commands whose repetition is the point.
_BATCHED = frozenset({"mget", "mset", "msetnx", "json.mget", "json.mset"})
_SUGGESTION = {
    "get": "read them with one `mget`",
    "json.get": "read them with one `json().mget`",
    "exists": "count them with one `exists(*keys)`",
    "delete": "delete them with one `delete(*keys)`/`unlink(*keys)` per batch",
    "unlink": "unlink them with one `unlink(*keys)` per batch",
    "touch": "touch them with one `touch(*keys)`",
}


def _loop_of_key(ctx: Context, call: RedisCall) -> Optional[LoopInfo]:
    """The innermost loop whose variable the call's key depends on."""
    exprs = [k.expr or k.text for k in call.keys]
    for index in reversed(call.loops):
        loop = ctx.module.loops[index]
        if any(loop.varies(expr) for expr in exprs):
            return loop
    return None


@rule("RL605", "round-trip-in-loop", "One network round trip per key, in a loop over many keys.",
      status=Status.PREVIEW)
def round_trip_in_loop(ctx: Context) -> Iterator[Diagnostic]:
    """A command sent on its own (not queued in a pipeline) once per iteration of a loop whose
    variable names the key: each iteration waits a full network round trip, so N keys cost N
    round trips where `mget` or a pipeline costs one.

    Quiet for pipelines, commands that already take many keys or block (worker loops pop one job
    at a time on purpose), loops over a few literal keys (`for k in ("a", "b")`, `range(3)`),
    loops that may stop at the first hit (`break`/`return` in them: a search), and calls whose
    reply decides a branch (`if r.set(k, 1, nx=True): ...`), where batching changes the logic."""
    for call in ctx.module.calls:
        if not call.loops or not call.keys:
            continue
        if call.client.kind is ClientKind.PIPELINE or call.pipeline_id is not None:
            continue
        if call.command in _BATCHED or call.command in C.BLOCKING_COMMANDS or call.has_star_args:
            continue
        if call.in_condition_of is not None or call.result_use in ("truth", "compare"):
            continue
        loop = _loop_of_key(ctx, call)
        if loop is None or loop.exits_early:
            continue
        if loop.literal_size is not None and loop.literal_size <= SMALL_LITERAL:
            continue
        suggestion = _SUGGESTION.get(call.command, "queue them in a `pipeline(transaction=False)` and send it once")
        yield ctx.report(call, f"`{call.command}` runs once per element of `{loop.iterable}`, one network round "
                               f"trip per key; {suggestion}")


# --- RL603: cache calls in a request path with no fallback when Redis fails -----------------------

# Handlers (by the last segment of the name) that catch redis-py's connection and timeout errors:
# the library's own classes and bases, django-redis's wrapper, and handlers of every error.  A
# builtin `ConnectionError`/`TimeoutError` does not catch redis-py's, but a handler written with
# that name is taken to be meant for it (we cannot tell which one the module imported).
_GUARDS = frozenset({"ConnectionError", "TimeoutError", "RedisError", "ConnectionInterrupted", "Exception",
                     "BaseException"})
# Cache-aside on a raw client: a read and a later write of the same key in one function.
_RAW_READS = frozenset({"get", "getex", "mget", "hget", "hgetall", "json.get"})
_RAW_WRITES = frozenset({"set", "setex", "psetex", "mset", "hset", "json.set"})
# ... and on a framework cache (`get_or_set` is both at once).
_CACHE_READS = frozenset({"get", "get_many"})
_CACHE_WRITES = frozenset({"set", "set_many", "add"})


def _guarded(handlers) -> bool:
    return bool(_GUARDS.intersection(handlers))


@dataclass
class _Access:
    """One cache call of a cache-aside group: where, what, and whether a handler guards it."""

    span: Span
    text: str
    guarded: bool


def _cache_aside_groups(ctx: Context) -> Dict[int, List[List[_Access]]]:
    """Per function, its cache-aside groups: a read and a later write of the same key on a raw
    client (not in a pipeline), or on a Redis-backed framework cache (or one `get_or_set`)."""
    groups: Dict[int, List[List[_Access]]] = {}
    for read in ctx.module.calls:
        if read.command not in _RAW_READS or not _sent_alone(read):
            continue
        write = next((w for w in ctx.index.calls_in(ctx.module, read.function)
                      if w.command in _RAW_WRITES and w.order > read.order and _sent_alone(w)
                      and same_key(read.keys[0], w.keys[0])), None)
        if write is not None:
            groups.setdefault(read.function, []).append([
                _Access(c.span, f"`{c.receiver}.{c.command}()`", _guarded(c.handlers)) for c in (read, write)])
    configs = ctx.index.cache_configs
    cache_calls = [c for c in ctx.module.cache_calls if c.function is not None and not c.decorator
                   and _framework_cache_can_fail(c, configs)]
    for read in cache_calls:
        pair = [read] if read.method == "get_or_set" else None
        if read.method in _CACHE_READS:
            key = read.argument("key", 0)
            pair = next(([read, w] for w in cache_calls if w.method in _CACHE_WRITES and w.function == read.function
                         and w.receiver == read.receiver and w.span.start > read.span.start and key is not None
                         and _same_text(w.argument("key", 0), key)), None)
        if pair:
            groups.setdefault(read.function, []).append([
                _Access(c.span, f"`{c.receiver}.{c.method}()`", _guarded(c.handlers)) for c in pair])
    return groups


def _sent_alone(call: RedisCall) -> bool:
    """A call with a key, in a function, sent on its own (not queued in a pipeline)."""
    return call.function is not None and bool(call.keys) and call.pipeline_id is None \
        and call.client.kind is not ClientKind.PIPELINE


def _same_text(a: Optional[Value], b: Value) -> bool:
    return a is not None and a.text == b.text


def _framework_cache_can_fail(call: CacheCall, configs) -> bool:
    """A Redis-backed framework cache that passes Redis errors on to the caller: not a django-redis
    cache told to ignore them (`"OPTIONS": {"IGNORE_EXCEPTIONS": True}` for the alias, or
    `DJANGO_REDIS_IGNORE_EXCEPTIONS = True`)."""
    if call.framework == "walrus" or redis_backend(call, configs) is None:
        return False
    if call.framework == "django":
        return not any(c.framework == "django" and c.setting == "IGNORE_EXCEPTIONS"
                       and (c.alias is None or c.alias == call.alias) for c in configs)
    return True


@rule("RL603", "unguarded-cache-call", "A cache read or write in a request handler that fails the request when Redis does.",
      status=Status.PREVIEW)
def unguarded_cache_call(ctx: Context) -> Iterator[Diagnostic]:
    """A cache-aside read and write (on a raw client, or on a Redis-backed framework cache) in a
    request handler — or in a helper of this project that a request handler calls — with no `try`
    whose `except` catches redis-py's errors around the calls, in the helper or around the helper's
    call.  When Redis is down or slow the cache raises `ConnectionError`/`TimeoutError` and the
    request fails, where a cache miss would have served it from the database.

    Quiet when the project registers an application-wide handler for Redis errors, for django-redis
    caches that ignore exceptions, and for anything that is not clearly cache-aside (a lone `get`
    may be a session, a flag or a rate limit, where failing may be right)."""
    if _GUARDS.intersection(ctx.index.error_handlers):
        return
    for function, groups in _cache_aside_groups(ctx).items():
        fn = ctx.module.functions[function]
        if request_handler(ctx.module, fn):
            where = f"request handler `{fn.name}`"
        else:
            caller = next((caller_module.functions[site.function] for caller_module, site
                           in ctx.index.callers_of(ctx.module, fn) if site.function is not None
                           and not _guarded(site.handlers)
                           and request_handler(caller_module, caller_module.functions[site.function])), None)
            if caller is None:
                continue
            where = f"`{fn.name}`, which request handler `{caller.name}` calls,"
        for group in groups:
            first = next((a for a in group if not a.guarded), None)
            if first is None:
                continue
            what = " and ".join(a.text for a in group)
            yield ctx.report(first.span, f"cache-aside {what} in {where} with no handling of Redis errors: when "
                                         "Redis is down or slow the request fails instead of missing the cache; "
                                         "catch `redis.exceptions.RedisError` and serve from the source")


# --- RL604: cache misses recomputed by every request at once ----------------------------------------

_STAMPEDE_READS = frozenset({"get", "getex", "hget", "json.get"})
_STAMPEDE_WRITES = frozenset({"set", "setex", "psetex", "hset", "json.set"})
# Signs that one request recomputes while the others wait, or that the value is refreshed early:
# a lock, a `SET NX` claim, a look at the remaining TTL (probabilistic early refresh).
_COORDINATION = frozenset({"lock", "setnx", "ttl", "pttl", "expiretime", "pexpiretime"})


def _coordinated(ctx: Context, function: int) -> bool:
    if any(site.function == function and site.kind == "lock" for site in ctx.module.clients):
        return True
    return any(c.command in _COORDINATION or (c.command == "set" and c.has_arg("nx"))
               for c in ctx.index.calls_in(ctx.module, function))


@rule("RL604", "cache-stampede", "A shared cache key recomputed by every request that misses it at once.",
      status=Status.PREVIEW)
def cache_stampede(ctx: Context) -> Iterator[Diagnostic]:
    """A cache-aside read of a key shared by all callers (`v = r.get("homepage:feed")`) whose miss
    branch (`if v is None:` / `if not v:`) runs a slow recompute — an ORM query, SQL on a session or
    cursor, an HTTP request — and writes the key back with a TTL, in a function with no lock, no
    `SET NX` claim and no look at the remaining TTL.  When the key expires, every request in flight
    misses together and runs the recompute at once.

    Quiet for per-entity keys (`product:{id}`: few requests share one), for misses whose branch
    shows no slow call, for keys written back without a TTL (they do not expire together), and
    whenever the function locks, claims with `nx=True`, or reads the TTL."""
    calls = [c for c in ctx.module.calls if c.function is not None and c.pipeline_id is None]
    for read in calls:
        if read.command not in _STAMPEDE_READS or read.assigned_to is None or not read.keys:
            continue
        key = read.keys[0]
        if not key.known or key.dynamic:
            continue
        neighbours = [c for c in ctx.index.calls_in(ctx.module, read.function) if c.pipeline_id is None]
        for write in neighbours:
            if write.command not in _STAMPEDE_WRITES or write.order <= read.order or not write.keys \
                    or not same_key(write.keys[0], key):
                continue
            branch = next((i for i in write.under_if if ctx.module.miss_branches.get(i) == read.assigned_to
                           and i in ctx.module.expensive_branches), None)
            if branch is None:
                continue
            expires = gives_ttl(write) or any(gives_ttl(c) and c.keys and same_key(c.keys[0], key)
                                              for c in neighbours)
            if not expires or _coordinated(ctx, read.function):
                break
            slow = ctx.module.expensive_branches[branch]
            yield ctx.report(read, f"a miss on the shared key {key_label(key)} recomputes it with {slow} and no lock: "
                                   "when the key expires every request in flight runs it at once (a cache "
                                   "stampede); let one request recompute (`lock()` or `set(..., nx=True, ex=...)`) "
                                   "or refresh it before it expires")
            break
