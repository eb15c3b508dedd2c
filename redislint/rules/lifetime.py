"""RL1xx: key lifetime.  A key written without a TTL lives until someone deletes it; keys made
per user, order or request multiply until memory runs out and eviction or OOM errors start."""
from __future__ import annotations

from typing import Iterator, List, Optional

from ..diagnostics import Diagnostic, Edit, Fix
from ..model import CacheCall, KeyPattern, RedisCall, Value
from ..model import commands as C
from ..project import gives_ttl, lifetime_managed, same_key
from ..model.cache_backends import is_django_redis_backend, redis_backend
from ..registry import Context, FixAvailability, Status, rule
from ._support import exempt_key, insert_kwargs, key_label, line_deletion


def _is_lock_key(key: KeyPattern) -> bool:
    return "lock" in (key.text if key.known else key.expr).lower()


def _unmanaged_dynamic_keys(ctx: Context, call: RedisCall) -> Iterator[KeyPattern]:
    """The per-entity keys a write creates that nothing gives a bounded lifetime."""
    for key in call.keys:
        if not key.known or not key.dynamic:
            continue
        if exempt_key(key, ctx.settings.ttl_exempt_keys):
            continue
        if lifetime_managed(ctx.module, ctx.index, call, key):
            continue
        yield key


def _ttl_fix(ctx: Context, call: RedisCall) -> Optional[Fix]:
    if ctx.settings.default_ttl is None or call.command != "set" or not call.bound or call.has_star_args:
        return None
    edit = insert_kwargs(call, f"ex={ctx.settings.default_ttl}")
    if edit is None:
        return None
    return Fix.unsafe(f"Add `ex={ctx.settings.default_ttl}` (the configured default-ttl)", edit)


