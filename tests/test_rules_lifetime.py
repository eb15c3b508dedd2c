"""RL101–RL105: key lifetime.  Positive cases, every "must not flag" case RULES.md lists, and
the fixes at the diagnostic level."""
from __future__ import annotations

import textwrap

import pytest

from redislint.diagnostics import Applicability

from .helpers import Snippets, codes

H = """
import redis
from redis.asyncio import Redis as AsyncRedis
r = redis.Redis()
ar = AsyncRedis()
"""
S = Snippets(H)
only, lines, fixed = S.found, S.lines, S.fixed



# --- RL101 set-without-ttl -------------------------------------------------------------------

@pytest.mark.parametrize("write", [
    'r.set(f"otp:{uid}", code)',
    'r.set("otp:" + uid, code)',
    'r.set("otp:%s" % uid, code)',
    'r.set("otp:{}".format(uid), code)',
    'r.setnx(f"otp:{uid}", code)',
    'r.getset(f"otp:{uid}", code)',
    'r.mset({f"otp:{uid}": code})',
    'r.msetnx({f"otp:{uid}": code})',
    'r.append(f"otp:{uid}", code)',
    'r.setrange(f"otp:{uid}", 0, code)',
    'r.setbit(f"otp:{uid}", 7, 1)',
    'r.set(f"otp:{uid}", code, None)',
    'r.set(f"otp:{uid}", code, ex=None)',
    'r.set(f"otp:{uid}", code, keepttl=False)',
    'r.set(f"otp:{uid}", code, nx=True)',
    'r.pipeline().set(f"otp:{uid}", code).execute()',
])
def test_rl101_flags_string_writes_without_ttl(write):
    assert lines(f"""
        def f(uid, code):
            {write}
    """, "RL101") == [3]


def test_rl101_async_and_annotated_and_self_clients():
    assert lines("""
        async def a(uid):
            await ar.set(f"a:{uid}", 1)

        def b(client: redis.Redis, uid):
            client.set(f"b:{uid}", 1)

        class C:
            def __init__(self):
                self.redis = redis.Redis()
            def c(self, uid):
                self.redis.set(f"c:{uid}", 1)
    """, "RL101") == [3, 6, 12]


@pytest.mark.parametrize("write", [
    'r.set(f"otp:{uid}", code, ex=60)',
    'r.set(f"otp:{uid}", code, 60)',
    'r.set(f"otp:{uid}", code, None, 60000)',
    'r.set(f"otp:{uid}", code, px=60000)',
    'r.set(f"otp:{uid}", code, exat=1700000000)',
    'r.set(f"otp:{uid}", code, pxat=1700000000000)',
    'r.set(f"otp:{uid}", code, keepttl=True)',
    'r.set(f"otp:{uid}", code, ex=ttl)',
    'r.setex(f"otp:{uid}", 60, code)',
    'r.psetex(f"otp:{uid}", 60000, code)',
    'r.execute_command("SET", f"otp:{uid}", code, "EX", 60)',
])
def test_rl101_not_when_the_write_carries_a_ttl(write):
    assert lines(f"""
        def f(uid, code, ttl):
            {write}
    """, "RL101") == []


def test_rl101_not_for_constant_keys():
    assert lines("""
        def f(flags, name):
            r.set("feature-flags", flags)
            r.set(f"config:{CONFIG_NAME}", flags)
            r.set(f"{settings.PREFIX}:flags", flags)
            r.set(f"{self_prefix}:banner", flags)
        CONFIG_NAME = "main"
        self_prefix = "app"
    """, "RL101") == []


def test_rl101_not_for_keys_whose_only_constants_are_separators():
    # Nothing names what `{model}:{attr}:` or `{prefix}:{id}` holds: a per-class id sequence
    # (which must never expire) looks the same as a per-entity key.  `user:{id}` names it.
    code = """
        def f(model, attr, prefix, uid, value):
            r.incr('%s:%s:' % (model, attr))
            r.set(f"{prefix}:{uid}", value)
            r.set(f"user:{uid}", value)
            r.incr(f"{prefix}:hits:{uid}")
    """
    assert lines(code, "RL101") == [5]
    assert lines(code, "RL103") == [6]


def test_rl101_not_for_unknown_keys():
    # `key` is a parameter: nothing says it is one key per entity.
    assert lines("""
        def f(key, value):
            r.set(key, value)
    """, "RL101") == []


def test_rl101_ttl_exempt_keys():
    code = """
        def f(sid, uid, data):
            r.set(f"session:{sid}", data)
            r.set(f"profile:{uid}", data)
    """
    assert lines(code, "RL101") == [3, 4]
    assert lines(code, "RL101", ttl_exempt_keys=("session:*",)) == [4]
    assert lines(code, "RL101", ttl_exempt_keys=("session:{}", "profile:*")) == []


