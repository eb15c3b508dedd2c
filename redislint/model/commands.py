"""What Redis commands do, as far as the rules care: semantic classes over redis-py method names.

Signatures come from the generated ``command_table`` (redis-py's real ones); this module holds
the meaning, which no signature carries: which commands write a key, give it a TTL, consume it
as a queue, read a whole collection, or are dangerous to run from application code.
"""
from __future__ import annotations

import functools
import hashlib
import re
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from .module import KeyPattern, LuaCall

# --- writes --------------------------------------------------------------------------------
# String writes that create a key without a TTL unless an expiry argument is given.
STRING_WRITES: FrozenSet[str] = frozenset(
    {"set", "setnx", "getset", "mset", "msetnx", "append", "setrange", "setbit"}
)
# Arguments of a write that give the key a TTL (or keep the one it has).
TTL_ARGUMENTS: Dict[str, Tuple[str, ...]] = {
    "set": ("ex", "px", "exat", "pxat", "keepttl"),
    "getex": ("ex", "px", "exat", "pxat"),
    # INCREX (redis-py 8.1) increments and sets the TTL in one command (RULES.md, RL103).
    "increx": ("ex", "px", "exat", "pxat"),
    "json.set": (),
}
# Writes that always carry a TTL.
WRITES_WITH_TTL: FrozenSet[str] = frozenset({"setex", "psetex"})
# Collection writes that create the key when it does not exist.
COLLECTION_WRITES: FrozenSet[str] = frozenset(
    {
        "hset", "hsetnx", "hmset", "lpush", "rpush", "sadd", "zadd", "zincrby", "geoadd",
        "pfadd", "json.set", "xadd", "hincrbyfloat",
    }
)
# Commands whose destination key (parameter named below) is created by the command.
STORE_DESTINATIONS: Dict[str, str] = {
    "sunionstore": "dest", "sinterstore": "dest", "sdiffstore": "dest",
    "zunionstore": "dest", "zinterstore": "dest", "zdiffstore": "dest", "zrangestore": "dest",
    "pfmerge": "dest", "bitop": "dest",
}
COUNTERS: FrozenSet[str] = frozenset({"incr", "incrby", "incrbyfloat", "decr", "decrby", "hincrby", "increx"})

# The type of collection a command creates or grows at its first key, and for moves at their
# second (destination) key: a key the project uses this way can hold many elements (RL204).
COLLECTION_TYPES: Dict[str, str] = {
    "hset": "hash", "hsetnx": "hash", "hmset": "hash", "hincrby": "hash", "hincrbyfloat": "hash",
    "lpush": "list", "rpush": "list", "lpushx": "list", "rpushx": "list", "linsert": "list",
    "sadd": "set", "sunionstore": "set", "sinterstore": "set", "sdiffstore": "set",
    "zadd": "sorted set", "zincrby": "sorted set", "geoadd": "sorted set", "zunionstore": "sorted set",
    "zinterstore": "sorted set", "zdiffstore": "sorted set", "zrangestore": "sorted set",
    "xadd": "stream",
}
MOVE_DESTINATION_TYPES: Dict[str, str] = {
    "lmove": "list", "blmove": "list", "rpoplpush": "list", "brpoplpush": "list", "smove": "set",
}

