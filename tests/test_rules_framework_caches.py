"""RL201/RL202 framework forms: django-redis `cache.keys()`, and `cache.clear()` on Redis-backed
Django, Flask-Caching and cachelib caches — only when the project shows the backend is Redis."""
from __future__ import annotations

import textwrap

from .helpers import Snippets, make_project, project_findings

DJANGO_REDIS = """
from django.core.cache import cache, caches
CACHES = {
    "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://localhost/1"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
"""
D = Snippets(DJANGO_REDIS)


def test_django_redis_keys_and_clear():
    assert D.lines("""
        def f():
            cache.keys("user:*")
            caches["default"].keys("user:*")
            cache.clear()
            caches["default"].clear()
    """, "RL201") == [3, 4]
    assert D.lines("""
        def f():
            cache.keys("user:*")
            cache.clear()
            caches["default"].clear()
    """, "RL202") == [4, 5]


def test_django_local_alias_unknown_alias_and_lookalikes_are_quiet():
    assert D.lines("""
        def f(name, other):
            caches["local"].clear()
            caches["local"].keys("x")
            caches[name].clear()
            caches["elsewhere"].clear()
            {}.keys()
            other.clear()
            other.keys("x")
    """, "RL201") + D.lines("""
        def f(name):
            caches["local"].clear()
            caches[name].clear()
            caches["elsewhere"].clear()
    """, "RL202") == []


def test_django_cache_through_a_local_name():
    assert D.lines("""
        def f():
            c = caches["default"]
            c.clear()
    """, "RL202") == [4]


def test_django_unknown_backend_is_quiet():
    assert Snippets("from django.core.cache import cache\n").lines("""
        def f():
            cache.keys("user:*")
            cache.clear()
    """, "RL201") == []
    assert Snippets("from django.core.cache import cache\n").lines("""
        def f():
            cache.clear()
    """, "RL202") == []


def test_django_locmem_and_file_caches_are_quiet():
    header = """
from django.core.cache import cache, caches
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
          "files": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"}}
"""
    assert Snippets(header).lines("""
        def f():
            cache.clear()
            caches["files"].clear()
    """, "RL202") == []


def test_django_builtin_redis_backend_clear_but_no_keys():
    header = """
from django.core.cache import cache
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://h"}}
"""
    s = Snippets(header)
    code = """
        def f():
            cache.clear()
            cache.keys("x")
    """
    assert s.lines(code, "RL202") == [3]
    assert s.lines(code, "RL201") == []  # Django's own backend has no keys(): not KEYS


def test_get_redis_connection_shows_the_alias_is_django_redis():
    s = Snippets("from django.core.cache import cache, caches\nfrom django_redis import get_redis_connection\n")
    assert s.lines("""
        def f():
            get_redis_connection("default").ping()
            cache.keys("x:*")
            caches["other"].keys("x:*")
    """, "RL201") == [4]


def test_django_keys_fix():
    assert D.fixed("""
        def f():
            for k in cache.keys("user:*"):
                print(k)
            names = cache.keys("user:*")
            later = cache.keys("user:*", version=2)
    """, "RL201") == textwrap.dedent("""
        def f():
            for k in cache.iter_keys("user:*"):
                print(k)
            names = list(cache.iter_keys("user:*"))
            later = cache.keys("user:*", version=2)
    """)


def test_flask_caching_clear_with_default_prefix_runs_keys():
    s = Snippets("""
from flask import Flask
from flask_caching import Cache
app = Flask(__name__)
cache = Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://h"})
""")
    code = """
        def f():
            cache.clear()
    """
    (d,) = s.found(code, "RL201")
    assert "KEYS flask_cache_*" in d.message
    assert s.lines(code, "RL202") == []


def test_flask_caching_with_empty_prefix_flushes():
    s = Snippets("""
from flask_caching import Cache
cache = Cache(config={"CACHE_TYPE": "redis", "CACHE_KEY_PREFIX": ""})
""")
    assert s.lines("""
        def f():
            cache.clear()
    """, "RL202") == [3]


def test_flask_caching_type_from_project_settings(tmp_path):
    files = {
        "config.py": """\
            class Config:
                CACHE_TYPE = "flask_caching.backends.RedisCache"
                CACHE_KEY_PREFIX = ""
            """,
        "app.py": """\
            from flask_caching import Cache

            cache = Cache()


            def reset():
                cache.clear()
            """,
    }
    assert project_findings(make_project(tmp_path, files)) == [("app.py", 7, "RL202")]


def test_flask_caching_simple_or_unknown_is_quiet():
    for config in ('config={"CACHE_TYPE": "SimpleCache"}', ""):
        s = Snippets(f"from flask_caching import Cache\ncache = Cache({config})\n")
        code = """
            def f():
                cache.clear()
        """
        assert s.lines(code, "RL201") == [] and s.lines(code, "RL202") == []


def test_cachelib_redis_cache():
    s = Snippets("""
from cachelib import RedisCache, SimpleCache
plain = RedisCache(host="localhost")
prefixed = RedisCache(host="localhost", key_prefix="app:")
memory = SimpleCache()
""")
    code = """
        def f():
            plain.clear()
            prefixed.clear()
            memory.clear()
    """
    assert s.lines(code, "RL202") == [3]
    assert s.lines(code, "RL201") == [4]


def test_django_settings_in_another_module(tmp_path):
    files = {
        "settings.py": """\
            CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://h/1"}}
            """,
        "views.py": """\
            from django.core.cache import cache


            def purge():
                cache.clear()
            """,
    }
    root = make_project(tmp_path, files)
    assert project_findings(root) == [("views.py", 5, "RL202")]
    # Alone, the view says nothing about the backend.
    assert project_findings(root, "views.py") == []


# --- Lua: `redis.call('KEYS', ...)` is the command, `KEYS[1]` is the key table ---------------

L = Snippets("import redis\nfrom redis.asyncio import Redis\nr = redis.Redis()\nar = Redis()\n")


def test_lua_key_table_is_not_the_keys_command():
    assert L.lines("""
        async def f():
            r.register_script("return redis.call('GET', KEYS[1])")
            await ar.eval("return redis.call('DEL', KEYS[1], KEYS[2])", 2, "a", "b")
            r.eval("return #KEYS", 0)
            await ar.eval("return redis.call('keys', ARGV[1])", 0, "x:*")
            r.register_script('return redis.call("KEYS", KEYS[1])')
    """, "RL201") == [6, 7]
