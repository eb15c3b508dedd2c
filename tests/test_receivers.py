"""What counts as a Redis client (RULES.md, "Receivers"), tested on the model itself
(`extract(...)` → `model.calls`) and through rule findings.

A rule must fire only when the receiver is known to be a Redis client; every look-alike below
(`dict.keys()`, `set.add()`, a non-Redis `cache`, `requests.get`, a class with its own `set`)
must produce no Redis call at all.
"""
from __future__ import annotations

import textwrap

import pytest

from redislint.model import ClientKind
from redislint.model.extract import extract

from .helpers import codes, lint


def model(code: str, client_names=()):
    return extract("snippet.py", textwrap.dedent(code), client_names)


def calls(code: str, command: str = None, client_names=()):
    found = model(code, client_names).calls
    return [c for c in found if command is None or c.command == command]


def only(code: str, command: str, client_names=()):
    found = calls(code, command, client_names)
    assert len(found) == 1, [(c.command, c.receiver) for c in calls(code, client_names=client_names)]
    return found[0]


# --- client sources ------------------------------------------------------------------------

@pytest.mark.parametrize("setup, receiver", [
    ("import redis\nc = redis.Redis()", "c"),
    ("import redis as r\nc = r.Redis(host='h')", "c"),
    ("from redis import Redis as R\nc = R()", "c"),
    ("from redis import Redis\nc = Redis(connection_pool=pool)", "c"),
    ("import redis\nc = redis.from_url('redis://h')", "c"),
    ("from redis import Redis\nc = Redis.from_url('redis://h')", "c"),
    ("import redis\nc = redis.Redis.from_pool(redis.ConnectionPool())", "c"),
    ("import redis\nc = redis.StrictRedis()", "c"),
    ("from redis import StrictRedis\nc = StrictRedis.from_url('redis://h')", "c"),
    ("from redis.sentinel import Sentinel\ns = Sentinel([('h', 26379)])\nc = s.master_for('m')", "c"),
    ("from redis.sentinel import Sentinel\nc = Sentinel([('h', 26379)]).slave_for('m')", "c"),
    ("import fakeredis\nc = fakeredis.FakeRedis()", "c"),
    ("import fakeredis\nc = fakeredis.FakeStrictRedis()", "c"),
    ("import walrus\nc = walrus.Database()", "c"),
    ("from walrus import Database\nc = Database(host='h')", "c"),
    ("from django_redis import get_redis_connection\nc = get_redis_connection('default')", "c"),
    ("from flask_redis import FlaskRedis\nc = FlaskRedis(app)", "c"),
    ("import redis\nimport redis\nc = redis.client.Redis()", "c"),
])
def test_sync_client_sources(setup, receiver):
    call = only(setup + "\ndef f():\n    " + receiver + ".keys('*')\n", "keys")
    assert call.client.kind is ClientKind.CLIENT
    assert call.client.is_async is False
    assert call.pipeline_id is None
    assert "RL201" in codes(setup + "\ndef f():\n    " + receiver + ".keys('*')\n")


@pytest.mark.parametrize("setup", [
    "from redis.asyncio import Redis\nc = Redis()",
    "import redis.asyncio as aioredis\nc = aioredis.from_url('redis://h')",
    "from redis import asyncio as aioredis\nc = aioredis.Redis.from_url('redis://h')",
    "import redis.asyncio\nc = redis.asyncio.StrictRedis()",
    "import fakeredis\nc = fakeredis.FakeAsyncRedis()",
    "from redis.asyncio.sentinel import Sentinel\nc = Sentinel([('h', 1)]).master_for('m')",
])
def test_async_client_sources(setup):
    call = only(setup + "\nasync def f():\n    await c.keys('*')\n", "keys")
    assert call.client.kind is ClientKind.CLIENT
    assert call.client.is_async is True
    assert call.awaited is True
    assert call.outer_span is not None and call.outer_span.start.column < call.span.start.column


@pytest.mark.parametrize("setup, is_async", [
    ("from redis import RedisCluster\nc = RedisCluster(host='h')", False),
    ("from redis.cluster import RedisCluster as RC\nc = RC.from_url('redis://h')", False),
    ("import redis\nc = redis.RedisCluster(startup_nodes=[])", False),
    ("from redis.asyncio import RedisCluster\nc = RedisCluster(host='h')", True),
])
def test_cluster_clients(setup, is_async):
    call = only(setup + "\ndef f():\n    c.flushdb()\n", "flushdb")
    assert call.client.kind is ClientKind.CLUSTER
    assert call.client.is_async is is_async


def test_import_inside_function():
    call = only("""
        def f():
            import redis
            r = redis.Redis()
            r.keys("*")
    """, "keys")
    assert call.client.kind is ClientKind.CLIENT


def test_client_built_inline_and_through_boolean_or_conditional():
    found = calls("""
        import redis
        def f(client=None):
            redis.Redis().keys("a*")
            c = client or redis.Redis()
            c.keys("b*")
            d = redis.Redis() if client is None else client
            d.keys("c*")
    """, "keys")
    assert [c.receiver for c in found] == ["redis.Redis()", "c", "d"]


# --- self attributes, class attributes, subclasses ------------------------------------------

