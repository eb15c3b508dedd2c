"""RL5xx: Redis as the only copy of data that must not be lost."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..diagnostics import Diagnostic
from ..model import KeyPattern
from ..model import commands as C
from ..project import gives_ttl, lifetime_managed
from ..registry import Context, rule

# Words in a key that say it holds something short-lived, whatever entity it names.
_EPHEMERAL_WORDS = {
    "cache", "cached", "session", "sessions", "lock", "locks", "rate", "ratelimit", "limit", "limiter",
    "throttle", "tmp", "temp", "token", "tokens", "otp", "nonce", "seen", "recent", "view", "views",
    "count", "counter", "stats", "online", "presence", "typing", "queue", "job", "jobs", "task", "tasks",
    "pending", "lastseen", "activity", "notification", "notifications", "verify", "verification", "reset",
}


def record_entity(key: KeyPattern, entities) -> Optional[str]:
    """The durable entity a key pattern names (`order:{}` → order), unless it is clearly transient."""
    if not key.known:
        return None
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", key.text)]
    if any(w in _EPHEMERAL_WORDS for w in words):
        return None
    for w in words:
        for entity in entities:
            if w == entity or w == entity + "s":
                return entity
    return None


_RECORD_READS = {"get", "hget", "hgetall", "hmget", "json.get", "getex", "getdel", "lrange", "smembers"}


@rule("RL501", "store-of-record", "Redis used as the only copy of durable business data.")
def store_of_record(ctx: Context) -> Iterator[Diagnostic]:
    writes = C.STRING_WRITES | C.COLLECTION_WRITES
    for call in ctx.module.calls:
        if call.command in _RECORD_READS and call.miss_not_found and call.key is not None and call.key.dynamic:
            entity = record_entity(call.key, ctx.settings.record_key_patterns)
            if entity is not None:
                yield ctx.report(call, f"a miss on `{call.key.text}` is answered as \"not found\": Redis is treated "
                                       f"as the only copy of {entity} data, with no fallback to a database")
            continue
        if call.command not in writes or call.key is None or gives_ttl(call):
            continue
        function = ctx.module.function_of(call)
        if function is None or function.durable_writes:
            continue
        entity = record_entity(call.key, ctx.settings.record_key_patterns)
        if entity is None or not call.key.dynamic:
            continue
        if lifetime_managed(ctx.module, ctx.index, call, call.key):
            continue
        yield ctx.report(call, f"`{call.command}` keeps {entity} data in `{call.key.text}` with no TTL and "
                               f"`{function.name}` writes it to no database: Redis is the only copy")
