"""RL3xx: reads that return a whole collection, however large it has grown."""
from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import ClientKind, KeyPattern, LuaCall, RedisCall, Value
from ..model import commands as C
from ..project import bounds_collection, same_key
from ..registry import Context, FixAvailability, rule
from ._support import key_label

_TO_END = {"lrange": "end", "zrange": "end", "zrevrange": "end"}
_NEED_NUM = {"zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex", "sort"}
_NEED_COUNT = {"xrange", "xrevrange", "xread", "xreadgroup"}
_BY_SCORE = {"zrangebyscore", "zrevrangebyscore"}
_EVALS = {"eval", "eval_ro"}


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


def _working_set(ctx: Context, command: str, by_score: bool, key: Optional[KeyPattern]) -> bool:
    """A collection the project prunes member by member (elsewhere than this read, a ``command``
    that reads ``by_score`` or not) and never pops as a queue: jobs in flight, active workers,
    held slots.  Its size follows the work in progress, not history."""
    facts = ctx.index.facts(key)
    if facts is None or facts.consumed:
        return False
    if by_score:
        # Reading members by score and removing them one by one is a delay queue being
        # consumed (due jobs, scheduled tasks): the due backlog has no bound.
        return False
    own = 1 if command in C.MEMBER_REMOVALS else 0
    return facts.member_removals - own > 0


def _reads_by_score(call: RedisCall) -> bool:
    return call.command in _BY_SCORE or (call.command == "zrange" and call.has_arg("byscore"))


def _trimmed(ctx: Context, call: RedisCall, key: Optional[KeyPattern]) -> bool:
    """The project bounds the collection: a trim of its pattern anywhere, or of the same key
    expression in the same function or pipeline (even when the pattern is unknown)."""
    facts = ctx.index.facts(key)
    if facts is not None and facts.trimmed:
        return True
    return key is not None and any(
        bounds_collection(other) and other.key is not None and same_key(other.key, key)
        for other in ctx.index.near(ctx.module, call))


def _left_alone(ctx: Context, call: RedisCall, command: str, by_score: bool, key: KeyPattern) -> bool:
    """Reading all of ``key`` is fine: the collection is the caller's (a container type bound to
    the key its user names: reading all of it is what that user asks for), or the project caps
    it, or it only holds work in progress."""
    return key.caller_named or _trimmed(ctx, call, key) or _working_set(ctx, command, by_score, key)


