"""RL201–RL203: KEYS, FLUSHALL/FLUSHDB and administrative commands, in every form, with fixes."""
from __future__ import annotations

import os
import textwrap

import pytest

from redislint.diagnostics import Applicability
from redislint.model.commands import lua_commands

from .helpers import Snippets, codes

H = """
import redis
from redis.asyncio import Redis as AsyncRedis
from redis.cluster import RedisCluster
r = redis.Redis()
ar = AsyncRedis()
rc = RedisCluster(host="h")
"""
S = Snippets(H)
found, lines, fixed = S.found, S.lines, S.fixed



# --- RL201 keys-command ----------------------------------------------------------------------

def test_rl201_every_form():
    assert lines("""
        async def f(uid):
            r.keys()
            r.keys("user:*")
            r.keys(pattern=f"session:{uid}:*")
            await ar.keys("x:*")
            rc.keys("x:*")
            p = r.pipeline()
            p.keys("x:*")
            r.execute_command("KEYS", "*")
            r.execute_command("keys *")
            r.execute_command("KEYS")
    """, "RL201") == [3, 4, 5, 6, 7, 9, 10, 11, 12]


def test_rl201_not_for_lookalikes():
    assert lines("""
        def f(cache, headers):
            d = {}
            d.keys()
            {"a": 1}.keys()
            headers.keys()
            cache.keys("x:*")
            values = r.hgetall("h")
            values.keys()
            r.hkeys("h")
            r.scan_iter(match="x:*")
    """, "RL201") == []


def test_rl201_lua_scripts():
    assert lines("""
        SCRIPT = '''
        local keys = redis.call('KEYS', ARGV[1])
        return #keys
        '''
        def f():
            r.eval("return redis.call('KEYS', ARGV[1])", 0, "x:*")
            r.eval(SCRIPT, 0, "x:*")
            r.register_script("return redis.pcall(\\"keys\\", ARGV[1])")
            r.eval("return redis.call('GET', KEYS[1])", 1, "k")
            r.eval("-- redis.call('KEYS', '*')\\nreturn redis.call('GET', KEYS[1])", 1, "k")
            r.eval(script_from_somewhere, 0)
    """, "RL201") == [7, 8, 9]


def test_rl201_lua_form_has_no_fix():
    (d,) = found("""
        def f():
            r.eval("return redis.call('KEYS', ARGV[1])", 0, "x:*")
    """, "RL201")
    assert d.fix is None
    assert "Lua" in d.message


@pytest.mark.parametrize("script, commands", [
    ("return redis.call('KEYS', KEYS[1])", ("keys",)),
    ("redis.call( 'set' , KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 60)", ("set", "expire")),
    ('redis.pcall("FLUSHALL")', ("flushall",)),
    ("redis.call('CONFIG', 'SET', 'x', 'y')", ("config_set",)),
    ("return KEYS[1]", ()),
    ("--[[ redis.call('KEYS', '*') ]] return 1", ()),
    ("local t = redis.call(cmd, KEYS[1])", ()),
])
def test_lua_commands(script, commands):
    assert lua_commands(script) == commands


def test_rl201_existence_check_message():
    (d,) = found("""
        def f():
            if r.keys("maintenance"):
                pass
    """, "RL201")
    assert "exists" in d.message