# --- lifetime ------------------------------------------------------------------------------
EXPIRES: FrozenSet[str] = frozenset({"expire", "pexpire", "expireat", "pexpireat"})
PERSISTS: FrozenSet[str] = frozenset({"persist"})
DELETES: FrozenSet[str] = frozenset({"delete", "unlink", "getdel"})
# Commands that take elements off a collection: a key read this way is a queue or buffer.
CONSUMERS: FrozenSet[str] = frozenset(
    {
        "blpop", "brpop", "lpop", "rpop", "blmove", "lmove", "brpoplpush", "rpoplpush",
        "blmpop", "lmpop", "spop", "zpopmin", "zpopmax", "bzpopmin", "bzpopmax", "bzmpop",
        "zmpop", "xreadgroup", "xautoclaim", "xclaim", "xack", "xdel",
    }
)
# The collection type each consumer takes elements off.
CONSUMED_TYPES: Dict[str, str] = {
    **{c: "list" for c in ("blpop", "brpop", "lpop", "rpop", "blmove", "lmove", "brpoplpush", "rpoplpush",
                           "blmpop", "lmpop")},
    "spop": "set",
    **{c: "zset" for c in ("zpopmin", "zpopmax", "bzpopmin", "bzpopmax", "bzmpop", "zmpop")},
    **{c: "stream" for c in ("xreadgroup", "xautoclaim", "xclaim", "xack", "xdel")},
}
# Consumers that move an element to a second list: only the first key is consumed; the second
# is written (an in-flight or processing list).
MOVES: FrozenSet[str] = frozenset({"lmove", "blmove", "rpoplpush", "brpoplpush", "smove"})
# Commands that remove chosen members: a collection the project prunes one member at a time is a
# working set (jobs in flight, active workers), not an ever-growing log.
MEMBER_REMOVALS: FrozenSet[str] = frozenset({"lrem", "zrem", "srem", "hdel"})
# Commands that bound a collection's size.
TRIMS: FrozenSet[str] = frozenset({"ltrim", "zremrangebyrank", "zremrangebyscore", "xtrim", "zremrangebylex"})

# --- reads ---------------------------------------------------------------------------------
WHOLE_COLLECTION_READS: FrozenSet[str] = frozenset(
    {"smembers", "hgetall", "hkeys", "hvals", "sunion", "sinter", "sdiff"}
)
HASH_READS: FrozenSet[str] = frozenset({"hgetall", "hkeys", "hvals"})
HASH_FIELD_WRITES: FrozenSet[str] = frozenset({"hset", "hsetnx", "hmset", "hincrby", "hincrbyfloat"})

# --- dangerous -----------------------------------------------------------------------------
KEYS_COMMANDS: FrozenSet[str] = frozenset({"keys"})
FLUSH_COMMANDS: FrozenSet[str] = frozenset({"flushall", "flushdb"})
DANGEROUS_COMMANDS: Dict[str, str] = {
    "save": "SAVE blocks the server until the whole dataset is written to disk",
    "monitor": "MONITOR streams every command the server runs and costs throughput",
    "config_set": "CONFIG SET changes the server's configuration for every client",
    "config_rewrite": "CONFIG REWRITE rewrites the server's configuration file",
    "config_resetstat": "CONFIG RESETSTAT wipes the server's statistics",
    "shutdown": "SHUTDOWN stops the server",
    "slaveof": "SLAVEOF turns the server into a replica and discards its data",
    "replicaof": "REPLICAOF turns the server into a replica and discards its data",
    "swapdb": "SWAPDB swaps whole databases under every connected client",
    "client_pause": "CLIENT PAUSE stops the server from serving clients",
    "client_kill": "CLIENT KILL disconnects other clients",
    "script_flush": "SCRIPT FLUSH removes every cached Lua script",
    "function_flush": "FUNCTION FLUSH removes every loaded function library",
    "debug_object": "DEBUG is a debugging command, not for application code",
    "debug_segfault": "DEBUG SEGFAULT crashes the server",
    "debug_sleep": "DEBUG SLEEP blocks the server",
}

# Blocking pops and reads that take a timeout.
BLOCKING_COMMANDS: FrozenSet[str] = frozenset(
    {"blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop"}
)

# --- raw command names ---------------------------------------------------------------------
# `execute_command("CONFIG", "SET", ...)` and `execute_command("CONFIG SET", ...)`: the Redis
# commands made of two words, mapped to redis-py's method names.
_TWO_WORD_COMMANDS = {"CONFIG", "CLIENT", "DEBUG", "SCRIPT", "FUNCTION", "MEMORY", "OBJECT", "CLUSTER", "ACL"}