@rule("RL301", "unbounded-range", "A range read with no upper bound on what it returns.")
def unbounded_range(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        yield from _range_read(ctx, call)
        yield from _script_range_read(ctx, call)


def _range_read(ctx: Context, call: RedisCall) -> Iterator[Diagnostic]:
    """A range read sent from Python."""
    if call.raw or call.has_star_args or not call.bound:
        return
    found = _unbounded(call)
    if found is None:
        return
    why, by_default = found
    if _only_by_default_nobody_uses(ctx, call, by_default):
        return
    if call.keys and all(_left_alone(ctx, call, call.command, _reads_by_score(call), key) for key in call.keys):
        return
    label = f" on {key_label(call.key)}" if call.key is not None else ""
    yield ctx.report(call, f"`{call.command}`{label} {why}; {_grows(call.command)}")


def _script_range_read(ctx: Context, call: RedisCall) -> Iterator[Diagnostic]:
    """A range read inside the literal Lua script a call runs or registers: reported once, at
    the call that carries the script."""
    found = next(_unbounded_script_reads(ctx, call), None)
    if found is not None:
        read, key, why = found
        yield ctx.report(call, f"the script's `{read.command.upper()}` on {key_label(key)} {why}; "
                               f"{_grows(read.command)}, and the script blocks the server meanwhile")


def _grows(command: str) -> str:
    """What grows with the collection: the reply of a read; LREM replies with a count, but
    walks the whole list."""
    return "the time it takes grows with the list" if command == "lrem" else "the reply grows with the collection"


# Range reads in Lua, as Redis takes them: for reads to an end index, the option words that
# leave the reply whole; for reads that need a limit, the word that gives one and the words
# that do not.
_LUA_TO_END = {"lrange": ("WITHSCORES",), "zrange": ("WITHSCORES", "REV"), "zrevrange": ("WITHSCORES",)}
_LUA_NEED_LIMIT = {"zrangebyscore": ("LIMIT", ("WITHSCORES",)), "zrevrangebyscore": ("LIMIT", ("WITHSCORES",)),
                   "zrangebylex": ("LIMIT", ()), "zrevrangebylex": ("LIMIT", ()),
                   "xrange": ("COUNT", ()), "xrevrange": ("COUNT", ())}


def _only_words(args: Tuple[str, ...], words: Tuple[str, ...]) -> bool:
    """Every option given is one of ``words``: nothing else (an `ARGV[n]` that may hold `LIMIT`)
    could bound the reply."""
    return all(a.upper() in words for a in args)


def _words(read: LuaCall) -> set:
    return {a.upper() for a in read.args}


def _lua_unbounded(read: LuaCall) -> Optional[str]:
    """Why a range read in a script returns everything, or None when it is bounded or its
    options cannot be told."""
    cmd, args = read.command, read.args
    if read.spread or len(args) < 2:
        return None
    if cmd == "zrange" and {"BYSCORE", "BYLEX"} & _words(read):
        cmd = "zrangebyscore"
        args = tuple(a for a in args if a.upper() not in ("BYSCORE", "BYLEX", "REV"))
    if cmd in _LUA_NEED_LIMIT:
        option, harmless = _LUA_NEED_LIMIT[cmd]
        return f"has no `{option}`" if _only_words(args[2:], harmless) else None
    if cmd in _LUA_TO_END:
        start, end = args[0], args[1]
        if end == "-1" and not start.startswith("-") and _only_words(args[2:], _LUA_TO_END[cmd]):
            return "reads to the end (`-1`) of the collection"
        return None
    if cmd == "lrem" and args[0] == "0":
        return "with count 0 scans and removes across the whole list"
    return None


def _script_keys(ctx: Context, call: RedisCall, index: int) -> List[KeyPattern]:
    """The keys ``call``'s script runs with at `KEYS[index + 1]` (none known: []): an EVAL's
    own, or those of every call in the module of the Script object `register_script` made."""
    if call.lua is None or index < 0:
        return []
    sha = C.script_sha(call.lua)
    ran_at = call.span if call.command in _EVALS else None
    return [keys[index] for run, keys, site in ctx.module.literal_script_runs
            if run == sha and site == ran_at and index < len(keys)]


def _unbounded_script_reads(ctx: Context, call: RedisCall) -> Iterator[Tuple[LuaCall, KeyPattern, str]]:
    """Range reads of a literal Lua script (eval/register_script) with no bound: the read, a key
    it runs on, and why.  Which collection a script reads shows only in the keys it is run with
    (`keys=[...]`, EVAL's keys): when no run in the module shows them (a key in ARGV, keys built
    elsewhere), the exemptions below cannot be checked, so the rule stays quiet.  They are the
    same as for reads sent from Python: the caller's collections, trimmed ones, working sets."""
    for read in call.lua_calls:
        why = _lua_unbounded(read)
        if why is None:
            continue
        keys = _script_keys(ctx, call, read.key_index)
        by_score = read.command in _BY_SCORE or (read.command == "zrange" and "BYSCORE" in _words(read))
        if not keys or all(_left_alone(ctx, call, read.command, by_score, key) for key in keys):
            continue
        yield read, keys[0], why


def _can_grow(ctx: Context, call: RedisCall, key: KeyPattern) -> bool:
    """Whether a set or hash is known, or can be expected, to grow without bound."""
    facts = ctx.index.facts(key)
    if facts is not None and (facts.trimmed or facts.consumed):
        # Capped, or popped (SPOP) as it is read.  Pruning single members (HDEL/SREM) is not
        # enough: a result store whose entries are deleted once read still holds the backlog.
        return False
    if facts is not None and facts.written:
        # A per-entity set filled in one go from a list its writer holds (a job's dependencies)
        # holds that list, whatever the number of entities.
        return facts.dynamic_members and not (key.dynamic and facts.filled_in_one_go)
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