def test_rl201_fixes():
    code = """
        async def f(uid):
            found = r.keys("x:*")
            for k in r.keys("y:*"):
                print(k)
            names = [k for k in r.keys("z:*")]
            n = len(r.keys())
            got = await ar.keys("a:*")
            if r.keys("maintenance"):
                pass
            if await ar.keys("flag"):
                pass
            return rc.keys(f"user:{uid}:*")
    """
    diags = found(code, "RL201")
    assert len(diags) == 8
    assert all(d.fix is not None and d.fix.applicability is Applicability.UNSAFE for d in diags)
    scan_titles = [d.fix.message for d in diags if "scan_iter" in d.fix.message]
    assert scan_titles and all("more than once" in t and "snapshot" in t for t in scan_titles)
    assert fixed(code, "RL201") == textwrap.dedent("""
        async def f(uid):
            found = list(r.scan_iter(match="x:*", count=1000))
            for k in r.scan_iter(match="y:*", count=1000):
                print(k)
            names = [k for k in r.scan_iter(match="z:*", count=1000)]
            n = len(list(r.scan_iter(count=1000)))
            got = [k async for k in ar.scan_iter(match="a:*", count=1000)]
            if r.exists("maintenance"):
                pass
            if await ar.exists("flag"):
                pass
            return list(rc.scan_iter(match=f"user:{uid}:*", count=1000))
    """)


def test_rl201_glob_pattern_as_truth_value_is_not_an_existence_check():
    out = fixed("""
        def f():
            if r.keys("user:*"):
                pass
    """, "RL201")
    assert 'if list(r.scan_iter(match="user:*", count=1000)):' in out


@pytest.mark.parametrize("call", [
    'r.execute_command("KEYS", "*")',
    'p.keys("x:*")',
    'r.keys(*args)',
    'ar.keys("x:*")',   # not awaited: an asyncio client's result is a coroutine
])
def test_rl201_no_fix(call):
    (d,) = found(f"""
        def f(args):
            p = r.pipeline()
            x = {call}
    """, "RL201")
    assert d.fix is None


def test_rl201_lua_script_in_a_class_attribute():
    assert lines("""
        class Store:
            CLEAR = "return redis.call('KEYS', ARGV[1])"
            GET = "return redis.call('GET', KEYS[1])"
            def __init__(self):
                self.r = redis.Redis()
            def reset(self):
                self.r.eval(self.CLEAR, 0, "x:*")
                self.r.eval(Store.CLEAR, 0, "x:*")
                self.r.eval(self.GET, 1, "x")
    """, "RL201") == [8, 9]


def test_rl201_runs_of_a_registered_script():
    # The server runs the script's KEYS where the script object is called, as well as where
    # it is registered (redis-py: `script(keys, args)`; coredis: `script.execute(keys, args)`).
    assert lines("""
        CLEAR = "return redis.call('KEYS', ARGV[1])"
        GET = "return redis.call('GET', KEYS[1])"
        clear = r.register_script(CLEAR)
        get = r.register_script(GET)
        other = object()
        class Store:
            def __init__(self):
                self.clear = r.register_script(CLEAR)
            async def reset(self, prefix):
                self.clear(args=[prefix + "*"])
                await self.clear.execute(args=[prefix + "*"])
        def f():
            clear(args=["x:*"])
            get(keys=["x"])
            other(args=["x:*"])
    """, "RL201") == [4, 9, 11, 12, 14]


# --- RL201: scripts read from files shipped with the code ----------------------------------------

KEYS_LUA = "local keys = redis.call('keys', KEYS[1])\nfor i=1,#keys do redis.call('del', keys[i]) end\n"
GET_LUA = "return redis.call('GET', KEYS[1])\n"


def _project(tmp_path, files, select=("RL201",)):
    from redislint.config import ConfigResolver
    from redislint.runner import lint_paths

    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if name.endswith(".lua") else textwrap.dedent(text))
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"select": select}))
    return sorted((d.path.replace(str(tmp_path) + "/", ""), d.line, d.code) for d in result.diagnostics)


