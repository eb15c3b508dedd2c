"""Records framework cache calls and cache settings during extraction (see ``cache_backends``
for what they mean and which run Redis commands)."""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Dict, Optional, Tuple

import libcst as cst

from .cache_backends import (
    CACHELIB_REDIS_CLASSES, DJANGO_CACHE, DJANGO_CACHES, DJANGO_REDIS_BACKEND, DJANGO_REDIS_CONNECTION, DYNAMIC,
    FLASK_CACHE, METHODS, WALRUS_CACHE,
)
from .module import CacheCall, CacheConfig
from .resolve import _NO_VALUE, literal_value

if TYPE_CHECKING:  # pragma: no cover
    from .extract import CallExtractor

def _str_elements(node: cst.BaseExpression) -> Dict[str, cst.DictElement]:
    """The string-keyed elements of a dict literal; {} for anything else."""
    out: Dict[str, cst.DictElement] = {}
    if isinstance(node, cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                key = literal_value(el.key)
                if isinstance(key, str):
                    out[key] = el
    return out


def _str_items(node: cst.BaseExpression) -> Dict[str, cst.BaseExpression]:
    """The string-keyed entries of a dict literal (`{"CACHE_TYPE": "redis"}`) or of keyword
    arguments turned into one; {} for anything else."""
    return {key: el.value for key, el in _str_elements(node).items()}


def _literal_str(node: Optional[cst.BaseExpression]) -> Optional[str]:
    value = literal_value(node) if node is not None else _NO_VALUE
    return value if isinstance(value, str) else None


def _prefix(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """A key prefix as the model records it: None (not given, or a literal None), the literal, or
    DYNAMIC."""
    if node is None:
        return None
    value = literal_value(node)
    if value is None:
        return None
    return value if isinstance(value, str) else DYNAMIC


class CacheFacts:
    """Records framework cache calls and cache settings for the extractor (one per module)."""

    def __init__(self, extractor: "CallExtractor"):
        # A weak reference: the extractor holds this object, and a cycle between them would keep
        # the whole syntax tree alive until the garbage collector's next full pass.
        self.x = weakref.proxy(extractor)

    # --- settings ----------------------------------------------------------------------------
    def _config(self, framework: str, setting: str, value: Optional[str], node: cst.CSTNode,
                alias: Optional[str] = None, backend: Optional[str] = None) -> None:
        if value is not None:
            self.x.model.cache_configs.append(CacheConfig(framework, setting, value, alias, self.x.span(node),
                                                          backend))

    def _flask_settings(self, items: Dict[str, cst.BaseExpression], node: cst.CSTNode) -> None:
        self._config("flask_caching", "CACHE_TYPE", _literal_str(items.get("CACHE_TYPE")), node)
        if "CACHE_KEY_PREFIX" in items:
            self._config("flask_caching", "CACHE_KEY_PREFIX", _prefix(items["CACHE_KEY_PREFIX"]) or "", node)

    def assign(self, node: cst.Assign) -> None:
        """`CACHES = {...}`, `CACHE_TYPE = "..."`, `app.config["CACHE_TYPE"] = "..."`."""
        for target in node.targets:
            t = target.target
            name = None
            if isinstance(t, cst.Name):
                name = t.value
            elif isinstance(t, cst.Subscript) and len(t.slice) == 1 and isinstance(t.slice[0].slice, cst.Index):
                name = _literal_str(t.slice[0].slice.value)
            if name == "CACHES" and isinstance(t, cst.Name):
                for alias, conf in _str_items(node.value).items():
                    entry = _str_elements(conf)
                    backend = _literal_str(entry["BACKEND"].value) if "BACKEND" in entry else None
                    self._config("django", "BACKEND", backend, node, alias)
                    self._django_entry(alias, entry, backend)
            elif name in ("CACHE_TYPE", "CACHE_KEY_PREFIX"):
                self._flask_settings({name: node.value}, node)
            elif name == "DJANGO_REDIS_IGNORE_EXCEPTIONS" and isinstance(t, cst.Name) \
                    and literal_value(node.value) is True:
                # django-redis swallows connection errors of every django-redis cache.
                self._config("django", "IGNORE_EXCEPTIONS", "True", node, None, DJANGO_REDIS_BACKEND)

    def _django_entry(self, alias: str, entry: Dict[str, cst.DictElement], backend: Optional[str]) -> None:
        """`"TIMEOUT": None` (RL108) and django-redis `"OPTIONS": {"IGNORE_EXCEPTIONS": True}`
        (RL603) in one `CACHES` entry, with the entry's backend."""
        timeout = entry.get("TIMEOUT")
        if timeout is not None and literal_value(timeout.value) is None:
            self._config("django", "TIMEOUT", "None", timeout, alias, backend)
        options = _str_elements(entry["OPTIONS"].value) if "OPTIONS" in entry else {}
        ignore = options.get("IGNORE_EXCEPTIONS")
        if ignore is not None and literal_value(ignore.value) is True:
            self._config("django", "IGNORE_EXCEPTIONS", "True", ignore, alias, backend)

    def call(self, node: cst.Call, qualified: Optional[str]) -> None:
        """Settings passed to calls, and framework cache method calls."""
        func = node.func
        if qualified == DJANGO_REDIS_CONNECTION:
            alias = next((a.value for a in node.args if (a.keyword is None and not a.star)
                          or (a.keyword is not None and a.keyword.value == "alias")), None)
            alias_name = "default" if alias is None else _literal_str(alias)
            self._config("django", "BACKEND", DJANGO_REDIS_BACKEND if alias_name else None, node, alias_name)
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in ("update", "from_mapping", "init_app", "setdefault"):
            for a in node.args:
                if a.star == "**":
                    self._flask_settings(_str_items(a.value), node)
                elif a.keyword is not None and a.keyword.value in ("CACHE_TYPE", "CACHE_KEY_PREFIX"):
                    self._flask_settings({a.keyword.value: a.value}, node)
                elif a.keyword is not None and a.keyword.value == "config" or (a.keyword is None and not a.star):
                    self._flask_settings(_str_items(a.value), node)
            if method == "setdefault" and len(node.args) == 2:
                key = _literal_str(node.args[0].value)
                if key in ("CACHE_TYPE", "CACHE_KEY_PREFIX"):
                    self._flask_settings({key: node.args[1].value}, node)
        if method in METHODS:
            self._method_call(node, func, method)
        elif method == "cache" and "walrus" in self._imported_roots():
            receiver = self.x.resolver.client_of(func.value, self.x.scope)
            if receiver is not None and receiver.via is None:
                self._record(node, "walrus", "cache", func.value, func.attr)

    def walrus_cache(self, node: cst.Call, qualified: Optional[str]) -> None:
        """`walrus.Cache(db, name, default_timeout)` built directly."""
        if qualified in WALRUS_CACHE:
            self._record(node, "walrus", "Cache", node.func, node.func)

    def _imported_roots(self) -> set:
        roots = getattr(self, "_roots", None)
        if roots is None:
            roots = self._roots = {q.split(".", 1)[0] for q in self.x.model.imports.values()}
        return roots

    # --- calls -------------------------------------------------------------------------------
    def _method_call(self, node: cst.Call, func: cst.Attribute, method: str) -> None:
        found = self._cache_object(func.value, 0)
        if found is None:
            return
        framework, alias, backend, prefix = found
        self._record(node, framework, method, func.value, func.attr, alias, backend, prefix)

    def _record(self, node: cst.Call, framework: str, method: str, receiver: cst.BaseExpression,
                name: cst.CSTNode, alias: Optional[str] = None, backend: Optional[str] = None,
                prefix: Optional[str] = None) -> None:
        x = self.x
        use, _ = x.use.get(id(node), ("other", None))
        x.model.cache_calls.append(CacheCall(
            framework=framework, method=method, span=x.span(node), name_span=x.span(name),
            receiver=x.resolver.code(receiver), alias=alias, backend=backend, key_prefix=prefix,
            args=tuple(x._value(a.value) for a in node.args if a.keyword is None and not a.star),
            kwargs=tuple(a.keyword.value for a in node.args if a.keyword is not None),
            has_star_args=any(a.star for a in node.args), result_use=use,
            function=x.function_stack[-1] if x.function_stack else None,
            keyword_values=tuple((a.keyword.value, x._value(a.value)) for a in node.args if a.keyword is not None),
            handlers=tuple(h for handlers in x.try_stack for h in handlers), in_try=bool(x.try_stack),
            decorator=id(node) in x.decorator_calls,
        ))

    def _cache_object(self, node: cst.BaseExpression, depth: int
                      ) -> Optional[Tuple[str, Optional[str], Optional[str], Optional[str]]]:
        """(framework, Django alias, backend, key prefix) of a cache object expression: Django's
        `cache` or `caches["alias"]`, a `flask_caching.Cache(...)` or cachelib `RedisCache(...)`
        built in this module, or a name bound to one of those (once, in its scope)."""
        x = self.x
        qualified = x.resolver.qualified(node, x.scope)
        if qualified == DJANGO_CACHE:
            return "django", "default", None, None
        if isinstance(node, cst.Subscript) and x.resolver.qualified(node.value, x.scope) == DJANGO_CACHES:
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                return "django", _literal_str(node.slice[0].slice.value), None, None
            return "django", None, None, None
        if isinstance(node, cst.Call):
            made = x.resolver.qualified(node.func, x.scope)
            kwargs = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            if made == FLASK_CACHE:
                config = _str_items(kwargs.get("config", cst.Dict([])))
                prefix = (_prefix(config["CACHE_KEY_PREFIX"]) or "") if "CACHE_KEY_PREFIX" in config else None
                return "flask_caching", None, _literal_str(config.get("CACHE_TYPE")), prefix
            if made in CACHELIB_REDIS_CLASSES:
                return "cachelib", None, made, _prefix(kwargs.get("key_prefix")) or ""
            return None
        if isinstance(node, cst.Name) and depth < 2:
            owner, how = x.resolver.lookup(node.value, x.scope)
            values = owner.assigns.get(node.value, []) if how == "assign" and owner is not None else []
            if len(values) == 1:
                return self._cache_object(values[0], depth + 1)
        return None


# --- decisions (rules) -------------------------------------------------------------------------
