"""What literal Lua scripts do to the keys they are given (`redis.call('EXPIRE', KEYS[1], ...)`
run with `keys=[...]` or after EVAL's `numkeys`): the keyspace index counts it like the same
command sent from Python, for what bounds a key's life or size."""
from __future__ import annotations

import textwrap

import pytest

from redislint.model.commands import lua_key_commands
from redislint.model.extract import extract

from .helpers import Snippets

H = """
import redis
r = redis.Redis()
EXPIRE_LUA = "redis.call('INCR', KEYS[1])\\nredis.call('EXPIRE', KEYS[1], ARGV[1])"
"""
S = Snippets(H)


def effects(code: str):
    model = extract("snippet.py", H + textwrap.dedent(code))
    return [(command, key.text) for command, key in model.script_effects]


def test_lua_key_commands_reads_keys_indexes_and_skips_comments():
    script = """
        -- redis.call('EXPIRE', KEYS[3], 1)
        local v = redis.call('ZPOPMIN', KEYS[2])
        redis.call('DEL', KEYS[1], KEYS[2])
        redis.pcall('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
        redis.call('SET', KEYS[4], ARGV[1])
        redis.call('HGET', job_key, 'status')
    """
    assert lua_key_commands(script) == (("zpopmin", 1), ("delete", 0), ("setex", 0), ("set", 3))


@pytest.mark.parametrize("invoke", [
    "script(keys=[f'hits:{uid}'], args=[60])",
    "script([f'hits:{uid}'], [60])",
    "script(keys=(f'hits:{uid}',), args=[60], client=r.pipeline())",
])
def test_registered_script_called_with_keys(invoke):
    assert effects(f"""
        script = r.register_script(EXPIRE_LUA)
        def hit(uid):
            {invoke}
    """) == [("incr", "hits:{}"), ("expire", "hits:{}")]


def test_script_held_in_an_attribute_of_self():
    assert effects("""
        class Limiter:
            def __init__(self, conn: redis.Redis):
                self._script = conn.register_script(EXPIRE_LUA)
            def hit(self, uid):
                return self._script(keys=[f"hits:{uid}"], args=[60])
    """) == [("incr", "hits:{}"), ("expire", "hits:{}")]


def test_eval_with_literal_numkeys():
    assert effects("""
        def hit(uid):
            r.eval(EXPIRE_LUA, 1, f"hits:{uid}", 60)
    """) == [("incr", "hits:{}"), ("expire", "hits:{}")]


@pytest.mark.parametrize("code", [
    # not a Redis client's script
    "script = registry.register_script(EXPIRE_LUA)\ndef hit(uid):\n    script(keys=[f'hits:{uid}'])\n",
    # the script text is not a literal
    "script = r.register_script(load('x.lua'))\ndef hit(uid):\n    script(keys=[f'hits:{uid}'])\n",
    # fewer keys than the script reads, or keys that are not a list literal
    "script = r.register_script(EXPIRE_LUA)\ndef hit(uid):\n    script(keys=[])\n",
    "script = r.register_script(EXPIRE_LUA)\ndef hit(keys):\n    script(keys=keys)\n",
    # EVAL whose numkeys is not a literal
    "def hit(uid, n):\n    r.eval(EXPIRE_LUA, n, f'hits:{uid}')\n",
])
def test_no_effects_when_the_script_or_its_keys_are_unknown(code):
    assert effects(code) == []


def test_counter_expired_by_a_script_is_not_without_ttl():
    code = """
        script = r.register_script(EXPIRE_LUA)
        def hit(uid):
            return script(keys=[f"hits:{uid}"], args=[60])
        def bump(uid):
            r.incr(f"hits:{uid}")
    """
    assert S.lines(code, "RL103") == []
    assert S.lines(code.replace("EXPIRE_LUA", "'redis.call(\"INCR\", KEYS[1])'"), "RL103") == [6]


def test_queue_popped_by_a_script_is_not_a_working_set():
    # rq's rate limiter: `waiting` is popped (ZPOPMIN) by the script and pruned by ZREM in
    # Python — a queue whose backlog can grow; `held` is only pruned (ZREM) by the script — a
    # working set capped by the script's own logic.
    code = """
        ACQUIRE = "local j = redis.call('ZPOPMIN', KEYS[2])\\nredis.call('ZADD', KEYS[1], ARGV[1], j)"
        RELEASE = "redis.call('ZREM', KEYS[1], ARGV[1])"
        class Limiter:
            def __init__(self, conn: redis.Redis, key):
                self.conn = conn
                self.key = key
                self._acquire = conn.register_script(ACQUIRE)
                self._release = conn.register_script(RELEASE)
            def acquire(self, now):
                return self._acquire(keys=[f"rl:{self.key}:held", f"rl:{self.key}:waiting"], args=[now])
            def release(self, job_id):
                return self._release(keys=[f"rl:{self.key}:held"], args=[job_id])
            def cancel(self, job_id):
                self.conn.zrem(f"rl:{self.key}:waiting", job_id)
            def held(self):
                return self.conn.zrange(f"rl:{self.key}:held", 0, -1)
            def waiting(self):
                return self.conn.zrange(f"rl:{self.key}:waiting", 0, -1)
    """
    assert S.lines(code, "RL301") == [19]