@pytest.mark.parametrize("elsewhere", [
    'r.expire(f"otp:{uid}", 60)',
    'r.pexpire(f"otp:{uid}", 60000)',
    'r.expireat(f"otp:{uid}", 1700000000)',
    'r.pexpireat(f"otp:{uid}", 1700000000000)',
    'r.persist(f"otp:{uid}")',
    'r.set(f"otp:{uid}", 0, ex=60)',
    'r.getex(f"otp:{uid}", ex=60)',
])
def test_rl101_not_when_the_project_manages_the_key_elsewhere(elsewhere):
    assert lines(f"""
        def write(uid, code):
            r.set(f"otp:{{uid}}", code)

        def manage(uid):
            {elsewhere}
    """, "RL101") == []


def test_rl101_not_when_expired_in_the_same_function_or_pipeline():
    assert lines("""
        def a(uid, code):
            key = f"otp:{uid}"
            r.set(key, code)
            r.expire(key, 60)

        def b(uid, code):
            p = r.pipeline()
            p.set(f"otp2:{uid}", code)
            p.expire(f"otp2:{uid}", 60)
            p.execute()

        def c(uid, code):
            r.pipeline().set(f"otp3:{uid}", code).expire(f"otp3:{uid}", 60).execute()
    """, "RL101") == []


def test_rl101_expiry_of_another_pattern_does_not_count():
    assert lines("""
        def f(uid, code):
            r.set(f"otp:{uid}", code)
            r.expire(f"other:{uid}", 60)
    """, "RL101") == [3]


def test_rl101_not_for_lookalikes():
    assert lines("""
        import configparser
        def f(uid, cache):
            parser = configparser.ConfigParser()
            parser.set("section", f"option-{uid}", "x")
            cache.set(f"otp:{uid}", 1)
            d = {}
            d.setdefault(f"otp:{uid}", 1)
    """, "RL101") == []


def test_rl101_setnx_lock_is_reported_as_rl105_only():
    code = """
        def f(name):
            r.setnx(f"lock:{name}", 1)
    """
    assert lines(code, "RL101") == []
    assert lines(code, "RL105") == [3]


def test_rl101_fix_only_with_default_ttl():
    code = """
        def f(uid, code):
            r.set(f"otp:{uid}", code)
    """
    (d,) = only(code, "RL101")
    assert d.fix is None
    (d,) = only(code, "RL101", default_ttl=300)
    assert d.fix.applicability is Applicability.UNSAFE
    assert "ex=300" in d.fix.message
    assert fixed(code, "RL101", default_ttl=300) == textwrap.dedent("""
        def f(uid, code):
            r.set(f"otp:{uid}", code, ex=300)
    """)


def test_rl101_fix_never_emits_setex_and_skips_other_commands():
    code = """
        def f(uid, code):
            r.append(f"log:{uid}", code)
            r.mset({f"otp:{uid}": code})
            r.set(*args)
    """
    found = only(code, "RL101", default_ttl=300)
    assert len(found) == 2
    assert all(d.fix is None for d in found)


def test_rl101_fix_on_multiline_call_and_keyword_only_call():
    code = """
        def f(uid, code):
            r.set(
                f"otp:{uid}",
                code,
            )
            r.set(name=f"otp2:{uid}", value=code)
    """
    out = fixed(code, "RL101", default_ttl=60)
    assert "code, ex=60," in out
    assert 'r.set(name=f"otp2:{uid}", value=code, ex=60)' in out
    assert "setex" not in out


# --- RL102 collection-without-ttl ------------------------------------------------------------

@pytest.mark.parametrize("write", [
    'r.hset(f"basket:{uid}", item, 1)',
    'r.hset(f"basket:{uid}", mapping=data)',
    'r.hsetnx(f"basket:{uid}", item, 1)',
    'r.hmset(f"basket:{uid}", data)',
    'r.lpush(f"basket:{uid}", item)',
    'r.rpush(f"basket:{uid}", item)',
    'r.sadd(f"basket:{uid}", item)',
    'r.zadd(f"basket:{uid}", {item: 1})',
    'r.geoadd(f"basket:{uid}", (1.0, 2.0, item))',
    'r.pfadd(f"basket:{uid}", item)',
    'r.json().set(f"basket:{uid}", "$", data)',
    'r.sunionstore(f"basket:{uid}", ["a", "b"])',
    'r.zunionstore(f"basket:{uid}", ["a", "b"])',
    'r.xadd(f"basket:{uid}", data)',
])
def test_rl102_flags_collections_without_ttl(write):
    assert lines(f"""
        def f(uid, item, data):
            {write}
    """, "RL102") == [3]


def test_rl102_xadd_on_a_constant_stream_is_flagged_too():
    # A stream with no MAXLEN/MINID grows without bound whatever its name.
    assert lines("""
        def f(data):
            r.xadd("events", data)
    """, "RL102") == [3]


@pytest.mark.parametrize("bound", [
    'r.xadd(f"ev:{uid}", data, maxlen=1000)',
    'r.xadd(f"ev:{uid}", data, maxlen=1000, approximate=True)',
    'r.xadd(f"ev:{uid}", data, minid="0-1")',
])
def test_rl102_xadd_bounded(bound):
    assert lines(f"""
        def f(uid, data):
            {bound}
    """, "RL102") == []


