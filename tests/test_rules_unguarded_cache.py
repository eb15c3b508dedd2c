"""RL603 unguarded-cache-call: cache-aside reads and writes in a request handler (or a helper it
calls) with no handling of Redis errors."""
from __future__ import annotations

import textwrap

from redislint import lint_source
from redislint.config import ConfigResolver
from redislint.runner import lint_paths
from redislint.settings import Settings

from .helpers import Snippets

H = """
import redis
from flask import Flask, Blueprint
from fastapi import APIRouter
app = Flask(__name__)
bp = Blueprint("shop", __name__)
router = APIRouter()
r = redis.Redis(socket_timeout=5, socket_connect_timeout=5)
"""
S = Snippets(H, "RL603")


def test_cache_aside_in_routes():
    assert S.lines("""
        @app.route("/p/<pid>")
        def product(pid):
            v = r.get(f"product:{pid}")
            if v is None:
                v = load(pid)
                r.set(f"product:{pid}", v, ex=60)
            return v

        @bp.get("/u/<uid>")
        def user(uid):
            key = f"user:{uid}"
            v = r.get(key)
            if v is None:
                v = load(uid)
                r.setex(key, 60, v)
            return v

        @router.get("/a/{aid}")
        async def article(aid: int):
            v = await r.get(f"article:{aid}")
            if v is None:
                v = load(aid)
                await r.set(f"article:{aid}", v, ex=60)
            return v
    """) == [4, 13, 21]


def test_guarded_calls_are_quiet():
    assert S.lines("""
        @app.route("/p/<pid>")
        def product(pid):
            try:
                v = r.get(f"product:{pid}")
                if v is None:
                    v = load(pid)
                    r.set(f"product:{pid}", v, ex=60)
            except redis.exceptions.ConnectionError:
                v = load(pid)
            return v

        @app.route("/q/<pid>")
        def other(pid):
            try:
                v = r.get(f"product:{pid}")
            except (redis.TimeoutError, redis.ConnectionError):
                v = None
            if v is None:
                v = load(pid)
                try:
                    r.set(f"product:{pid}", v, ex=60)
                except Exception:
                    pass
            return v
    """) == []


def test_one_unguarded_half_is_reported():
    assert S.lines("""
        @app.route("/p/<pid>")
        def product(pid):
            try:
                v = r.get(f"product:{pid}")
            except redis.RedisError:
                v = None
            if v is None:
                v = load(pid)
                r.set(f"product:{pid}", v, ex=60)
            return v
    """) == [10]


def test_unrelated_handlers_do_not_guard():
    assert S.lines("""
        @app.route("/p/<pid>")
        def product(pid):
            try:
                v = r.get(f"product:{pid}")
                if v is None:
                    v = load(pid)
                    r.set(f"product:{pid}", v, ex=60)
            except KeyError:
                v = None
            return v
    """) == [5]


def test_not_cache_aside_or_not_a_request_is_quiet():
    assert S.lines("""
        @app.route("/s")
        def session_view(sid):
            return r.get(f"session:{sid}")

        @app.route("/c")
        def counter(uid):
            r.set(f"seen:{uid}", 1, ex=60)
            return r.get(f"other:{uid}")

        @app.route("/pipe")
        def piped(uid):
            p = r.pipeline()
            p.get(f"x:{uid}")
            p.set(f"x:{uid}", 1, ex=60)
            return p.execute()

        def job(pid):
            v = r.get(f"product:{pid}")
            if v is None:
                r.set(f"product:{pid}", load(pid), ex=60)

        @cache.route("/x")
        def weird(pid):
            v = r.get(f"product:{pid}")
            r.set(f"product:{pid}", 1, ex=60)
    """) == []


def test_helper_called_from_a_route():
    assert S.lines("""
        def cached_product(pid):
            v = r.get(f"product:{pid}")
            if v is None:
                v = load(pid)
                r.set(f"product:{pid}", v, ex=60)
            return v

        @app.route("/p/<pid>")
        def product(pid):
            return cached_product(pid)
    """) == [3]


