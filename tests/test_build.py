"""The prefilter, the process pool and the model cache change how fast findings come, never
which: every combination must report exactly what a plain serial run that parses every file
reports, and the cache must follow edits in one module into findings in another."""
from __future__ import annotations

import itertools
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from redislint import build
from redislint.cache import ModelCache
from redislint.config import ConfigResolver
from redislint.runner import lint_paths

ROOT = Path(__file__).resolve().parents[1]

PROJECT = {
    "app/__init__.py": "from .ext import redis_client\n",
    "app/ext.py": """\
        import redis

        redis_client = redis.Redis.from_url("redis://localhost", socket_timeout=5)


        def get_redis():
            return redis_client
        """,
    # Never says "redis": only the project hooks bring it in.
    "app/views.py": """\
        from app.ext import get_redis
        from app import redis_client


        def names():
            return get_redis().keys("user:*")


        def remember(job_id, value):
            redis_client.set(f"upload:{job_id}", value)
            redis_client.lpush(f"queue:{job_id}", value)
        """,
    "app/worker.py": """\
        from app.ext import redis_client


        def expire_job(job_id):
            redis_client.expire(f"upload:{job_id}", 60)


        def work(job_id):
            return redis_client.brpop(f"queue:{job_id}")
        """,
    "app/store.py": """\
        def save(conn, user_id, data):
            conn.hset(f"user:{user_id}", mapping=data)
        """,
    "app/api.py": """\
        from app.ext import redis_client
        from app.store import save


        def handler(user_id, data):
            save(redis_client, user_id, data)
            return redis_client.smembers(f"tags:{user_id}")
        """,
    "app/broken.py": "import redis\ndef f(:\n    pass\n",
    # Broken too, but it cannot touch Redis: not ours to report, whether parsed or not.
    "app/legacy.py": "print 'hello'\n",
    "tests/test_app.py": "import redis\nredis.Redis().flushall()\n",
}


def make_project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    shutil.copytree(ROOT / "fixtures" / "demo", tmp_path / "demo")
    for i in range(12):  # enough files that a pool is used
        (tmp_path / "app" / f"plain{i}.py").write_text(f"def f{i}(x):\n    return x * {i}\n")
    return tmp_path


def run(root: Path, **options):
    result = lint_paths([str(root)], ConfigResolver(cwd=str(root)), **options)
    return sorted((os.path.relpath(d.path, root), d.span.start.line, d.span.start.column, d.code, d.message)
                  for d in result.diagnostics)


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path)


def test_every_mode_reports_what_a_plain_serial_run_reports(project, tmp_path_factory):
    expected = run(project, jobs=1, prefilter=False)
    codes = {f[3] for f in expected}
    assert {"RL001", "RL101", "RL102", "RL201", "RL302"} <= codes  # the project exercises them
    assert any(f[0] == os.path.join("app", "views.py") for f in expected)  # reached only by hooks
    for prefilter, jobs in itertools.product((True, False), (1, 2)):
        cache_dir = tmp_path_factory.mktemp("cache")
        assert run(project, jobs=jobs, prefilter=prefilter) == expected, (prefilter, jobs)
        cold = run(project, jobs=jobs, prefilter=prefilter, cache=ModelCache(str(cache_dir)))
        warm = run(project, jobs=jobs, prefilter=prefilter, cache=ModelCache(str(cache_dir)))
        assert cold == expected and warm == expected, (prefilter, jobs)