def test_rl102_xadd_trimmed_elsewhere():
    assert lines("""
        def f(uid, data):
            r.xadd(f"ev:{uid}", data)
        def g(uid):
            r.xtrim(f"ev:{uid}", maxlen=100)
    """, "RL102") == []


def test_rl102_not_for_queues_consumed_anywhere():
    assert lines("""
        def enqueue(tenant, job):
            r.lpush(f"jobs:{tenant}", job)

        def worker(tenant):
            return r.brpop(f"jobs:{tenant}", timeout=5)

        def enqueue2(tenant, job):
            r.rpush(f"tasks:{tenant}", job)

        async def worker2(tenant):
            return await ar.lpop(f"tasks:{tenant}")

        def schedule(tenant, job, at):
            r.zadd(f"delayed:{tenant}", {job: at})

        def due(tenant):
            return r.zpopmin(f"delayed:{tenant}")
    """, "RL102") == []


def test_rl102_not_for_lists_a_consumer_may_pop_through_keys_it_does_not_show():
    # `consume(queues)` pops from names its callers pass: any list pushed here may be one of them.
    assert lines("""
        def route(identity, uid):
            r.rpush(f"queue:{identity}", uid)

        def consume(queues, timeout=0):
            return r.blpop(queues, timeout=timeout)
    """, "RL102") == []
    # ... but a set is not emptied by a list consumer.
    assert lines("""
        def tag(identity, uid):
            r.sadd(f"tags:{identity}", uid)

        def consume(queues, timeout=0):
            return r.blpop(queues, timeout=timeout)
    """, "RL102") == [3]


def test_rl102_not_for_trimmed_collections():
    assert lines("""
        def notify(uid, note):
            r.lpush(f"notes:{uid}", note)
            r.ltrim(f"notes:{uid}", 0, 99)

        def score(board, player, s):
            p = r.pipeline()
            p.zadd(f"top:{board}", {player: s})
            p.zremrangebyrank(f"top:{board}", 0, -101)
            p.execute()
    """, "RL102") == []


def test_rl102_not_when_expired_in_pipeline():
    assert lines("""
        def f(uid, data):
            p = r.pipeline()
            p.hset(f"profile:{uid}", mapping=data)
            p.expire(f"profile:{uid}", 3600)
            p.execute()

        def g(uid, member):
            with r.pipeline() as p:
                p.sadd(f"watchers:{uid}", member)
                p.expire(f"watchers:{uid}", 60)
                p.execute()
    """, "RL102") == []


def test_rl102_not_for_constant_keys_exempt_keys_and_lookalikes():
    code = """
        def f(uid, cfg, member):
            r.hset("app-config", mapping=cfg)
            r.sadd(f"session-users:{uid}", member)
            members = set()
            members.add(member)
            queue = []
            queue.append(member)
    """
    assert lines(code, "RL102") == [4]
    assert lines(code, "RL102", ttl_exempt_keys=("session-users:*",)) == []


def test_rl102_has_no_fix():
    (d,) = only("""
        def f(uid, item):
            r.sadd(f"s:{uid}", item)
    """, "RL102", default_ttl=60)
    assert d.fix is None


# --- RL103 counter-without-ttl ---------------------------------------------------------------

@pytest.mark.parametrize("counter", [
    'r.incr(f"hits:{uid}")', 'r.incrby(f"hits:{uid}", 5)', 'r.incrbyfloat(f"hits:{uid}", 0.5)',
    'r.decr(f"hits:{uid}")', 'r.decrby(f"hits:{uid}", 2)', 'r.hincrby(f"hits:{uid}", "views", 1)',
    'r.pipeline().incr(f"hits:{uid}").execute()',
])
def test_rl103_flags_counters_never_expired(counter):
    assert lines(f"""
        def f(uid):
            {counter}
    """, "RL103") == [3]


def test_rl103_not_when_created_with_set_nx_ex():
    assert lines("""
        def f(uid):
            r.set(f"rl:{uid}", 0, ex=60, nx=True)
            return r.incr(f"rl:{uid}")
    """, "RL103") == []


def test_rl103_not_when_created_with_set_nx_ex_in_another_function():
    assert lines("""
        def start(uid):
            r.set(f"rl:{uid}", 0, ex=60, nx=True)

        def hit(uid):
            return r.incr(f"rl:{uid}")
    """, "RL103") == []


def test_rl103_not_for_constant_counters_or_when_expired():
    assert lines("""
        def f(uid):
            r.incr("total-hits")
            p = r.pipeline()
            p.incr(f"minute:{uid}")
            p.expire(f"minute:{uid}", 60)
            p.execute()
    """, "RL103") == []


def test_rl103_incr_then_expire_is_rl104_not_rl103():
    code = """
        def f(uid):
            key = f"hits:{uid}"
            if r.incr(key) == 1:
                r.expire(key, 60)
    """
    assert lines(code, "RL103") == []
    assert lines(code, "RL104") == [5]


# --- RL104 non-atomic-expire -----------------------------------------------------------------

