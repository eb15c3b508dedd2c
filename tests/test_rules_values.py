"""RL401 large-value: values that flow from a file, an HTTP body, a byte buffer, a data frame or a
result set, and literals over `max-value-bytes`."""
from __future__ import annotations


import pytest

from .helpers import Snippets, codes

H = """
import base64
import io
import json
import pickle
import zlib
from pathlib import Path

import httpx
import pandas as pd
import redis
import requests
from redis.asyncio import Redis as AsyncRedis

r = redis.Redis()
ar = AsyncRedis()
"""
S = Snippets(H, "RL401")
found, lines = S.found, S.lines



@pytest.mark.parametrize("body, words", [
    ('with open(path, "rb") as fh:\n        r.set(k, fh.read())', "file"),
    ('data = open(path).read()\n    r.set(k, data)', "file"),
    ("r.set(k, Path(path).read_bytes())", "file"),
    ('r.set(k, request.files["upload"].read())', "file"),
    ("resp = requests.get(url)\n    r.set(k, resp.content)", "HTTP"),
    ("r.set(k, requests.get(url).text)", "HTTP"),
    ("r.set(k, json.dumps(requests.get(url).json()))", "HTTP"),
    ("r.set(k, httpx.get(url).content)", "HTTP"),
    ("s = requests.Session()\n    r.set(k, s.get(url).content)", "HTTP"),
    ("buf = io.BytesIO()\n    r.set(k, buf.getvalue())", "buffer"),
    ("r.rpush(k, img.tobytes())", "buffer"),
    ("r.set(k, df.to_parquet())", "data frame"),
    ("r.set(k, df.to_json())", "data frame"),
    ("frame = pd.read_csv(path)\n    r.set(k, pickle.dumps(frame))", "data frame"),
    ("r.set(k, zlib.compress(pickle.dumps(pd.read_sql(q, conn))))", "data frame"),
    ("r.set(k, pickle.dumps(typed_df))", "data frame"),
    ("rows = cursor.fetchall()\n    r.set(k, json.dumps(rows))", "result set"),
    ("r.set(k, base64.b64encode(Path(path).read_bytes()))", "file"),
    ("r.setex(k, 60, Path(path).read_bytes())", "file"),
    ("r.hset(k, \"body\", requests.get(url).content)", "HTTP"),
    ('r.hset(k, mapping={"body": requests.get(url).content})', "HTTP"),
    ("r.mset({k: Path(path).read_bytes()})", "file"),
    ('r.xadd(k, {"frame": df.to_json()})', "data frame"),
    ("r.lpush(k, Path(path).read_text())", "file"),
    ("r.set(k, Path(path).read_text().encode())", "file"),
])
def test_rl401_flags_large_origins(body, words):
    (d,) = found("def f(k, path, url, df, img, request, cursor, q, conn, typed_df: pd.DataFrame):\n    " + body + "\n")
    assert words in d.message


def test_rl401_reported_on_the_value():
    (d,) = found("""
        def f(k, path):
            r.set(k, Path(path).read_bytes())
    """)
    assert d.span.start.column == len("    r.set(k, ")



def test_rl401_async_http_clients():
    assert lines("""
        async def f(k, url):
            async with httpx.AsyncClient() as client:
                resp = await client.get(url)
            await ar.set(k, resp.content)

        async def g(k, url, session_factory):
            import aiohttp
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as resp:
                    body = await resp.read()
            await ar.set(k, body)
    """) == [5, 12]


def test_rl401_http_session_on_self():
    assert lines("""
        class Fetcher:
            def __init__(self):
                self.http = requests.Session()

            def fetch(self, k, url):
                r.set(k, self.http.get(url).content)
    """) == [7]


def test_rl401_literal_over_the_limit():
    big = "x" * 20_000
    code = f"""
        BIG = "{big}"

        def f(k):
            r.set(k, "{big}")
            r.set(k, BIG)
    """
    diags = found(code)
    assert [d.line - H.count("\n") for d in diags] == [5, 6]
    assert "20,000-byte" in diags[0].message and "10,240" in diags[0].message
    assert found(code, max_value_bytes=30_000) == []
    assert len(found(code, max_value_bytes=1_000)) == 2


def test_rl401_literal_far_over_the_error_threshold():
    big = "y" * 150_000
    (d,) = found(f"""
        def f(k):
            r.set(k, "{big}")
    """)
    assert "far over" in d.message


@pytest.mark.parametrize("body", [
    'r.set(k, "small")',
    'r.set(k, b"\\x00" * 10)',
    "r.set(k, pickle.dumps(obj))",          # unknown origin: not flagged, by design
    "r.set(k, json.dumps(obj))",
    "r.set(k, upload.read())",              # not known to be a file
    "r.set(k, resp.content)",               # not known to be an HTTP response
    "r.set(k, session.get(url).content)",   # `session` could be anything
    "r.set(k, zlib.compress(obj))",
    "r.get(Path(path).read_text())",        # a read, not a write
    "r.delete(Path(path).read_text())",
    "r.set(Path(path).read_text(), 1)",     # the key, not the value
    "cache.set(k, Path(path).read_bytes())",  # not Redis
    'd = {}\n    d["x"] = Path(path).read_bytes()',
])
def test_rl401_not_flagged(body):
    assert lines("def f(k, obj, upload, resp, session, url, path, cache):\n    " + body + "\n") == []


def test_rl401_origin_must_flow_within_the_function():
    assert lines("""
        def load(path):
            return Path(path).read_bytes()

        def f(k, data):
            r.set(k, data)
    """) == []


def test_rl401_needs_a_redis_receiver():
    assert codes("""
        import redis
        from pathlib import Path
        def f(client, k, path):
            client.set(k, Path(path).read_bytes())
    """) == []


def test_rl401_raw_set():
    assert lines("""
        def f(k, path):
            r.execute_command("SET", k, Path(path).read_bytes())
            r.execute_command("SET", Path(path).read_text(), 1)
    """) == [3]


# --- RL402 pickle-from-redis -----------------------------------------------------------------

RL402 = Snippets("""
import pickle
import dill
import cloudpickle
import redis
from redis.asyncio import Redis as AsyncRedis
r = redis.Redis()
ar = AsyncRedis()
""", "RL402")


def test_rl402_flags_loads_of_redis_replies():
    assert RL402.lines("""
        async def f(k):
            pickle.loads(r.get(k))
            data = r.hget(k, "f")
            pickle.loads(data)
            dill.loads(await ar.get(k))
            cloudpickle.loads(r.lindex(k, 0))
            p = r.pipeline()
    """) == [3, 5, 6, 7]


def test_rl402_does_not_flag():
    assert RL402.lines("""
        import json
        def f(k, blob, cache: dict):
            json.loads(r.get(k))
            pickle.loads(blob)
            pickle.loads(cache.get(k))
            pickle.dumps(r.get(k))
            with open(k, "rb") as fh:
                pickle.load(fh)
    """) == []


def test_rl402_not_in_test_code():
    from redislint import lint_source
    from redislint.settings import Settings

    code = "import pickle, redis\nr = redis.Redis()\ndef f(k):\n    return pickle.loads(r.get(k))\n"
    assert [d.code for d in lint_source(code, "tests/test_x.py", Settings(select=("RL402",)))] == []
    assert [d.code for d in lint_source(code, "app.py", Settings(select=("RL402",)))] == ["RL402"]
