"""RL108 framework-cache-without-expiry: each library's "never expire" timeout (Django `None`,
Flask-Caching/cachelib `0`, walrus without a default), only on caches the project shows are Redis."""
from __future__ import annotations

import textwrap

from redislint.config import ConfigResolver
from redislint.runner import lint_paths

from .helpers import Snippets

DJANGO = Snippets("""
from django.core.cache import cache, caches
CACHES = {
    "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://localhost/1"},
    "builtin": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://localhost/2"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
FOREVER = None
""", "RL108")


def test_django_timeout_none_is_forever():
    assert DJANGO.lines("""
        def f(k, v):
            cache.set(k, v, timeout=None)
            cache.set(k, v, None)
            cache.add(k, v, None)
            cache.get_or_set(k, v, timeout=None)
            cache.set_many({k: v}, None)
            cache.touch(k, None)
            caches["builtin"].set(k, v, timeout=None)
            cache.set(k, v, timeout=FOREVER)
    """) == [3, 4, 5, 6, 7, 8, 9, 10]


def test_django_defaults_numbers_and_zero_are_quiet():
    # 0 means "expire immediately" to Django, not "forever"; the default is 300 s.
    assert DJANGO.lines("""
        def f(k, v, timeout=None):
            cache.set(k, v)
            cache.set(k, v, 60)
            cache.set(k, v, timeout=0)
            cache.set(k, v, timeout=timeout)
            cache.get(k, None)
            cache.set(k, None)
            cache.touch(k)
    """) == []


def test_django_non_redis_and_unknown_backends_are_quiet():
    assert DJANGO.lines("""
        def f(k, v, name):
            caches["local"].set(k, v, None)
            caches[name].set(k, v, None)
            caches["elsewhere"].set(k, v, None)
    """) == []
    assert Snippets("from django.core.cache import cache\n", "RL108").lines("""
        def f(k, v):
            cache.set(k, v, timeout=None)
    """) == []


def test_django_settings_timeout_none_for_a_redis_backend():
    s = Snippets("", "RL108")
    assert s.lines("""
        CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "TIMEOUT": None,
            },
            "builtin": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "TIMEOUT": None},
            "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": None},
            "short": {"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": 60},
            "plain": {"BACKEND": "django_redis.cache.RedisCache"},
        }
    """) == [5, 7]


FLASK = Snippets("""
from flask_caching import Cache
from cachelib import RedisCache
cache = Cache(config={"CACHE_TYPE": "RedisCache"})
simple = Cache(config={"CACHE_TYPE": "SimpleCache"})
rc = RedisCache(host="localhost")
""", "RL108")


def test_flask_caching_and_cachelib_timeout_zero_is_forever():
    assert FLASK.lines("""
        def f(k, v):
            cache.set(k, v, timeout=0)
            cache.set(k, v, 0)
            cache.add(k, v, 0)
            cache.set_many({k: v}, timeout=0)
            rc.set(k, v, timeout=0)

        @cache.cached(timeout=0)
        def page():
            return "x"

        @cache.memoize(0)
        def total(n):
            return n
    """) == [3, 4, 5, 6, 7, 9, 13]


def test_flask_caching_none_default_false_and_simple_are_quiet():
    # None means "the default timeout" to Flask-Caching and cachelib.
    assert FLASK.lines("""
        def f(k, v):
            cache.set(k, v)
            cache.set(k, v, timeout=None)
            cache.set(k, v, timeout=300)
            cache.set(k, v, False)
            rc.set(k, v, None)
            simple.set(k, v, timeout=0)

        @cache.cached(timeout=None)
        def page():
            return "x"
    """) == []


def test_flask_caching_backend_from_project_settings(tmp_path):
    (tmp_path / "settings.py").write_text('CACHE_TYPE = "redis"\n')
    (tmp_path / "views.py").write_text(textwrap.dedent("""
        from flask_caching import Cache
        cache = Cache()

        def f(k, v):
            cache.set(k, v, timeout=0)
    """))
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"preview": True}))
    assert [(d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics if d.code == "RL108"] == [("views.py", 6)]


def test_flask_caching_unknown_backend_is_quiet():
    assert Snippets("from flask_caching import Cache\ncache = Cache()\n", "RL108").lines("""
        def f(k, v):
            cache.set(k, v, timeout=0)
    """) == []


WALRUS = Snippets("""
import walrus
from walrus import Cache
db = walrus.Database()
""", "RL108")


def test_walrus_cache_without_default_timeout():
    assert WALRUS.lines("""
        a = Cache(db)
        b = walrus.Cache(db, "pages")
        c = Cache(db, default_timeout=None)
        d = db.cache(default_timeout=None)
        e = db.cache("x", 0)
    """) == [2, 3, 4, 5, 6]


def test_walrus_cache_with_a_timeout_and_database_cache_default_are_quiet():
    # `Database.cache()` defaults to 3600 s.
    assert WALRUS.lines("""
        a = Cache(db, default_timeout=600)
        b = Cache(db, "pages", 600)
        c = db.cache()
        d = db.cache("pages", 600)
        e = Cache(*args)
    """) == []


def test_lookalikes_are_quiet():
    assert Snippets("", "RL108").lines("""
        def f(cache, store):
            cache.set("k", 1, timeout=None)
            cache.set("k", 1, timeout=0)
            store.cache(default_timeout=None)
    """) == []


def test_message_names_the_meaning():
    (d,) = DJANGO.found("""
        def f(k, v):
            cache.set(k, v, timeout=None)
    """)
    assert "never expire" in d.message and "django-redis" in d.message