def test_self_attribute_set_in_init_used_in_other_method_and_subclass():
    code = """
        import redis

        class Store:
            def use(self):
                return self.redis.keys("*")  # used above the __init__ that binds it

            def __init__(self, url):
                self.redis = redis.Redis.from_url(url)

        class SubStore(Store):
            def wipe(self):
                self.redis.flushdb()

        class Unrelated:
            def __init__(self):
                self.redis = {}

            def use(self):
                return self.redis.keys()
    """
    found = calls(code)
    assert [(c.command, c.receiver) for c in found] == [("keys", "self.redis"), ("flushdb", "self.redis")]
    assert sorted(codes(code)) == ["RL201", "RL202"]


def test_self_attribute_set_in_a_method_other_than_init():
    call = only("""
        import redis
        class Worker:
            def connect(self):
                self.conn = redis.Redis()
            def run(self):
                self.conn.flushall()
    """, "flushall")
    assert call.receiver == "self.conn"


@pytest.mark.parametrize("sibling, found", [
    ("self.conn = redis.Redis()", True),  # every class it is mixed into gives it a client
    ("self.conn = sqlite3.connect(path)", False),  # mixed into a class whose conn is not Redis
])
def test_mixin_attribute_comes_from_the_classes_it_is_mixed_into(sibling, found):
    code = f"""
        import redis
        import sqlite3

        class PriorityQueue(object):
            def items(self):
                return self.conn.zrange(self.queue_key, 0, -1)

        class Storage:
            def __init__(self, path):
                self.conn = redis.Redis()

        class Other:
            def __init__(self, path):
                {sibling}

        class PriorityStorage(PriorityQueue, Storage):
            pass

        class OtherPriorityStorage(PriorityQueue, Other):
            pass
    """
    assert [c.receiver for c in calls(code, "zrange")] == (["self.conn"] if found else [])


def test_mixin_that_is_never_mixed_into_a_client_class_stays_quiet():
    assert calls("""
        import redis

        class Sortable(object):
            def items(self):
                return self.conn.zrange("k", 0, -1)

        class Plain(Sortable):
            def __init__(self):
                self.conn = {}

        class Storage:
            def __init__(self):
                self.conn = redis.Redis()
    """) == []


def test_class_level_attribute_and_annotation():
    found = calls("""
        import redis
        from redis import Redis

        class A:
            client = redis.Redis()
            def f(self):
                self.client.keys("*")
                A.client.keys("*")

        class B:
            client: Redis
            def f(self):
                self.client.keys("*")

        class C:
            def __init__(self, make):
                self.client: Redis = make()
            def f(self):
                self.client.keys("*")
    """, "keys")
    assert [c.receiver for c in found] == ["self.client", "A.client", "self.client", "self.client"]


def test_cls_in_classmethod():
    call = only("""
        import redis
        class A:
            pool = redis.Redis()
            @classmethod
            def f(cls):
                cls.pool.keys("*")
    """, "keys")
    assert call.client.kind is ClientKind.CLIENT


# --- annotations ---------------------------------------------------------------------------

@pytest.mark.parametrize("annotation", [
    "redis.Redis", "Redis", "Optional[Redis]", "typing.Optional[redis.Redis]", '"Redis"', "Redis | None",
    "Union[Redis, None]", "'redis.Redis'", "redis.StrictRedis",
])
def test_parameter_annotated_with_a_client_type(annotation):
    code = f"""
        import typing
        from typing import Optional, Union
        import redis
        from redis import Redis

        def f(r: {annotation}, uid):
            r.set(f"otp:{{uid}}", 1)
    """
    call = only(code, "set")
    assert call.client.kind is ClientKind.CLIENT
    assert call.client.source == "annotation"
    assert codes(code) == ["RL101"]


def test_async_annotation():
    call = only("""
        from redis.asyncio import Redis
        async def f(r: Redis):
            await r.keys("*")
    """, "keys")
    assert call.client.is_async is True


def test_unannotated_parameter_named_redis_is_unknown():
    code = """
        import redis
        def f(redis, uid):
            redis.keys("*")
            redis.set(f"otp:{uid}", 1)
            redis.flushdb()
    """
    assert calls(code) == []
    assert codes(code) == []


def test_parameter_named_like_the_module_shadows_it():
    # `redis` is the caller's object here, not the module: `redis.Redis()` is whatever it returns.
    code = """
        import redis
        def f(redis):
            redis.Redis().keys("*")
            redis.from_url("x").flushdb()
    """
    assert calls(code) == []
    assert codes(code) == []


def test_local_variable_shadows_module_client():
    code = """
        import redis
        r = redis.Redis()
        def f():
            r = {}
            return r.keys()
        def g(r):
            return r.keys()
        def h():
            return r.keys("*")
    """
    found = calls(code)
    assert [(c.command, c.function) for c in found] == [("keys", 2)]
    assert [d.line for d in lint(code)] == [10]


# --- factories -----------------------------------------------------------------------------

def test_factory_with_return_annotation():
    call = only("""
        from redis import Redis
        def make() -> Redis:
            return build_somehow()
        def f():
            make().keys("*")
    """, "keys")
    assert call.client.source == "factory"


def test_factory_returning_a_client_defined_below_its_use():
    call = only("""
        import redis
        def f():
            client = get_redis()
            client.keys("*")

        def get_redis():
            return redis.Redis()
    """, "keys")
    assert call.receiver == "client"


@pytest.mark.parametrize("decorator", ["@functools.lru_cache", "@functools.lru_cache(maxsize=None)",
                                       "@functools.cache", "@lru_cache()"])