@pytest.mark.parametrize("read", [
    'open(os.path.join(os.path.dirname(__file__), "lua", "clear.lua")).read()',
    'open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lua/clear.lua"), "rb").read().decode()',
    '(Path(__file__).parent / "lua" / "clear.lua").read_text()',
    'Path(__file__).resolve().parent.joinpath("lua", "clear.lua").read_bytes()',
    'Path(__file__).with_name("lua").joinpath("clear.lua").read_text(encoding="utf-8")',
    'pkgutil.get_data(__name__, "lua/clear.lua")',
    'pkgutil.get_data("app", "lua/clear.lua")',
    'importlib.resources.files("app").joinpath("lua/clear.lua").read_bytes()',
    '(importlib.resources.files(__package__) / f"{LUA_DIR}/clear.lua").read_text()',
    'importlib.resources.read_text("app", "lua/clear.lua")',
    'importlib.resources.files("app.lua").joinpath("clear.lua").read_text()',
    'HERE.joinpath("lua", "clear.lua").read_text()',
    'load("clear")',
    'Loader().load("lua/clear.lua")',
    'read_file(os.path.join(os.path.dirname(__file__), "lua", "clear.lua"))',
])
def test_rl201_script_read_from_a_file_next_to_the_module(tmp_path, read):
    found = _project(tmp_path, {
        "app/__init__.py": "",
        "app/lua/clear.lua": KEYS_LUA,
        "app/store.py": f"""
            import importlib.resources
            import os
            import pkgutil
            from pathlib import Path
            import redis
            LUA_DIR = "lua"
            HERE = Path(__file__).parent
            r = redis.Redis()
            def load(name):
                return pkgutil.get_data(__name__, "lua/%s.lua" % name).decode()
            class Loader:
                def load(self, path):
                    with open(os.path.join(os.path.dirname(__file__), path)) as f:
                        return f.read()
            def read_file(path):
                with open(path) as f:
                    return f.read()
            CLEAR = {read}
            def reset():
                r.eval(CLEAR, 1, "cache:*")
        """,
    })
    assert found == [("app/store.py", 21, "RL201")]


def test_rl201_script_file_read_in_a_with_block_and_registered(tmp_path):
    found = _project(tmp_path, {
        "app/clear.lua": KEYS_LUA,
        "app/get.lua": GET_LUA,
        "app/store.py": """
            import os
            import redis
            r = redis.Redis()
            with open(os.path.join(os.path.dirname(__file__), "clear.lua")) as f:
                CLEAR = f.read()
            with open(os.path.join(os.path.dirname(__file__), "get.lua")) as g:
                GET = g.read()
            clear = r.register_script(CLEAR)
            get = r.register_script(GET)
            def reset():
                clear(keys=["cache:*"])
                return get(keys=["cache:x"])
        """,
    })
    assert found == [("app/store.py", 9, "RL201"), ("app/store.py", 12, "RL201")]


def test_rl201_script_loaded_by_a_helper_of_another_module(tmp_path):
    # limits: `SCRIPT_CLEAR_KEYS = get_package_data(f"{RES_DIR}/clear_keys.lua")` in a class
    # body, the helper in a module that never names redis, the script registered on a client
    # the class casts, and run as `self.lua_clear_keys([prefix])`; the async twin reads the
    # script from its base class in a third module and runs it with coredis' `execute()`.
    found = _project(tmp_path, {
        "limits/__init__.py": "",
        "limits/resources/lua/clear_keys.lua": KEYS_LUA,
        "limits/resources/lua/incr.lua": "redis.call('INCR', KEYS[1])\nredis.call('EXPIRE', KEYS[1], ARGV[1])\n",
        "limits/util.py": """
            import importlib.resources
            def get_package_data(path: str) -> bytes:
                return importlib.resources.files("limits").joinpath(path).read_bytes()
        """,
        "limits/storage.py": """
            from typing import cast
            import redis
            from .util import get_package_data
            class RedisStorage:
                RES_DIR = "resources/lua"
                SCRIPT_CLEAR_KEYS = get_package_data(f"{RES_DIR}/clear_keys.lua")
                SCRIPT_INCR = get_package_data(f"{RES_DIR}/incr.lua")
                def __init__(self, uri):
                    self.storage = redis.Redis.from_url(uri)
                    self.lua_clear_keys = self.get_connection().register_script(self.SCRIPT_CLEAR_KEYS)
                    self.lua_incr = self.get_connection().register_script(self.SCRIPT_INCR)
                def get_connection(self):
                    return cast("RedisClient", self.storage)
                def incr(self, key):
                    return self.lua_incr([key], [60])
                def reset(self, prefix):
                    return self.lua_clear_keys([prefix + "*"])
        """,
        "limits/aio/bridge.py": """
            from limits.util import get_package_data
            class RedisBridge:
                SCRIPT_CLEAR_KEYS = get_package_data("resources/lua/clear_keys.lua")
        """,
        "limits/aio/coredis.py": """
            from redis.asyncio import Redis
            from limits.aio.bridge import RedisBridge
            class CoredisBridge(RedisBridge):
                def __init__(self):
                    self.storage = Redis()
                    self.lua_clear_keys = self.storage.register_script(self.SCRIPT_CLEAR_KEYS)
                async def lua_reset(self, prefix):
                    return await self.lua_clear_keys.execute([prefix + "*"])
        """,
    })
    assert found == [("limits/aio/coredis.py", 7, "RL201"), ("limits/aio/coredis.py", 9, "RL201"),
                     ("limits/storage.py", 11, "RL201"), ("limits/storage.py", 18, "RL201")]


