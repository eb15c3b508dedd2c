"""Framework cache APIs that run Redis commands behind a method of their own.

A Django `cache`, a Flask-Caching `Cache` or a cachelib `RedisCache` is not a Redis client (RULES.md,
"Receivers"): `cache.get()` / `cache.set()` have their own semantics.  Two of their methods matter to
the command rules, because of the Redis commands they run when the backend is Redis (read from the
libraries' sources):

- django-redis `cache.keys(pattern)` runs `KEYS` (its `iter_keys()` uses SCAN);
- `cache.clear()` runs `FLUSHDB` on django-redis and on Django's own Redis backend, and on cachelib's
  `RedisCache` (which Flask-Caching's Redis backends extend) when the key prefix is empty; with a key
  prefix cachelib runs `KEYS <prefix>*` and deletes the keys it finds.  Flask-Caching sets the prefix
  to `"flask_cache_"` unless `CACHE_KEY_PREFIX` says otherwise.

Whether a cache is Redis-backed is read from the project (conservatively: unknown means "no"):
Django `CACHES = {alias: {"BACKEND": ...}}` dict literals in any module of the run, or a call of
`django_redis.get_redis_connection(alias)` (which raises unless that alias is a django-redis cache);
Flask's `CACHE_TYPE` (in a config dict given to the `Cache` itself, or anywhere in the project: a
module or class attribute, `app.config[...] = ...`, `config.update(...)`, `init_app(config=...)`).
A backend named in several places (development settings with locmem, production with Redis) counts
as Redis when any of them is: the code runs against Redis in some deployment.

This module holds the vocabulary and the decisions (no parser: rules import it); ``caches.CacheFacts``
records the facts during extraction.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

from .module import CacheCall, CacheConfig

DJANGO_CACHE = "django.core.cache.cache"
DJANGO_CACHES = "django.core.cache.caches"
DJANGO_REDIS_BACKEND = "django_redis.cache.RedisCache"
DJANGO_BUILTIN_REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
DJANGO_REDIS_CONNECTION = "django_redis.get_redis_connection"

FLASK_CACHE = "flask_caching.Cache"
# Classes whose `clear()` is cachelib's RedisCache.clear (Flask-Caching's Redis backends extend it).
_CACHELIB_REDIS = ("RedisCache", "RedisSentinelCache", "RedisClusterCache")
CACHELIB_REDIS_CLASSES = frozenset(
    [f"cachelib.{c}" for c in _CACHELIB_REDIS[:1]] + ["cachelib.redis.RedisCache", "werkzeug.contrib.cache.RedisCache"]
    + [f"flask_caching.backends.{c}" for c in _CACHELIB_REDIS]
    + [f"flask_caching.backends.rediscache.{c}" for c in _CACHELIB_REDIS]
)
# Flask-Caching CACHE_TYPE values (short names, class names, import paths) of its Redis backends.
_FLASK_REDIS_TYPES = frozenset({"redis", "rediscache", "redissentinel", "redissentinelcache", "rediscluster",
                                "redisclustercache"})
FLASK_DEFAULT_PREFIX = "flask_cache_"
DYNAMIC = "{}"  # a key prefix given as an expression we cannot evaluate

# The methods the rules read (RL201: keys, clear with a prefix; RL202: clear; RL108: the writes
# that take a timeout, and Flask-Caching's caching decorators; RL603: reads and writes).
WRITE_METHODS = frozenset({"set", "add", "set_many", "get_or_set", "touch"})
READ_METHODS = frozenset({"get", "get_many", "get_or_set"})
DECORATOR_METHODS = frozenset({"cached", "memoize"})
METHODS = frozenset({"keys", "clear"}) | WRITE_METHODS | READ_METHODS | DECORATOR_METHODS

WALRUS_CACHE = frozenset({"walrus.Cache", "walrus.cache.Cache"})


def is_flask_redis_type(value: str) -> bool:
    return value.rsplit(".", 1)[-1].lower() in _FLASK_REDIS_TYPES


def _django_backends(configs: Iterable[CacheConfig], alias: Optional[str]) -> List[str]:
    return [c.value for c in configs if c.framework == "django" and c.setting == "BACKEND" and c.alias == alias]


def _flask_redis_backed(call: CacheCall, configs: List[CacheConfig]) -> bool:
    """A Flask-Caching cache is Redis-backed by its own `CACHE_TYPE`, else by any in the project."""
    if call.backend is not None:
        return is_flask_redis_type(call.backend)
    return any(c.framework == "flask_caching" and c.setting == "CACHE_TYPE" and is_flask_redis_type(c.value)
               for c in configs)


def redis_command(call: CacheCall, configs: Iterable[CacheConfig]) -> Optional[Tuple[str, str]]:
    """The Redis command a framework cache call runs, with the words that say so:
    ("keys", "django-redis `cache.keys()` runs KEYS"), ("flushdb", ...); None when the backend is
    not known to be Redis or the method runs neither."""
    configs = list(configs)
    if call.framework == "django":
        backends = _django_backends(configs, call.alias) if call.alias is not None else []
        if call.method == "keys" and DJANGO_REDIS_BACKEND in backends:
            return "keys", f"django-redis `{call.receiver}.keys()` runs `KEYS`"
        if call.method == "clear":
            for backend, name in ((DJANGO_REDIS_BACKEND, "django-redis"), (DJANGO_BUILTIN_REDIS_BACKEND, "Django's Redis")):
                if backend in backends:
                    return "flushdb", f"`{call.receiver}.clear()` on a {name} cache runs `FLUSHDB`"
        return None
    if call.method != "clear":
        return None
    if call.framework == "flask_caching":
        redis_backed = _flask_redis_backed(call, configs)
        if not redis_backed:
            return None
        prefix = call.key_prefix
        if prefix is None:
            prefixes = {c.value for c in configs if c.framework == "flask_caching" and c.setting == "CACHE_KEY_PREFIX"}
            prefix = "" if prefixes == {""} else FLASK_DEFAULT_PREFIX
        what = "a Flask-Caching Redis cache"
    else:
        prefix = call.key_prefix or ""
        what = "a cachelib `RedisCache`"
    if not prefix:
        return "flushdb", f"`{call.receiver}.clear()` on {what} with no key prefix runs `FLUSHDB`"
    shown = "<prefix>" if prefix == DYNAMIC else prefix
    return "keys", f"`{call.receiver}.clear()` on {what} runs `KEYS {shown}*` to find the keys it deletes"


def redis_backend(call: CacheCall, configs: Iterable[CacheConfig]) -> Optional[str]:
    """The Redis backend a framework cache call reaches, in words ("django-redis", "Django's Redis
    backend", "Flask-Caching's Redis backend", "cachelib's `RedisCache`", "walrus"); None when the
    project does not show the cache is Redis-backed (an unknown, locmem, file or simple cache)."""
    if call.framework == "walrus":
        return "walrus"
    if call.framework == "cachelib":
        return "cachelib's `RedisCache`"
    configs = list(configs)
    if call.framework == "django":
        backends = _django_backends(configs, call.alias) if call.alias is not None else []
        if DJANGO_REDIS_BACKEND in backends:
            return "django-redis"
        if DJANGO_BUILTIN_REDIS_BACKEND in backends:
            return "Django's Redis backend"
        return None
    if call.framework == "flask_caching":
        redis_backed = _flask_redis_backed(call, configs)
        return "Flask-Caching's Redis backend" if redis_backed else None
    return None


def is_django_redis_backend(backend: Optional[str]) -> bool:
    return backend in (DJANGO_REDIS_BACKEND, DJANGO_BUILTIN_REDIS_BACKEND)