def test_cached_factory(decorator):
    code = f"""
        import functools
        from functools import lru_cache
        import redis

        {decorator}
        def get_redis():
            return redis.Redis.from_url("redis://h")

        def f():
            get_redis().keys("*")
    """
    assert only(code, "keys").client.source == "factory"
    m = model(code)
    assert [fn.returns_client for fn in m.functions] == [True, False]


def test_lazy_global_factory():
    call = only("""
        import redis
        _client = None

        def get_client():
            global _client
            if _client is None:
                _client = redis.Redis()
            return _client

        def f():
            get_client().flushdb()
    """, "flushdb")
    assert call.client.kind is ClientKind.CLIENT


def test_method_factory_on_self():
    found = calls("""
        import redis
        class Service:
            def get_client(self):
                return redis.Redis()
            def conn(self) -> redis.Redis:
                return self._conn
            def f(self):
                self.get_client().keys("*")
                c = self.conn()
                c.keys("*")
    """, "keys")
    assert [c.receiver for c in found] == ["self.get_client()", "c"]


def test_property_returning_a_client():
    found = calls("""
        import functools
        import redis
        class Service:
            @property
            def redis(self):
                return redis.Redis()
            @functools.cached_property
            def cache(self) -> redis.Redis:
                return make()
            def f(self):
                self.redis.keys("*")
                self.cache.keys("*")
    """, "keys")
    assert [c.receiver for c in found] == ["self.redis", "self.cache"]


def test_method_of_a_plain_class_is_not_a_client():
    code = """
        import redis
        class Service:
            def get_client(self):
                return {}
            def f(self):
                return self.get_client().keys()
    """
    assert calls(code) == []


# --- pipelines and transactions --------------------------------------------------------------

def test_pipeline_assigned_and_with_block():
    found = calls("""
        import redis
        r = redis.Redis()
        def f():
            p = r.pipeline()
            p.set("a", 1)
            p.execute()
            with r.pipeline() as q:
                q.set("b", 1)
                q.execute()
            r.set("c", 1)
    """, "set")
    assert [c.client.kind for c in found] == [ClientKind.PIPELINE, ClientKind.PIPELINE, ClientKind.CLIENT]
    assert found[0].pipeline_id is not None and found[1].pipeline_id is not None
    assert found[0].pipeline_id != found[1].pipeline_id
    assert found[2].pipeline_id is None
    assert found[0].client.transactional and found[1].client.transactional


@pytest.mark.parametrize("args, transactional", [
    ("", True), ("transaction=True", True), ("True", True), ("transaction=False", False), ("False", False),
    ("transaction=flag", True),
])
def test_pipeline_transaction_flag(args, transactional):
    call = only(f"""
        import redis
        r = redis.Redis()
        def f(flag):
            p = r.pipeline({args})
            p.set("a", 1)
    """, "set")
    assert call.client.kind is ClientKind.PIPELINE
    assert call.client.transactional is transactional


def test_chained_pipeline_calls_share_the_pipeline():
    found = calls("""
        import redis
        r = redis.Redis()
        def f(k):
            r.pipeline().set(k, 1).expire(k, 60).incr("n").execute()
    """)
    by_command = {c.command: c for c in found}
    assert set(by_command) == {"pipeline", "set", "expire", "incr", "execute"}
    ids = {by_command[c].pipeline_id for c in ("set", "expire", "incr", "execute")}
    assert len(ids) == 1 and None not in ids
    # Source order of the method names is execution order.
    assert [c.command for c in found] == ["pipeline", "set", "expire", "incr", "execute"]


def test_async_pipeline():
    found = calls("""
        from redis.asyncio import Redis
        r = Redis()
        async def f(k):
            async with r.pipeline(transaction=False) as p:
                p.set(k, 1)
                await p.execute()
    """)
    s = next(c for c in found if c.command == "set")
    assert s.client.kind is ClientKind.PIPELINE and s.client.is_async and not s.client.transactional
    assert next(c for c in found if c.command == "execute").awaited


def test_transaction_callback_parameter_is_a_transactional_pipeline():
    found = calls("""
        import redis
        r = redis.Redis()

        def move(pipe):
            balance = pipe.get("balance")
            pipe.multi()
            pipe.set("balance", 1)

        def f():
            r.transaction(move, "balance")
    """)
    s = next(c for c in found if c.command == "set")
    g = next(c for c in found if c.command == "get")
    assert s.client.kind is ClientKind.PIPELINE and s.client.transactional
    assert s.pipeline_id == g.pipeline_id is not None


def test_transaction_callback_method_pipeline_is_the_parameter_after_self():
    code = """
        import redis
        class Account:
            def __init__(self):
                self.r = redis.Redis()

            def _move(self, pipe):
                pipe.multi()
                pipe.set("balance", 1)
                self.set("local", 2)   # the object's own method, not a Redis command

            def set(self, a, b):
                pass

            def run(self):
                self.r.transaction(self._move, "balance")
    """
    found = calls(code)
    assert [(c.command, c.receiver) for c in found] == [("multi", "pipe"), ("set", "pipe"), ("transaction", "self.r")]
    assert found[1].client.kind is ClientKind.PIPELINE and found[1].client.transactional


def test_pipeline_parameter_annotated_with_pipeline_type():
    found = calls("""
        from redis.client import Pipeline
        def fill(p: Pipeline, k):
            p.set(k, 1)
            p.expire(k, 60)
    """)
    assert [c.client.kind for c in found] == [ClientKind.PIPELINE, ClientKind.PIPELINE]
    # Both are queued in the caller's pipeline, not sent on their own.
    assert found[0].pipeline_id is not None and found[0].pipeline_id == found[1].pipeline_id


