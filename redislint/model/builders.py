"""How long what a construction or a call builds lives, read off the plain model: whether it
leaves its function with the return value (a factory), or is kept on the object an `__init__`
initialises (it lives as long as that object).  RL602 follows both through the project's calls
(``rules.clients``), and the project hooks use the same answers to parse the modules that build
such objects or call such factories (``hooks``).  No syntax tree here: ClientSite,
FunctionCallSite and FunctionInfo carry what is needed."""
from __future__ import annotations

from typing import Optional, Union

from .clients import URL_FACTORIES
from .module import ClientSite, FunctionCallSite, FunctionInfo

Site = Union[ClientSite, FunctionCallSite]

# The constructions RL602 judges: redis-py's clients, clusters, pools, Sentinels and the
# clients a Sentinel builds, walrus (a redis.Redis subclass), and redis-sentinel-url's
# `connect(url)` (a Sentinel, when the URL names one, and a client).
PER_CALL_KINDS = ("client", "cluster", "pool", "sentinel", "sentinel_client")
PER_CALL_PREFIXES = ("redis.", "walrus.")


def forwarded(site: Site, function: FunctionInfo) -> bool:
    """The new object leaves ``function`` with its return value: returned, given to a returned
    call (`return Queue(connection=Redis())`), held in a name that is returned or given to one,
    or stored on such an object (`obj.redis = Redis(); return obj`; not `self`, which outlives
    the call)."""
    if site.forwarded:
        return True
    target = site.assigned_to
    if target is None or site.result_use != "assign":
        return False
    if not site.stored:
        return target in function.returned_names
    base, dot, _ = target.partition(".")
    return bool(dot) and base.isidentifier() and base not in ("self", "cls") \
        and base in function.returned_names and base not in function.stored_names


def on_self(target: Optional[str], function: FunctionInfo) -> bool:
    """``target`` (an assignment's) is an attribute or item of the method's own object."""
    if target is None or not function.params or function.class_name is None:
        return False
    me = function.params[0]
    return target.startswith((f"{me}.", f"{me}["))


def kept_by_instance(site: Site, function: FunctionInfo) -> bool:
    """What ``site`` builds or returns lives as long as the object ``function`` initialises:
    kept on `self` in its `__init__` (`self.redis = Redis()`, `self.redis = self._connect()`),
    a base class's `__init__` run on that object (`super().__init__(...)`), or the object a
    `__new__` returns (`return RedisSentinel(...)`): as often as the class is called, then."""
    if function.class_name is None:
        return False
    if function.name == "__init__":
        return getattr(site, "initialises", False) or (site.stored and on_self(site.assigned_to, function))
    return function.name == "__new__" and isinstance(site, FunctionCallSite) and site.forwarded


def per_caller(site: Site, function: FunctionInfo) -> bool:
    """How often ``site`` builds is decided by the callers of ``function``: it is returned, or
    kept by the object ``function`` initialises."""
    return forwarded(site, function) or kept_by_instance(site, function)


def judged_construction(site: ClientSite) -> bool:
    """A construction RL602 judges by kind and library (not yet by where it is)."""
    return site.kind in PER_CALL_KINDS and (site.constructor.startswith(PER_CALL_PREFIXES)
                                            or site.constructor in URL_FACTORIES)