def method_for_raw(words: Tuple[str, ...]) -> Tuple[Optional[str], int]:
    """Map the leading literal words of `execute_command(...)` to a redis-py method name.

    Returns the method and how many arguments named the command (1 or 2), or (None, 0).
    """
    if not words or not words[0]:
        return None, 0
    first = words[0].split()
    head = first[0].upper()
    if head in _TWO_WORD_COMMANDS:
        if len(first) > 1:
            return f"{head}_{first[1]}".lower(), 1
        if len(words) > 1 and words[1]:
            return f"{head}_{words[1]}".lower(), 2
        return head.lower(), 1
    return head.lower(), 1


# `redis.call('KEYS', ...)` / `redis.pcall("flushdb")` in a Lua script: the command name and,
# for two-word commands, the literal second word.  `KEYS[1]` (the Lua table of key arguments)
# never matches: it is not called through `redis.call`.
_LUA_CALL = re.compile(
    r"""redis\s*\.\s*p?call\s*\(\s*(['"])([A-Za-z_]+)\1(?:\s*,\s*(['"])([A-Za-z_-]+)\3)?""")
_LUA_COMMENT = re.compile(r"--\[(=*)\[.*?\]\1\]|--[^\n]*", re.S)


# The Lua readers below are cached: the same script text comes back for every call that runs it.
@functools.lru_cache(maxsize=256)
def lua_commands(script: str) -> Tuple[str, ...]:
    """The redis-py method names of the commands a literal Lua script calls, in order, once each.

    Comments are dropped first so that commented-out calls do not count.
    """
    found: List[str] = []
    for m in _LUA_CALL.finditer(_LUA_COMMENT.sub("", script)):
        words = (m.group(2), m.group(4)) if m.group(4) else (m.group(2),)
        method, _ = method_for_raw(words)
        if method is not None and method not in found:
            found.append(method)
    return tuple(found)


# `redis.call('ZPOPMIN', KEYS[2], ...)`: a command whose first key is one the caller passes in.
_LUA_KEY_CALL = re.compile(
    r"""redis\s*\.\s*p?call\s*\(\s*(['"])([A-Za-z_]+)\1\s*,\s*KEYS\s*\[\s*(\d+)\s*\]([^)\n]*)""")
# Raw names whose redis-py method has another name.
_RAW_ALIASES = {"del": "delete"}
_LUA_SET_TTL = re.compile(r"""['"](?:EX|PX|EXAT|PXAT|KEEPTTL)['"]""", re.I)


@functools.lru_cache(maxsize=256)
def lua_key_commands(script: str) -> Tuple[Tuple[str, int], ...]:
    """(redis-py method name, 0-based index into the script's KEYS) for each command a literal
    Lua script runs on a key it is given, in order, once each: what the script does to the keys
    passed to ``keys=[...]`` (or after ``numkeys`` in EVAL)."""
    found: List[Tuple[str, int]] = []
    for m in _LUA_KEY_CALL.finditer(_LUA_COMMENT.sub("", script)):
        method, _ = method_for_raw((m.group(2),))
        method = _RAW_ALIASES.get(method, method)
        if method == "set" and _LUA_SET_TTL.search(m.group(4)):
            method = "setex"  # `SET KEYS[1] v 'EX' n`: a write that carries its TTL
        index = int(m.group(3)) - 1  # Lua tables count from 1
        if method is not None and index >= 0 and (method, index) not in found:
            found.append((method, index))
    return tuple(_as_pop(found))


_RANGE_READS = frozenset({"zrange", "zrangebyscore", "zrevrangebyscore", "zrangebylex", "lrange"})


