"""RL2xx: commands that block the single-threaded server or destroy data."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import CacheCall, ClientKind, ClientSite, KeyPattern, RedisCall
from ..model import commands as C
from ..model.cache_backends import redis_command
from ..project import collection_type, same_key
from ..registry import Context, FixAvailability, Status, rule
from ._support import DEFAULT_SOCKET_TIMEOUT, TIMEOUT_DEFAULT_SINCE, key_label, url_parts

SCAN_COUNT = 1000
_GLOB = re.compile(r"[*?\[\\]")


def _keys_fix(call: RedisCall) -> Optional[Fix]:
    """`keys(p)` → `scan_iter(match=p, count=1000)` in the form the call's result needs."""
    if call.raw or call.client.kind is ClientKind.PIPELINE or not call.bound or call.has_star_args:
        return None
    if call.extra_kwargs:
        return None
    pattern = call.args.get("pattern")
    if pattern is not None and pattern.kind == "str" and not _GLOB.search(pattern.literal) \
            and call.result_use == "truth":
        target = call.outer_span if call.awaited else call.span
        prefix = "await " if call.awaited else ""
        return Fix.unsafe("Use `exists()`: the pattern has no wildcard, so this only checks that the key exists",
                          Edit.replacement(target, f"{prefix}{call.receiver}.exists({pattern.text})"))
    match = f"match={pattern.text}, " if pattern is not None else ""
    scan = f"{call.receiver}.scan_iter({match}count={SCAN_COUNT})"
    title = "Use `scan_iter()` (SCAN may return a key more than once and is not a point-in-time snapshot)"
    if call.awaited:
        if call.outer_span is None:
            return None
        return Fix.unsafe(title, Edit.replacement(call.outer_span, f"[k async for k in {scan}]"))
    if call.client.is_async:
        return None
    if call.result_use == "iterate":
        return Fix.unsafe(title, Edit.replacement(call.span, scan))
    return Fix.unsafe(title, Edit.replacement(call.span, f"list({scan})"))


