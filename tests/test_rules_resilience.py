"""RL605 round-trip-in-loop: one command per key in a loop over many keys."""
from __future__ import annotations

from .helpers import Snippets

H = """
import redis
from redis.asyncio import Redis as AsyncRedis
r = redis.Redis()
ar = AsyncRedis()
SHARDS = ("a", "b", "c")
"""
S = Snippets(H, "RL605")


def test_rl605_command_per_key_in_a_loop():
    assert S.lines("""
        async def f(keys, users):
            for k in keys:
                r.get(k)
            names = [r.get(f"user:{u}") for u in users]
            for u in users:
                key = f"profile:{u.id}"
                r.hset(key, mapping={"name": u.name})
            for k in keys:
                await ar.expire(k, 60)
            for k in r.scan_iter(match="tmp:*"):
                r.delete(k)
    """) == [4, 5, 8, 10, 12]


def test_rl605_suggests_mget_for_reads():
    (d,) = S.found("""
        def f(keys):
            return [r.get(k) for k in keys]
    """)
    assert "mget" in d.message and "`keys`" in d.message


def test_rl605_pipelines_and_worker_loops_are_quiet():
    assert S.lines("""
        def f(keys, queues):
            p = r.pipeline()
            for k in keys:
                p.get(k)
            p.execute()
            with r.pipeline(transaction=False) as pipe:
                for k in keys:
                    pipe.set(k, 1, ex=60)
                pipe.execute()
            while True:
                job = r.blpop("jobs", timeout=5)
                r.set(f"job:{job}", "running", ex=60)
            for q in queues:
                r.blpop(q, timeout=1)
    """) == []


def test_rl605_small_literal_loops_are_quiet():
    assert S.lines("""
        def f():
            for k in ("a", "b"):
                r.get(k)
            for s in SHARDS:
                r.get(f"shard:{s}")
            for i in range(3):
                r.get(f"slot:{i}")
            return [r.get(k) for k in ["x", "y", "z"]]
    """) == []


def test_rl605_searches_that_stop_at_the_first_hit_are_quiet():
    assert S.lines("""
        def first_cached(keys):
            for k in keys:
                value = r.get(k)
                if value is not None:
                    return value
        def any_locked(keys):
            found = None
            for k in keys:
                found = r.get(k)
                if found:
                    break
            return found
    """) == []


def test_rl605_batched_constant_key_and_branching_calls_are_quiet():
    assert S.lines("""
        def f(batches, events, keys):
            for batch in batches:
                r.mget(batch)
                r.delete(*batch)
            for k in keys:
                r.incr("processed")
            for e in events:
                if r.set(f"seen:{e}", 1, nx=True, ex=3600):
                    handle(e)
    """) == []


def test_rl605_needs_a_redis_receiver():
    assert Snippets("", "RL605").lines("""
        def f(cache, keys):
            return [cache.get(k) for k in keys]
    """) == []