def test_rl201_script_imported_from_another_module(tmp_path):
    found = _project(tmp_path, {
        "app/__init__.py": "from .scripts import CLEAR as CLEAR_SCRIPT\n",
        "app/scripts.py": """
            CLEAR = "local keys = redis.call('KEYS', ARGV[1]) return #keys"
            GET = "return redis.call('GET', KEYS[1])"
            NOT_A_SCRIPT = "KEYS"
        """,
        "app/store.py": """
            import redis
            from app import scripts
            from app.scripts import CLEAR, GET, NOT_A_SCRIPT
            from app import CLEAR_SCRIPT
            r = redis.Redis()
            def reset():
                r.eval(CLEAR, 0, "x:*")
                r.eval(scripts.CLEAR, 0, "x:*")
                r.eval(CLEAR_SCRIPT, 0, "x:*")
                r.eval(GET, 1, "x")
                r.eval(NOT_A_SCRIPT, 0)
        """,
    })
    assert found == [("app/store.py", 8, "RL201"), ("app/store.py", 9, "RL201"), ("app/store.py", 10, "RL201")]


@pytest.mark.parametrize("files, read", [
    ({}, 'open(os.path.join(os.path.dirname(__file__), "missing.lua")).read()'),
    ({"app/clear.lua/x": ""}, 'open(os.path.join(os.path.dirname(__file__), "clear.lua")).read()'),
    ({"app/clear.lua": "-- " + "x" * (600 * 1024) + "\nredis.call('KEYS', '*')"},
     'open(os.path.join(os.path.dirname(__file__), "clear.lua")).read()'),
    ({"clear.lua": KEYS_LUA}, 'open("clear.lua").read()'),  # relative to the working directory
    ({"clear.lua": KEYS_LUA}, 'read_file("clear.lua")'),
    ({"clear.lua": KEYS_LUA}, 'open(os.path.abspath("clear.lua")).read()'),
    ({"app/clear.lua": KEYS_LUA}, 'open(os.path.join(os.path.dirname(__file__), "/app/clear.lua")).read()'),
    ({"app/clear.lua": KEYS_LUA}, 'open(os.path.join(os.path.dirname(__file__), "clear.lua"), "r+").read()'),
    ({"app/clear.lua": KEYS_LUA}, 'open(os.path.join(os.path.dirname(__file__), NAME)).read()'),
    ({"app/clear.lua": KEYS_LUA}, 'load(NAME)'),
    ({"app/clear.lua": b"\xff\xfe".decode("latin-1") + GET_LUA}, 'load("clear.lua")'),
])
def test_rl201_script_files_that_cannot_be_read_or_do_not_call_keys(tmp_path, files, read):
    found = _project(tmp_path, dict(files, **{
        "app/store.py": f"""
            import os
            import sys
            import redis
            r = redis.Redis()
            NAME = sys.argv[1]
            def load(name):
                with open(os.path.join(os.path.dirname(__file__), name)) as f:
                    return f.read()
            def read_file(path):
                return open(path).read()
            def reset():
                r.eval({read}, 1, "x:*")
        """,
    }))
    assert found == []


