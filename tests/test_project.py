"""Multi-module projects: receivers and key facts that only the whole project shows."""
from __future__ import annotations

from .helpers import make_project as make
from .helpers import project_findings as findings

EXT = """\
    import redis

    redis_client = redis.Redis.from_url("redis://localhost", socket_timeout=5)


    def get_redis():
        return redis_client
    """


def test_client_imported_from_another_module(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/views.py": """\
            from app.ext import redis_client


            def names():
                return redis_client.keys("user:*")
            """,
    })
    assert findings(root) == [("app/views.py", 5, "RL201")]


def test_relative_import_and_module_attribute(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/views.py": """\
            from . import ext
            from .ext import redis_client as rc


            def wipe():
                ext.redis_client.flushdb()
                rc.flushall()
            """,
    })
    assert findings(root) == [("app/views.py", 6, "RL202"), ("app/views.py", 7, "RL202")]


def test_client_re_exported_from_package_init(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "from .ext import redis_client\n",
        "app/ext.py": EXT,
        "app/views.py": """\
            from app import redis_client


            def names():
                return redis_client.keys()
            """,
    })
    assert findings(root) == [("app/views.py", 5, "RL201")]


def test_factory_in_another_module(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/views.py": """\
            from app.ext import get_redis


            def remember(uid, value):
                get_redis().set(f"profile:{uid}", value)
            """,
    })
    assert findings(root) == [("app/views.py", 5, "RL101")]


def test_self_attribute_in_method_and_subclass_in_another_module(tmp_path):
    root = make(tmp_path, {
        "repos/__init__.py": "",
        "repos/base.py": """\
            import redis


            class BaseRepo:
                def __init__(self):
                    self.redis = redis.Redis(socket_timeout=5)

                def names(self):
                    return self.redis.keys()
            """,
        "repos/carts.py": """\
            from repos.base import BaseRepo


            class CartRepo(BaseRepo):
                def add(self, cart_id, item):
                    self.redis.sadd(f"cart:{cart_id}", item)
            """,
    })
    assert findings(root) == [("repos/base.py", 9, "RL201"), ("repos/carts.py", 6, "RL102")]


def test_parameter_receives_client_from_caller(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/helpers.py": """\
            def store(conn, user_id, value):
                conn.set(f"name:{user_id}", value)


            class Recorder:
                def __init__(self, client):
                    self.client = client

                def record(self, event_id, payload):
                    self.client.lpush(f"events:{event_id}", payload)
            """,
        "app/views.py": """\
            from app.ext import redis_client
            from app.helpers import Recorder, store


            def handle(uid, value):
                store(redis_client, uid, value)
                Recorder(redis_client).record(uid, value)
            """,
    })
    assert findings(root) == [("app/helpers.py", 2, "RL101"), ("app/helpers.py", 10, "RL102")]


def test_parameter_without_client_callers_stays_quiet(tmp_path):
    root = make(tmp_path, {
        "helpers.py": """\
            import redis


            def store(conn, user_id, value):
                conn.set(f"name:{user_id}", value)


            def use():
                store({}, 1, 2)
            """,
    })
    assert findings(root) == []


def test_ttl_applied_in_another_module(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/jobs.py": """\
            from app.ext import redis_client


            def create(job_id, payload):
                redis_client.set(f"job:{job_id}", payload)
            """,
        "app/cleanup.py": """\
            from app.ext import redis_client


            def schedule_expiry(job_id):
                redis_client.expire(f"job:{job_id}", 3600)
            """,
    }
    root = make(tmp_path, files)
    assert findings(root) == []
    (root / "app" / "cleanup.py").write_text("import redis\n")
    assert findings(root) == [("app/jobs.py", 5, "RL101")]


def test_queue_consumed_in_another_module(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/web.py": """\
            from app.ext import redis_client


            def enqueue(tenant, job):
                redis_client.lpush(f"jobs:{tenant}", job)
            """,
        "app/worker.py": """\
            from app.ext import redis_client


            def work(tenant):
                while True:
                    item = redis_client.brpop([f"jobs:{tenant}"], timeout=5)
                    if item is None:
                        continue
            """,
    })
    assert findings(root) == []


def test_module_that_never_says_redis_is_still_analysed(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/ext.py": EXT,
        "app/views.py": """\
            from app.ext import get_redis as connection


            def names():
                return connection().keys("*")
            """,
    })
    assert findings(root) == [("app/views.py", 5, "RL201")]


def test_ambiguous_exports_stay_quiet(tmp_path):
    root = make(tmp_path, {
        "a/__init__.py": "", "a/ext.py": EXT,
        "b/__init__.py": "", "b/ext.py": "client = object()\nredis_client = None\n",
        "views.py": """\
            from ext import redis_client


            def names():
                return redis_client.keys()
            """,
    })
    # `ext` matches a/ext.py (a client) only; b/ext.py exports no client: one candidate.
    assert findings(root) == [("views.py", 5, "RL201")]


def test_test_files_are_not_judged(tmp_path):
    root = make(tmp_path, {
        "tests/test_cache.py": """\
            import redis

            r = redis.Redis()


            def test_clear():
                r.flushdb()
                r.set(f"user:{1}", 1)
            """,
        "conftest.py": "import redis\n\ndef teardown():\n    redis.Redis().flushall()\n",
    })
    assert findings(root) == []


def test_lazy_object_client_imported_from_another_module(tmp_path):
    # django-cacheops: `@LazyObject def redis_client()` in one module, used as a client elsewhere.
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/store.py": """\
            import redis
            from funcy import LazyObject


            @LazyObject
            def redis_client():
                return redis.Redis(socket_timeout=5)
            """,
        "app/purge.py": """\
            from .store import redis_client


            def purge():
                redis_client.flushdb()
            """,
    })
    assert findings(root) == [("app/purge.py", 5, "RL202")]


RESULTS = """\
    from redis import Redis


    class Result:
        def __init__(self, connection: Redis):
            self.connection = connection

        def save(self, key, ttl, pipeline=None):
            connection = pipeline if pipeline is not None else self.connection
            connection.xadd(f"results:{key}", {"v": 1}, maxlen=10)
            connection.expire(f"results:{key}", ttl)
    """


def test_command_on_a_pipeline_callers_pass_is_not_judged_as_sent_alone(tmp_path):
    # rq's Result.save: every caller passes its transactional pipeline, so xadd and expire may
    # be queued together; whether that pipeline is a transaction is unknown: RL104 stays quiet.
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/results.py": RESULTS,
        "app/job.py": """\
            from redis import Redis
            from .results import Result


            def finish(conn: Redis, key):
                with conn.pipeline() as pipe:
                    Result(conn).save(key, 60, pipeline=pipe)
                    pipe.execute()
            """,
    })
    assert findings(root) == []


def test_command_on_the_client_when_no_caller_passes_a_pipeline(tmp_path):
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/results.py": RESULTS,
        "app/job.py": """\
            from redis import Redis
            from .results import Result


            def finish(conn: Redis, key):
                Result(conn).save(key, 60)
            """,
    })
    assert findings(root) == [("app/results.py", 11, "RL104")]


def test_pipeline_passed_through_a_classmethod_that_builds_the_instance(tmp_path):
    # rq: `Result.create(..., pipeline=pipeline)` → `result = cls(...); result.save(pipeline=pipeline)`.
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/results.py": RESULTS + """\

        @classmethod
        def create(cls, connection, key, pipeline=None):
            result = cls(connection)
            result.save(key, 60, pipeline=pipeline)
            return result
    """,
        "app/job.py": """\
            from redis import Redis
            from redis.client import Pipeline


            def finish(conn: Redis, key, pipeline: Pipeline):
                from .results import Result
                Result.create(conn, key, pipeline=pipeline)
            """,
    })
    assert findings(root) == []


def test_rq_queue_returned_by_a_project_function(tmp_path):
    # django-rq: `get_queue_by_index(i) -> Queue` in one module, `queue.connection` in a view.
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/queues.py": """\
            from redis import Redis
            from rq.queue import Queue


            def get_queue_by_index(index: int) -> Queue:
                return Queue(str(index), connection=Redis(socket_timeout=5))


            def make_queue(index):
                return get_queue_by_index(index)
            """,
        "app/views.py": """\
            from .queues import get_queue_by_index, make_queue


            def delete_job(index, job_id):
                queue = get_queue_by_index(index)
                queue.connection.lrem(queue.key, 0, job_id)
                queue.delete()


            def drain(queue):
                queue.connection.lrem(queue.key, 0, "x")


            def caller(index):
                drain(get_queue_by_index(index))
            """,
    })
    assert findings(root) == [("app/views.py", 6, "RL301"), ("app/views.py", 11, "RL301")]