def test_helper_guarded_at_the_call_site_or_not_called_from_a_route_is_quiet():
    assert S.lines("""
        def cached_product(pid):
            v = r.get(f"product:{pid}")
            if v is None:
                v = load(pid)
                r.set(f"product:{pid}", v, ex=60)
            return v

        @app.route("/p/<pid>")
        def product(pid):
            try:
                return cached_product(pid)
            except redis.RedisError:
                return load(pid)

        def task(pid):
            return cached_product(pid)
    """) == []


def test_application_wide_error_handler_is_quiet():
    assert S.lines("""
        @app.errorhandler(redis.exceptions.ConnectionError)
        def redis_down(error):
            return "busy", 503

        @app.route("/p/<pid>")
        def product(pid):
            v = r.get(f"product:{pid}")
            if v is None:
                r.set(f"product:{pid}", load(pid), ex=60)
            return v
    """) == []


DJANGO_VIEWS = """
from django.core.cache import cache
CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://localhost/1"}%s}


def product(request, pid):
    v = cache.get(f"product:{pid}")
    if v is None:
        v = load(pid)
        cache.set(f"product:{pid}", v, 60)
    return v


def summary(request):
    return cache.get_or_set("summary", build_summary, 300)


class ProductView(View):
    def get(self, request, pid):
        v = cache.get(f"product:{pid}")
        if v is None:
            v = load(pid)
            cache.set(f"product:{pid}", v, 60)
        return v


def helper(pid):
    v = cache.get(f"product:{pid}")
    if v is None:
        cache.set(f"product:{pid}", load(pid), 60)
"""


def _rl603(source: str, path: str):
    return [d.line for d in lint_source(source, path, Settings(select=("RL603",), preview=True)) if d.code == "RL603"]


def test_django_views_module():
    assert _rl603(DJANGO_VIEWS % "", "shop/views.py") == [7, 15, 20]
    assert _rl603(DJANGO_VIEWS % "", "shop/views/products.py") == [7, 15, 20]


def test_django_outside_views_modules_is_quiet():
    assert _rl603(DJANGO_VIEWS % "", "shop/services.py") == []


def test_django_redis_ignore_exceptions_is_quiet():
    options = ', "OPTIONS": {"IGNORE_EXCEPTIONS": True}'
    assert _rl603(DJANGO_VIEWS.replace("/1\"}%s}", "/1\"" + options + "}}"), "shop/views.py") == []
    assert _rl603(DJANGO_VIEWS % "" + "\nDJANGO_REDIS_IGNORE_EXCEPTIONS = True\n", "shop/views.py") == []


def test_django_non_redis_cache_is_quiet():
    source = DJANGO_VIEWS.replace("django_redis.cache.RedisCache", "django.core.cache.backends.locmem.LocMemCache")
    assert _rl603(source % "", "shop/views.py") == []


def test_helper_in_another_module(tmp_path):
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "cache.py").write_text(textwrap.dedent("""
        import redis
        r = redis.Redis(socket_timeout=5, socket_connect_timeout=5)

        def cached_profile(uid):
            key = f"profile:{uid}"
            v = r.get(key)
            if v is None:
                v = "x"
                r.set(key, v, ex=60)
            return v
    """))
    # The handler's module is analysed because it touches Redis itself (a module that never
    # mentions Redis is not parsed, so its routes are not seen).
    (pkg / "web.py").write_text(textwrap.dedent("""
        import redis
        from flask import Flask
        from shop.cache import cached_profile
        app = Flask(__name__)

        @app.route("/u/<uid>")
        def profile(uid):
            return cached_profile(uid)
    """))
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"preview": True}))
    found = [(d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics if d.code == "RL603"]
    assert found == [("cache.py", 7)]
    (d,) = [d for d in result.diagnostics if d.code == "RL603"]
    assert "request handler `profile`" in d.message