@pytest.mark.parametrize("write, expire", [
    ('r.set(key, v)', 'r.expire(key, 60)'),
    ('r.set(key, v)', 'r.pexpire(key, 60000)'),
    ('r.set(key, v)', 'r.expireat(key, at)'),
    ('r.set(key, v)', 'r.pexpireat(key, at)'),
    ('r.hset(key, "f", v)', 'r.expire(key, 60)'),
    ('r.rpush(key, v)', 'r.expire(key, 60)'),
    ('r.sadd(key, v)', 'r.expire(key, 60)'),
    ('r.incr(key)', 'r.expire(key, 60)'),
    ('r.setnx(key, v)', 'r.expire(key, 60)'),
    ('r.set(key, v)', 'r.expire(key, 60, nx=True)'),
])
def test_rl104_flags_write_then_separate_expire(write, expire):
    assert lines(f"""
        def f(uid, v, at):
            key = f"k:{{uid}}"
            {write}
            {expire}
    """, "RL104") == [5]


def test_rl104_reported_on_the_expire_and_names_the_write():
    (d,) = only("""
        def f(uid, v):
            r.set(f"k:{uid}", v)
            r.expire(f"k:{uid}", 60)
    """, "RL104")
    assert "`set`" in d.message and f"line {H.count(chr(10)) + 3}" in d.message


def test_rl104_if_incr_equals_one_then_expire():
    assert lines("""
        def f(uid):
            if r.incr(f"rl:{uid}") == 1:
                r.expire(f"rl:{uid}", 60)
    """, "RL104") == [4]


def test_rl104_async():
    assert lines("""
        async def f(sid, token):
            await ar.set(f"token:{sid}", token)
            await ar.expire(f"token:{sid}", 900)
    """, "RL104") == [4]


def test_rl104_not_inside_one_pipeline_or_transaction():
    assert lines("""
        def a(uid, v):
            p = r.pipeline()
            p.set(f"a:{uid}", v)
            p.expire(f"a:{uid}", 60)
            p.execute()

        def b(uid, v):
            with r.pipeline() as p:
                p.set(f"b:{uid}", v)
                p.expire(f"b:{uid}", 60, nx=True)
                p.execute()

        def c(uid, v):
            r.pipeline().set(f"c:{uid}", v).expire(f"c:{uid}", 60).execute()

        def d(uid):
            key = f"d:{uid}"
            def bump(pipe):
                pipe.multi()
                pipe.incr(key)
                pipe.expire(key, 60)
            return r.transaction(bump, key)

        async def e(uid, v):
            async with ar.pipeline() as p:
                p.set(f"e:{uid}", v)
                p.expire(f"e:{uid}", 60)
                await p.execute()

        def g(pipe: redis.client.Pipeline, uid, v):
            pipe.set(f"g:{uid}", v)
            pipe.expire(f"g:{uid}", 60)
    """, "RL104") == []


def test_rl104_not_in_a_non_transactional_pipeline():
    # RULES.md: "both inside one pipeline()": the two commands leave in one write, so there
    # is no window in which the client can die between them.
    assert lines("""
        def f(uid, v):
            p = r.pipeline(transaction=False)
            p.set(f"a:{uid}", v)
            p.expire(f"a:{uid}", 60)
            p.execute()
    """, "RL104") == []


def test_rl104_not_when_the_write_already_has_a_ttl_or_keys_differ():
    assert lines("""
        def f(uid, v):
            r.set(f"a:{uid}", v, ex=10)
            r.expire(f"a:{uid}", 60)
            r.set(f"b:{uid}", v)
            r.expire(f"c:{uid}", 60)
            r.expire(f"d:{uid}", 60)
            r.get(f"d:{uid}")
    """, "RL104") == []


def test_rl104_not_for_an_expire_before_the_write_or_in_another_function():
    assert lines("""
        def f(uid, v):
            r.expire(f"a:{uid}", 60)
            r.set(f"a:{uid}", v)

        def g(uid, v):
            r.set(f"b:{uid}", v)

        def h(uid):
            r.expire(f"b:{uid}", 60)
    """, "RL104") == []


def test_rl104_fix_merges_consecutive_set_and_expire():
    code = """
        def f(uid, v):
            key = f"k:{uid}"
            r.set(key, v)
            r.expire(key, 60)
            return key

        def g(uid, v):
            r.set(f"p:{uid}", v)
            r.pexpire(f"p:{uid}", 1500)

        def h(uid, v, at):
            r.set(f"x:{uid}", v)
            r.expireat(f"x:{uid}", at)

        def j(uid, v, at):
            r.set(f"y:{uid}", v)
            r.pexpireat(f"y:{uid}", when=at)

        async def i(uid, v):
            await ar.set(f"a:{uid}", v)
            await ar.expire(f"a:{uid}", 60)
    """
    found = only(code, "RL104")
    assert len(found) == 5
    assert all(d.fix is not None and d.fix.applicability is Applicability.SAFE for d in found)
    assert fixed(code, "RL104") == textwrap.dedent("""
        def f(uid, v):
            key = f"k:{uid}"
            r.set(key, v, ex=60)
            return key

        def g(uid, v):
            r.set(f"p:{uid}", v, px=1500)

        def h(uid, v, at):
            r.set(f"x:{uid}", v, exat=at)

        def j(uid, v, at):
            r.set(f"y:{uid}", v, pxat=at)

        async def i(uid, v):
            await ar.set(f"a:{uid}", v, ex=60)
    """)


