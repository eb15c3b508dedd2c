"""RL501 store-of-record: Redis as the only copy of durable business data."""
from __future__ import annotations


import pytest

from .helpers import Snippets, codes

H = """
import json
import redis
from redis.asyncio import Redis as AsyncRedis
from flask import abort
from django.http import Http404
r = redis.Redis()
ar = AsyncRedis()
"""
S = Snippets(H, "RL501")
found, lines = S.found, S.lines



def snippet(body, params="oid, data, session, db, cursor, Order"):
    return f"def f({params}):\n    " + body.replace("\n", "\n    ") + "\n"


# --- writes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("write", [
    'r.set(f"order:{oid}", data)',
    'r.set(f"orders:{oid}", data)',
    'r.hset(f"account:{oid}", mapping={"owner": data})',
    'r.set(f"payment:{oid}", data)',
    'r.set(f"invoice:{oid}:pdf", data)',
    'r.rpush(f"ledger:{oid}", data)',
    'r.set(f"user:{oid}:profile", data)',
    'r.set("customer:" + oid, data)',
    'r.set(f"subscription:{oid}", data, keepttl=False)',
    'r.sadd(f"user:{oid}:orders", data)',
])
def test_rl501_flags_record_writes_with_no_ttl_and_no_database(write):
    (d,) = found(snippet(write))
    assert "no TTL" in d.message and "`f`" in d.message


def test_rl501_async_write():
    assert lines("""
        async def place(oid, data):
            await ar.set(f"order:{oid}", json.dumps(data))
    """) == [3]


@pytest.mark.parametrize("durable", [
    "session.add(data)",
    "session.commit()",
    "db.session.add(data)",
    "Order.objects.create(id=oid)",
    "Order.objects.filter(id=oid).update(body=data)",
    "data.save()",
    'cursor.execute("INSERT INTO orders VALUES (%s)", (oid,))',
    "db.orders.insert_one(data)",
])
def test_rl501_not_when_the_function_writes_a_database(durable):
    assert lines(snippet(f'{durable}\nr.set(f"order:{{oid}}", data)')) == []


@pytest.mark.parametrize("write", [
    'r.set(f"order:{oid}", data, ex=3600)',
    'r.setex(f"order:{oid}", 3600, data)',
    'r.set(f"order-cache:{oid}", data)',
    'r.set(f"session:{oid}", data)',
    'r.set(f"user:{oid}:session", data)',
    'r.set(f"order:{oid}:lock", data)',
    'r.incr(f"order:{oid}:views")',
    'r.set(f"product:{oid}", data)',
    'r.set("orders", data)',
    # The users of a document (ids), not a user's record: the entity is not what the id names.
    'r.sadd(f"doc:{oid}:users", data)',
    'r.set(f"{oid}:account", data)',
    'r.set(key, data)',
    'cache.set(f"order:{oid}", data)',
])
def test_rl501_not_flagged_writes(write):
    assert lines(snippet(write, "oid, data, key, cache")) == []


def test_rl501_not_when_the_pattern_is_expired_elsewhere():
    assert lines("""
        def place(oid, data):
            r.set(f"order:{oid}", data)

        def archive(oid):
            r.expire(f"order:{oid}", 86400)
    """) == []


def test_rl501_not_at_module_level():
    assert lines("""
        r.set(f"order:{ORDER_ID}", "{}")
        ORDER_ID = 1
    """) == []


def test_rl501_record_key_patterns_setting():
    code = snippet('r.set(f"ticket:{oid}", data)\nr.set(f"order:{oid}", data)')
    assert lines(code) == [3]
    assert lines(code, record_key_patterns=("ticket",)) == [2]


def test_rl501_write_is_also_rl101():
    assert sorted(codes(H + snippet('r.set(f"order:{oid}", data)'))) == ["RL101", "RL501"]


# --- reads whose miss means "not found" ------------------------------------------------------

@pytest.mark.parametrize("branch", [
    "abort(404)",
    "raise KeyError(oid)",
    "raise Http404()",
    'return {"error": "not found"}, 404',
    "return HttpResponseNotFound()",
])
def test_rl501_flags_reads_whose_miss_is_not_found(branch):
    assert lines(f"""
        def f(oid):
            raw = r.get(f"order:{{oid}}")
            if raw is None:
                {branch}
            return json.loads(raw)
    """) == [3]