def _as_pop(found: List[Tuple[str, int]]) -> List[Tuple[str, int]]:
    """A script that reads a range of a key and then removes a range of it hands the members it
    read back: it pops them (huey's schedule: ZRANGEBYSCORE then ZREMRANGEBYSCORE up to now), so
    the key is a queue, not a collection capped by a trim.  A trim *before* the read (LTRIM to
    the last 100, then LRANGE) caps the key as in Python."""
    read: set = set()
    out = []
    for method, index in found:
        out.append(("zpopmin" if method in TRIMS and index in read else method, index))
        if method in _RANGE_READS:
            read.add(index)
    return out


def script_sha(script: str) -> str:
    """The SHA1 Redis names a script by (what EVALSHA takes): one id for the same script text."""
    return hashlib.sha1(script.encode("utf-8", "surrogatepass")).hexdigest()


_LUA_CALL_OPEN = re.compile(r"""redis\s*\.\s*p?call\s*\(""")
_LUA_KEYS_ITEM = re.compile(r"""KEYS\s*\[\s*(\d+)\s*\]""")
_LUA_STRING = re.compile(r"""(['"])(.*)\1""", re.S)
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
# Lua functions that return exactly one value: as the last argument they do not expand.
_LUA_FUNCTION_CALL = re.compile(r"""[A-Za-z_][\w.:]*\s*\(.*\)""", re.S)
_LUA_SINGLE_VALUED = re.compile(r"""(?:tonumber|tostring|math\.\w+|string\.\w+)\s*\(""")


def _lua_arguments(text: str, start: int) -> Optional[List[str]]:
    """The top-level arguments of a Lua call whose `(` ends just before ``start``, as source
    text; None when the call is not closed."""
    args: List[str] = []
    depth: List[str] = []
    quote = ""
    begin = i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _CLOSERS:
            depth.append(_CLOSERS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        elif not depth and ch in ",)":
            args.append(text[begin:i].strip())
            if ch == ")":
                return args
            begin = i + 1
        i += 1
    return None


def _lua_argument(arg: str) -> str:
    """A string literal as its text, anything else as written."""
    m = _LUA_STRING.fullmatch(arg)
    return m.group(2) if m else arg


def _lua_spread(args: List[str]) -> bool:
    """Whether the arguments may expand to more than are written: `...`, or a call in last
    position (Lua passes on all of its results), unless it is one that returns a single value."""
    if any(a == "..." for a in args):
        return True
    last = args[-1] if args else ""
    return bool(_LUA_FUNCTION_CALL.fullmatch(last)) and not _LUA_SINGLE_VALUED.match(last)


def key_effects(script: str, patterns: Sequence[KeyPattern]) -> Iterator[Tuple[str, KeyPattern]]:
    """What a script does to the keys it is run with: (command, the key it is given at that
    `KEYS[i]`), for the commands ``lua_key_commands`` finds and the keys that were given."""
    for command, index in lua_key_commands(script):
        if index < len(patterns):
            yield command, patterns[index]


@functools.lru_cache(maxsize=256)
def lua_calls(script: str) -> Tuple[LuaCall, ...]:
    """Every `redis.call`/`redis.pcall` of a literal Lua script whose command is a literal, with
    its arguments, in order (comments dropped first)."""
    text = _LUA_COMMENT.sub("", script)
    found: List[LuaCall] = []
    for m in _LUA_CALL_OPEN.finditer(text):
        args = _lua_arguments(text, m.end())
        if not args or not _LUA_STRING.fullmatch(args[0]):
            continue
        method, _ = method_for_raw((_lua_argument(args[0]),))
        if method is None or not re.fullmatch(r"[a-z_]+", method):
            continue
        key = _LUA_KEYS_ITEM.fullmatch(args[1]) if len(args) > 1 else None
        found.append(LuaCall(
            command=_RAW_ALIASES.get(method, method),
            key_index=int(key.group(1)) - 1 if key else -1,
            args=tuple(_lua_argument(a) for a in args[2:]),
            spread=_lua_spread(args[1:])))
    return tuple(found)