@pytest.mark.parametrize("body", [
    # something between the two statements
    'r.set(key, v)\n    log(key)\n    r.expire(key, 60)',
    # the set has nx / xx / get
    'r.set(key, v, nx=True)\n    r.expire(key, 60)',
    'r.set(key, v, xx=True)\n    r.expire(key, 60)',
    'r.set(key, v, get=True)\n    r.expire(key, 60)',
    'r.set(key, v, ifeq="old")\n    r.expire(key, 60)',
    # not a set
    'r.hset(key, "f", v)\n    r.expire(key, 60)',
    'r.incr(key)\n    r.expire(key, 60)',
    # the expire has options set() cannot express
    'r.set(key, v)\n    r.expire(key, 60, nx=True)',
    # one line, two statements
    'r.set(key, v); r.expire(key, 60)',
    # the set's result is used
    'ok = r.set(key, v)\n    r.expire(key, 60)',
    # conditional expire
    'r.set(key, v)\n    if v:\n        r.expire(key, 60)',
])
def test_rl104_no_fix_unless_consecutive_plain_set(body):
    code = "def f(uid, v, log):\n    key = f\"k:{uid}\"\n    " + body + "\n"
    found = only(code, "RL104")
    assert len(found) == 1
    assert found[0].fix is None


# --- RL105 lock-without-timeout --------------------------------------------------------------

def test_rl105_lock_method():
    assert lines("""
        def f(name):
            r.lock(name)
            r.lock(f"job:{name}", blocking_timeout=5)
            with r.lock("report"):
                pass
            r.lock(name, timeout=10)
            r.lock(name, 10)
            r.lock(name, timeout=None)
    """, "RL105") == [3, 4, 5, 9]


def test_rl105_async_lock():
    assert lines("""
        async def f(name):
            async with ar.lock(name):
                pass
            async with ar.lock(name, timeout=5):
                pass
    """, "RL105") == [3]


@pytest.mark.parametrize("body, reported", [
    # Only asked whether someone holds it: never taken, so never left behind.
    ("return r.lock(name).locked()", False),
    ("lock = r.lock(name)\n            return lock.locked() or lock.owned()", False),
    ("lock = Lock(r, name)\n            return lock.locked()", False),
    # Taken, or handed on where it may be taken.
    ("lock = r.lock(name)\n            if not lock.locked():\n                lock.acquire()", True),
    ("lock = r.lock(name)\n            with lock:\n                pass", True),
    ("lock = r.lock(name)\n            return lock", True),
    ("self.lock = r.lock(name)\n            return self.lock.locked()", True),
    ("lock = Lock(r, name)\n            run(lock)", True),
])
def test_rl105_a_lock_only_asked_about_is_not_taken(body, reported):
    found = lines(f"""
        from redis.lock import Lock
        def f(self, name):
            {body}
    """, "RL105")
    assert found == ([4] if reported else [])


@pytest.mark.parametrize("imports, ctor", [
    ("from redis.lock import Lock", "Lock"),
    ("import redis.lock", "redis.lock.Lock"),
    ("from redis.asyncio.lock import Lock", "Lock"),
])
def test_rl105_lock_class(imports, ctor):
    assert lines(f"""
        {imports}
        def f():
            {ctor}(r, "x")
            {ctor}(r, "x", timeout=5)
            {ctor}(r, "x", 5)
            {ctor}(redis=r, name="x")
            {ctor}(r, "x", timeout=None)
    """, "RL105") == [4, 7, 8]


def test_rl105_timeout_parameter_left_to_its_none_default_by_a_caller():
    assert lines("""
        from redis.lock import Lock
        class Jobs:
            def hold(self, name, timeout=None):
                return r.lock(name, timeout=timeout)
            def hold_class(self, name, timeout=None):
                return Lock(r, name, timeout)
            def run(self, name):
                with self.hold(name):
                    pass
                with self.hold_class(name):
                    pass
    """, "RL105") == [5, 7]


@pytest.mark.parametrize("caller", [
    "hold('report', timeout=30)",        # every caller passes a value
    "hold('report', 30)",
    "hold(**options)",                   # unknown: the caller may pass one
    "",                                   # nobody in the project calls it: an API, its callers choose
])
def test_rl105_timeout_parameter_that_callers_fill(caller):
    assert lines(f"""
        def hold(name, timeout=None):
            return r.lock(name, timeout=timeout)
        def run(options):
            {caller or 'pass'}
    """, "RL105") == []