def test_factory_returning_a_pipeline_is_not_a_client():
    found = calls("""
        import redis
        r = redis.Redis()
        def make():
            return r.pipeline()
        def f():
            make().set("a", 1)
    """, "set")
    assert found == []


# --- async, raw commands, json ---------------------------------------------------------------

def test_awaited_calls_are_the_same_commands():
    code = """
        from redis.asyncio import Redis
        r = Redis()
        async def f(uid):
            value = await r.get(f"user:{uid}")
            await r.set(f"otp:{uid}", 1)
            return value
    """
    found = calls(code)
    assert [(c.command, c.awaited) for c in found] == [("get", True), ("set", True)]
    assert found[0].result_use == "assign" and found[0].assigned_to == "value"
    assert codes(code) == ["RL101"]


@pytest.mark.parametrize("raw, command", [
    ('"KEYS", "*"', "keys"), ('"keys", "user:*"', "keys"), ('"KEYS *"', "keys"),
    ('"FLUSHALL"', "flushall"), ('"flushdb", "ASYNC"', "flushdb"),
    ('"CONFIG", "SET", "maxmemory", "1gb"', "config_set"), ('"CONFIG SET", "x", "y"', "config_set"),
    ('"DEBUG", "SLEEP", 0', "debug_sleep"), ('"SET", "k", "v"', "set"),
])
def test_execute_command_is_mapped_to_the_method(raw, command):
    call = only(f"""
        import redis
        r = redis.Redis()
        def f():
            r.execute_command({raw})
    """, command)
    assert call.raw is True


def test_execute_command_with_non_literal_name_is_not_a_call():
    assert calls("""
        import redis
        r = redis.Redis()
        def f(name):
            r.execute_command(name, "*")
    """) == []


def test_json_command_group():
    found = calls("""
        import redis
        r = redis.Redis()
        def f(uid, doc):
            r.json().set(f"doc:{uid}", "$", doc)
    """)
    j = next(c for c in found if c.command == "json.set")
    assert j.client.kind is ClientKind.JSON
    assert j.key.text == "doc:{}" and j.key.dynamic


# --- configured client names -----------------------------------------------------------------

def test_client_names_setting():
    code = """
        import redis
        def f(uid):
            conn.keys("*")
            self_made.keys("*")
            app.conn.set(f"otp:{uid}", 1)
    """
    assert calls(code) == []
    found = calls(code, client_names=("conn",))
    assert [(c.command, c.receiver) for c in found] == [("keys", "conn"), ("set", "app.conn")]
    assert all(c.client.source == "config" for c in found)
    assert codes(code) == []
    assert sorted(codes(code, client_names=("conn",))) == ["RL101", "RL201"]


def test_client_names_make_a_file_without_redis_imports_worth_parsing():
    code = """
        def f():
            store.flushall()
    """
    assert codes(code) == []
    assert codes(code, client_names=("store",)) == ["RL202"]


# --- look-alikes: not Redis -------------------------------------------------------------------

LOOKALIKES = """
    import redis
    import requests
    from django.core.cache import cache as django_cache

    r = redis.Redis()
    d = {}

    class Thing:
        def set(self, k, v):
            pass
        def keys(self):
            return []

    def f(cache, k, v, uid):
        d.keys()
        s = set()
        s.add(1)
        cache.get(k)
        cache.set(f"user:{uid}", v)
        requests.get("http://example.com")
        t = Thing()
        t.set(f"otp:{uid}", 1)
        t.keys()
        Thing().keys()
        django_cache.set(f"otp:{uid}", 1, timeout=None)
        values = r.hgetall("h")
        values.keys()
        res = r.pipeline().execute()
        res.keys()
"""


def test_lookalikes_are_not_redis_calls():
    found = calls(LOOKALIKES)
    assert [c.command for c in found] == ["hgetall", "pipeline", "execute"]
    assert codes(LOOKALIKES) == []


@pytest.mark.parametrize("snippet", [
    "d = {}\nd.keys()",
    "s = set()\ns.add(1)",
    "l = []\nl.append(1)",
    "cache = {}\ncache.get('k')",
    "import requests\nrequests.get('http://x')",
])
def test_single_lookalike(snippet):
    code = "import redis\n" + snippet + "\n"
    assert calls(code) == []
    assert codes(code) == []


# --- keys and argument binding -----------------------------------------------------------------

@pytest.mark.parametrize("expr, text, dynamic", [
    ('"flags"', "flags", False),
    ('f"user:{uid}"', "user:{}", True),
    ('"user:%s" % uid', "user:{}", True),
    ('"user:{}".format(uid)', "user:{}", True),
    ('"user:{id}".format(id=uid)', "user:{}", True),
    ('"user:" + uid', "user:{}", True),
    ('"user:" + str(uid)', "user:{}", True),
    ('":".join(["user", uid])', "user:{}", True),
    ("KEY", "global:stats", False),
    ('f"{PREFIX}:stats"', "app:stats", False),
    ('f"{settings.PREFIX}:stats"', "{}:stats", False),
    ('f"{self_prefix()}:user:{uid}"', "{}:user:{}", True),
    ("key", "user:{}", True),
    ("user_key(uid)", "user:{}", True),
])
def test_key_patterns(expr, text, dynamic):
    call = only(f"""
        import redis
        import settings
        r = redis.Redis()
        KEY = "global:stats"
        PREFIX = "app"

        def user_key(u):
            return f"user:{{u}}"

        def f(uid):
            key = f"user:{{uid}}"
            r.get({expr})
    """, "get")
    assert call.key.known
    assert call.key.text == text
    assert call.key.dynamic is dynamic