def test_script_that_reads_then_removes_a_range_pops_it():
    # huey: due tasks are read and removed in one script; the schedule is a queue, not trimmed.
    script = """
        local res = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1])
        redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
        redis.call('zremrangebyrank', KEYS[2], 0, -100)
    """
    assert lua_key_commands(script) == (("zrangebyscore", 0), ("zpopmin", 0), ("zremrangebyrank", 1))


def test_collection_trimmed_by_a_script_is_bounded():
    code = """
        WINDOW = "redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])\\nredis.call('ZADD', KEYS[1], ARGV[2], ARGV[2])"
        window = r.register_script(WINDOW)
        def hit(uid, now):
            window(keys=[f"rate:{uid}"], args=[now - 60, now])
        def recent(uid):
            return r.zrange(f"rate:{uid}", 0, -1)
    """
    assert S.lines(code, "RL301") == []
    assert S.lines(code.replace("window(keys", "print(keys"), "RL301") == [7]


def test_script_built_by_adding_literal_parts():
    assert effects("""
        RELEASE = "redis.call('ZREM', KEYS[1], ARGV[1])\\n" + EXPIRE_LUA
        script = r.register_script(RELEASE)
        def hit(uid):
            script(keys=[f'hits:{uid}'])
    """) == [("zrem", "hits:{}"), ("incr", "hits:{}"), ("expire", "hits:{}")]


def test_lua_calls_with_their_arguments():
    from redislint.model import LuaCall
    from redislint.model.commands import lua_calls

    script = """
        -- redis.call('LRANGE', KEYS[9], 0, -1)
        local jobs = redis.call('ZRANGEBYSCORE', KEYS[2], "-inf", tonumber(ARGV[1]), 'LIMIT', 0, 10)
        redis.pcall('del', key)
        redis.call('SET', KEYS[1], 'a, b)', "it's")
        redis.call('ZRANGEBYSCORE', KEYS[1], 0, 1, unpack(opts))
        redis.call('ZRANGE', KEYS[1], 0, -1 - tonumber(ARGV[2]))
        redis.call(cmd, KEYS[1])
    """
    assert lua_calls(script) == (
        LuaCall("zrangebyscore", 1, ("-inf", "tonumber(ARGV[1])", "LIMIT", "0", "10")),
        LuaCall("delete", -1, ()),
        LuaCall("set", 0, ("a, b)", "it's")),
        LuaCall("zrangebyscore", 0, ("0", "1", "unpack(opts)"), spread=True),
        LuaCall("zrange", 0, ("0", "-1 - tonumber(ARGV[2])")),
    )


def test_a_trim_before_a_read_caps_the_key():
    # LTRIM to the last 100 and then LRANGE: a capped list, not a pop.
    script = """
        redis.call('LTRIM', KEYS[1], 0, 99)
        return redis.call('LRANGE', KEYS[1], 0, -1)
    """
    assert lua_key_commands(script) == (("ltrim", 0), ("lrange", 0))


def test_script_runs_record_the_keys_of_each_run():
    from redislint.model.commands import script_sha

    model = extract("snippet.py", H + textwrap.dedent("""
        script = r.register_script(EXPIRE_LUA)
        def hit(uid):
            script(keys=[f'hits:{uid}', "total"])
    """))
    ((sha, keys, site),) = model.literal_script_runs
    assert [k.text for k in keys] == ["hits:{}", "total"]
    assert sha == script_sha(model.calls[0].lua) and site is None
    model = extract("snippet.py", H + textwrap.dedent("""
        def hit(uid):
            r.eval(EXPIRE_LUA, 1, f'hits:{uid}')
    """))
    ((sha, keys, site),) = model.literal_script_runs
    assert [k.text for k in keys] == ["hits:{}"] and site == model.calls[0].span


@pytest.mark.parametrize("script, flagged", [
    ("redis.call('INCR', KEYS[1])\nredis.call('EXPIRE', KEYS[1], ARGV[1])\n", []),
    ("return redis.call('GET', KEYS[1])\n", [9]),
])
def test_script_read_from_a_file_counts_for_the_keys_its_runs_pass(tmp_path, script, flagged):
    # The index reads the file (model.scripts): its EXPIRE bounds `hits:{}` as a literal's would.
    from redislint.config import ConfigResolver
    from redislint.runner import lint_paths

    (tmp_path / "hit.lua").write_text(script)
    (tmp_path / "store.py").write_text(textwrap.dedent("""
        import os
        import redis
        r = redis.Redis()
        hit_script = r.register_script(open(os.path.join(os.path.dirname(__file__), "hit.lua")).read())
        def hit(uid):
            hit_script(keys=[f"hits:{uid}"], args=[60])
        def reset(uid):
            r.set(f"hits:{uid}", 0)
    """))
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL101",)}))
    assert [d.line for d in result.diagnostics] == flagged