def test_rl201_script_file_is_read_again_when_only_it_changes(tmp_path):
    from redislint.cache import ModelCache
    from redislint.config import ConfigResolver
    from redislint.runner import lint_paths

    (tmp_path / "clear.lua").write_text(GET_LUA)
    (tmp_path / "store.py").write_text(textwrap.dedent("""
        import os
        import redis
        r = redis.Redis()
        CLEAR = open(os.path.join(os.path.dirname(__file__), "clear.lua")).read()
        def reset():
            r.eval(CLEAR, 1, "x:*")
    """))

    def run():
        resolver = ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL201",)})
        result = lint_paths([str(tmp_path)], resolver, cache=ModelCache(str(tmp_path / ".cache")))
        return [d.line for d in result.diagnostics]

    assert run() == []
    (tmp_path / "clear.lua").write_text(KEYS_LUA)
    assert run() == [7]


def test_read_script_file(tmp_path):
    from redislint.scripts import MAX_SCRIPT_BYTES, read_script_file

    (tmp_path / "ok.lua").write_bytes(b"return redis.call('GET', KEYS[1]) -- \xff")
    (tmp_path / "big.lua").write_bytes(b"x" * (MAX_SCRIPT_BYTES + 1))
    os.mkfifo(tmp_path / "fifo.lua")
    assert read_script_file(str(tmp_path / "ok.lua")).startswith("return redis.call('GET'")
    assert read_script_file(str(tmp_path / "big.lua")) is None
    assert read_script_file(str(tmp_path / "fifo.lua")) is None  # never blocks on a reader
    assert read_script_file(str(tmp_path)) is None
    assert read_script_file(str(tmp_path / "missing.lua")) is None


# --- RL202 flush-command ---------------------------------------------------------------------

def test_rl202_every_form():
    assert lines("""
        async def f():
            r.flushdb()
            r.flushall()
            r.flushall(asynchronous=True)
            await ar.flushdb()
            rc.flushall()
            r.pipeline().flushdb().execute()
            r.execute_command("FLUSHALL")
            r.execute_command("flushdb", "ASYNC")
            r.eval("redis.call('FLUSHDB')", 0)
    """, "RL202") == [3, 4, 5, 6, 7, 8, 9, 10, 11]


def test_pytest_fixtures_are_test_code_wherever_they_live():
    # A pytest plugin's fixture flushes its throwaway database after each test, on purpose.
    code = """
        import pytest
        import pytest_asyncio

        def redis_factory(host):
            @pytest.fixture(scope="function")
            def redisdb():
                client = redis.Redis(host)
                yield client
                client.flushall()
            return redisdb

        @pytest_asyncio.fixture
        async def aredisdb():
            yield ar
            await ar.flushdb()

        def reset():
            r.flushall()
    """
    assert lines(code, "RL202") == [19]  # only `reset()`


def test_rl202_message_says_what_is_deleted_and_has_no_fix():
    diags = found("""
        def f():
            r.flushdb()
            r.flushall()
    """, "RL202")
    assert "database" in diags[0].message and "server" in diags[1].message
    assert all(d.fix is None for d in diags)


def test_rl202_not_for_lookalikes():
    assert lines("""
        import sys
        def f(cache, fh):
            sys.stdout.flush()
            fh.flush()
            cache.flushdb()
            r.delete("cache:1")
    """, "RL202") == []