@pytest.mark.parametrize("test", ["raw is None", "not raw", "raw == None"])
def test_rl501_miss_tests(test):
    assert lines(f"""
        def f(oid):
            raw = r.hgetall(f"account:{{oid}}")
            if {test}:
                abort(404)
            return raw
    """) == [3]


def test_rl501_async_read():
    assert lines("""
        async def f(oid):
            raw = await ar.get(f"payment:{oid}")
            if raw is None:
                raise LookupError(oid)
            return raw
    """) == [3]


@pytest.mark.parametrize("branch", [
    "raw = load_from_db(oid)",
    "return None",
    "row = db.get(oid)\n        if row is None:\n            abort(404)\n        raw = row.body",
    "log(oid)\n        abort(404)",
])
def test_rl501_not_for_reads_with_a_fallback(branch):
    assert lines(f"""
        def f(oid, db, log, load_from_db):
            raw = r.get(f"order:{{oid}}")
            if raw is None:
                {branch}
            return raw
    """) == []


def test_rl501_not_for_reads_of_transient_or_constant_keys():
    assert lines("""
        def f(oid, sid):
            a = r.get(f"session:{sid}")
            if a is None:
                abort(401)
            b = r.get(f"order-cache:{oid}")
            if b is None:
                abort(404)
            c = r.get("orders")
            if c is None:
                abort(404)
            d = r.get(f"product:{oid}")
            if d is None:
                abort(404)
            return a, b, c, d
    """) == []


def test_rl501_not_when_the_read_is_not_the_tested_value():
    assert lines("""
        def f(oid, other):
            raw = r.get(f"order:{oid}")
            if other is None:
                abort(404)
            value = r.get(f"order:{oid}") or load(oid)
            if value is None:
                abort(404)
            return raw, value
    """) == []


def test_rl501_needs_a_redis_receiver():
    assert codes("""
        import redis
        from flask import abort
        def f(store, oid, data):
            store.set(f"order:{oid}", data)
            raw = store.get(f"order:{oid}")
            if raw is None:
                abort(404)
    """) == []


def test_rl501_raw_write():
    assert lines("""
        def f(oid, data):
            r.execute_command("SET", f"order:{oid}", data)
            r.execute_command("SET", f"invoice:{oid}", data, "EX", 60)
    """) == [3]


# --- RL502 pubsub-as-queue -------------------------------------------------------------------

P = Snippets(H + 'TASK_CHANNEL = "tasks"\n', "RL502")


def test_rl502_work_handed_out_over_pubsub():
    assert P.lines("""
        async def f(task, order, job_id):
            r.publish("jobs", json.dumps({"id": job_id}))
            r.publish(TASK_CHANNEL, json.dumps(task))
            r.publish("orders:new", order.to_json())
            await ar.publish("work_queue", "payload")
            r.publish("resize", json.dumps({"task": "thumbnail", "path": "a.png"}))
            r.spublish("jobs", "payload")
    """) == [3, 4, 5, 6, 7, 8]


def test_rl502_news_and_used_replies_are_quiet():
    assert P.lines("""
        def f(task, order, job_id, uid, channel):
            r.publish("events", json.dumps(task))
            r.publish("notifications", json.dumps({"user": uid}))
            r.publish("order_updates", order.to_json())
            r.publish("job_status", json.dumps({"job": job_id, "status": "done"}))
            r.publish("order_created", order.to_json())
            r.publish("chat:room", json.dumps({"text": "hi"}))
            r.publish(f"user:{uid}", json.dumps({"job_id": job_id}))
            r.publish(channel, json.dumps(task))
            receivers = r.publish("jobs", "x")
            if not r.publish("jobs", "x"):
                raise RuntimeError("no worker listening")
            p = r.pipeline()
            p.publish("jobs", "x")
            p.execute()
            r.lpush("jobs", "x")
    """) == []


def test_rl502_needs_a_redis_receiver():
    assert Snippets("import json\n", "RL502").lines("""
        def f(bus, task):
            bus.publish("jobs", json.dumps(task))
    """) == []
