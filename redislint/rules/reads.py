"""RL3xx: reads that return a whole collection, however large it has grown."""
from __future__ import annotations

from typing import Iterator, Optional

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import ClientKind, KeyPattern, RedisCall
from ..model import commands as C
from ..registry import Context, FixAvailability, rule
from ._support import key_label

_TO_END = {"lrange": "end", "zrange": "end", "zrevrange": "end"}
_NEED_NUM = {"zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex", "sort"}
_NEED_COUNT = {"xrange", "xrevrange", "xread", "xreadgroup"}


def _limited(call: RedisCall, name: str) -> bool:
    """The read is given a limit that cannot be None (`num=limit` with `limit=None` by default
    reads everything on the default path)."""
    value = call.args.get(name)
    return call.has_arg(name) and value is not None and not value.may_be(None)


def _unbounded(call: RedisCall) -> Optional[str]:
    """Why a range read has no upper bound, or None."""
    cmd = call.command
    if cmd in _TO_END:
        end = call.args.get(_TO_END[cmd])
        start = call.args.get("start")
        if cmd == "zrange" and call.has_arg("byscore", "bylex"):
            return None if _limited(call, "num") else "reads every member in the score/lex range (no `num`)"
        if end is not None and end.may_be(-1):
            first = start.constant if start is not None else None
            if isinstance(first, int) and not isinstance(first, bool) and first < 0:
                return None  # `lrange(k, -10, -1)`: the last ten, a bounded read
            how = f"`{end.text}`" if end.constant == -1 else f"`{end.text}`, -1 by default"
            return f"reads to the end ({how}) of the collection"
        return None
    if cmd in _NEED_NUM:
        if cmd == "sort" and call.has_arg("store"):
            return None
        return None if _limited(call, "num") else "has no `num` limit"
    if cmd in _NEED_COUNT:
        return None if _limited(call, "count") else "has no `count` limit"
    if cmd == "lrem":
        count = call.args.get("count")
        if count is not None and count.constant == 0:
            return "with count 0 scans and removes across the whole list"
    return None


def _trimmed(ctx: Context, key: Optional[KeyPattern]) -> bool:
    facts = ctx.index.facts(key)
    return facts is not None and facts.trimmed


@rule("RL301", "unbounded-range", "A range read with no upper bound on what it returns.")
def unbounded_range(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.raw or call.has_star_args or not call.bound:
            continue
        why = _unbounded(call)
        if why is None:
            continue
        if call.keys and all(_trimmed(ctx, key) for key in call.keys):
            continue  # the project caps the collection on every write
        label = f" on {key_label(call.key)}" if call.key is not None else ""
        yield ctx.report(call, f"`{call.command}`{label} {why}; the reply grows with the collection")


def _can_grow(ctx: Context, call: RedisCall, key: KeyPattern) -> bool:
    """Whether a set or hash is known, or can be expected, to grow without bound."""
    facts = ctx.index.facts(key)
    if facts is not None and facts.trimmed:
        return False
    if facts is not None and facts.written:
        return facts.dynamic_members
    # Nothing in the project writes it: a per-entity set is a collection by nature; a hash is
    # usually an object with fixed fields, so stay quiet.
    return call.command not in C.HASH_READS and key.known and key.dynamic


def _scan_fix(call: RedisCall) -> Optional[Fix]:
    if call.raw or call.client.kind is ClientKind.PIPELINE or not call.bound or call.has_star_args:
        return None
    name = call.args.get("name")
    if name is None:
        return None
    r = call.receiver
    if call.command == "smembers":
        sync, aio = f"set({r}.sscan_iter({name.text}))", f"{{m async for m in {r}.sscan_iter({name.text})}}"
    elif call.command == "hgetall":
        sync, aio = f"dict({r}.hscan_iter({name.text}))", f"{{f: v async for f, v in {r}.hscan_iter({name.text})}}"
    else:
        return None
    title = f"Iterate with `{'sscan_iter' if call.command == 'smembers' else 'hscan_iter'}()` " \
            "(several small replies; not a point-in-time snapshot)"
    if call.awaited and call.outer_span is not None:
        return Fix.unsafe(title, Edit.replacement(call.outer_span, aio))
    if call.client.is_async:
        return None
    return Fix.unsafe(title, Edit.replacement(call.span, sync))


@rule("RL302", "whole-collection-read", "A read of every member of a set or hash that can grow.",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def whole_collection_read(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.command not in C.WHOLE_COLLECTION_READS or not call.keys:
            continue
        growing = [key for key in call.keys if _can_grow(ctx, call, key)]
        if not growing:
            continue
        yield ctx.report(call, f"`{call.command}` returns all of {key_label(growing[0])} in one reply; "
                               "it blocks the server as the collection grows", _scan_fix(call))