def test_parallel_run_uses_a_pool_and_matches_serial(project, monkeypatch):
    used = []
    real = build.ProcessPoolExecutor

    def spy(*args, **kwargs):
        used.append(kwargs.get("max_workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "ProcessPoolExecutor", spy)
    parallel = run(project, jobs=2, prefilter=False)
    assert used == [2]
    assert parallel == run(project, jobs=1, prefilter=False)


def _extracted_paths(monkeypatch):
    seen = []
    real = build._extract

    def spy(task):
        seen.append(os.path.basename(task[0]))
        return real(task)

    monkeypatch.setattr(build, "_extract", spy)
    return seen


def test_warm_run_extracts_nothing_and_an_edit_extracts_only_that_file(project, tmp_path, monkeypatch):
    cache_dir = str(tmp_path / "cache")
    first = run(project, jobs=1, cache=ModelCache(cache_dir))
    seen = _extracted_paths(monkeypatch)
    assert run(project, jobs=1, cache=ModelCache(cache_dir)) == first
    assert seen == []
    store = project / "app" / "store.py"
    store.write_text(store.read_text() + "\n\ndef other():\n    return 1\n")
    run(project, jobs=1, cache=ModelCache(cache_dir))
    assert seen == ["store.py"]


def test_touched_but_unchanged_file_reuses_its_model(project, tmp_path, monkeypatch):
    cache_dir = str(tmp_path / "cache")
    first = run(project, jobs=1, cache=ModelCache(cache_dir))
    seen = _extracted_paths(monkeypatch)
    worker = project / "app" / "worker.py"
    st = worker.stat()
    os.utime(worker, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert run(project, jobs=1, cache=ModelCache(cache_dir)) == first
    assert seen == []


def test_cross_module_finding_follows_an_edit_with_the_cache_on(project, tmp_path):
    cache_dir = str(tmp_path / "cache")
    views = os.path.join("app", "views.py")
    before = run(project, jobs=1, cache=ModelCache(cache_dir))
    assert not [f for f in before if f[0] == views and f[3] == "RL101"]  # worker.py expires upload:{}
    worker = project / "app" / "worker.py"
    worker.write_text(worker.read_text().replace(
        'redis_client.expire(f"upload:{job_id}", 60)', 'redis_client.ttl(f"upload:{job_id}")'))
    after = run(project, jobs=1, cache=ModelCache(cache_dir))
    assert [f[1:4] for f in after if f[0] == views and f[3] == "RL101"] == [(10, 4, "RL101")]
    assert after == run(project, jobs=1)  # and it is what a run without cache says


def test_new_export_brings_a_skipped_file_in_with_the_cache_on(project, tmp_path):
    """A file the hooks skipped (it matched no export) must be re-judged when an export appears."""
    cache_dir = str(tmp_path / "cache")
    (project / "app" / "late.py").write_text("from app.ext import late_client\n\n\ndef f():\n    late_client.flushdb()\n")
    before = run(project, jobs=1, cache=ModelCache(cache_dir))
    assert not [f for f in before if f[0].endswith("late.py")]
    ext = project / "app" / "ext.py"
    ext.write_text(ext.read_text() + "\nlate_client = redis.Redis(socket_timeout=5)\n")
    after = run(project, jobs=1, cache=ModelCache(cache_dir))
    assert [f[3] for f in after if f[0].endswith("late.py")] == ["RL202"]
    assert after == run(project, jobs=1)


def test_unchanged_files_reuse_the_hook_rounds_and_an_edit_runs_them_again(project, tmp_path, monkeypatch):
    cache_dir = str(tmp_path / "cache")
    first = run(project, jobs=1, cache=ModelCache(cache_dir))
    rounds = []
    real = build.pull_in
    monkeypatch.setattr(build, "pull_in", lambda *args: rounds.append(1) or real(*args))
    assert run(project, jobs=1, cache=ModelCache(cache_dir)) == first  # views.py still pulled in
    assert rounds == []
    (project / "app" / "late.py").write_text("from app.ext import redis_client\n\n\ndef f():\n    redis_client.flushdb()\n")
    after = run(project, jobs=1, cache=ModelCache(cache_dir))
    assert rounds == [1] and [f[3] for f in after if f[0].endswith("late.py")] == ["RL202"]


def test_unreadable_cache_is_ignored(project, tmp_path):
    cache_dir = tmp_path / "cache"
    expected = run(project, jobs=1, cache=ModelCache(str(cache_dir)))
    for path in cache_dir.glob("models-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert run(project, jobs=1, cache=ModelCache(str(cache_dir))) == expected


def test_changed_client_names_setting_re_extracts(project, tmp_path):
    """client-names changes what extraction sees, so entries made under other settings are not reused."""
    (project / "app" / "named.py").write_text("def f(cache_conn):\n    cache_conn.flushall()\n")
    (project / "pyproject.toml").write_text("[tool.redislint]\n")
    cache_dir = str(tmp_path / "cache")
    assert not [f for f in run(project, jobs=1, cache=ModelCache(cache_dir)) if f[0].endswith("named.py")]
    (project / "pyproject.toml").write_text('[tool.redislint]\nclient-names = ["cache_conn"]\n')
    with_names = run(project, jobs=1, cache=ModelCache(cache_dir))
    assert [f[3] for f in with_names if f[0].endswith("named.py")] == ["RL202"]
    assert with_names == run(project, jobs=1)


def test_no_process_pool_falls_back_to_one_process(project, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OSError("no semaphores here")

    monkeypatch.setattr(build, "ProcessPoolExecutor", unavailable)
    assert run(project, jobs=2, prefilter=False) == run(project, jobs=1, prefilter=False)


def test_a_dead_worker_loses_no_file(project, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    class DeadPool:
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, fn, task):
            class Broken:
                def result(self):
                    raise BrokenProcessPool("worker killed")
            return Broken()

        def shutdown(self):
            pass

    monkeypatch.setattr(build, "ProcessPoolExecutor", DeadPool)
    assert run(project, jobs=2, prefilter=False) == run(project, jobs=1, prefilter=False)