def test_opaque_key_is_unknown():
    call = only("""
        import redis
        r = redis.Redis()
        def f(key):
            r.get(key)
    """, "get")
    assert call.key.known is False and call.key.dynamic is False
    assert call.key.expr == "key"


def test_every_key_of_a_multi_key_command():
    call = only("""
        import redis
        r = redis.Redis()
        def f(a, b):
            r.mset({f"x:{a}": 1, "y": 2})
    """, "mset")
    assert [(k.text, k.dynamic) for k in call.keys] == [("x:{}", True), ("y", False)]


@pytest.mark.parametrize("args, bound", [
    ("k, v", {"name": "k", "value": "v"}),
    ("k, v, 60", {"name": "k", "value": "v", "ex": "60"}),
    ("k, v, None, 500", {"name": "k", "value": "v", "ex": "None", "px": "500"}),
    ("k, v, ex=60", {"name": "k", "value": "v", "ex": "60"}),
    ("name=k, value=v, keepttl=True", {"name": "k", "value": "v", "keepttl": "True"}),
    ("k, v, 60, nx=True", {"name": "k", "value": "v", "ex": "60", "nx": "True"}),
])
def test_set_arguments_bound_to_the_signature(args, bound):
    call = only(f"""
        import redis
        r = redis.Redis()
        def f(k, v):
            r.set({args})
    """, "set")
    assert call.bound
    assert {name: value.text for name, value in call.args.items()} == bound


def test_setex_puts_time_second():
    call = only("""
        import redis
        r = redis.Redis()
        def f(k, v):
            r.setex(k, 60, v)
    """, "setex")
    assert call.args["time"].literal == 60 and call.args["value"].text == "v"


def test_star_args_make_the_binding_incomplete():
    call = only("""
        import redis
        r = redis.Redis()
        def f(args, kwargs):
            r.set(*args, **kwargs)
    """, "set")
    assert call.has_star_args


def test_unknown_keyword_marks_the_call_unbound():
    call = only("""
        import redis
        r = redis.Redis()
        def f(k):
            r.set(k, 1, expire=60)
    """, "set")
    assert call.bound is False


def test_result_use():
    found = calls("""
        import redis
        r = redis.Redis()
        def f():
            r.keys("a")
            x = r.keys("b")
            for k in r.keys("c"):
                pass
            if r.keys("d"):
                pass
            if r.incr("e") == 1:
                pass
            print(r.keys("f"))
            return r.keys("g")
    """)
    assert [(c.command, c.result_use) for c in found] == [
        ("keys", "discard"), ("keys", "assign"), ("keys", "iterate"), ("keys", "truth"),
        ("incr", "compare"), ("keys", "argument"), ("keys", "return"),
    ]


def test_calls_record_their_function_and_loop_and_try():
    m = model("""
        import redis
        r = redis.Redis()
        r.ping()
        def f(ids):
            for i in ids:
                try:
                    r.get(i)
                except redis.ConnectionError:
                    pass
    """)
    ping, get = m.calls
    assert ping.function is None and get.function == 0
    assert m.functions[0].name == "f"
    assert get.loop_depth == 1 and get.in_try and get.handlers == ("ConnectionError",)


def test_model_of_a_syntax_error():
    m = model("def f(:\n")
    assert m.error and m.error.startswith("syntax error")
    assert m.calls == []


# --- clients imported from other modules of the project ----------------------------------------

def _project(tmp_path, files):
    from redislint.config import ConfigResolver
    from redislint.runner import lint_paths

    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (tmp_path / "pyproject.toml").write_text('[tool.redislint]\nselect = ["ALL"]\n')
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)))
    return sorted((d.path.replace(str(tmp_path) + "/", ""), d.line, d.code) for d in result.diagnostics)


