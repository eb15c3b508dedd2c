"""RL301–RL302: reads that return a whole collection."""
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
END = -1
LAST = 99
"""
S = Snippets(H)
found, lines, fixed = S.found, S.lines, S.fixed



# --- RL301 unbounded-range -------------------------------------------------------------------

@pytest.mark.parametrize("read", [
    "r.lrange(k, 0, -1)",
    "r.lrange(k, 10, -1)",
    "r.lrange(name=k, start=0, end=-1)",
    "r.lrange(k, 0, END)",
    "r.lrange(k, 0, last)",
    "r.zrange(k, 0, -1)",
    "r.zrange(k, 0, -1, withscores=True)",
    "r.zrevrange(k, 0, -1)",
    "r.zrangebyscore(k, 0, 100)",
    'r.zrangebyscore(k, "-inf", "+inf", withscores=True)',
    "r.zrevrangebyscore(k, 100, 0)",
    'r.zrangebylex(k, "-", "+")',
    'r.zrange(k, 0, 100, byscore=True)',
    'r.zrange(k, "[a", "[z", bylex=True)',
    "r.xrange(k)",
    'r.xrange(k, "-", "+")',
    "r.xrevrange(k)",
    'r.xread({k: "$"}, block=1000)',
    'r.xreadgroup("g", "c", {k: ">"})',
    "r.sort(k)",
    'r.lrem(k, 0, "v")',
    'r.lrem(k, zero, "v")',
    "r.pipeline().lrange(k, 0, -1).execute()",
])
def test_rl301_flags(read):
    # (`stop=-1` as a parameter default: see test_rl301_limit_parameters_that_default_to_unbounded.)
    assert lines(f"""
        async def f(k, stop=-1, zero=0):
            last = -1
            {read}
    """, "RL301") == [4]


def test_rl301_messages_say_what_grows():
    (lrem,) = found("def f(k):\n    r.lrem(k, 0, 'v')\n", "RL301")
    assert "the time it takes grows with the list" in lrem.message and "reply" not in lrem.message
    (lrange,) = found("def f(k):\n    r.lrange(k, 0, -1)\n", "RL301")
    assert "the reply grows with the collection" in lrange.message


def test_rl301_async():
    assert lines("""
        async def f(k):
            return await ar.lrange(k, 0, -1)
    """, "RL301") == [3]


@pytest.mark.parametrize("read", [
    "r.lrange(k, 0, 99)",
    "r.lrange(k, 0, LAST)",
    "r.lrange(k, 0, stop)",
    "r.lrange(k, start, end)",
    "r.lrange(k, -10, -1)",
    "r.zrange(k, -5, -1, withscores=True)",
    "r.zrevrange(k, 0, 9)",
    "r.zrangebyscore(k, 0, 100, start=0, num=50)",
    "r.zrangebyscore(k, 0, 100, 0, 50)",
    'r.zrevrangebyscore(k, "+inf", "-inf", start=0, num=10)',
    'r.zrangebylex(k, "-", "+", start=0, num=10)',
    "r.zrange(k, 0, 100, byscore=True, offset=0, num=20)",
    "r.xrange(k, count=100)",
    'r.xrange(k, "-", "+", 100)',
    "r.xrevrange(k, count=1)",
    'r.xread({k: "$"}, count=10, block=1000)',
    'r.xreadgroup("g", "c", {k: ">"}, count=10)',
    "r.sort(k, start=0, num=10)",
    'r.sort(k, store="sorted")',
    'r.lrem(k, 1, "v")',
    'r.lrem(k, -2, "v")',
    "r.llen(k)",
    "r.lindex(k, -1)",
    "r.zcard(k)",
])
def test_rl301_not_flagged(read):
    assert lines(f"""
        def f(k, start, end, stop=100):
            {read}
    """, "RL301") == []


def test_rl301_not_for_lists_the_project_trims():
    assert lines("""
        def push(uid, item):
            r.lpush(f"feed:{uid}", item)
            r.ltrim(f"feed:{uid}", 0, 99)

        def read(uid):
            return r.lrange(f"feed:{uid}", 0, -1)

        def top(board):
            return r.zrange(f"board:{board}", 0, -1)

        def cap(board):
            r.zremrangebyrank(f"board:{board}", 0, -101)

        def events(device):
            return r.xrange(f"ev:{device}")

        def log(device, data):
            r.xadd(f"ev:{device}", data, maxlen=1000)
    """, "RL301") == []


def test_rl301_untrimmed_list_is_flagged():
    assert lines("""
        def push(uid, item):
            r.lpush(f"feed:{uid}", item)

        def read(uid):
            return r.lrange(f"feed:{uid}", 0, -1)
    """, "RL301") == [6]


def test_rl301_not_for_lookalikes_and_has_no_fix():
    code = """
        def f(items, sheet):
            items.lrange(0, -1)
            sheet.xrange()
            sorted(items)
            items.sort()
            return r.lrange("k", 0, -1)
    """
    diags = found(code, "RL301")
    assert [d.line - H.count("\n") for d in diags] == [7]
    assert diags[0].fix is None
    assert "`k`" in diags[0].message


# --- RL302 whole-collection-read -------------------------------------------------------------

def test_rl302_smembers_on_a_per_entity_set():
    assert lines("""
        def members(room):
            return r.smembers(f"room:{room}:members")
    """, "RL302") == [3]


def test_rl302_smembers_on_a_set_written_with_dynamic_members():
    assert lines("""
        def join(uid):
            r.sadd("online", uid)

        def who():
            return r.smembers("online")
    """, "RL302") == [6]


def test_rl302_not_for_a_per_entity_set_filled_in_one_go_from_a_list():
    # A job's dependencies: written once, from the list given at enqueue, into the job's own set.
    assert lines("""
        def enqueue(job_id, depends_on):
            for dep in depends_on:
                r.sadd(f"job:{job_id}:deps", dep)

        def dependencies(job_id):
            return r.smembers(f"job:{job_id}:deps")
    """, "RL302") == []


@pytest.mark.parametrize("write", [
    # one member per event, outside any loop: the set grows with history
    "def follow(uid, other):\n    r.sadd(f'user:{uid}:deps', other)",
    # the key varies with the loop: each set gets one member per call (the reverse index)
    "def enqueue(job_id, depends_on):\n    for dep in depends_on:\n        r.sadd(f'user:{dep}:deps', job_id)",
])
def test_rl302_per_entity_set_that_grows_across_calls_is_flagged(write):
    code = f"""
{write}

