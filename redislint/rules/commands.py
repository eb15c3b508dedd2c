"""RL2xx: commands that block the single-threaded server or destroy data."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import CacheCall, ClientKind, KeyPattern, RedisCall
from ..model import commands as C
from ..model.caches import redis_command
from ..project import collection_type, same_key
from ..registry import Context, FixAvailability, Status, rule
from ._support import key_label

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
    for other in ctx.module.calls:
        if other.function != call.function:
            continue
        for i, other_key in enumerate(other.keys[:2]):
            kind = collection_type(other, i)
            if kind is not None and not other_key.known and same_key(other_key, key):
                return kind
    return None


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
            fix = Fix.safe("Use `unlink()`, which frees the memory in a background thread",
                           Edit.replacement(call.name_span, "unlink"))
            yield ctx.report(call, f"`delete` of {key_label(key)}, which the project uses as a {kind}: DEL frees "
                                   "every element while the server waits; `unlink` frees it in the background", fix)
            break