def test_module_level_client_imported_from_another_module(tmp_path):
    found = _project(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": """
            import redis
            from redis.asyncio import Redis as AsyncRedis
            redis_client = redis.Redis.from_url("redis://h")
            async_client = AsyncRedis()
            not_a_client = {}

            def get_redis() -> redis.Redis:
                return redis_client
        """,
        "app/views.py": """
            from app.ext import redis_client, not_a_client, get_redis
            from app import ext
            from .ext import async_client as ac

            def a(uid):
                redis_client.set(f"otp:{uid}", 1)

            def b():
                not_a_client.keys()

            def c():
                get_redis().flushdb()

            def d():
                ext.redis_client.keys("*")

            async def e():
                await ac.flushall()

            def f(uid):
                p = redis_client.pipeline()
                p.set(f"tmp:{uid}", 1)
                p.expire(f"tmp:{uid}", 60)
                p.execute()

            def g():
                ext.get_redis().keys("*")
        """,
    })
    assert found == [
        ("app/views.py", 7, "RL101"),
        ("app/views.py", 13, "RL202"),
        ("app/views.py", 16, "RL201"),
        ("app/views.py", 19, "RL202"),
        ("app/views.py", 28, "RL201"),
    ]


def test_imported_name_that_is_not_a_client_stays_quiet(tmp_path):
    found = _project(tmp_path, {
        "store.py": """
            import redis
            class Store:
                def __init__(self):
                    self.redis = redis.Redis()
                def keys(self):
                    return []
            store = Store()
            cache = {}
        """,
        "views.py": """
            import redis
            from store import store, cache
            from elsewhere import client

            def f():
                store.keys()
                cache.keys()
                client.keys()
                client.flushdb()
        """,
    })
    assert found == []


def test_keyspace_facts_cross_modules_with_imported_clients(tmp_path):
    # The write is in one module, its consumer in another, both through an imported client.
    found = _project(tmp_path, {
        "ext.py": """
            import redis
            r = redis.Redis()
        """,
        # (the runner's prefilter only parses files that mention a Redis module or client name)
        "producer.py": """
            from ext import r as redis_conn
            r = redis_conn
            def enqueue(tenant, job):
                r.lpush(f"jobs:{tenant}", job)
            def remember(uid, v):
                r.hset(f"profile:{uid}", "name", v)
        """,
        "consumer.py": """
            from ext import r as redis_conn
            def work(tenant):
                return redis_conn.brpop(f"jobs:{tenant}", timeout=5)
        """,
    })
    assert found == [("producer.py", 7, "RL102")]


def test_pending_calls_are_kept_apart_in_the_model():
    m = model("""
        from app.ext import redis_client
        import redis
        r = redis.Redis()
        def f():
            redis_client.keys("*")
            r.keys("*")
    """)
    assert [c.receiver for c in m.calls] == ["r"]
    assert [(c.receiver, c.client.via) for c in m.pending_calls] == [("redis_client", "name:app.ext.redis_client")]
    assert m.pending_calls[0].order < m.calls[0].order


def test_module_exports():
    m = model("""
        import functools
        import redis
        from redis.asyncio import Redis as AsyncRedis
        client = redis.Redis()
        aclient = AsyncRedis()
        pipe = client.pipeline()
        other = {}

        @functools.lru_cache
        def get_client():
            return redis.Redis()

        def helper():
            return 1
    """)
    assert set(m.exported_clients) == {"client", "aclient", "get_client"}
    assert m.exported_clients["aclient"].is_async
    assert m.exported_clients["get_client"].source == "factory"


def test_model_is_plain_picklable_data():
    import pickle

    m = model("""
        import redis
        from app.ext import redis_client
        r = redis.Redis()
        def f(uid):
            p = r.pipeline()
            p.set(f"a:{uid}", 1, ex=60)
            r.eval("return redis.call('KEYS', '*')", 0)
            redis_client.get("x")
    """)
    copy = pickle.loads(pickle.dumps(m))
    assert [c.command for c in copy.calls] == [c.command for c in m.calls]
    assert copy.calls[-1].lua_commands == ("keys",)
    assert copy.pending_calls[0].client.via == "name:app.ext.redis_client"


def test_self_attributes_in_keys():
    found = calls("""
        import redis
        r = redis.Redis()
        class Order:
            def cache(self):
                r.get(f"order:{self.id}")
                r.get(f"order:{self.customer_id}:cart")
                r.get(f"{self.prefix}:stats")
                r.get(f"{self.key_prefix}:{self.name}")
    """, "get")
    assert [(c.key.text, c.key.dynamic) for c in found] == [
        ("order:{}", True), ("order:{}:cart", True), ("{}:stats", False), ("{}:{}", False)]


@pytest.mark.parametrize("init, named", [
    ("def __init__(self, db, key):\n    self.key = key", True),
    ("def __init__(self, db, *, key):\n    self.key = key", True),
    # a default names a key of the class's own
    ("def __init__(self, db, key='jobs'):\n    self.key = key", False),
    # rebound before it is stored, or derived from it
    ("def __init__(self, db, key):\n    key = key or 'jobs'\n    self.key = key", False),
    ("def __init__(self, db, key):\n    self.key = 'list:' + key", False),
    # stored by another method too, or by the class body
    ("def __init__(self, db, key):\n    self.key = key\ndef move(self, other):\n    self.key = other", False),
    ("key = 'jobs'\ndef __init__(self, db, key):\n    self.key = key", False),
])
def test_key_named_by_the_caller_of_a_container_type(init, named):
    init = init.replace("\n", "\n            ")  # the snippet's indentation, for dedent
    code = f"""
        import redis
        r = redis.Redis()
        class Container:
            {init}
        class List(Container):
            def items(self):
                return r.lrange(self.key, 0, -1)
    """
    (call,) = calls(code, "lrange")
    assert call.key.caller_named is named


def test_a_parameter_of_a_function_is_not_a_container_key():
    (call,) = calls("""
        import redis
        r = redis.Redis()
        def items(key):
            return r.lrange(key, 0, -1)
    """, "lrange")
    assert call.key.caller_named is False


def test_concatenated_string_with_fstring_part_is_not_a_literal():
    # `"a" f"{b}"`: a concatenation whose right part is not a literal must not crash binding.
    from redislint.model.extract import extract

    model = extract("m.py", 'import redis\nr = redis.Redis()\ndef f(b):\n    r.set("a:" f"{b}", 1)\n')
    assert [c.command for c in model.calls] == ["set"]
    assert model.calls[0].args["name"].literal is None


def test_django_rq_get_connection_is_a_client():
    from redislint.model.extract import extract

    model = extract("m.py", "import django_rq\n\ndef f(uid):\n    conn = django_rq.get_connection('default')\n"
                            "    conn.sadd(f'active:{uid}', 1)\n    conn.expire(f'active:{uid}', 60)\n")
    assert [c.command for c in model.calls] == ["sadd", "expire"]


# --- lazy proxies ----------------------------------------------------------------------------

def test_lazy_object_decorated_factory_is_the_client():
    # funcy's LazyObject calls the function on first use and forwards to its result.
    found = calls("""
        import redis
        from funcy import LazyObject

        @LazyObject
        def redis_client():
            return redis.Redis.from_url("redis://h")

        def wipe():
            redis_client.flushdb()
            redis_client().keys("*")
    """)
    assert [(c.command, c.receiver) for c in found] == [("flushdb", "redis_client")]


@pytest.mark.parametrize("setup", [
    "from django.utils.functional import SimpleLazyObject\nr = SimpleLazyObject(make)",
    "from werkzeug.local import LocalProxy\nr = LocalProxy(make)",
    "from werkzeug.local import LocalProxy\nr = LocalProxy(lambda: redis.Redis())",
])
def test_lazy_proxy_of_a_factory(setup):
    code = "import redis\ndef make():\n    return redis.Redis()\n" + setup + "\ndef f():\n    r.flushall()\n"
    assert only(code, "flushall").client.kind is ClientKind.CLIENT


@pytest.mark.parametrize("code", [
    # a lazy proxy of something that is not a client
    "from funcy import LazyObject\n@LazyObject\ndef settings():\n    return load()\ndef f():\n    settings.keys()\n",
    "from werkzeug.local import LocalProxy\nr = LocalProxy(lambda: {})\ndef f():\n    r.keys()\n",
    # a decorator that is not a lazy proxy: the name is the function itself
    "import redis\ndef deco(f):\n    return f\n@deco\ndef r():\n    return redis.Redis()\ndef f():\n    r.keys()\n",
])
def test_lazy_proxy_look_alikes_stay_quiet(code):
    assert calls(code) == []


@pytest.mark.parametrize("choice", ["pipe if pipe is not None else self.redis",
                                    "self.redis if pipe is None else pipe", "pipe or self.redis"])
def test_pipeline_or_client_is_a_possible_pipeline(choice):
    # Either branch may run the command; a pipeline on one side makes it possibly queued.
    found = calls(f"""
        import redis
        from redis.client import Pipeline
        class Store:
            def __init__(self):
                self.redis = redis.Redis()
            def save(self, key, pipe: Pipeline = None):
                conn = {choice}
                conn.set(key, 1)
    """, "set")
    assert len(found) == 1 and found[0].pipeline_id is not None


def test_parameter_annotated_with_a_type_checking_alias():
    # litellm: the alias is the client type for the type checker and `Any` at run time.
    found = calls("""
        from typing import TYPE_CHECKING, Any
        if TYPE_CHECKING:
            from redis.asyncio import Redis
            from redis.asyncio.client import Pipeline
            client_t = Redis
            pipeline_t = Pipeline
        else:
            client_t = Any
            pipeline_t = Any
        other_t = dict

        async def store(r: client_t, p: pipeline_t, d: other_t, key):
            await r.sadd(key, 1)
            await r.expire(key, 60)
            p.set(key, 1)
            d.keys()
    """)
    assert [(c.command, c.client.kind.value, c.client.is_async) for c in found] == [
        ("sadd", "client", True), ("expire", "client", True), ("set", "pipeline", True)]


# --- library objects that hold a client (rq) --------------------------------------------------

def test_rq_objects_hold_their_client_in_connection():
    found = calls("""
        from redis import Redis
        from rq import Queue
        from rq.job import Job

        q = Queue("default", connection=Redis())

        def purge(job_id, queue: Queue):
            job = Job.fetch(job_id, connection=queue.connection)
            queue.connection.lrem(queue.key, 0, job.id)
            job.connection.keys("rq:*")
            q.connection.flushdb()
            queue.delete()
            job.delete()
    """)
    assert [(c.command, c.receiver) for c in found] == [
        ("lrem", "queue.connection"), ("keys", "job.connection"), ("flushdb", "q.connection")]


def test_connection_of_other_objects_is_not_a_client():
    assert calls("""
        import redis
        import sqlite3
        r = redis.Redis()
        db = sqlite3.connect("x")

        def f(thing):
            db.connection.keys()
            r.connection.keys()
            thing.connection.keys()
    """) == []


# --- modules loaded at run time, cluster nodes, getters ---------------------------------------

def test_client_class_of_a_module_held_in_an_attribute():
    # limits: `self.dependency` is the redis (or coredis) module, imported by name at run time.
    found = calls("""
        class Storage:
            def __init__(self, uri):
                self.dependency = load_module("redis")
                self.storage = self.dependency.Redis.from_url(uri)
                self.cluster = self.dependency.asyncio.RedisCluster(uri)
                self.other = self.dependency.Session(uri)
                self.connection_getter = lambda _: self.storage
            def get_connection(self, readonly=False):
                return self.connection_getter(readonly)
            async def reset(self):
                self.storage.keys("p*")
                await self.cluster.keys("p*")
                self.get_connection().flushdb()
                self.other.keys("p*")
    """)
    assert [(c.command, c.receiver, c.client.kind.value, c.client.is_async) for c in found] == [
        ("keys", "self.storage", "client", False), ("keys", "self.cluster", "cluster", True),
        ("flushdb", "self.get_connection()", "client", False)]


def test_typing_cast_returns_its_value():
    found = calls("""
        import typing
        from typing import cast
        import redis
        class Storage:
            def __init__(self):
                self.storage = redis.Redis()
            def get_connection(self) -> "ClientProtocol":
                return cast(ClientProtocol, self.storage)
            def reset(self):
                self.get_connection().flushdb()
                typing.cast("Redis", self.storage).keys("*")
                cast(redis.Redis, other).keys("*")
                cast(Protocol, other).keys("*")
                cast(redis.Redis).keys("*")
    """)
    assert [(c.command, c.receiver) for c in found] == [
        ("flushdb", "self.get_connection()"), ("keys", 'typing.cast("Redis", self.storage)'),
        ("keys", "cast(redis.Redis, other)")]


def test_pytest_fixture_parameters_are_the_fixtures_values():
    found = calls("""
        import pytest
        import redis

        @pytest.fixture
        def redis_client():
            return redis.Redis(db=9)

        @pytest.fixture()
        def conn():
            client = redis.Redis()
            yield client
            client.close()

        @pytest.fixture(name="named")
        def _named_fixture():
            return redis.Redis()

        @pytest.fixture
        def pipe(redis_client):
            return redis_client.pipeline()

        @pytest.fixture
        def settings():
            return {}

        def test_a(redis_client, conn, named, pipe):
            redis_client.keys("a")
            conn.keys("b")
            named.keys("c")
            pipe.keys("d")

        class TestB:
            def test_b(self, redis_client):
                redis_client.keys("e")

        def test_c(settings, redis_client=None):
            settings.keys()
            redis_client.keys("f")

        def helper(redis_client):
            redis_client.keys("g")
    """, "keys")
    assert [(c.receiver, c.client.kind.value) for c in found] == [
        ("redis_client", "client"), ("conn", "client"), ("named", "client"), ("pipe", "pipeline"),
        ("redis_client", "client")]


def test_library_class_given_a_client_by_a_pytest_fixture(tmp_path):
    # redis-timeseries: the only client the project passes to TimeSeries comes from a fixture.
    found = _project(tmp_path, {
        "timeseries.py": """
            class TimeSeries:
                def __init__(self, client):
                    self.client = client
                def scan(self, patterns):
                    pipe = self.client.pipeline()
                    for p in patterns:
                        pipe.keys(p)
                    return pipe.execute()
        """,
        "tests/test_timeseries.py": """
            import pytest
            import redis
            import timeseries

            @pytest.fixture
            def redis_client():
                return redis.StrictRedis(db=9)

            @pytest.fixture
            def ts(request, redis_client):
                return timeseries.TimeSeries(redis_client)
        """,
    })
    assert found == [("timeseries.py", 8, "RL201")]


def test_cluster_node_client():
    found = calls("""
        from redis.cluster import RedisCluster
        rc = RedisCluster(host="h")
        def reset(prefix):
            for primary in rc.get_primaries():
                node = rc.get_redis_connection(primary)
                node.keys(prefix)
    """, "keys")
    assert [(c.receiver, c.client.kind.value) for c in found] == [("node", "client")]


def test_lambda_bound_to_a_name_returns_its_body():
    found = calls("""
        import redis
        r = redis.Redis()
        get = lambda: r
        other = lambda: {}
        def f():
            get().flushall()
            other().keys()
    """)
    assert [c.command for c in found] == ["flushall"]


# --- keys returned by KEYS/SCAN ----------------------------------------------------------------

def test_keys_listed_by_keys_or_scan_match_their_glob():
    found = calls("""
        import redis
        r = redis.Redis()
        def invalidate(prefix, table, names):
            conj_keys = r.keys("%sconj:%s:*" % (prefix, table))
            r.sunion(conj_keys)
            for key in r.scan_iter(match="session:*"):
                r.delete(key)
            for name in names:
                r.delete(name)
    """)
    assert [(c.command, [k.text for k in c.keys], [k.dynamic for k in c.keys]) for c in found][1:] == [
        ("sunion", ["{}conj:{}:{}"], [True]), ("scan_iter", [], []), ("delete", ["session:{}"], [True]),
        ("delete", ["name"], [False])]


# --- walrus containers ---------------------------------------------------------------------------

def test_walrus_container_methods_run_commands_on_their_key():
    found = calls("""
        from walrus import Database
        db = Database()
        def search(uid, keys):
            results = db.ZSet(f"search:{uid}")
            db.zinterstore(results.key, keys)
            results.expire(60)
            results.add({"a": 1})
            results.clear()
            other = {}
            other.clear()
    """)
    assert [(c.command, [k.text for k in c.keys][:1]) for c in found] == [
        ("zinterstore", ["search:{}"]), ("expire", ["search:{}"]), ("delete", ["search:{}"])]
    assert found[1].args["time"].text == "60"


def test_walrus_store_then_container_expire_is_not_atomic():
    # walrus query.py: ZINTERSTORE into a temp key, then EXPIRE through the ZSet wrapper.
    assert [d.line for d in lint('''
        from walrus import Database
        db = Database()
        def search(keys):
            results = db.ZSet(db.get_temp_key())
            db.zinterstore(results.key, keys)
            results.expire(60)
            return results
    ''') if d.code == "RL104"] == [7]