@rule("RL101", "set-without-ttl", "A per-entity string key written without a TTL.",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def set_without_ttl(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        # Raw `execute_command("SET", ...)` is the same command (RULES.md); gives_ttl reads its
        # EX/PX/... words.  It gets no fix: its arguments are not bound to the signature.
        if call.command not in C.STRING_WRITES or call.has_star_args or gives_ttl(call):
            continue
        if call.command == "setnx" and call.key is not None and _is_lock_key(call.key):
            continue  # a hand-rolled lock: RL105 says what is wrong with it
        for key in _unmanaged_dynamic_keys(ctx, call):
            yield ctx.report(
                call,
                f"`{call.command}` writes {key_label(key)} without a TTL; one such key per entity "
                "stays in memory forever",
                _ttl_fix(ctx, call),
            )
            break


@rule("RL102", "collection-without-ttl", "A per-entity collection created without a TTL or bound.")
def collection_without_ttl(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.has_star_args:
            continue
        if call.command == "xadd":
            if call.raw or call.has_arg("maxlen", "minid") or call.key is None:  # raw: MAXLEN words unread
                continue
            facts = ctx.index.facts(call.key)
            if facts is not None and (facts.trimmed or facts.expired):
                continue
            if not call.key.known:
                continue
            yield ctx.report(call, f"`xadd` appends to stream {key_label(call.key)} with no `maxlen`/`minid` "
                                   "and nothing trims it; the stream grows without bound")
            continue
        if call.command in C.COLLECTION_WRITES:
            keys = call.keys[:1]
        elif call.command in C.STORE_DESTINATIONS:
            dest = call.args.get(C.STORE_DESTINATIONS[call.command])
            keys = call.keys[:1] if dest is not None else ()
        else:
            continue
        for key in keys:
            facts = ctx.index.facts(key)
            if facts is not None and facts.member_removals:
                continue  # the project maintains it member by member (an index, a working set)
            if key in _unmanaged_dynamic_keys(ctx, call):
                yield ctx.report(call, f"`{call.command}` creates {key_label(key)} without a TTL; one such "
                                       "collection per entity stays in memory forever")
                break


@rule("RL103", "counter-without-ttl", "A per-entity counter that is never given a TTL.")
def counter_without_ttl(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.command not in C.COUNTERS:
            continue
        for key in _unmanaged_dynamic_keys(ctx, call):
            yield ctx.report(call, f"`{call.command}` counts on {key_label(key)}, which never gets a TTL; "
                                   "the counter never resets and the keys pile up")
            break


_EXPIRE_TO_SET_ARG = {"expire": "ex", "pexpire": "px", "expireat": "exat", "pexpireat": "pxat"}
# The expiry's own parameter: `expire(name, time)` but `expireat(name, when)`.
_EXPIRE_TIME_PARAM = {"expire": "time", "pexpire": "time", "expireat": "when", "pexpireat": "when"}
# `set` options that make the write conditional or change what it returns: merging the expiry
# into such a set would change when the TTL is applied (the expire runs even if the set did not).
_CONDITIONAL_SET_ARGS = ("nx", "xx", "get", "ifeq", "ifne", "ifdeq", "ifdne")
# Writes that create a key the expire then bounds; `*store` commands create their destination.
_WRITES = C.STRING_WRITES | C.COLLECTION_WRITES | C.COUNTERS | frozenset(C.STORE_DESTINATIONS)


def _preceding_write(ctx: Context, expire: RedisCall) -> Optional[RedisCall]:
    """The last write of the same key before ``expire`` in its function, sent on its own."""
    found = None
    for call in ctx.module.calls:
        if call.order >= expire.order:
            break
        if call.function != expire.function or call.pipeline_id is not None:
            continue
        if call.command in _WRITES and call.key is not None and not gives_ttl(call) \
                and same_key(call.key, expire.key):
            found = call
    return found


def _merge_fix(write: RedisCall, expire: RedisCall) -> Optional[Fix]:
    """`set(k, v)` + `expire(k, n)` → `set(k, v, ex=n)`, when nothing can come between them."""
    if write.command != "set" or not write.bound or write.has_star_args or write.has_arg(*_CONDITIONAL_SET_ARGS):
        return None
    time_param = _EXPIRE_TIME_PARAM[expire.command]
    if not expire.bound or expire.has_star_args or set(expire.args) != {"name", time_param}:
        return None
    ws, es = write.statement, expire.statement
    if ws is None or es is None or not ws.is_expression or not es.is_expression:
        return None
    if ws.block_id != es.block_id or es.index != ws.index + 1 or write.awaited != expire.awaited:
        return None
    arg = _EXPIRE_TO_SET_ARG[expire.command]
    insert = insert_kwargs(write, f"{arg}={expire.args[time_param].text}")
    delete = line_deletion(expire)
    if insert is None or delete is None:
        return None
    return Fix.safe(f"Merge into `set(..., {arg}=...)`", insert, delete)


@rule("RL104", "non-atomic-expire", "A TTL set by a separate command after the write.",
      fix=FixAvailability.SOMETIMES, fix_safety="safe")
def non_atomic_expire(ctx: Context) -> Iterator[Diagnostic]:
    for call in ctx.module.calls:
        if call.command not in _EXPIRE_TO_SET_ARG or call.pipeline_id is not None or call.key is None:
            continue
        write = _preceding_write(ctx, call)
        if write is None:
            continue
        yield ctx.report(
            call,
            f"`{call.command}` runs separately from the `{write.command}` on line {write.span.start.line}; "
            "if the process dies in between, the key never expires",
            _merge_fix(write, call),
        )


@rule("RL105", "lock-without-timeout", "A lock that is never released if its holder dies.",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def lock_without_timeout(ctx: Context) -> Iterator[Diagnostic]:
    """A lock taken with no timeout stays taken if its holder dies.  A lock object that is only
    asked about (`.locked()`, `.owned()`) is never taken: not reported."""
    for call in ctx.module.calls:
        if call.lock_queried_only:
            continue
        if call.command == "lock" and not call.raw and not call.has_star_args and not call.has_arg("timeout"):
            yield ctx.report(call, "`lock()` without `timeout`: if the holder dies, the lock is held forever")
        elif call.command == "lock" and _timeout_left_none(ctx, call.args.get("timeout"), call.function):
            yield ctx.report(call, _LEFT_NONE.format(what="`lock()`", timeout=call.args["timeout"].text))
        elif call.command == "setnx" and call.key is not None and _is_lock_key(call.key) \
                and not lifetime_managed(ctx.module, ctx.index, call, call.key):
            fix = None
            if ctx.settings.default_ttl is not None and call.bound and not call.has_star_args:
                edit = insert_kwargs(call, f"nx=True, ex={ctx.settings.default_ttl}")
                if edit is not None:
                    fix = Fix.unsafe(f"Use `set(..., nx=True, ex={ctx.settings.default_ttl})`",
                                     Edit.replacement(call.name_span, "set"), edit)
            yield ctx.report(call, f"`setnx` takes lock {key_label(call.key)} with no expiry: if the holder "
                                   "dies, the lock is held forever", fix)
    for site in ctx.module.clients:
        timeout = site.args.get("timeout")
        if site.lock_queried_only:
            continue
        if site.kind == "lock" and (timeout is None or timeout.kind == "none"):
            yield ctx.report(site.span, "`Lock(...)` without `timeout`: if the holder dies, the lock is held forever")
        elif site.kind == "lock" and _timeout_left_none(ctx, timeout, site.function):
            yield ctx.report(site.span, _LEFT_NONE.format(what="`Lock(...)`", timeout=timeout.text))


_LEFT_NONE = ("{what} takes its timeout from parameter `{timeout}`, which is None unless the caller passes one, "
              "and a call in the project does not: if the holder dies, the lock is held forever")


def _timeout_left_none(ctx: Context, timeout: Optional[Value], function: Optional[int]) -> bool:
    """The timeout is a parameter of the enclosing function, None by default, and some call in the
    project leaves it so.  With no such caller (an API whose callers choose, or callers that all
    pass a value), the lock's timeout is the callers' decision: nothing is reported."""
    if timeout is None or timeout.parameter is None or timeout.possible != (None,) or function is None:
        return False
    return ctx.index.callers_use_default(ctx.module, ctx.module.functions[function], timeout.parameter)


# Commands whose reply is a count, a flag or a length, never a key name: passing one as the key
# of `expire` names a key like "3" (`r.expire(r.rpush(k, v), 60)`).
_COUNT_REPLIES = (C.COLLECTION_WRITES | C.COUNTERS | C.EXPIRES | frozenset(C.STORE_DESTINATIONS)
                  | {"set", "setnx", "mset", "msetnx", "append", "setrange", "setbit", "delete", "unlink",
                     "exists", "llen", "scard", "zcard", "hlen", "strlen", "persist", "ttl", "pttl"}) \
    - {"xadd", "json.set"}
_TIMEDELTA = {"datetime.timedelta"}


def _not_positive_int(value: Optional[Value]) -> bool:
    return value is not None and value.kind == "int" and value.literal <= 0


def _is_float(value: Optional[Value]) -> bool:
    return value is not None and value.kind == "float"


def _non_numeric(value: Value) -> bool:
    """Certainly not a number of seconds: a str/bytes literal that is not an integer, or a
    container literal."""
    if value.kind in ("str", "bytes"):
        text = value.literal.decode("latin-1") if isinstance(value.literal, bytes) else value.literal
        return not text.strip().lstrip("-").isdigit()
    return value.kind in ("dict", "list", "tuple", "set")


def _is_duration(value: Value) -> bool:
    return (value.kind == "int" and value.literal > 0) or (value.kind == "call" and value.callee in _TIMEDELTA)


# `setex(name, time, value)`, `psetex(name, time_ms, value)`.
_SETEX_TIME = {"setex": "time", "psetex": "time_ms"}


def _swap_fix(call: RedisCall) -> Optional[Fix]:
    time, value = call.args[_SETEX_TIME[call.command]], call.args["value"]
    if call.has_star_args or not call.bound:
        return None
    return Fix.safe("Swap the value and the time", Edit.replacement(time.span, value.text),
                    Edit.replacement(value.span, time.text))


def _invalid_ttl(call: RedisCall) -> Iterator[tuple]:
    """(span, message, fix) for each expiry of ``call`` that fails or deletes the key."""
    command = call.command
    if command in ("set", "getex", "increx"):
        for param, unit in (("ex", "seconds"), ("px", "milliseconds")):
            given = call.args.get(param)
            if _not_positive_int(given):
                yield given.span, (f"`{param}={given.text}`: Redis rejects an expiry that is not positive "
                                   f"(invalid expire time), so the `{command}` fails"), None
            elif _is_float(given):
                yield given.span, (f"`{param}={given.text}`: redis-py raises DataError for a float `{param}`; "
                                   f"pass whole {unit} (an int) or a timedelta"), None
    elif command in ("expire", "pexpire"):
        time, name = call.args.get("time"), call.args.get("name")
        yield from _bad_time(command, time, " deletes the key at once instead of giving it a TTL; use `delete()` "
                                            "if that is the intent")
        origin = name.origin if name is not None and name.kind in ("call", "await") else None
        if origin is not None and origin.startswith("redis:") and origin[len("redis:"):] in _COUNT_REPLIES:
            yield name.span, (f"`{command}` is given the reply of `{origin[len('redis:'):]}` (a number) as its "
                              "key: it expires a key named after that number, not the key just written"), None
    elif command in _SETEX_TIME:
        time, value = call.args.get(_SETEX_TIME[command]), call.args.get("value")
        if time is None or value is None:
            return
        if _non_numeric(time) and _is_duration(value):
            yield call.span, (f"`{command}` takes `(name, {_SETEX_TIME[command]}, value)`: the value and the time "
                              "are swapped, so Redis rejects the call"), _swap_fix(call)
        else:
            yield from _bad_time(command, time, ": Redis rejects an expiry that is not positive")


def _bad_time(command: str, time: Optional[Value], not_positive: str) -> Iterator[tuple]:
    """The literal time of `expire`/`setex` and their twins: not positive (``not_positive`` says
    what that does) or a float (Redis rejects it)."""
    if _not_positive_int(time):
        yield time.span, f"`{command}` with a time of {time.text}{not_positive}", None
    elif _is_float(time):
        yield time.span, f"`{command}` with a time of {time.text}: Redis rejects a time that is not an integer", None


@rule("RL107", "invalid-ttl", "An expiry that fails, or deletes the key instead of bounding it.",
      fix=FixAvailability.SOMETIMES, fix_safety="safe")
def invalid_ttl(ctx: Context) -> Iterator[Diagnostic]:
    """Literal expiries the server rejects (`ex=0`, negative, non-integer), that redis-py
    rejects before sending (a float `ex`/`px`), that delete the key (`expire(k, 0)`), `setex`
    arguments in the wrong order, and `expire` of a command's reply instead of a key.  Only
    literals count: a variable's value is not known here."""
    for call in ctx.module.calls:
        if call.raw:
            continue
        for span, message, fix in _invalid_ttl(call):
            yield ctx.report(span, message, fix)


# SET KEEPTTL exists in redis-py since 3.5 (and in Redis since 6.0).
KEEPTTL_SINCE = (3, 5)


def _cleared_key(call: RedisCall) -> Optional[KeyPattern]:
    """The key whose TTL ``call`` removes: a plain `set` (no TTL option of its own, not `nx`,
    which cannot overwrite an existing key), `getset`, the destination of `rename`, `persist`."""
    if call.raw or call.has_star_args:
        return None
    if call.command == "set" and not gives_ttl(call) and not call.has_arg("nx"):
        return call.keys[0] if call.keys else None
    if call.command in ("getset", "persist"):
        return call.keys[0] if call.keys else None
    if call.command == "rename" and len(call.keys) == 2:
        return call.keys[1]
    return None


def _touches(call: RedisCall, key: KeyPattern) -> bool:
    """``call`` gives ``key`` a TTL, deletes it or replaces it (what decides whether the key
    still has the TTL given earlier)."""
    if call.command in C.DELETES or call.command in ("rename", "renamenx"):
        return any(same_key(k, key) for k in call.keys)
    target = _cleared_key(call)
    if target is None and gives_ttl(call):
        target = call.keys[0] if call.keys else None
    return target is not None and same_key(target, key)


def _ttl_before(calls: List[RedisCall], call: RedisCall, key: KeyPattern) -> Optional[RedisCall]:
    """The call that gave ``key`` the TTL ``call`` clears: the last call before it in its
    function (``calls``, in source order) that touches the key, when that call gives a TTL and
    runs whenever ``call`` does (every `if` it sits under also guards ``call``)."""
    last = None
    for other in calls:
        if other.order >= call.order:
            break
        if _touches(other, key):
            last = other
    if last is None or not gives_ttl(last) or not last.keys or not same_key(last.keys[0], key):
        return None
    if not set(last.under_if) <= set(call.under_if):
        return None
    return last


def _ttl_given_again(calls: List[RedisCall], call: RedisCall, key: KeyPattern) -> bool:
    """The function gives the key a TTL again after ``call`` (the usual set-then-expire)."""
    return any(other.order > call.order and gives_ttl(other) and other.keys and same_key(other.keys[0], key)
               for other in calls)


def _keepttl_fix(ctx: Context, call: RedisCall) -> Optional[Fix]:
    version = ctx.redis_py_version
    if call.command != "set" or version is None or version.version[:2] < KEEPTTL_SINCE:
        return None
    if not call.bound or "keepttl" in call.args or call.extra_kwargs:
        return None
    edit = insert_kwargs(call, "keepttl=True")
    return Fix.unsafe("Add `keepttl=True` (needs Redis 6.0+)", edit) if edit is not None else None


_NEVER = "so the key now never expires"
_CLEARS = {
    "set": f"SET without `keepttl` discards the TTL, {_NEVER}",
    "getset": f"GETSET discards the TTL, {_NEVER} (`set(..., get=True, keepttl=True)` keeps it, on Redis 6.2+)",
    "rename": "RENAME replaces the key, TTL included, so it now lives as long as the source key does "
              "(forever, unless the source has a TTL)",
    "persist": f"PERSIST removes the TTL, {_NEVER}",
}


@rule("RL106", "ttl-cleared", "A TTL given to a key and then discarded by a later write.",
      fix=FixAvailability.SOMETIMES, fix_safety="unsafe")
def ttl_cleared(ctx: Context) -> Iterator[Diagnostic]:
    """A key given a TTL and then, in the same function, overwritten by a plain `set`, by
    `getset`, renamed onto, or `persist`ed: the TTL is gone and the key lives forever.  Only
    when the TTL is certain to have been given first (same function, source order, not in a
    branch the overwrite is outside of) and nothing gives it a TTL again afterwards.  A `persist`
    after other commands is the end of a guard: `expire(lock, 10)`, then the work, then `persist`
    once it is done, so that a crash in between leaves no key behind; that is on purpose."""
    for call in ctx.module.calls:
        key = _cleared_key(call)
        if key is None:
            continue
        calls = ctx.index.calls_in(ctx.module, call.function)
        given = _ttl_before(calls, call, key)
        if given is None or _ttl_given_again(calls, call, key):
            continue
        if call.command == "persist" and any(given.order < other.order < call.order for other in calls):
            continue  # a TTL that guards the steps in between (a crash leaves no key behind), lifted after them
        yield ctx.report(
            call,
            f"`{call.command}` on {key_label(key)} drops the TTL `{given.command}` gave it on line "
            f"{given.span.start.line}: {_CLEARS[call.command]}",
            _keepttl_fix(ctx, call),
        )


# --- RL108: framework caches told to keep values forever ----------------------------------------

# Where the cache methods of each library take their timeout: the position among the positional
# arguments (Django: `set(key, value, timeout, version)`, `set_many(data, timeout)`, `touch(key,
# timeout)`; cachelib and Flask-Caching: `set(key, value, timeout)`, `set_many(mapping, timeout)`,
# and Flask-Caching's decorators `cached(timeout, ...)`, `memoize(timeout, ...)`).
_DJANGO_TIMEOUT = {"set": 2, "add": 2, "get_or_set": 2, "set_many": 1, "touch": 1}
_CACHELIB_TIMEOUT = {"set": 2, "add": 2, "set_many": 1}
_FLASK_TIMEOUT = dict(_CACHELIB_TIMEOUT, cached=0, memoize=0)
# walrus: `Cache(database, name, default_timeout)`; `Database.cache(name, default_timeout=3600)`.
_WALRUS_DEFAULT_TIMEOUT = {"Cache": 2, "cache": 1}


def _is_exactly(value: Optional[Value], literal: object) -> bool:
    """The argument is ``literal`` (None, 0) as written or through a name that only ever holds it;
    not a parameter whose default it is (callers choose), and `False` is not 0."""
    if value is None:
        return False
    if value.is_literal:
        return type(value.literal) is type(literal) and value.literal == literal
    return (value.kind == "name" and not value.defaults_from and len(value.possible) == 1
            and type(value.possible[0]) is type(literal) and value.possible[0] == literal)


def _forever_timeout(call: CacheCall) -> Optional[str]:
    """Why a framework cache call stores without expiry, by its library's meaning of the timeout;
    None when it does not (or the call is not one that takes a timeout)."""
    if call.framework == "django":
        position = _DJANGO_TIMEOUT.get(call.method)
        if position is not None and _is_exactly(call.argument("timeout", position), None):
            return "`timeout=None` means *never expire* to Django's cache API (0 would mean *expire now*)"
    elif call.framework in ("flask_caching", "cachelib"):
        table = _FLASK_TIMEOUT if call.framework == "flask_caching" else _CACHELIB_TIMEOUT
        position = table.get(call.method)
        if position is not None and _is_exactly(call.argument("timeout", position), 0):
            library = "Flask-Caching" if call.framework == "flask_caching" else "cachelib"
            return f"`timeout=0` means *never expire* to {library} (None would mean the default timeout)"
    elif call.framework == "walrus":
        position = _WALRUS_DEFAULT_TIMEOUT[call.method]
        given = call.argument("default_timeout", position)
        if given is None and call.method == "Cache" and not call.has_star_args:
            return "a walrus `Cache` built without `default_timeout` stores every `set()` without `timeout=` forever"
        if _is_exactly(given, None) or _is_exactly(given, 0):
            return f"`default_timeout={given.text}` makes a walrus cache store every `set()` without `timeout=` forever"
    return None


@rule("RL108", "framework-cache-without-expiry", "A Redis-backed framework cache told to keep values forever.",
      status=Status.PREVIEW)
def framework_cache_without_expiry(ctx: Context) -> Iterator[Diagnostic]:
    """A framework cache call or setting whose timeout means "never expire" in that library — Django's
    `timeout=None`, cachelib/Flask-Caching's `timeout=0`, a walrus cache with no default timeout,
    `"TIMEOUT": None` in a Django `CACHES` entry — on a cache the project shows is Redis-backed.
    Cache entries that never expire pile up until memory runs out; the caches' own defaults (Django
    300 s, Flask-Caching 300 s) are never reported, nor are caches with an unknown or non-Redis
    backend."""
    for call in ctx.module.cache_calls:
        why = _forever_timeout(call)
        if why is None:
            continue
        backend = redis_backend(call, ctx.index.cache_configs)
        if backend is None:
            continue
        yield ctx.report(call.span, f"{why}; with {backend} the entries stay in Redis until deleted or evicted: "
                                    "give them a timeout in seconds")
    for config in ctx.module.cache_configs:
        if config.framework == "django" and config.setting == "TIMEOUT" and is_django_redis_backend(config.backend) \
                and config.span is not None:
            yield ctx.report(config.span, f'`"TIMEOUT": None` in the `{config.alias}` cache makes every '
                                          "`cache.set()` without a timeout store forever in Redis; "
                                          "set a number of seconds (Django's default is 300)")