# --- RL203 dangerous-command -----------------------------------------------------------------

@pytest.mark.parametrize("call", [
    "r.save()", "r.monitor()", 'r.config_set("maxmemory", "1gb")', "r.config_rewrite()",
    "r.shutdown()", 'r.slaveof("h", 6379)', 'r.replicaof("h", 6379)', "r.swapdb(0, 1)",
    "r.client_pause(1000)", 'r.client_kill("1.2.3.4:5")', "r.script_flush()", "r.function_flush()",
    'r.debug_object("k")', "r.debug_segfault()",
    'r.execute_command("CONFIG", "SET", "maxmemory", "1gb")', 'r.execute_command("CONFIG SET", "a", "b")',
    'r.execute_command("DEBUG", "SLEEP", 0)', 'r.execute_command("SHUTDOWN")', 'r.execute_command("SAVE")',
    "await ar.save()", "rc.save()",
])
def test_rl203_flags(call):
    assert lines(f"""
        async def f():
            {call}
    """, "RL203") == [3]


@pytest.mark.parametrize("call", [
    "r.bgsave()", "r.bgrewriteaof()", 'r.config_get("maxmemory")', "r.info()", "r.dbsize()",
    "r.ping()", "r.lastsave()", "r.client_list()", 'r.execute_command("CONFIG", "GET", "x")',
    "fh.save()", "model.save()", "r.client_setname('worker')",
])
def test_rl203_not_flagged(call):
    assert lines(f"""
        def f(fh, model):
            {call}
    """, "RL203") == []


def test_rl203_save_fix_is_bgsave():
    code = """
        async def f():
            r.save()
            await ar.save()
            r.execute_command("SAVE")
            r.monitor()
    """
    diags = found(code, "RL203")
    assert [d.fix is not None for d in diags] == [True, True, False, False]
    assert diags[0].fix.applicability is Applicability.UNSAFE
    out = fixed(code, "RL203")
    assert "r.bgsave()" in out and "await ar.bgsave()" in out
    assert 'r.execute_command("SAVE")' in out


def test_commands_rules_need_a_redis_receiver():
    assert codes("""
        import redis
        def f(conn, obj):
            conn.keys()
            conn.flushall()
            obj.save()
            obj.shutdown()
            obj.config_set("a", "b")
    """) == []


# --- RL204 delete-large-key ------------------------------------------------------------------

RL204 = Snippets(H, "RL204")


@pytest.mark.parametrize("write", [
    'r.hset(f"c:{uid}", item, 1)',
    'r.hincrby(f"c:{uid}", item, 1)',
    'r.hset(f"c:{uid}", mapping=data)',
    'r.rpush(f"c:{uid}", item)',
    'r.lpush(f"c:{uid}", item)',
    'r.lmove("inbox", f"c:{uid}")',
    'r.sadd(f"c:{uid}", item)',
    'r.sunionstore(f"c:{uid}", ["a", "b"])',
    'r.zadd(f"c:{uid}", {item: 1})',
    'r.geoadd(f"c:{uid}", [1.0, 2.0, item])',
    'r.xadd(f"c:{uid}", {"a": item})',
])
def test_rl204_flags_delete_of_a_collection(write):
    assert RL204.lines(f"""
        def write(uid, item, data):
            {write}
        def drop(uid):
            r.delete(f"c:{{uid}}")
    """) == [5]


def test_rl204_every_receiver_and_several_keys():
    assert RL204.lines("""
        async def f(uid, item):
            r.sadd(f"s:{uid}", item)
            r.delete(f"t:{uid}", f"s:{uid}")
            await ar.delete(f"s:{uid}")
            rc.delete(f"s:{uid}")
            with r.pipeline() as p:
                p.delete(f"s:{uid}")
    """) == [4, 5, 6, 8]