@rule("RL201", "keys-command", "KEYS walks the whole keyspace and blocks the server while it does.",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def keys_command(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.command in C.KEYS_COMMANDS:
            pattern = call.args.get("pattern")
            if pattern is not None and pattern.kind == "str" and not _GLOB.search(pattern.literal) \
                    and call.result_use == "truth":
                message = "`KEYS` used as an existence check blocks the server on large keyspaces; use `exists()`"
            else:
                message = "`KEYS` scans the whole keyspace in one blocking call; iterate with `SCAN` instead"
            yield ctx.report(call, message, _keys_fix(call))
        elif C.KEYS_COMMANDS.intersection(call.lua_commands):
            # The server runs the script's KEYS as it would the command, and a script blocks it
            # for its whole run.  No fix: SCAN cannot be looped inside one script call.
            yield ctx.report(call, f"the Lua script passed to `{call.command}` calls `KEYS`, which scans the "
                                   "whole keyspace while the script blocks the server")
    # Runs of registered scripts (`script(keys=[...])`): where the server runs that KEYS.
    for run in ctx.module.script_runs:
        if C.KEYS_COMMANDS.intersection(run.lua_commands):
            yield ctx.report(run.span, f"`{run.receiver}` runs a Lua script that calls `KEYS`, which scans the "
                                       "whole keyspace while the script blocks the server")
    # Framework caches: django-redis `cache.keys()`, and `clear()` on cachelib-based Redis caches
    # with a key prefix (it finds the prefixed keys with KEYS).  Only when the project configures
    # a Redis backend for that cache (model.caches).
    for cache_call in ctx.module.cache_calls:
        runs = redis_command(cache_call, ctx.index.cache_configs)
        if runs is None or runs[0] != "keys":
            continue
        if cache_call.method == "keys":
            yield ctx.report(cache_call.span, f"{runs[1]}, which scans the whole keyspace in one blocking call; "
                                              "iterate with `iter_keys()` (SCAN) instead", _iter_keys_fix(cache_call))
        else:
            yield ctx.report(cache_call.span, f"{runs[1]}: KEYS scans the whole keyspace in one blocking call; "
                                              "version the cache keys or delete them with SCAN instead")


def _iter_keys_fix(call: CacheCall) -> Optional[Fix]:
    """django-redis `cache.keys(p)` → `list(cache.iter_keys(p))` (`cache.iter_keys(p)` where only
    iterated).  Only for the one-argument form: the two methods' other parameters differ."""
    if len(call.args) != 1 or call.kwargs or call.has_star_args:
        return None
    scan = f"{call.receiver}.iter_keys({call.args[0].text})"
    title = "Use `iter_keys()` (SCAN may return a key more than once and is not a point-in-time snapshot)"
    return Fix.unsafe(title, Edit.replacement(call.span, scan if call.result_use == "iterate" else f"list({scan})"))


@rule("RL202", "flush-command", "FLUSHALL/FLUSHDB in application code deletes every key.")
def flush_command(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.command in C.FLUSH_COMMANDS:
            yield ctx.report(call, f"`{call.command.upper()}` deletes every key in the "
                                   f"{'server' if call.command == 'flushall' else 'database'}; "
                                   "delete the keys you own instead")
        for command in sorted(C.FLUSH_COMMANDS.intersection(call.lua_commands)):
            yield ctx.report(call, f"the Lua script passed to `{call.command}` calls `{command.upper()}`, which "
                                   "deletes every key; delete the keys you own instead")
    # Framework caches whose `clear()` flushes the database: django-redis, Django's Redis backend,
    # cachelib/Flask-Caching Redis caches with no key prefix (model.caches).
    for cache_call in ctx.module.cache_calls:
        runs = redis_command(cache_call, ctx.index.cache_configs)
        if runs is not None and runs[0] == "flushdb":
            yield ctx.report(cache_call.span, f"{runs[1]}: it deletes every key in the Redis database, not only "
                                              "the cache's; delete the keys you own instead")


@rule("RL203", "dangerous-command", "Administrative commands that block or reconfigure the server.",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def dangerous_command(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        reason = C.DANGEROUS_COMMANDS.get(call.command)
        if reason is None and call.command.startswith("debug"):
            reason = "DEBUG is a debugging command, not for application code"
        if reason is None:
            continue
        fix = None
        if call.command == "save" and not call.raw:
            fix = Fix.unsafe("Use `bgsave()`, which saves in a forked child", Edit.replacement(call.name_span, "bgsave"))
        yield ctx.report(call, f"`{call.command}` in application code: {reason}", fix)


def _collection_of(ctx: Context, call: RedisCall, key: KeyPattern) -> Optional[str]:
    """The collection type the project writes at ``key``: anywhere for its pattern (the
    keyspace facts), or, when the pattern is unknown, in the same function for the same key
    expression.
    None for strings, for unknown keys, and for hashes and sets only ever written with a fixed
    set of constant fields or members (a small object, as cheap to free as a string)."""
    facts = ctx.index.facts(key)
    if facts is not None and facts.collection is not None:
        if facts.constant_members and not facts.dynamic_members and facts.collection in ("hash", "set"):
            return None
        return facts.collection
    for other in ctx.index.calls_in(ctx.module, call.function):
        for i, other_key in enumerate(other.keys[:2]):
            kind = collection_type(other, i)
            if kind is not None and not other_key.known and same_key(other_key, key):
                return kind
    return None


# redis-py gained `unlink()` in 3.0 (its CHANGES: "Added the UNLINK command"), and its cluster
# pipeline (`ClusterPipeline`) in 4.5.
UNLINK_SINCE = (3, 0)
CLUSTER_PIPELINE_UNLINK_SINCE = (4, 5)


def _unlink_fix(ctx: Context, call: RedisCall) -> Optional[Fix]:
    """`delete` -> `unlink`, unless the project's redis-py is known (locked or pinned) to predate
    `unlink()`.  (A lower bound or an unknown version gets the fix: every redis-py of the last
    seven years has it.)  A cluster pipeline gets it only when every allowed version has it."""
    version = ctx.redis_py_version
    if version is not None and version.exact and version.version[:2] < UNLINK_SINCE:
        return None
    if call.client.kind is ClientKind.PIPELINE and call.client.cluster and (
            version is None or version.version[:2] < CLUSTER_PIPELINE_UNLINK_SINCE):
        return None
    return Fix.safe("Use `unlink()`, which frees the memory in a background thread",
                    Edit.replacement(call.name_span, "unlink"))


@rule("RL204", "delete-large-key", "DEL of a collection frees it in the foreground, blocking the server.",
      status=Status.PREVIEW, fix=FixAvailability.SOMETIMES, fix_safety="safe")
def delete_large_key(ctx: Context) -> Iterator[Diagnostic]:
    """`delete` of a key the project uses as a hash, list, set, sorted set or stream: DEL frees
    every element before it returns, on the server's only thread; UNLINK removes the key at
    once and frees the memory in a background thread."""
    for call in ctx.module.calls:
        if call.command != "delete" or call.raw:
            continue
        for key in call.keys:
            kind = _collection_of(ctx, call, key)
            if kind is None:
                continue
            fix = _unlink_fix(ctx, call)
            yield ctx.report(call, f"`delete` of {key_label(key)}, which the project uses as a {kind}: DEL frees "
                                   "every element while the server waits; `unlink` frees it in the background", fix)
            break


# Blocking commands and the parameter that bounds their wait: (name, unit in seconds, the
# redis-py default when not given — None: the command does not block unless it is given).
_BLOCKING_WAITS = {
    "blpop": ("timeout", 1.0, 0), "brpop": ("timeout", 1.0, 0), "brpoplpush": ("timeout", 1.0, 0),
    "bzpopmin": ("timeout", 1.0, 0), "bzpopmax": ("timeout", 1.0, 0), "blmove": ("timeout", 1.0, None),
    "blmpop": ("timeout", 1.0, None), "bzmpop": ("timeout", 1.0, None),
    "xread": ("block", 0.001, None), "xreadgroup": ("block", 0.001, None),
}


def _site_of(ctx: Context, call: RedisCall) -> Optional[ClientSite]:
    """The construction the receiver of ``call`` is bound to, when exactly one in the module fits:
    a module-level (or same-function) assignment to the receiver's name, or for `self.x` an
    assignment to `self.x` in a method of the same class."""
    function = ctx.module.function_of(call)
    found = []
    for site in ctx.module.clients:
        if site.assigned_to != call.receiver or site.kind not in ("client", "cluster"):
            continue
        if call.receiver.startswith("self."):
            owner = ctx.module.functions[site.function] if site.function is not None else None
            if owner is None or function is None or owner.class_name != function.class_name:
                continue
        elif site.function is not None and site.function != call.function:
            continue
        found.append(site)
    return found[0] if len(found) == 1 else None


def _socket_timeout(ctx: Context, call: RedisCall) -> Optional[float]:
    """The receiver's socket timeout in seconds, when known: a literal `socket_timeout` (keyword or
    in a literal `from_url` URL) of its construction, else redis-py 8's default when the
    construction sets none and the project is known to be on redis-py 8 or later."""
    site = _site_of(ctx, call)
    if site is None or site.has_star_args or "connection_pool" in site.kwargs \
            or site.constructor.endswith("from_pool") or not site.constructor.startswith("redis."):
        return None
    given = site.args.get("socket_timeout")
    if given is not None:
        return float(given.literal) if given.kind in ("int", "float") and given.literal > 0 else None
    url = site.args.get("url")
    if url is not None:
        parsed = url_parts(url)
        if parsed is None:
            return None  # the URL may carry a timeout we cannot read
        values = parsed[0].get("socket_timeout")
        if values:
            try:
                return float(values[0])
            except ValueError:
                return None
    version = ctx.redis_py_version
    if version is not None and version.version[:2] >= TIMEOUT_DEFAULT_SINCE:
        return DEFAULT_SOCKET_TIMEOUT
    return None


def _seconds(value: float) -> str:
    return f"{value:g} s"


@rule("RL205", "blocking-wait-exceeds-timeout",
      "A blocking read that waits forever, or longer than the client's socket timeout.")
def blocking_wait_exceeds_timeout(ctx: Context) -> Iterator[Diagnostic]:
    """A blocking pop or stream read with a wait of 0 (forever; also the default of `blpop` and its
    twins), or with a literal wait longer than the socket timeout of the client it runs on (when
    the client's construction is known): the socket read then times out before the server
    answers, raising `TimeoutError` on an idle queue.  `block` is in milliseconds, `timeout` in
    seconds."""
    for call in ctx.module.calls:
        spec = _BLOCKING_WAITS.get(call.command)
        if spec is None or call.raw or call.has_star_args or not call.bound:
            continue
        param, unit, default = spec
        value = call.args.get(param)
        if value is None:
            if default != 0:
                continue  # not blocking (`xread` without `block`), or a required argument missing
            wait, shown = 0.0, f"no `{param}` (it defaults to 0)"
        elif value.kind == "none" and param == "timeout":
            wait, shown = 0.0, f"`{param}=None` (sent as 0)"
        elif value.kind in ("int", "float") and value.literal >= 0:
            wait, shown = value.literal * unit, f"`{param}={value.text}`"
        else:
            continue
        socket_timeout = _socket_timeout(ctx, call)
        if wait == 0 and socket_timeout is not None:
            yield ctx.report(call, f"`{call.command}` with {shown} asks the server to wait forever, but the client "
                                   f"gives up after its {_seconds(socket_timeout)} socket timeout and raises "
                                   "TimeoutError on an idle queue; pass a shorter wait and loop")
        elif wait == 0:
            yield ctx.report(call, f"`{call.command}` with {shown} waits forever: a dead connection and an empty "
                                   "queue look the same, and the caller never gets control back; pass a bounded "
                                   "wait and loop")
        elif socket_timeout is not None and wait > socket_timeout:
            yield ctx.report(call, f"`{call.command}` waits up to {_seconds(wait)} ({shown}) but the client's "
                                   f"socket timeout is {_seconds(socket_timeout)}: an idle wait ends in TimeoutError; "
                                   "wait less than the socket timeout, or give the reader a longer one")