def fill(uid, items):
    for item in items:
        r.sadd(f"user:{{uid}}:deps", item)

def read(uid):
    return r.smembers(f"user:{{uid}}:deps")
"""
    assert lines(code, "RL302") == [code.split("\n").index("    return r.smembers(f\"user:{uid}:deps\")") + 1]


def test_rl302_a_constant_key_filled_from_a_loop_is_still_flagged():
    # One global set copied from a table: as big as the table.
    assert lines("""
        def rebuild(users):
            for u in users:
                r.sadd("all-users", u.id)

        def everyone():
            return r.smembers("all-users")
    """, "RL302") == [7]


def test_rl302_not_for_a_set_of_constant_members_or_an_unwritten_constant_set():
    assert lines("""
        def enable(uid):
            r.sadd(f"features:{uid}", "beta", "dark-mode")

        def features(uid):
            return r.smembers(f"features:{uid}")

        def admins():
            return r.smembers("admins")
    """, "RL302") == []


def test_rl302_hash_with_constant_fields_only_is_not_flagged():
    assert lines("""
        FIELD = "email"

        def save(uid, name, email, age):
            r.hset(f"profile:{uid}", mapping={"name": name, "email": email})
            r.hset(f"profile:{uid}", "age", age)
            r.hset(f"profile:{uid}", FIELD, email)
            r.hincrby(f"profile:{uid}", "logins", 1)

        def load(uid):
            return r.hgetall(f"profile:{uid}")

        def names(uid):
            return r.hkeys(f"profile:{uid}")
    """, "RL302") == []


@pytest.mark.parametrize("write", [
    'r.hset(f"cart:{uid}", product, 1)',
    'r.hset(f"cart:{uid}", mapping={pid: qty for pid, qty in items})',
    'r.hset(f"cart:{uid}", mapping={product: 1})',
    'r.hincrby(f"cart:{uid}", product, 1)',
    'r.hsetnx(f"cart:{uid}", product, 1)',
])
def test_rl302_hash_with_a_dynamic_field_is_flagged(write):
    assert lines(f"""
        def add(uid, product, items):
            {write}

        def cart(uid):
            return r.hgetall(f"cart:{{uid}}")
    """, "RL302") == [6]


@pytest.mark.parametrize("write", [
    'r.hset(f"job:{uid}", mapping=job.to_dict())',
    'r.hset(f"job:{uid}", mapping={"a": 1, **items})',
    'r.hmset(f"job:{uid}", items)',
])
def test_rl302_hash_written_with_a_mapping_of_unknown_shape_is_not_flagged(write):
    # `mapping=obj.to_dict()` is usually an object's fixed fields: no evidence of growth.
    assert lines(f"""
        def add(uid, job, items):
            {write}

        def load(uid):
            return r.hgetall(f"job:{{uid}}")
    """, "RL302") == []


def test_rl302_hash_never_written_in_the_project_is_not_flagged():
    # Most hashes are objects with fixed fields: without a write to look at, stay quiet.
    assert lines("""
        def load(uid):
            return r.hgetall(f"profile:{uid}")
    """, "RL302") == []


@pytest.mark.parametrize("read", [
    'r.hkeys(f"cart:{uid}")', 'r.hvals(f"cart:{uid}")',
])
def test_rl302_other_whole_hash_reads(read):
    assert lines(f"""
        def add(uid, product):
            r.hset(f"cart:{{uid}}", product, 1)

        def read(uid):
            return {read}
    """, "RL302") == [6]


@pytest.mark.parametrize("read", [
    'r.sunion([f"tags:{a}", f"tags:{b}"])',
    'r.sinter(f"tags:{a}", f"tags:{b}")',
    'r.sdiff([f"tags:{a}", "banned"])',
])
def test_rl302_set_algebra(read):
    assert lines(f"""
        def f(a, b):
            return {read}
    """, "RL302") == [3]


def test_rl302_not_for_lookalikes():
    assert lines("""
        def f(obj, uid):
            obj.smembers(f"tags:{uid}")
            obj.hgetall(f"cart:{uid}")
            d = {}
            d.values()
    """, "RL302") == []


def test_rl302_fixes():
    code = """
        async def f(uid, product):
            r.hset(f"cart:{uid}", product, 1)
            tags = r.smembers(f"tags:{uid}")
            cart = r.hgetall(f"cart:{uid}")
            atags = await ar.smembers(f"atags:{uid}")
            acart = await ar.hgetall(f"cart:{uid}")
            return tags, cart, atags, acart
    """
    diags = found(code, "RL302")
    assert len(diags) == 4
    assert all(d.fix is not None and d.fix.applicability is Applicability.UNSAFE for d in diags)
    assert fixed(code, "RL302") == textwrap.dedent("""
        async def f(uid, product):
            r.hset(f"cart:{uid}", product, 1)
            tags = set(r.sscan_iter(f"tags:{uid}"))
            cart = dict(r.hscan_iter(f"cart:{uid}"))
            atags = {m async for m in ar.sscan_iter(f"atags:{uid}")}
            acart = {f: v async for f, v in ar.hscan_iter(f"cart:{uid}")}
            return tags, cart, atags, acart
    """)


@pytest.mark.parametrize("read", [
    'r.hkeys(f"cart:{uid}")',
    'r.sunion([f"tags:{uid}", "x"])',
    'r.pipeline().smembers(f"tags:{uid}").execute()',
    'ar.smembers(f"tags:{uid}")',  # not awaited
])
def test_rl302_no_fix(read):
    diags = found(f"""
        def f(uid, product):
            r.hset(f"cart:{{uid}}", product, 1)
            return {read}
    """, "RL302")
    assert len(diags) == 1 and diags[0].fix is None


def test_read_rules_need_a_redis_receiver():
    assert codes("""
        import redis
        def f(store, k):
            store.lrange(k, 0, -1)
            store.smembers(k)
            store.hgetall(k)
    """) == []


def test_rl302_raw_smembers_without_fix():
    (d,) = found("""
        def f(uid):
            return r.execute_command("SMEMBERS", f"tags:{uid}")
    """, "RL302")
    assert d.fix is None


def test_rl301_limit_parameters_that_default_to_unbounded():

    src = '''
    import redis

    r = redis.Redis()

    def jobs(key, offset=0, length=-1):
        if length >= 0:
            end = offset + length - 1
        else:
            end = length
        return r.lrange(key, offset, end)

    def due(key, until, length=None):
        return r.zrangebyscore(key, 0, until, start=0, num=length)

    def page(key, until, length=10):
        return r.zrangebyscore(key, 0, until, start=0, num=length)

    def page2(key, until, length):
        return r.zrangebyscore(key, 0, until, start=0, num=length)

    def api(key, end=-1):
        # Nobody in the project calls it with the default: the caller chooses.
        return r.lrange(key, 0, end)

    def callers():
        jobs("queue")          # relies on length=-1: reads the whole list
        due("schedule", 100)   # relies on length=None
        api("queue", 99)
    '''
    found = [d for d in __import__("tests.helpers", fromlist=["lint"]).lint(src) if d.code == "RL301"]
    assert [d.line for d in found] == [11, 14]


@pytest.mark.parametrize("name, flagged", [
    ("name if name else str(uuid.uuid4().hex)", True),  # rq's Group: one member per batch
    ("name or secrets.token_hex(8)", True),
    ("name", False),  # a name the caller chooses: a namespace as far as we can tell
])
def test_rl302_members_minted_per_instance_make_a_set_grow(name, flagged):
    code = f"""
        import secrets
        import uuid
        class Group:
            def __init__(self, conn: redis.Redis, name=None):
                self.conn = conn
                self.name = {name}
            def save(self):
                self.conn.sadd("rq:groups", self.name)
            @classmethod
            def all(cls, conn: redis.Redis):
                return conn.smembers("rq:groups")
    """
    assert S.lines(code, "RL302") == ([12] if flagged else [])


def test_rl301_due_items_of_a_delay_queue_are_not_a_working_set():
    # rq-scheduler: due jobs are read by score and removed one by one when enqueued; the due
    # backlog is unbounded, unlike a working set read whole (`zrange 0 -1` of running jobs).
    code = """
        def schedule(job_id, at):
            r.zadd("scheduler:jobs", {job_id: at})
        def due(now, length=None):
            return r.zrangebyscore("scheduler:jobs", 0, now, start=0 if length else None, num=length)
        def running():
            return r.zrange("scheduler:jobs", 0, -1)
        def enqueue(job_id):
            r.zrem("scheduler:jobs", job_id)
        def tick(now):
            return due(now)
    """
    assert S.lines(code, "RL301") == [5]


# --- RL301 in Lua scripts ----------------------------------------------------------------------

def _script_lines(read: str, run: str = 'script(keys=[f"sched:{q}"], args=[now])') -> list:
    read = read.replace("\n", "\n        ")  # the snippet's indentation, for dedent
    return S.lines(f'''
        SCRIPT = """
        local jobs = {read}
        return jobs
        """
        script = r.register_script(SCRIPT)
        def due(q, now):
            return {run}
    ''', "RL301")


@pytest.mark.parametrize("read", [
    "redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])",
    "redis.call('zrevrangebyscore', KEYS[1], ARGV[1], 0, 'WITHSCORES')",
    "redis.call('ZRANGEBYLEX', KEYS[1], '-', '+')",
    "redis.call('ZRANGE', KEYS[1], 0, ARGV[1], 'BYSCORE')",
    "redis.call('LRANGE', KEYS[1], 0, -1)",
    "redis.call('ZRANGE', KEYS[1], ARGV[2], -1, 'WITHSCORES')",
    "redis.call('XRANGE', KEYS[1], '-', '+')",
    "redis.call('LREM', KEYS[1], 0, ARGV[1])",
    "redis.call('SET', KEYS[2], 1)\nlocal more = redis.call('ZRANGEBYSCORE', KEYS[1], 0, tonumber(ARGV[1]))",
])
def test_rl301_unbounded_read_in_a_script(read):
    # Reported where the script is registered: the line that holds it.
    assert _script_lines(read) == [6 + read.count("\n")]


@pytest.mark.parametrize("read", [
    "redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])",
    "redis.call('ZRANGE', KEYS[1], 0, ARGV[1], 'BYSCORE', 'LIMIT', 0, 10)",
    "redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 100)",
    "redis.call('LRANGE', KEYS[1], 0, 99)",
    "redis.call('LRANGE', KEYS[1], -10, -1)",
    "redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]))",
    "redis.call('LREM', KEYS[1], 1, ARGV[1])",
    # options that may hold a LIMIT, or expand to several arguments: cannot tell
    "redis.call('ZRANGEBYSCORE', KEYS[1], 0, ARGV[1], ARGV[2], ARGV[3], ARGV[4])",
    "redis.call('ZRANGEBYSCORE', KEYS[1], 0, ARGV[1], unpack(ARGV, 2))",
    # a key that is not one of KEYS: which collection it is does not show
    "redis.call('LRANGE', ARGV[1], 0, -1)",
    "-- redis.call('LRANGE', KEYS[1], 0, -1)\nredis.call('LLEN', KEYS[1])",
])
def test_rl301_bounded_or_undecidable_read_in_a_script(read):
    assert _script_lines(read) == []


def test_rl301_script_read_needs_the_keys_it_runs_with():
    read = "redis.call('LRANGE', KEYS[1], 0, -1)"
    assert _script_lines(read, run="script(keys=keys, args=[now])") == []
    assert _script_lines(read, run="print(q)") == []


def test_rl301_script_read_with_eval():
    code = """
        def f(q):
            return r.eval("return redis.call('LRANGE', KEYS[1], 0, -1)", 1, f"jobs:{q}")
        def g(q):
            return r.eval("return redis.call('LRANGE', KEYS[1], 0, -1)", n, f"jobs:{q}")
    """
    (d,) = S.found(code, "RL301")
    assert d.line - H.count("\n") == 3
    assert "`LRANGE` on `jobs:{}`" in d.message


@pytest.mark.parametrize("elsewhere, flagged", [
    ('r.ltrim(f"jobs:{q}", 0, 99)', False),  # capped by the project
    ('r.lrem(f"jobs:{q}", 1, job)', False),  # a working set, pruned member by member
    ('r.rpush(f"jobs:{q}", job)', True),
    ('r.lpop(f"jobs:{q}")', True),  # a queue: its backlog has no bound
])
def test_rl301_script_read_takes_the_project_facts_of_its_keys(elsewhere, flagged):
    code = f"""
        READ = "return redis.call('LRANGE', KEYS[1], 0, -1)"
        read = r.register_script(READ)
        def all_jobs(q):
            return read(keys=[f"jobs:{{q}}"])
        def other(q, job):
            {elsewhere}
    """
    assert S.lines(code, "RL301") == ([3] if flagged else [])


def test_rl301_script_that_caps_then_reads_is_bounded():
    capped = "redis.call('LTRIM', KEYS[1], 0, 99)\nlocal all = redis.call('LRANGE', KEYS[1], 0, -1)"
    popped = "local due = redis.call('ZRANGEBYSCORE', KEYS[1], 0, ARGV[1])\n" \
             "redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])"
    assert _script_lines(capped) == []
    assert _script_lines(popped) == [7]  # read then removed: popped, the due backlog is unbounded


def test_rl301_in_a_mixin_of_a_client_class():
    # huey: the priority-queue mixin reads `self.conn`, which the storage it is mixed into sets.
    assert S.lines("""
        class PriorityQueue(object):
            def enqueued_items(self, limit=None):
                return self.conn.zrange(self.queue_key, 0, limit - 1 if limit else -1)

        class Storage:
            def __init__(self, name):
                self.conn = redis.Redis()
                self.queue_key = "queue.%s" % name

        class PriorityStorage(PriorityQueue, Storage):
            pass
    """, "RL301") == [4]


def test_rl301_not_for_a_container_type_bound_to_its_callers_key():
    # walrus' List/ZSet: an object bound to whatever key its user names; reading all of it is
    # what that user asks for.  A key of the class's own (a default) is the project's collection.
    code = """
        class Container:
            def __init__(self, database: redis.Redis, key):
                self.database = database
                self.key = key

        class List(Container):
            def __iter__(self):
                return iter(self.database.lrange(self.key, 0, -1))

        class ZSet(Container):
            def as_items(self):
                return self.database.zrange(self.key, 0, -1, withscores=True)

        class Queue:
            def __init__(self, database: redis.Redis, key="jobs"):
                self.database = database
                self.key = key
            def jobs(self):
                return self.database.lrange(self.key, 0, -1)
    """
    assert S.lines(code, "RL301") == [20]
