"""RL3xx: reads that return a whole collection, however large it has grown."""
from __future__ import annotations

from typing import Iterator, Optional, Tuple

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import ClientKind, KeyPattern, RedisCall, Value
from ..model import commands as C
from ..project import bounds_collection, same_key
from ..registry import Context, FixAvailability, rule
from ._support import key_label

_TO_END = {"lrange": "end", "zrange": "end", "zrevrange": "end"}
_NEED_NUM = {"zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex", "sort"}
_NEED_COUNT = {"xrange", "xrevrange", "xread", "xreadgroup"}
_BY_SCORE = {"zrangebyscore", "zrevrangebyscore"}


def _limit_gap(call: RedisCall, name: str) -> Tuple[bool, Optional[Value]]:
    """Whether the read lacks a limit: (unbounded, the argument that is None only on some path)."""
    value = call.args.get(name)
    if not call.has_arg(name) or value is None:
        return True, None
    return (True, value) if value.may_be(None) else (False, None)


def _unbounded(call: RedisCall) -> Optional[Tuple[str, Optional[Value]]]:
    """Why a range read has no upper bound, and the argument that makes it so only on some
    path (a parameter's default), or None when the read is bounded."""
    cmd = call.command
    if cmd in _TO_END:
        end = call.args.get(_TO_END[cmd])
        start = call.args.get("start")
        if cmd == "zrange" and call.has_arg("byscore", "bylex"):
            gap, value = _limit_gap(call, "num")
            return ("reads every member in the score/lex range (no `num`)", value) if gap else None
        if end is not None and end.may_be(-1):
            first = start.constant if start is not None else None
            if (isinstance(first, int) and not isinstance(first, bool) and first < 0) or (
                    start is not None and start.text.lstrip().startswith("-")):
                return None  # `lrange(k, -10, -1)` / `lrange(k, -limit, -1)`: the last few
            if end.constant == -1 and not end.defaults_from:
                return f"reads to the end (`{end.text}`) of the collection", None
            return f"reads to the end (`{end.text}`, -1 by default) of the collection", end
        return None
    if cmd in _NEED_NUM or cmd in _NEED_COUNT:
        if cmd == "sort" and call.has_arg("store"):
            return None
        limit = "num" if cmd in _NEED_NUM else "count"
        gap, value = _limit_gap(call, limit)
        return (f"has no `{limit}` limit", value) if gap else None
    if cmd == "lrem":
        count = call.args.get("count")
        if count is not None and count.constant == 0:
            return "with count 0 scans and removes across the whole list", None
    return None


def _only_by_default_nobody_uses(ctx: Context, call: RedisCall, value: Optional[Value]) -> bool:
    """The limit is missing only when a parameter keeps its default, and no caller in the project
    leaves it so: an API passing its caller's choice through (`def jobs(self, end=-1)`)."""
    if value is None or not value.defaults_from or value.is_literal:
        return False
    function = ctx.module.function_of(call)
    if function is None:
        return False
    return not any(ctx.index.callers_use_default(ctx.module, function, p) for p in value.defaults_from)


def _working_set(ctx: Context, call: RedisCall, key: Optional[KeyPattern]) -> bool:
    """A collection the project prunes member by member (elsewhere than this call) and never
    pops as a queue: jobs in flight, active workers, held slots.  Its size follows the work in
    progress, not history."""
    facts = ctx.index.facts(key)
    if facts is None or facts.consumed:
        return False
    if call.command in _BY_SCORE or (call.command == "zrange" and call.has_arg("byscore")):
        # Reading members by score and removing them one by one is a delay queue being
        # consumed (due jobs, scheduled tasks): the due backlog has no bound.
        return False
    own = 1 if call.command in C.MEMBER_REMOVALS else 0
    return facts.member_removals - own > 0


def _trimmed(ctx: Context, call: RedisCall, key: Optional[KeyPattern]) -> bool:
    """The project bounds the collection: a trim of its pattern anywhere, or of the same key
    expression in the same function or pipeline (even when the pattern is unknown)."""
    facts = ctx.index.facts(key)
    if facts is not None and facts.trimmed:
        return True
    return key is not None and any(
        bounds_collection(other) and other.key is not None and same_key(other.key, key)
        and (other.function == call.function or (call.pipeline_id is not None and other.pipeline_id == call.pipeline_id))
        for other in ctx.module.calls)


@rule("RL301", "unbounded-range", "A range read with no upper bound on what it returns.")
def unbounded_range(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.raw or call.has_star_args or not call.bound:
            continue
        found = _unbounded(call)
        if found is None:
            continue
        why, by_default = found
        if _only_by_default_nobody_uses(ctx, call, by_default):
            continue
        if call.keys and all(_trimmed(ctx, call, key) or _working_set(ctx, call, key) for key in call.keys):
            continue  # the project caps the collection, or it only holds work in progress
        label = f" on {key_label(call.key)}" if call.key is not None else ""
        yield ctx.report(call, f"`{call.command}`{label} {why}; the reply grows with the collection")


def _can_grow(ctx: Context, call: RedisCall, key: KeyPattern) -> bool:
    """Whether a set or hash is known, or can be expected, to grow without bound."""
    facts = ctx.index.facts(key)
    if facts is not None and (facts.trimmed or facts.consumed):
        # Capped, or popped (SPOP) as it is read.  Pruning single members (HDEL/SREM) is not
        # enough: a result store whose entries are deleted once read still holds the backlog.
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