@pytest.mark.parametrize("body", [
    "if timeout is None:\n        timeout = 60\n    return r.lock(name, timeout=timeout)",  # rebound
    "return r.lock(name, timeout=timeout or 60)",
    "return r.lock(name, timeout=ttl)",                                                     # default 30
])
def test_rl105_timeout_parameter_that_is_not_left_none(body):
    assert lines(f"""
        def hold(name, timeout=None, ttl=30):
            {body}
        def run():
            hold("report")
    """, "RL105") == []


def test_rl105_timeout_parameter_left_none_by_a_caller_in_another_module(tmp_path):
    from redislint.config import ConfigResolver
    from redislint.runner import lint_paths

    (tmp_path / "locks.py").write_text(textwrap.dedent("""
        import redis
        r = redis.Redis()
        def hold(name, timeout=None):
            return r.lock(name, timeout=timeout)
    """))
    (tmp_path / "jobs.py").write_text("from locks import hold\n\ndef run():\n    with hold('report'):\n        pass\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL105",)}))
    assert [(d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics] == [("locks.py", 5)]


def test_rl105_not_for_other_locks():
    assert lines("""
        import threading
        import asyncio
        def f(cache):
            threading.Lock()
            asyncio.Lock()
            cache.lock("x")
    """, "RL105") == []


def test_rl105_setnx_lock():
    assert lines("""
        def f(job):
            if r.setnx(f"lock:{job}", 1):
                pass
            r.setnx("lock:global", 1)
            r.setnx(f"{job}-lock", 1)
            r.setnx(f"claim:{job}", 1)
    """, "RL105") == [3, 5, 6]


def test_rl105_setnx_lock_with_expiry_is_not_rl105():
    code = """
        def f(job):
            if r.setnx(f"lock:{job}", 1):
                r.expire(f"lock:{job}", 30)
    """
    assert lines(code, "RL105") == []
    assert lines(code, "RL104") == [4]


def test_rl105_set_nx_ex_lock_is_fine():
    assert lines("""
        def f(job):
            r.set(f"lock:{job}", 1, nx=True, ex=30)
    """, "RL105") == []


def test_rl105_fixes():
    code = """
        def f(job):
            r.setnx(f"lock:{job}", 1)
            r.lock(job)
            Lock(r, job)
        from redis.lock import Lock
    """
    assert [d.fix for d in only(code, "RL105")] == [None, None, None]
    found = only(code, "RL105", default_ttl=30)
    assert [d.fix is not None for d in found] == [True, False, False]
    assert found[0].fix.applicability is Applicability.UNSAFE
    out = fixed(code, "RL105", default_ttl=30)
    assert 'r.set(f"lock:{job}", 1, nx=True, ex=30)' in out
    assert "setnx" not in out


def test_lifetime_rules_ignore_non_redis_receivers():
    assert codes("""
        import redis
        def f(uid, client, lock):
            client.set(f"otp:{uid}", 1)
            client.incr(f"hits:{uid}")
            client.expire(f"otp:{uid}", 60)
            client.hset(f"h:{uid}", "a", 1)
            client.lock("x")
            lock.acquire()
    """) == []


def test_rl103_increx():
    # redis-py 8.1's INCREX increments and sets the TTL in one command.
    assert lines("""
        def a(uid):
            r.increx(f"a:{uid}", ex=60)
            r.increx(f"b:{uid}", byint=5, px=1000, enx=True)

        def b(uid):
            r.increx(f"c:{uid}")

        def c(uid):
            r.incr(f"a:{uid}")
    """, "RL103") == [7]


def test_raw_execute_command_forms_are_the_same_commands():
    # RULES.md: "execute_command(...) and the other raw forms are the same commands".
    code = """
        def f(uid, v):
            r.execute_command("SET", f"a:{uid}", v)
            r.execute_command("SET", f"b:{uid}", v, "EX", 60)
            r.execute_command("SET", f"c:{uid}", v, b"px", 500)
            r.execute_command("HSET", f"d:{uid}", "f", v)
            r.execute_command("INCR", f"e:{uid}")
            r.execute_command("SETNX", f"lock:{uid}", 1)
            r.execute_command("XADD", f"g:{uid}", "MAXLEN", "~", 100, "*", "f", v)
    """
    assert lines(code, "RL101") == [3]
    assert lines(code, "RL102") == [6]
    assert lines(code, "RL103") == [7]
    assert lines(code, "RL105") == [8]
    (d,) = only(code, "RL101", default_ttl=60)
    assert d.fix is None  # raw arguments are not bound: no fix


def test_rl104_raw_write_then_expire():
    code = """
        def f(uid, v):
            r.execute_command("SET", f"a:{uid}", v)
            r.expire(f"a:{uid}", 60)
    """
    (d,) = only(code, "RL104")
    assert d.fix is None


# --- RL107 invalid-ttl -----------------------------------------------------------------------

RL107 = Snippets(H + "import datetime\nfrom datetime import timedelta\n", "RL107")


@pytest.mark.parametrize("call", [
    'r.set(k, v, ex=0)',
    'r.set(k, v, ex=-10)',
    'r.set(k, v, px=0)',
    'r.set(k, v, px=-1)',
    'r.set(k, v, 0)',
    'r.set(k, v, ex=2.5)',
    'r.set(k, v, px=100.0)',
    'r.set(k, v, None, 1.5)',
    'r.getex(k, ex=0)',
    'r.expire(k, 0)',
    'r.expire(k, -1)',
    'r.pexpire(k, 0)',
    'r.expire(k, 1.5)',
    'r.expire(name=k, time=0)',
    'r.setex(k, 0, v)',
    'r.psetex(k, -5, v)',
    'r.setex(k, 2.5, v)',
    'r.setex(k, "hello", 60)',
    'r.setex(k, b"x", 60)',
    'r.setex(k, {"a": 1}, 60)',
    'r.psetex(k, "hello", timedelta(milliseconds=500))',
    'r.setex(k, "hello", datetime.timedelta(seconds=5))',
    'r.expire(r.rpush(k, v), 60)',
    'r.expire(r.incr(k), 60)',
    'r.pexpire(r.hset(k, "f", v), 60)',
    'r.expire(r.sadd(k, v), 60)',
    'r.pipeline().expire(r.lpush(k, v), 60)',
])
def test_rl107_flags(call):
    assert RL107.lines(f"""
        def f(k, v):
            {call}
    """) == [3]


def test_rl107_async_reply_as_key():
    assert RL107.lines("""
        async def f(k, v):
            await ar.expire(await ar.rpush(k, v), 60)
            await ar.set(k, v, ex=0)
    """) == [3, 4]


@pytest.mark.parametrize("call", [
    'r.set(k, v, ex=ttl)',
    'r.set(k, v, ex=delta)',
    'r.set(k, v, ex=None)',
    'r.set(k, v, px=None)',
    'r.set(k, v, ex=60)',
    'r.set(k, v, ex=TTL)',
    'r.set(k, v, ex=timedelta(seconds=1))',
    'r.set(k, v, ex=True)',
    'r.expire(k, 60)',
    'r.expire(k, ttl)',
    'r.expire(k, timedelta(hours=1))',
    'r.expireat(k, 0)',
    'r.setex(k, 60, v)',
    'r.setex(k, "60", 60)',
    'r.setex(k, v, 60)',
    'r.setex(k, "hello", ttl)',
    'r.setex(k, "hello", 0)',
    'r.setex(k, timedelta(seconds=5), "x")',
    'r.expire(r.get(k), 60)',
    'r.expire(r.getdel(k), 60)',
    'r.execute_command("SET", k, v, "EX", 0)',
    'r.expire(*args)',
])
def test_rl107_does_not_flag(call):
    assert RL107.lines(f"""
        TTL = 0
        def f(k, v, ttl, delta: timedelta, args):
            {call}
    """) == []


def test_rl107_reply_through_a_variable_is_not_followed():
    assert RL107.lines("""
        def f(k, v):
            n = r.rpush(k, v)
            r.expire(n, 60)
    """) == []


def test_rl107_not_on_other_receivers():
    assert RL107.lines("""
        class Cache:
            def set(self, k, v, ex=None): ...
        def f(k, v, cache: Cache):
            cache.set(k, v, ex=0)
            cache.expire(k, 0)
    """) == []


def test_rl107_only_the_certain_setex_swap_is_fixed():
    fixes = {d.line - RL107.header.count("\n"): d.fix for d in RL107.found("""
        def f(k, v):
            r.setex(k, "hello", 60)
            r.expire(k, 0)
            r.set(k, v, ex=1.5)
    """)}
    assert fixes[3] is not None and fixes[3].applicability is Applicability.SAFE
    assert fixes[4] is None and fixes[5] is None


def test_rl107_swap_fix_result():
    assert RL107.fixed("""
        def f(k):
            r.setex(k, "hello", 60)
            r.psetex(name=k, time_ms={"a": 1}, value=timedelta(milliseconds=5))
            r.setex(
                k,
                "pending",
                timedelta(minutes=15),
            )
    """) == textwrap.dedent("""
        def f(k):
            r.setex(k, 60, "hello")
            r.psetex(name=k, time_ms=timedelta(milliseconds=5), value={"a": 1})
            r.setex(
                k,
                timedelta(minutes=15),
                "pending",
            )
    """)


# --- RL106 ttl-cleared -----------------------------------------------------------------------

@pytest.mark.parametrize("ttl, overwrite", [
    ('r.set(k, v, ex=60)', 'r.set(k, v)'),
    ('r.set(k, v, px=60000)', 'r.set(k, v, xx=True)'),
    ('r.setex(k, 60, v)', 'r.set(k, v, get=True)'),
    ('r.expire(k, 60)', 'r.getset(k, v)'),
    ('r.set(k, v, ex=60)', 'r.rename(f"tmp:{uid}", k)'),
    ('r.expire(k, 60)', 'r.persist(k)'),
    ('r.set(k, v, exat=1700000000)', 'r.set(k, v, keepttl=False)'),
])
def test_rl106_flags_a_ttl_cleared_by_a_later_write(ttl, overwrite):
    assert lines(f"""
        def f(uid, v):
            k = f"s:{{uid}}"
            {ttl}
            {overwrite}
    """, "RL106") == [5]


def test_rl106_in_pipelines_and_async():
    assert lines("""
        def f(uid, v):
            with r.pipeline() as p:
                p.set(f"s:{uid}", v, ex=60)
                p.set(f"s:{uid}", v)
                p.execute()

        async def g(uid, v):
            await ar.expire(f"t:{uid}", 60)
            await ar.set(f"t:{uid}", v)
    """, "RL106") == [5, 10]


@pytest.mark.parametrize("body", [
    'r.set(k, v, ex=60)\nr.set(k, v, keepttl=True)',  # keepttl
    'r.set(k, v, ex=60)\nr.set(k, v, ex=30)',  # the overwrite carries its own TTL
    'r.set(k, v, ex=60)\nr.set(k, v, px=30000)',
    'r.expire(k, 60)\nr.setex(k, 30, v)',
    'r.set(k, v, ex=60)\nr.set(k, v, nx=True)',  # NX cannot overwrite an existing key
    'r.set(k, v, ex=60)\nr.set(k, v)\nr.expire(k, 60)',  # given a TTL again
    'r.set(k, v, ex=60)\nr.delete(k)\nr.set(k, v)',  # a new key: RL101's business
    'r.set(k, v)\nr.set(k, v)',  # never had a TTL
    'r.set(k, v, ex=60)\nr.set(f"other:{uid}", v)',  # another key
    'if uid:\n    r.set(k, v, ex=60)\nr.set(k, v)',  # the TTL may not have been given
    'r.set(k, v, ex=60)\nr.rename(k, f"archive:{uid}")',  # the key is the source
    'r.set(k, v, ex=60)\nr.set(k, *args)',  # the arguments are not known
    # A guard: the TTL covers the steps in between, so that a crash leaves no key, and is lifted after.
    'r.expire(k, 10)\nr.delete("tokens")\nr.rpush("tokens", *args)\nr.persist(k)',
])
def test_rl106_does_not_flag(body):
    code = "def f(uid, v, *args):\n    k = f's:{uid}'\n" + textwrap.indent(body, "    ") + "\n"
    assert only(code, "RL106") == []


def test_rl106_not_across_functions():
    assert lines("""
        def a(uid, v):
            r.set(f"s:{uid}", v, ex=60)

        def b(uid, v):
            r.set(f"s:{uid}", v)
    """, "RL106") == []


def test_rl106_fix_adds_keepttl_when_redis_py_has_it():
    code = 'def f(uid, v):\n    r.set(f"s:{uid}", v, ex=60)\n    r.set(f"s:{uid}", v)\n'
    assert fixed(code, "RL106", redis_py_version="4.6") == \
        'def f(uid, v):\n    r.set(f"s:{uid}", v, ex=60)\n    r.set(f"s:{uid}", v, keepttl=True)\n'
    (d,) = only(code, "RL106", redis_py_version="4.6")
    assert d.fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize("settings", [{}, {"redis_py_version": "3.4"}])
def test_rl106_no_fix_without_a_redis_py_that_has_keepttl(settings):
    (d,) = only('def f(uid, v):\n    r.set(f"s:{uid}", v, ex=60)\n    r.set(f"s:{uid}", v)\n', "RL106", **settings)
    assert d.fix is None


@pytest.mark.parametrize("overwrite", ['r.getset(k, v)', 'r.persist(k)', 'r.rename("tmp", k)',
                                       'r.set(k, v, keepttl=False)'])
def test_rl106_no_fix_for_other_overwrites(overwrite):
    code = f"def f(uid, v):\n    k = f's:{{uid}}'\n    r.expire(k, 60)\n    {overwrite}\n"
    (d,) = only(code, "RL106", redis_py_version="5.0")
    assert d.fix is None


def test_rl101_key_that_is_an_entity_id_attribute():
    # rasa's lock store: one key per conversation, named by the id itself.
    assert lines("""
        import settings
        class LockStore:
            def __init__(self):
                self.red = redis.Redis()
            def save_lock(self, lock):
                self.red.set(lock.conversation_id, lock.dumps())
            def save_other(self, lock, key):
                self.red.set(key, lock.dumps())
                self.red.set(lock.name, lock.dumps())
                self.red.set(settings.SITE_ID, 1)
                self.red.set(lock.conversation_id + "x", 1)
    """, "RL101") == [7]


def test_rl101_entity_id_key_given_a_ttl_elsewhere():
    assert lines("""
        def save(lock):
            r.set(lock.conversation_id, lock.dumps())
        def touch(lock):
            r.expire(lock.conversation_id, 60)
    """, "RL101") == []


def test_rl101_entity_id_key_expired_through_a_local_name():
    # saq: `job_id = job.id` ... `setex(job_id, job.ttl, ...)` gives the `{id}` keys their TTL.
    assert lines("""
        def update(job):
            r.set(job.id, job.dumps())
        def finish(job):
            job_id = job.id
            r.setex(job_id, job.ttl, job.dumps())
    """, "RL101") == []
