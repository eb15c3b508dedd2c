"""Fix invariants for every fixable rule: the fix converges, the output re-parses, a second
`--fix` changes nothing, unsafe fixes need --unsafe-fixes, and --diff writes nothing."""
from __future__ import annotations

import os
import stat
import textwrap

import libcst as cst
import pytest
from click.testing import CliRunner

from redislint.cli import cli

CASES = {
    "RL002": ("safe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def remember(uid, value):
            r.set(f"name:{uid}", value, ex=60)  # noqa: RL101
            r.set(f"other:{uid}", value, ex=60)  # noqa: E501, RL101 -- legacy
            r.set(f"third:{uid}", value, ex=60)  # type: ignore  # noqa: RL101, RL104
        # noqa: RL101
        """),
    "RL104": ("safe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def remember(uid, value):
            r.set(f"name:{uid}", value)
            r.expire(f"name:{uid}", 60)
            r.set(f"other:{uid}", value)
            r.pexpire(f"other:{uid}", 1500)
        """),
    "RL107": ("safe", """\
        from datetime import timedelta

        import redis

        r = redis.Redis(socket_timeout=5)


        def start(uid):
            r.setex(f"login:{uid}", "pending", 900)
            r.psetex(f"signup:{uid}", b"pending", timedelta(minutes=5))
        """),
    "RL204": ("safe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def follow(uid, other):
            r.sadd(f"followers:{uid}", other)


        def forget(uid):
            r.delete(f"followers:{uid}")
        """),
    "RL201": ("unsafe", """\
        import redis
        import redis.asyncio as aioredis

        r = redis.Redis(socket_timeout=5)
        ar = aioredis.Redis(socket_timeout=5)


        def names():
            for k in r.keys("user:*"):
                print(k)
            everything = r.keys()
            if r.keys("exact-key"):
                return everything


        async def anames():
            return await ar.keys("user:*")
        """),
    "RL203": ("unsafe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def snapshot():
            r.save()
        """),
    "RL302": ("unsafe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def followers(uid):
            return r.smembers(f"followers:{uid}")
        """),
    "RL106": ("unsafe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def refresh(sid, data):
            r.set(f"session:{sid}", data, ex=3600)
            r.set(f"session:{sid}", data)
        """),
    "RL101": ("unsafe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def remember(uid, value):
            r.set(f"name:{uid}", value)
        """),
    "RL105": ("unsafe", """\
        import redis

        r = redis.Redis(socket_timeout=5)


        def claim(job_id):
            if r.setnx(f"lock:{job_id}", 1):
                return True
            return False
        """),
    "RL601": ("unsafe", """\
        import redis
        from redis.asyncio import RedisCluster

        r = redis.Redis(host="cache", port=6379)
        pool = redis.ConnectionPool.from_url("redis://cache/0")
        local = redis.Redis(unix_socket_path="/run/redis.sock")
        cluster = RedisCluster(host="cache")
        """),
}

# Files written next to a case: the project's redis-py version for version-dependent rules.
PROJECT_FILES = {"RL106": {"requirements.txt": "redis==5.0.1\n"}, "RL601": {"requirements.txt": "redis==7.4.0\n"},
                 # RL101/RL105 fixes need the TTL to add.
                 "RL101": {"redislint.toml": "default-ttl = 3600\n"}, "RL105": {"redislint.toml": "default-ttl = 60\n"}}


# The codes each case runs with (RL002 judges only the codes of rules that ran).
SELECT = {"RL002": "RL002,RL1"}


def select(code):
    return SELECT.get(code, code)


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _write(tmp_path, code, source, newline="\n"):
    for name, text in PROJECT_FILES.get(code, {}).items():
        (tmp_path / name).write_text(text)
    path = tmp_path / f"{code}.py"
    path.write_bytes(textwrap.dedent(source).replace("\n", newline).encode("utf-8"))
    return path


@pytest.mark.parametrize("code", sorted(CASES))
def test_fix_reparses_and_is_idempotent(tmp_path, code):
    safety, source = CASES[code]
    path = _write(tmp_path, code, source)
    result = run("--select", select(code), "--fix", "--unsafe-fixes", str(path))
    fixed = path.read_text()
    assert fixed != textwrap.dedent(source)
    cst.parse_module(fixed)  # re-parses
    assert code not in run("--select", select(code), "--unsafe-fixes", str(path)).output or code == "RL201"
    # A second --fix changes nothing.
    run("--select", select(code), "--fix", "--unsafe-fixes", str(path))
    assert path.read_text() == fixed
    assert result.exit_code in (0, 1)


@pytest.mark.parametrize("code", [c for c, (safety, _) in CASES.items() if safety == "unsafe"])
def test_unsafe_fixes_need_the_flag(tmp_path, code):
    _, source = CASES[code]
    path = _write(tmp_path, code, source)
    before = path.read_text()
    result = run("--select", select(code), "--fix", str(path))
    assert path.read_text() == before
    assert "hidden fix" in result.output


@pytest.mark.parametrize("code", sorted(CASES))
def test_diff_writes_nothing(tmp_path, code):
    _, source = CASES[code]
    path = _write(tmp_path, code, source)
    before = path.read_bytes()
    result = run("--select", select(code), "--diff", "--unsafe-fixes", str(path))
    assert result.stdout.startswith("--- a/") and result.stdout.splitlines()[0].endswith(f"{code}.py")
    assert path.read_bytes() == before


def test_rl104_fix_result():
    from redislint import lint_source
    from redislint.fixes import apply_edits

    source = textwrap.dedent(CASES["RL104"][1])
    diags = [d for d in lint_source(source) if d.code == "RL104"]
    text, applied = apply_edits(source, [d.fix for d in diags])
    assert len(applied) == 2
    assert 'r.set(f"name:{uid}", value, ex=60)\n' in text
    assert 'r.set(f"other:{uid}", value, px=1500)\n' in text
    assert "expire" not in text


def _fixed(tmp_path, code, *flags):
    """The text of CASES[code] after `--fix` (plus ``flags``) with only that code selected."""
    path = _write(tmp_path, code, CASES[code][1])
    run("--select", select(code), "--fix", *flags, str(path))
    return path.read_text()


def test_rl201_fix_forms(tmp_path):
    text = _fixed(tmp_path, "RL201", "--unsafe-fixes")
    assert 'for k in r.scan_iter(match="user:*", count=1000):' in text
    assert "everything = list(r.scan_iter(count=1000))" in text
    assert 'if r.exists("exact-key"):' in text
    assert 'return [k async for k in ar.scan_iter(match="user:*", count=1000)]' in text


def test_fix_keeps_crlf_encoding_and_permissions(tmp_path):
    path = _write(tmp_path, "RL104", "# -*- coding: latin-1 -*-\n" + textwrap.dedent(CASES["RL104"][1])
                  .replace("name:", "n\u00e9:"), newline="\r\n")
    raw = path.read_bytes().decode("utf-8").encode("latin-1")
    path.write_bytes(raw)
    os.chmod(path, 0o640)
    result = run("--select", "RL104", "--fix", str(path))
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "n\u00e9:".encode("latin-1") in data
    assert b"ex=60" in data
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_rl002_fix_result(tmp_path):
    text = _fixed(tmp_path, "RL002")
    assert 'r.set(f"name:{uid}", value, ex=60)\n' in text
    assert 'r.set(f"other:{uid}", value, ex=60)  # noqa: E501 -- legacy\n' in text
    assert 'r.set(f"third:{uid}", value, ex=60)  # type: ignore\n' in text
    assert "RL101" not in text


def test_rl107_fix_result(tmp_path):
    text = _fixed(tmp_path, "RL107")
    assert 'r.setex(f"login:{uid}", 900, "pending")' in text
    assert 'r.psetex(f"signup:{uid}", timedelta(minutes=5), b"pending")' in text


def test_rl601_fix_result(tmp_path):
    text = _fixed(tmp_path, "RL601", "--unsafe-fixes")
    assert 'redis.Redis(host="cache", port=6379, socket_timeout=5, socket_connect_timeout=5)' in text
    assert 'from_url("redis://cache/0", socket_timeout=5, socket_connect_timeout=5)' in text
    assert 'redis.Redis(unix_socket_path="/run/redis.sock", socket_timeout=5)' in text
    assert 'RedisCluster(host="cache", socket_timeout=5, socket_connect_timeout=5)' in text


def test_rl106_fix_result(tmp_path):
    assert 'r.set(f"session:{sid}", data, keepttl=True)' in _fixed(tmp_path, "RL106", "--unsafe-fixes")