def test_rl204_keyspace_is_project_wide(tmp_path):
    from redislint.config import ConfigResolver
    from redislint.runner import lint_paths

    (tmp_path / "writes.py").write_text(
        "import redis\nr = redis.Redis()\ndef add(uid, x):\n    r.rpush(f'log:{uid}', x)\n")
    (tmp_path / "cleanup.py").write_text(
        "import redis\nr = redis.Redis()\ndef drop(uid):\n    r.delete(f'log:{uid}')\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL204",)}))
    assert [(d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics] == [("cleanup.py", 4)]


def test_rl204_does_not_flag():
    assert RL204.lines("""
        def f(uid, key, item, name, email):
            r.set(f"token:{uid}", item, ex=5)
            r.incr(f"hits:{uid}")
            r.hset(f"profile:{uid}", mapping={"name": name, "email": email})
            r.sadd(f"flags:{uid}", "admin", "beta")
            r.delete(f"token:{uid}")
            r.delete(f"hits:{uid}")
            r.delete(f"profile:{uid}")
            r.delete(f"flags:{uid}")
            r.delete(key)
            r.delete(f"never-written:{uid}")
            r.sadd(f"s:{uid}", item)
            r.unlink(f"s:{uid}")
            r.getdel(f"s:{uid}")
            r.execute_command("DEL", f"s:{uid}")
    """) == []


def test_rl204_unknown_key_expressions_only_within_a_function():
    assert RL204.lines("""
        def add(job):
            k = job.key()
            r.rpush(k, 1)
            r.delete(k)
        def other(job):
            k = job.key()
            r.delete(k)
    """) == [5]


def test_rl204_not_on_other_receivers():
    assert RL204.lines("""
        def f(uid, item, cache: dict):
            r.sadd(f"s:{uid}", item)
            cache.delete(f"s:{uid}")
    """) == []


def test_rl204_fix_renames_only_the_method():
    (d,) = RL204.found("""
        def f(uid, item):
            r.sadd(f"s:{uid}", item)
            r.delete(f"s:{uid}")
    """)
    assert d.fix.applicability is Applicability.SAFE
    assert fixed("""
        async def f(uid, item, keys):
            r.sadd(f"s:{uid}", item)
            n = r.delete(f"s:{uid}")
            await ar.delete(f"s:{uid}", *keys)
    """, "RL204") == textwrap.dedent("""
        async def f(uid, item, keys):
            r.sadd(f"s:{uid}", item)
            n = r.unlink(f"s:{uid}")
            await ar.unlink(f"s:{uid}", *keys)
    """)


@pytest.mark.parametrize("version,fixable", [(None, True), ("3.0", True), ("5.0.1", True), ("2.10.6", False)])
def test_rl204_fix_only_where_redis_py_has_unlink(version, fixable):
    settings = {"redis_py_version": version} if version else {}
    (d,) = RL204.found("""
        def f(uid, item):
            r.sadd(f"s:{uid}", item)
            r.delete(f"s:{uid}")
    """, **settings)
    assert (d.fix is not None) is fixable


@pytest.mark.parametrize("client, version, fixable", [
    ("RedisCluster(host='h', socket_timeout=5)", None, False),  # version unknown: maybe before 4.5
    ("RedisCluster(host='h', socket_timeout=5)", "4.4.4", False),
    ("RedisCluster(host='h', socket_timeout=5)", "4.5.0", True),
    ("redis.Redis(socket_timeout=5)", None, True),  # a plain pipeline has had unlink since 3.0
])
def test_rl204_cluster_pipeline_fix_needs_redis_py_4_5(client, version, fixable):
    settings = {"redis_py_version": version} if version else {}
    (d,) = RL204.found(f"""
        pc = {client}

        def f(uid, item):
            r.sadd(f"s:{{uid}}", item)
            with pc.pipeline() as p:
                p.delete(f"s:{{uid}}")
    """, **settings)
    assert (d.fix is not None) is fixable


# --- RL205 blocking-wait-exceeds-timeout ------------------------------------------------------

B = Snippets("""
import redis
import redis.asyncio as aredis
r = redis.Redis(socket_timeout=5)
plain = redis.Redis()
ar = aredis.Redis(socket_timeout=5)
u = redis.from_url("redis://h/0?socket_timeout=2")
""", "RL205")


@pytest.mark.parametrize("call", [
    'plain.blpop(["q"])',  # the default timeout is 0
    'plain.blpop(["q"], 0)',
    'plain.brpop("q", timeout=0)',
    'plain.blpop("q", timeout=None)',
    'plain.brpoplpush("a", "b")',
    'plain.bzpopmin("z", 0)',
    'plain.bzpopmax("z", timeout=0)',
    'plain.blmove("a", "b", 0)',
    'plain.blmpop(0, 1, "q", direction="LEFT")',
    'plain.bzmpop(0, 1, ["z"], min=True)',
    'plain.xread({"s": "$"}, block=0)',
    'plain.xreadgroup("g", "c", {"s": ">"}, block=0)',
    'plain.pipeline().blpop("q", 0)',
])
def test_rl205_flags_waits_that_never_end(call):
    assert B.lines(f"def f():\n    {call}\n") == [2]


@pytest.mark.parametrize("call", [
    'r.blpop("q", timeout=30)',  # 30 s > 5 s
    'r.brpop("q", 6)',
    'r.xread({"s": "$"}, block=10000)',  # block is in milliseconds
    'r.xreadgroup("g", "c", {"s": ">"}, count=10, block=5001)',
    'u.blmove("a", "b", 3)',  # socket_timeout from the URL
    'r.blpop("q", 0)',  # forever, cut short by the socket timeout
])
def test_rl205_flags_waits_longer_than_the_socket_timeout(call):
    (d,) = B.found(f"def f():\n    {call}\n")
    assert "socket timeout" in d.message


def test_rl205_async_and_self_clients():
    assert B.lines("""
        async def f():
            await ar.blpop("q", timeout=60)

        class Worker:
            def __init__(self):
                self.redis = redis.Redis(socket_timeout=1)

            def run(self):
                self.redis.brpop("jobs", timeout=2)
    """) == [3, 10]


@pytest.mark.parametrize("call", [
    'r.blpop("q", timeout=1)',
    'r.blpop("q", timeout=5)',  # not longer than the socket timeout
    'r.xread({"s": "$"}, block=4000)',
    'r.xread({"s": "$"})',  # no block: does not block
    'r.xread({"s": "$"}, block=None)',
    'r.xreadgroup("g", "c", {"s": ">"}, count=10)',
    'plain.blpop("q", timeout=30)',  # no socket timeout known (redis-py version unknown)
    'plain.blpop("q", timeout=wait)',  # not a literal
    'r.blpop("q", timeout=wait)',
    'r.lpop("q")',
    'other.blpop("q", 0)',  # not a client
    'plain.blpop(*args)',
])
def test_rl205_does_not_flag(call):
    assert B.lines(f"def f(wait, other, args):\n    {call}\n") == []


def test_rl205_uses_redis_py_8_default_only_when_the_version_is_known():
    code = 'def f():\n    plain.blpop("q", timeout=30)\n'
    assert B.lines(code) == []
    assert B.lines(code, redis_py_version="7.4") == []
    (d,) = B.found(code, redis_py_version="8.0")
    assert "socket timeout is 5 s" in d.message


def test_rl205_unknown_client_construction_uses_no_timeout():
    assert B.lines("""
        import os
        e = redis.from_url(os.environ["URL"])
        p = redis.Redis(connection_pool=redis.ConnectionPool(socket_timeout=1))

        def f():
            e.blpop("q", timeout=30)
            p.blpop("q", timeout=30)
    """, redis_py_version="8.0") == []
