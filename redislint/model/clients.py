"""Which qualified names build Redis clients, pools and sentinels, and which name client types.

Qualified names are what an import makes of a local name: `from redis import Redis as R`
makes `R(...)` a call of `redis.Redis`.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

from .module import ClientKind

# qualified constructor -> (kind, is_async)
CLIENT_CONSTRUCTORS: Dict[str, Tuple[ClientKind, bool]] = {}


def _add(names, kind: ClientKind, is_async: bool) -> None:
    for name in names:
        CLIENT_CONSTRUCTORS[name] = (kind, is_async)


_SYNC_CLIENTS = ("redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis")
_ASYNC_CLIENTS = ("redis.asyncio.Redis", "redis.asyncio.StrictRedis", "redis.asyncio.client.Redis",
                  "redis.asyncio.client.StrictRedis", "aioredis.Redis", "aioredis.StrictRedis",
                  "aioredis.client.Redis", "fakeredis.FakeAsyncRedis", "fakeredis.aioredis.FakeRedis")
_SYNC_EXTRA = ("fakeredis.FakeRedis", "fakeredis.FakeStrictRedis", "walrus.Database", "walrus.Walrus",
               "flask_redis.FlaskRedis", "django_redis.get_redis_connection", "redis_om.get_redis_connection",
               "django_rq.get_connection", "django_rq.queues.get_connection")
_add(_SYNC_CLIENTS + _SYNC_EXTRA, ClientKind.CLIENT, False)
_add([f"{c}.from_url" for c in _SYNC_CLIENTS + ("fakeredis.FakeRedis", "fakeredis.FakeStrictRedis", "walrus.Database")],
     ClientKind.CLIENT, False)
_add([f"{c}.from_pool" for c in _SYNC_CLIENTS], ClientKind.CLIENT, False)
_add(("redis.from_url", "redis.client.from_url", "redis.utils.from_url"), ClientKind.CLIENT, False)
_add(_ASYNC_CLIENTS, ClientKind.CLIENT, True)
_add([f"{c}.from_url" for c in _ASYNC_CLIENTS], ClientKind.CLIENT, True)
_add([f"{c}.from_pool" for c in _ASYNC_CLIENTS], ClientKind.CLIENT, True)
_add(("redis.asyncio.from_url", "redis.asyncio.utils.from_url", "aioredis.from_url"), ClientKind.CLIENT, True)
_SYNC_CLUSTERS = ("redis.RedisCluster", "redis.cluster.RedisCluster")
_ASYNC_CLUSTERS = ("redis.asyncio.RedisCluster", "redis.asyncio.cluster.RedisCluster")
_add(_SYNC_CLUSTERS + tuple(f"{c}.from_url" for c in _SYNC_CLUSTERS), ClientKind.CLUSTER, False)
_add(_ASYNC_CLUSTERS + tuple(f"{c}.from_url" for c in _ASYNC_CLUSTERS), ClientKind.CLUSTER, True)

SENTINELS: Dict[str, bool] = {
    "redis.Sentinel": False, "redis.sentinel.Sentinel": False,
    "redis.asyncio.Sentinel": True, "redis.asyncio.sentinel.Sentinel": True,
}
# Third-party factories that build a redis-py client from a URL (whose query may carry options)
# and a dict of the client's keywords: qualified name -> (that parameter, its position).
# redis-sentinel-url's `connect(url, sentinel_class, sentinel_options, client_class,
# client_options)` returns `(sentinel, client)`; the client is `client_class.from_url(url,
# **client_options)`, or `master_for` on a Sentinel given those options.
URL_FACTORIES: Dict[str, Tuple[str, int]] = {"redis_sentinel_url.connect": ("client_options", 4)}

SENTINEL_CLIENT_METHODS: FrozenSet[str] = frozenset({"master_for", "slave_for"})

POOLS: FrozenSet[str] = frozenset(
    {
        "redis.ConnectionPool", "redis.BlockingConnectionPool", "redis.connection.ConnectionPool",
        "redis.connection.BlockingConnectionPool", "redis.asyncio.ConnectionPool",
        "redis.asyncio.BlockingConnectionPool", "redis.asyncio.connection.ConnectionPool",
        "redis.asyncio.connection.BlockingConnectionPool",
    }
)
POOLS_FROM_URL: FrozenSet[str] = frozenset(f"{p}.from_url" for p in POOLS)

# Lock objects built directly: `Lock(client, name, timeout=None, ...)`.
# qualified constructor -> (its positional parameters, the one that bounds how long it is held).
LOCKS: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "redis.lock.Lock": (("redis", "name", "timeout"), "timeout"),
    "redis.asyncio.lock.Lock": (("redis", "name", "timeout"), "timeout"),
    # python-redis-lock: `Lock(redis_client, name, expire=None, ...)`.
    "redis_lock.Lock": (("redis_client", "name", "expire"), "expire"),
}

# Lazy proxies: an object that builds its target on first use by calling a function and then
# forwards every attribute to it (`@funcy.LazyObject def redis_client(): return Redis(...)`,
# `SimpleLazyObject(get_redis)`, `LocalProxy(lambda: ...)`).  The proxy is the client the function
# returns, not a factory.
LAZY_PROXIES: FrozenSet[str] = frozenset(
    {
        "funcy.LazyObject", "funcy.objects.LazyObject", "django.utils.functional.SimpleLazyObject",
        "werkzeug.local.LocalProxy", "werkzeug.LocalProxy",
    }
)

# Library objects that hold a client in an attribute (ClientKind.HOLDER): their types, and what
# returns one.  rq documents `.connection` on each of them as the Redis connection it uses.
HOLDER_ATTRIBUTE = "connection"
_RQ_HOLDERS = ("Queue", "queue.Queue", "job.Job", "Job", "Worker", "worker.Worker", "SimpleWorker",
               "worker.SimpleWorker", "group.Group", "Group") + tuple(
    f"{module}{name}JobRegistry" for module in ("", "registry.")
    for name in ("Started", "Finished", "Failed", "Deferred", "Scheduled", "Canceled"))
HOLDER_TYPES: FrozenSet[str] = frozenset(
    {f"rq.{name}" for name in _RQ_HOLDERS} | {"rq_scheduler.Scheduler", "rq_scheduler.scheduler.Scheduler"})
# Functions and class methods that return a holder: `Job.fetch(id, connection=r)`, django-rq's
# `get_queue("default")`.
HOLDER_SOURCES: FrozenSet[str] = frozenset(
    {f"{t}.{m}" for t in HOLDER_TYPES for m in ("fetch", "create")}
    | {"django_rq.get_queue", "django_rq.queues.get_queue", "django_rq.get_scheduler",
       "django_rq.queues.get_scheduler", "django_rq.get_worker", "django_rq.workers.get_worker"})

# walrus: `Database.<Container>(key)` builds a container bound to `key`; the container methods
# below run one command on that key (the arguments after the key are the method's own).
WALRUS_CONTAINERS: FrozenSet[str] = frozenset(
    {"List", "Hash", "Set", "ZSet", "HyperLogLog", "Array", "Stream", "BitField", "BloomFilter"})
CONTAINER_COMMANDS: Dict[str, str] = {"expire": "expire", "pexpire": "pexpire", "clear": "delete"}

# Types that annotate a client (parameters, returns, attributes).
CLIENT_TYPES: Dict[str, Tuple[ClientKind, bool]] = {
    **{name: (kind, is_async) for name, (kind, is_async) in CLIENT_CONSTRUCTORS.items()
       if not name.endswith(("from_url", "from_pool")) and not name.rsplit(".", 1)[-1].startswith("get_")},
    "redis.client.Pipeline": (ClientKind.PIPELINE, False),
    "redis.Pipeline": (ClientKind.PIPELINE, False),
    "redis.asyncio.client.Pipeline": (ClientKind.PIPELINE, True),
    "redis.cluster.ClusterPipeline": (ClientKind.PIPELINE, False),
    "redis.asyncio.cluster.ClusterPipeline": (ClientKind.PIPELINE, True),
    "redis.commands.core.CoreCommands": (ClientKind.CLIENT, False),
    **{name: (ClientKind.HOLDER, False) for name in HOLDER_TYPES},
}

# Modules whose mention makes a file worth analysing.
CLIENT_MODULES: Tuple[str, ...] = ("redis", "redis_lock", "django_rq", "aioredis", "fakeredis", "walrus", "flask_redis", "django_redis", "redis_om",
                                   "redis_sentinel_url")


# `self.dependency.asyncio.RedisCluster(...)`: a client class reached through a module object the
# code loads at run time (limits imports redis or coredis by name).  The attribute path names the
# class: a known constructor's path without its top module (`asyncio.Redis`, `Redis.from_url`),
# or a client class name itself.
_CLIENT_CLASS_NAMES = {"Redis": (ClientKind.CLIENT, False), "StrictRedis": (ClientKind.CLIENT, False),
                       "RedisCluster": (ClientKind.CLUSTER, False)}
_CONSTRUCTOR_TAILS: Dict[Tuple[str, ...], Tuple[ClientKind, bool]] = {
    tuple(name.split(".")[1:]): made for name, made in CLIENT_CONSTRUCTORS.items()
    if name.startswith("redis.") and name.count(".") >= 2
}


def dynamic_constructor(dotted: Optional[str]) -> Optional[Tuple[ClientKind, bool]]:
    """A client constructor reached through a module object held in a variable or attribute."""
    parts = tuple(dotted.split(".")) if dotted else ()
    if len(parts) < 2:
        return None
    for size in (3, 2):
        if len(parts) > size and parts[-size:] in _CONSTRUCTOR_TAILS:
            return _CONSTRUCTOR_TAILS[parts[-size:]]
    return _CLIENT_CLASS_NAMES.get(parts[-1])


# Where redis-py's constructors sit below the `redis` package (`Redis`, `asyncio.Redis`,
# `Redis.from_url`, `ConnectionPool`), for names reached through a module of the project that
# re-exports redis-py (`from . import redis` in a package whose `__init__` imports it).
_REDIS_PY_PATHS: FrozenSet[str] = frozenset(
    name[len("redis."):] for name in (*CLIENT_CONSTRUCTORS, *POOLS, *POOLS_FROM_URL, *SENTINELS)
    if name.startswith("redis."))
_REDIS_PY_LAST = frozenset(path.rsplit(".", 1)[-1] for path in _REDIS_PY_PATHS)


def reexported_constructor(qualified: Optional[str]) -> Tuple[Tuple[str, str], ...]:
    """The ways ``qualified`` may name a redis-py constructor through a module alias of the
    project: (the alias, the constructor's path below `redis`), the longest path first.
    `.redis.Redis.from_url` gives (".redis", "Redis.from_url") and (".redis.Redis", "from_url");
    linking keeps the one whose alias turns out to be redis-py itself (``ProjectModules``)."""
    if not qualified or qualified.rpartition(".")[2] not in _REDIS_PY_LAST or qualified.startswith("redis."):
        return ()
    parts = qualified.split(".")
    out = []
    for k in range(1, len(parts)):
        alias, path = ".".join(parts[:k]), ".".join(parts[k:])
        if path in _REDIS_PY_PATHS and alias.strip("."):
            out.append((alias, path))
    return tuple(out)


def site_kind(qualified: str) -> Optional[str]:
    """What a constructor builds, as ClientSite.kind; None for anything else."""
    made = constructor(qualified)
    if made is not None:
        return "cluster" if made[0] is ClientKind.CLUSTER else "client"
    if qualified in POOLS or qualified in POOLS_FROM_URL:
        return "pool"
    if qualified in SENTINELS:
        return "sentinel"
    sentinel, _, method = qualified.rpartition(".")
    if method in SENTINEL_CLIENT_METHODS and sentinel in SENTINELS:
        return "sentinel_client"
    if qualified in LOCKS:
        return "lock"
    if qualified in URL_FACTORIES:
        return "client"
    return None


def constructor(qualified: Optional[str]) -> Optional[Tuple[ClientKind, bool]]:
    return CLIENT_CONSTRUCTORS.get(qualified) if qualified else None


def client_type(qualified: Optional[str]) -> Optional[Tuple[ClientKind, bool]]:
    return CLIENT_TYPES.get(qualified) if qualified else None
