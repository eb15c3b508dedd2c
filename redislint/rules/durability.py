"""RL5xx: Redis as the only copy of data that must not be lost."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..diagnostics import Diagnostic
from ..model import ClientKind, KeyPattern
from ..model import commands as C
from ..project import gives_ttl, lifetime_managed
from ..registry import Context, Status, rule

# Words in a key that say it holds something short-lived, whatever entity it names.
_EPHEMERAL_WORDS = {
    "cache", "cached", "session", "sessions", "lock", "locks", "rate", "ratelimit", "limit", "limiter",
    "throttle", "tmp", "temp", "token", "tokens", "otp", "nonce", "seen", "recent", "view", "views",
    "count", "counter", "stats", "online", "presence", "typing", "queue", "job", "jobs", "task", "tasks",
    "pending", "lastseen", "activity", "notification", "notifications", "verify", "verification", "reset",
}


def record_entity(key: KeyPattern, entities) -> Optional[str]:
    """The durable entity a key pattern is the record of (`order:{}`, `user:{}:profile` → order,
    user), unless it is clearly transient.  The entity's name must come right before the varying
    part that says which one: `{doc}:users` (the users of a document, a list of ids) and
    `orders` (one key for all) are not an entity's record."""
    if not key.known:
        return None
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", key.text)]
    if any(w in _EPHEMERAL_WORDS for w in words):
        return None
    for named in _NAMED_BY_ID.finditer(key.text):
        word = named.group(1).lower()
        for entity in entities:
            if word == entity or word == entity + "s":
                return entity
    return None


# A word right before the varying part of a key (`order:{}`, `orders/{}`, `user_{}`).
_NAMED_BY_ID = re.compile(r"([A-Za-z]+)[:/._-]?\{\}")


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


# RL502: words that say a pub/sub message hands out work.  In the channel: what is handed out
# (`jobs`, `task_queue`, `orders:new`, `work_items`); in the payload only the strongest (a `task`
# or `job` variable or dict key).  Words of events and notifications veto the finding anywhere:
# `order_updates`, `job_status`, `task:progress`, `order_created` broadcast news, which may be lost.
_WORK_CHANNEL_WORDS = {"task", "job", "work", "order", "queue"}
_WORK_PAYLOAD_WORDS = {"task", "job"}
_NEWS_WORDS = {
    "notification", "notify", "event", "update", "status", "progress", "presence", "chat", "broadcast",
    "invalidate", "invalidation", "cache", "websocket", "ws", "socket", "live", "feed", "typing", "heartbeat",
    "log", "metric", "stat", "alert", "signal", "control", "reload", "ping", "result", "change", "message",
    "channel_layer", "room",
}
# A channel named after who receives it (`user:{id}`, `session:{sid}`) carries news for that
# reader, whatever the payload says.
_RECIPIENT_WORDS = {"user", "session", "client", "browser", "tab", "socket", "subscriber"}


def _words(text: str):
    """`TaskQueue`, `task_queue:{shard}` → task, queue, shard (lower case)."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text)]


def _has(words, vocabulary) -> bool:
    return any(w in vocabulary or (w.endswith("s") and w[:-1] in vocabulary) for w in words)


def _is_news(words) -> bool:
    # Past participles name events that happened (`order_created`, `job_finished`).
    return _has(words, _NEWS_WORDS) or any(len(w) > 4 and w.endswith("ed") for w in words)


@rule("RL502", "pubsub-as-queue", "Pub/sub used to hand out work that must not be lost.", status=Status.PREVIEW)
def pubsub_as_queue(ctx: Context) -> Iterator[Diagnostic]:
    """`publish` of a task, job or order whose reply (how many subscribers got it) is ignored.
    PUBLISH delivers to the subscribers connected at that instant and keeps nothing: with no
    worker listening, or one reconnecting, the work is silently dropped, and a message is never
    redelivered after a worker crash.  A list (LPUSH/BLMOVE) or a stream with a consumer group
    (XADD/XREADGROUP/XACK) keeps the work until a worker takes it."""
    for call in ctx.module.calls:
        if call.command not in ("publish", "spublish") or call.result_use != "discard":
            continue
        if call.client.kind is ClientKind.PIPELINE:
            continue  # the reply is read from execute(), not here
        channel = call.args.get("channel") or call.args.get("shard_channel")
        message = call.args.get("message")
        if channel is None or message is None:
            continue
        channel_text = channel.constant if isinstance(channel.constant, str) else channel.text
        channel_words = _words(channel_text)
        payload_words = _words(message.text)
        if _is_news(channel_words) or _is_news(payload_words):
            continue
        if _has(channel_words, _WORK_CHANNEL_WORDS):
            named = f"channel `{channel_text}`"
        elif isinstance(channel.constant, str) and not _has(channel_words, _RECIPIENT_WORDS) \
                and _has(payload_words, _WORK_PAYLOAD_WORDS):
            # The payload names the work only when the channel is one fixed channel, not a
            # reader's own (`user:{id}`).
            named = f"payload `{message.text}`"
        else:
            continue
        yield ctx.report(call, f"`{call.command}` hands out work over pub/sub ({named}) and ignores how many "
                               "subscribers received it: a message sent while no worker listens is dropped; use a "
                               "list (LPUSH/BLMOVE) or a stream with a consumer group (XADD/XREADGROUP)")
