"""Small helpers shared by rule modules: reading facts off calls, building common fixes."""
from __future__ import annotations

import fnmatch
from typing import FrozenSet, Iterable, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from ..diagnostics import Edit, Position
from ..model import FunctionInfo, KeyPattern, ModuleModel, RedisCall, Value

# redis-py 8.0 gives every connection a 5 s socket timeout (and the same connect timeout);
# before it both default to None: wait forever.  (RL601, RL205.)
TIMEOUT_DEFAULT_SINCE = (8, 0)
DEFAULT_SOCKET_TIMEOUT = 5.0


def key_label(key: KeyPattern) -> str:
    return f"`{key.text}`" if key.known else f"`{key.expr}`"


def exempt_key(key: KeyPattern, patterns: Iterable[str]) -> bool:
    """Keys the user declared TTL-free (`ttl-exempt-keys`), matched as globs on the pattern,
    where `{}` stands for each dynamic part (so `session:*` matches `session:{}`)."""
    text = key.text if key.known else key.expr
    return any(fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(text.replace("{}", "*"), p) for p in patterns)


def insert_kwargs(call: RedisCall, text: str) -> Optional[Edit]:
    """An edit that appends keyword arguments (`"ex=60"`) to a call's argument list."""
    if call.args_end is None:
        return None
    has_args = bool(call.args) or bool(call.extra_args) or bool(call.extra_kwargs) or call.has_star_args
    return Edit.insertion(call.args_end, f", {text}" if has_args else text)


def url_parts(url: Optional[Value]) -> Optional[Tuple[dict, str]]:
    """The query parameters and scheme of a literal URL (`from_url("redis://h?socket_timeout=3")`);
    None when the URL is not a str literal or does not parse."""
    if url is None or url.kind != "str":
        return None
    try:
        parts = urlsplit(url.literal)
        return parse_qs(parts.query), parts.scheme
    except ValueError:
        return None


def line_deletion(call: RedisCall) -> Optional[Edit]:
    """An edit removing the whole line(s) of the statement that is just this call."""
    stmt = call.statement
    if stmt is None or not stmt.is_expression or stmt.single_in_block:
        return None
    return Edit.deletion(Position(stmt.span.start.line, 0), Position(stmt.span.end.line + 1, 0))


# Request handlers: `@app.route`, `@bp.route`, `@app.get`, `@router.post`, ... on an object whose
# name says it is an application, blueprint or router; Django REST framework's `@api_view`; and in
# Django `views.py` modules, functions taking `request` first and class-based view methods;
# Tornado's `@tornado.web.authenticated`, which only decorates a RequestHandler's HTTP methods.
_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route"})
_ROUTE_OWNERS = frozenset({"app", "application", "bp", "blueprint", "router", "api"})
_ROUTE_OWNER_SUFFIXES = ("_app", "_bp", "_blueprint", "_router", "_api")
_VIEW_DECORATORS = frozenset({"rest_framework.decorators.api_view", "tornado.web.authenticated"})
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "dispatch"})

# Class-based views: the HTTP methods of a class deriving (directly or through classes of its
# module) from a framework's view class run once per request, wherever the module is.
_VIEW_BASES = frozenset({"flask.views.MethodView", "flask.views.View", "flask_restful.Resource",
                         "flask_restx.Resource", "tornado.web.RequestHandler", "aiohttp.web.View",
                         "starlette.endpoints.HTTPEndpoint", "quart.views.MethodView"})
_VIEW_BASE_PREFIXES = ("django.views.", "rest_framework.views.", "rest_framework.generics.",
                       "rest_framework.viewsets.")
_CLASS_VIEW_METHODS = _VIEW_METHODS | {"dispatch_request", "options"}
# Applications and routers: a subclass that registers routes on `self` (`@self.get(...)`).
_APP_BASES = frozenset({"fastapi.FastAPI", "fastapi.APIRouter", "fastapi.routing.APIRouter",
                        "starlette.applications.Starlette", "flask.Flask", "flask.Blueprint", "quart.Quart",
                        "quart.Blueprint", "sanic.Sanic"})


# Hooks a web framework runs around every request (Flask, Quart, Sanic's middleware aside):
# `@app.before_request`, `@bp.before_app_request`, ...  Names no other library gives a decorator.
_REQUEST_HOOKS = frozenset({"before_request", "before_app_request", "after_request", "after_app_request",
                            "teardown_request", "teardown_app_request", "before_websocket", "after_websocket"})


def request_handler(module: ModuleModel, fn: FunctionInfo) -> bool:
    """Whether ``fn`` handles web requests, by the conservative signs above, or runs around each
    one (a per-request hook)."""
    for path in fn.decorator_paths:
        if path in _VIEW_DECORATORS:
            return True
        owner, _, method = path.rpartition(".")
        if owner and method in _REQUEST_HOOKS:
            return True
        owner = owner.rsplit(".", 1)[-1]
        if method in _ROUTE_METHODS and (owner in _ROUTE_OWNERS or owner.endswith(_ROUTE_OWNER_SUFFIXES)
                                         or (owner == "self" and _defines_app_class(module))):
            return True
    if fn.class_name is not None and fn.name in _CLASS_VIEW_METHODS and _view_class(module, fn.class_name):
        return True
    parts = module.path.replace("\\", "/").split("/")
    if parts[-1] == "views.py" or "views" in parts[:-1]:
        if fn.class_name is None and fn.qualname == fn.name and fn.params[:1] == ("request",):
            return True
        if fn.class_name is not None and fn.name in _VIEW_METHODS and fn.params[:2] == ("self", "request"):
            return True
    return False


def _defines_app_class(module: ModuleModel) -> bool:
    """The module defines an application or router class (`class Dashboard(FastAPI):`), whose
    methods register routes on `self` (`@self.get("/workers")` in its `__init__`)."""
    return any(derives_from(module, name, _APP_BASES) for name in module.class_bases)


def _view_class(module: ModuleModel, class_name: str) -> bool:
    """``class_name`` derives from a framework's view class, through classes of ``module``."""
    return derives_from(module, class_name, _VIEW_BASES, _VIEW_BASE_PREFIXES)


def derives_from(module: ModuleModel, class_name: str, bases: FrozenSet[str], prefixes: Tuple[str, ...] = (),
                 depth: int = 0) -> bool:
    """``class_name`` derives from one of ``bases`` (qualified names) or a class under one of
    ``prefixes``, directly or through classes of ``module``."""
    for base in module.class_bases.get(class_name, ()):
        if base.startswith("local:"):
            if depth < 4 and derives_from(module, base[len("local:"):], bases, prefixes, depth + 1):
                return True
        elif base in bases or (prefixes and base.startswith(prefixes)):
            return True
    return False


# Task functions of the job queues: each run of the task builds what is built inside it.
_TASK_DECORATORS = frozenset({"task", "shared_task", "periodic_task", "db_task", "db_periodic_task", "actor", "job"})


def task_function(fn: FunctionInfo) -> bool:
    """Whether ``fn`` is a Celery/Huey/Dramatiq/RQ task (`@app.task`, `@shared_task`,
    `@huey.task()`, `@dramatiq.actor`, `@job(...)`): it runs once per job."""
    return any(path.rsplit(".", 1)[-1] in _TASK_DECORATORS for path in fn.decorator_paths if path)
