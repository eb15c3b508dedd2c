"""RL601–RL602: clients and resilience.  Positive cases, every "must not flag" case RULES.md
lists, and the fixes at the diagnostic level."""
from __future__ import annotations

import pytest

from redislint.config import ConfigError, ConfigResolver
from redislint.diagnostics import Applicability
from redislint.runner import lint_paths

from .helpers import Snippets

H = """
import redis
import redis.asyncio as aredis
from redis import RedisCluster
from redis.asyncio import RedisCluster as AsyncCluster
"""
S = Snippets(H, "RL601")
OLD = {"redis_py_version": "7.4"}


# --- RL601 client-without-timeout ------------------------------------------------------------

@pytest.mark.parametrize("build", [
    'redis.Redis(host="h")',
    "redis.Redis()",
    "redis.StrictRedis('h', 6379)",
    'redis.Redis.from_url("redis://h:6379/0")',
    "redis.from_url(settings.REDIS_URL)",
    'redis.Redis(host="h", socket_connect_timeout=2)',
    'redis.Redis(host="h", socket_timeout=None)',
    'redis.ConnectionPool(host="h")',
    'redis.BlockingConnectionPool.from_url("redis://h")',
    "aredis.Redis()",
    'aredis.from_url("redis://h")',
    'RedisCluster(host="h")',
    'AsyncCluster.from_url("redis://h")',
    'redis.Redis(connection_pool=redis.ConnectionPool(host="h"))',
])
def test_rl601_flags_clients_without_socket_timeout(build):
    assert S.lines(f"r = {build}\n", **OLD) == [1]


@pytest.mark.parametrize("build", [
    'redis.Redis(host="h", socket_timeout=5)',
    'redis.Redis(host="h", socket_timeout=5, socket_connect_timeout=2)',
    'redis.Redis.from_url("redis://h:6379/0?socket_timeout=3")',
    'redis.from_url("redis://h/0?socket_timeout=3&socket_connect_timeout=1")',
    'redis.ConnectionPool(host="h", socket_timeout=2)',
    "redis.Redis(connection_pool=POOL)",
    "redis.Redis.from_pool(POOL)",
    "redis.Redis(**options)",
    'redis.Redis("h", 6379, 0, None, 5)',
    "aredis.Redis(socket_timeout=1.5)",
    "fakeredis.FakeRedis()",
])
def test_rl601_does_not_flag_clients_with_a_timeout(build):
    assert S.lines(f"import fakeredis\nr = {build}\n", **OLD) == []


def test_rl601_follows_a_local_name_holding_a_client_class():
    code = (
        "def connect(config, strict=False):\n"
        "    cls = redis.StrictRedis if strict else redis.Redis\n"
        "    if 'URL' in config:\n"
        "        return cls.from_url(config['URL'], db=1)\n"
        "    return cls(host=config['HOST'])\n"
    )
    assert S.lines(code, **OLD) == [4, 5]


def test_rl601_quiet_when_the_local_class_may_be_loaded_from_settings():
    code = (
        "def connect(config):\n"
        "    cls = redis.Redis\n"
        "    if config.get('CLASS'):\n"
        "        cls = import_string(config['CLASS'])\n"
        "    return cls(host=config['HOST'])\n"
    )
    assert S.lines(code, **OLD) == []


def test_rl601_quiet_when_a_class_attribute_may_be_set_from_settings():
    code = (
        "class Cache:\n"
        "    client_class = redis.Redis\n"
        "    def __init__(self, settings):\n"
        "        if settings.CLIENT_CLASS:\n"
        "            self.client_class = import_string(settings.CLIENT_CLASS)\n"
        "    def connect(self, url):\n"
        "        return self.client_class.from_url(url)\n"
    )
    assert S.lines(code, **OLD) == []


# `**mapping`: the keys of a dict the code shows are keywords like any other.

@pytest.mark.parametrize("code, line", [
    ("def connect(host):\n    config = {'host': host, 'port': 6379}\n    return redis.Redis(**config)\n", 3),
    ("def connect(host):\n    config = dict(host=host, db=1)\n    return redis.Redis(**config)\n", 3),
    ("def connect(host, password):\n"
     "    config = {'host': host}\n"
     "    if password:\n"
     "        config['password'] = password\n"
     "    return redis.Redis(decode_responses=True, **config)\n", 5),
    ("def connect(url):\n    options = {'url': url}\n    return redis.from_url(**options)\n", 3),
    ("def connect(host):\n    return redis.Redis(**{'host': host})\n", 2),
])
def test_rl601_reads_the_keys_of_a_local_dict(code, line):
    assert S.lines(code, **OLD) == [line]


@pytest.mark.parametrize("code", [
    "def connect(host):\n    config = {'host': host, 'socket_timeout': 5}\n    return redis.Redis(**config)\n",
    "def connect(host):\n    config = dict(host=host)\n    config['socket_timeout'] = 5\n    return redis.Redis(**config)\n",
    # The timeout in the query of a literal URL the dict holds.
    "def connect():\n    options = {'url': 'redis://h/0?socket_timeout=3'}\n    return redis.from_url(**options)\n",
    # Unknown content: `**kwargs`, a dict changed by a method or handed to another function,
    # a computed key, a dict from elsewhere, a module-level dict (anyone may change it).
    "def connect(**kwargs):\n    return redis.Redis(**kwargs)\n",
    "def connect(options):\n    return redis.Redis(**options)\n",
    "def connect(host, extra):\n    config = {'host': host}\n    config.update(extra)\n    return redis.Redis(**config)\n",
    "def connect(host):\n    config = {'host': host}\n    add_defaults(config)\n    return redis.Redis(**config)\n",
    "def connect(host, key, value):\n    config = {'host': host}\n    config[key] = value\n    return redis.Redis(**config)\n",
    "def connect(host, base):\n    config = {**base, 'host': host}\n    return redis.Redis(**config)\n",
    "def connect(settings):\n    config = settings.REDIS\n    return redis.Redis(**config)\n",
    "CONFIG = {'host': 'h'}\ndef connect():\n    return redis.Redis(**CONFIG)\n",
    "def connect(configs):\n    for config in configs:\n        return redis.Redis(**config)\n",
])
def test_rl601_quiet_when_a_dict_may_hold_the_timeout(code):
    assert S.lines(code, **OLD) == []


MIXIN = (
    "class Storage:\n"
    "    def connect(self, db, config={}):\n"
    "        return redis.StrictRedis(db=db, decode_responses=True, **config)\n"
    "    def client(self):\n"
    "        config = {'host': self.host}\n"
    "        if self.password:\n"
    "            config['password'] = self.password\n"
    "        return self.connect(db=self.db, config=config)\n"
)


def test_rl601_reads_a_dict_parameter_from_the_callers_in_the_module():
    assert S.lines(MIXIN, **OLD) == [3]


@pytest.mark.parametrize("more", [
    # A caller that passes the timeout, or a dict we cannot see into.
    "    def fast(self):\n        return self.connect(db=1, config={'socket_timeout': 1})\n",
    "    def other(self, options):\n        return self.connect(1, options)\n",
    "    def spread(self, **kw):\n        return self.connect(**kw)\n",
    # A mention that is not a call we resolve: the method may be called with anything.
    "    def hook(self):\n        return schedule(self.connect)\n",
])
def test_rl601_quiet_when_some_caller_may_pass_the_timeout(more):
    assert S.lines(MIXIN + more, **OLD) == []


def test_rl601_a_module_function_named_dict_is_not_the_builtin():
    code = "def dict(**kw):\n    return load(kw)\n\nr = redis.Redis(**dict(host='h'))\n"
    assert S.lines(code, **OLD) == []
    assert S.lines("r = redis.Redis(**dict(host='h'))\n", **OLD) == [1]


def test_rl601_quiet_for_a_dict_parameter_nobody_in_the_module_fills():
    code = "def connect(db, config):\n    return redis.Redis(db=db, **config)\n"
    assert S.lines(code, **OLD) == []


def test_rl601_quiet_when_another_module_calls_the_function_with_its_own_dict(tmp_path):
    (tmp_path / "requirements.txt").write_text("redis==4.6.0\n")
    (tmp_path / "store.py").write_text(
        "import redis\n\n"
        "def connect(config):\n    return redis.Redis(**config)\n\n"
        "def default():\n    return connect({'host': 'h'})\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.line) for d in result.diagnostics] == [("RL601", 4)]
    (tmp_path / "app.py").write_text("from store import connect\n\nr = connect({'host': 'h', 'socket_timeout': 2})\n")
    assert lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics == []


def test_rl601_fix_after_a_spread_dict():
    code = "def connect(host):\n    config = {'host': host}\n    return redis.Redis(**config)\n"
    assert S.fixed(code, **OLD).endswith(
        "    return redis.Redis(**config, socket_timeout=5, socket_connect_timeout=5)\n")


# functools.partial: the constructor and some arguments are bound where the partial is written,
# and the client is built where it is called.

@pytest.mark.parametrize("code", [
    "def connect(settings):\n"
    "    factory = functools.partial(redis.Redis, host=settings.host, socket_connect_timeout=1)\n"
    "    return factory(db=settings.db)\n",
    "def connect(url):\n"
    "    factory = partial(aredis.Redis.from_url, url)\n"
    "    return factory(decode_responses=True)\n",
    "def pool(host):\n"
    "    make = partial(redis.ConnectionPool, host=host)\n"
    "    return make()\n",
])
def test_rl601_flags_a_partial_without_timeout(code):
    assert S.lines("import functools\nfrom functools import partial\n" + code, **OLD) == [4]


@pytest.mark.parametrize("code", [
    # The timeout given by the partial, by its call, or in the query of its literal URL.
    "def connect(host):\n    factory = partial(redis.Redis, host=host, socket_timeout=2)\n    return factory()\n",
    "def connect(host):\n    factory = partial(redis.Redis, host=host)\n    return factory(socket_timeout=2)\n",
    "def connect():\n    factory = partial(redis.from_url, 'redis://h/0?socket_timeout=2')\n    return factory()\n",
    "def connect(host, options):\n    factory = partial(redis.Redis, host=host)\n    return factory(**options)\n",
    # The partial escapes: its callers may add the timeout.
    "def factory(host):\n    return partial(redis.Redis, host=host)\n",
    "def factory(host):\n    make = partial(redis.Redis, host=host)\n    return make\n",
    "def factory(host):\n    make = partial(redis.Redis, host=host)\n    register(make)\n",
    "make = partial(redis.Redis, host='h')\n",
    # A class variable that a settings value may override.
    "def connect(settings):\n"
    "    cls = redis.Redis\n"
    "    if settings.CLIENT_CLASS:\n"
    "        cls = import_string(settings.CLIENT_CLASS)\n"
    "    make = partial(cls, host=settings.host)\n"
    "    return make()\n",
])
def test_rl601_quiet_for_partials_that_may_get_a_timeout(code):
    assert S.lines("from functools import partial\n" + code, **OLD) == []


def test_rl601_fix_adds_the_timeout_to_the_partial():
    code = "from functools import partial\ndef connect(h):\n    f = partial(redis.Redis, host=h)\n    return f()\n"
    assert "    f = partial(redis.Redis, host=h, socket_timeout=5, socket_connect_timeout=5)\n" in S.fixed(code, **OLD)


# Classes of the module deriving from a client type build clients with what `__init__` passes on.

ARQ = (
    "class JobRedis(aredis.Redis):\n"
    "    def __init__(self, pool_or_conn=None, job_serializer=None, **kwargs):\n"
    "        self.job_serializer = job_serializer\n"
    "        if pool_or_conn:\n"
    "            kwargs['connection_pool'] = pool_or_conn\n"
    "        super().__init__(**kwargs)\n"
)


@pytest.mark.parametrize("code, line", [
    ("class Plain(redis.Redis):\n    pass\nr = Plain(host='h')\n", 3),
    (ARQ + "r = JobRedis(host='h', job_serializer=dumps)\n", 7),
    ("class Timed(redis.Redis):\n"
     "    def __init__(self, timeout=5, **kwargs):\n"
     "        kwargs['socket_timeout'] = timeout\n"
     "        super().__init__(**kwargs)\n"
     "r = Timed(host='h', timeout=None)\n", 5),
    (ARQ + "def connect(settings):\n"
           "    factory = functools.partial(JobRedis, host=settings.host, socket_connect_timeout=1)\n"
           "    return factory(db=settings.db)\n", 8),
])
def test_rl601_flags_a_client_subclass_built_without_timeout(code, line):
    assert S.lines("import functools\n" + code, **OLD) == [line + 1]


@pytest.mark.parametrize("code", [
    "class Plain(redis.Redis):\n    pass\nr = Plain(host='h', socket_timeout=1)\n",
    ARQ + "r = JobRedis(POOL)\n",  # on a pool: its timeouts apply
    ARQ + "r = JobRedis(pool_or_conn=POOL)\n",
    ARQ + "r = JobRedis(socket_timeout=2)\n",
    # An `__init__` that sets the timeout itself, or passes on what we cannot follow.
    "class Timed(redis.Redis):\n"
    "    def __init__(self, timeout=5, **kwargs):\n"
    "        kwargs['socket_timeout'] = timeout\n"
    "        super().__init__(**kwargs)\n"
    "r = Timed(host='h')\n",
    "class Timed(redis.Redis):\n"
    "    def __init__(self, **kwargs):\n"
    "        kwargs.setdefault('socket_timeout', 5)\n"
    "        super().__init__(**kwargs)\n"
    "r = Timed(host='h')\n",
    "class Own(redis.Redis):\n"
    "    def __init__(self, host):\n"
    "        super().__init__(host=host, socket_timeout=5)\n"
    "r = Own('h')\n",
    # A base from elsewhere may have a constructor of its own.
    "class Mixed(Mixin, redis.Redis):\n    pass\nr = Mixed(host='h')\n",
])
def test_rl601_quiet_for_subclasses_that_may_set_the_timeout(code):
    assert S.lines(code, **OLD) == []


@pytest.mark.parametrize("version", ["8.0", "8.1.2", "9"])
def test_rl601_quiet_on_redis_py_8_and_later(version):
    assert S.lines("r = redis.Redis()\n", redis_py_version=version) == []


def test_rl601_quiet_when_the_version_is_unknown():
    assert S.lines("r = redis.Redis()\n") == []


def test_rl601_message_names_the_version_and_where_it_came_from():
    (d,) = S.found("r = redis.Redis()\n", **OLD)
    assert "redis-py 7.4 (redis-py-version setting)" in d.message


def test_rl601_reads_the_detected_version(tmp_path):
    (tmp_path / "requirements.txt").write_text("redis==4.6.0\n")
    (tmp_path / "app.py").write_text("import redis\nr = redis.Redis()\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.line) for d in result.diagnostics] == [("RL601", 2)]
    assert "redis-py 4.6.0 (requirements.txt)" in result.diagnostics[0].message
    (tmp_path / "requirements.txt").write_text("redis>=8.0\n")
    assert lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics == []


@pytest.mark.parametrize("requirement, reported", [("redis\n", True), ("redis<8\n", True), ("redis>=8.1\n", False)])
def test_rl601_a_declaration_without_a_lower_end_allows_old_releases(tmp_path, requirement, reported):
    (tmp_path / "requirements.txt").write_text(requirement)
    (tmp_path / "app.py").write_text("import redis\nr = redis.Redis()\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.line) for d in result.diagnostics] == ([("RL601", 2)] if reported else [])
    if reported:
        assert "redis-py unpinned (requirements.txt allows releases before 8.0)" in result.diagnostics[0].message


@pytest.mark.parametrize("name, text", [
    ("requirements.txt", "rq>=2\n"),
    ("setup.py", "from setuptools import setup\nsetup(name='app', install_requires=['rq>=2'])\n"),
    ("pyproject.toml", '[project]\nname = "app"\ndependencies = ["celery[redis]"]\n'),
    ("pyproject.toml", '[tool.poetry]\nname = "app"\n[tool.poetry.dependencies]\npython = "^3.9"\n'),
])
def test_rl601_a_project_that_declares_dependencies_but_not_redis_allows_old_releases(tmp_path, name, text):
    # redis-py arrives through rq or celery, in whatever release they allow: 7.x included.
    (tmp_path / name).write_text(text)
    (tmp_path / "app.py").write_text("import redis\nr = redis.Redis()\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.line) for d in result.diagnostics] == [("RL601", 2)]
    assert f"redis-py undeclared ({name} does not name it, so releases before 8.0 may be installed)" \
        in result.diagnostics[0].message


@pytest.mark.parametrize("files", [
    {},  # nothing declares anything: the version is unknown
    {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"},  # tool settings only
    {"requirements.txt": "rq>=2\nredis>=8.0\n"},  # declared, and new enough
])
def test_rl601_quiet_when_no_dependencies_are_declared_or_redis_is_new_enough(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "app.py").write_text("import redis\nr = redis.Redis()\n")
    assert lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics == []


_OWN_KWARGS = (
    "import redis\n\n"
    "def get_connection(db=0, **kwargs):\n"
    "    if 'decode_responses' not in kwargs:\n"
    "        kwargs['decode_responses'] = True\n"
    "    url = kwargs.pop('url', None)\n"
    "    if url:\n"
    "        return redis.Redis.from_url(url, db=db, **kwargs)\n"
    "    return redis.Redis(db=db, **kwargs)\n"
)


@pytest.mark.parametrize("caller, reported", [
    # The project's own calls pass nothing into `**kwargs`: the client gets only what the
    # function stores there.
    ("conn = get_connection()\n", True),
    ("conn = get_connection(db=2)\n", True),
    ("conn = get_connection(3)\n", True),
    # A call that may put the timeout there.
    ("conn = get_connection(socket_timeout=5)\n", False),
    ("conn = get_connection(**settings.REDIS)\n", False),
    # Nobody in the project calls it: an API whose callers choose.
    ("", False),
])
def test_rl601_reads_a_functions_own_kwargs_from_the_project_calls(tmp_path, caller, reported):
    (tmp_path / "requirements.txt").write_text("redis==5.0.1\n")
    (tmp_path / "connections.py").write_text(_OWN_KWARGS)
    (tmp_path / "app.py").write_text("from connections import get_connection\nfrom conf import settings\n" + caller)
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics] == (
        [("RL601", "connections.py", 8), ("RL601", "connections.py", 9)] if reported else [])


def test_rl601_own_kwargs_changed_by_other_means_stay_unknown(tmp_path):
    (tmp_path / "requirements.txt").write_text("redis==5.0.1\n")
    (tmp_path / "connections.py").write_text(
        "import redis\n\ndef get_connection(**kwargs):\n    kwargs.update(load())\n    return redis.Redis(**kwargs)\n")
    (tmp_path / "app.py").write_text("from connections import get_connection\nconn = get_connection()\n")
    assert lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics == []


@pytest.mark.parametrize("compat, shown", [
    ("import redis\n", "`Redis(...)`"),
    ("from redis import asyncio as redis\n", "`Redis(...)`"),
])
def test_rl601_follows_a_package_that_reexports_redis_py(tmp_path, compat, shown):
    # `from . import redis` names what the package's __init__ imports: redis-py itself.
    (tmp_path / "requirements.txt").write_text("redis==5.0.1\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .compat import redis\n")
    (pkg / "compat.py").write_text(compat)
    (pkg / "conn.py").write_text("from . import redis\n\nr = redis.Redis(host='h')\n"
                                 "pool = redis.ConnectionPool(host='h', socket_timeout=2)\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics] == [("RL601", "conn.py", 3)]
    assert shown in result.diagnostics[0].message


@pytest.mark.parametrize("files", [
    # The package's own module named redis, with a class of its own.
    {"__init__.py": "", "redis.py": "class Redis:\n    def __init__(self, **kw):\n        pass\n"},
    # __init__ imports something else under that name.
    {"__init__.py": "from .compat import client as redis\n", "compat.py": "import redis\nclient = None\n"},
    {"__init__.py": "from .wrappers import redis\n", "wrappers.py": "redis = object()\n"},
])
def test_rl601_quiet_when_the_package_name_is_not_redis_py(tmp_path, files):
    (tmp_path / "requirements.txt").write_text("redis==5.0.1\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for name, text in files.items():
        (pkg / name).write_text(text)
    (pkg / "conn.py").write_text("from . import redis\n\nr = redis.Redis(host='h')\n")
    assert lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics == []


_SENTINEL_URL = "from redis_sentinel_url import connect as from_url\n"


@pytest.mark.parametrize("call, reported", [
    ("_, r = from_url(settings.URL, client_options={'password': settings.PASSWORD})\n", True),
    ("_, r = from_url(settings.URL)\n", True),
    ("_, r = from_url(settings.URL, None, {}, None, {'db': 1})\n", True),
    # The options or the URL may carry the timeout.
    ("_, r = from_url(settings.URL, client_options={'socket_timeout': 2})\n", False),
    ("_, r = from_url(settings.URL, client_options=settings.OPTIONS)\n", False),
    ("_, r = from_url('redis+sentinel://h:26379/mymaster?socket_timeout=1')\n", False),
    ("_, r = from_url(*settings.ARGS)\n", False),
])
def test_rl601_judges_the_client_redis_sentinel_url_builds(call, reported):
    found = Snippets(H + _SENTINEL_URL, "RL601").found(call, **OLD)
    assert len(found) == (1 if reported else 0)
    if reported:
        assert "`redis_sentinel_url.connect(...)` without `socket_timeout` in its `client_options`" \
            in found[0].message
        assert found[0].fix is None  # the timeout goes into the options dict, not a keyword of connect()


@pytest.mark.parametrize("code, lines", [
    # A subscriber's connection comes from the client's pool, with its timeout: an idle
    # `listen()` would raise TimeoutError.  How the subscriber waits decides; quiet.
    ("class Bus:\n    def __init__(self, url):\n        self.conn = redis.Redis.from_url(url)\n"
     "        self.sub = self.conn.pubsub()\n", []),
    ("def listen(url):\n    r = redis.Redis.from_url(url)\n    p = r.pubsub()\n    for m in p.listen():\n        print(m)\n", []),
    # Another client, or a pubsub taken elsewhere from a local of the same name: still judged.
    ("class Bus:\n    def __init__(self, url):\n        self.conn = redis.Redis.from_url(url)\n"
     "        self.other = redis.Redis.from_url(url)\n        self.sub = self.other.pubsub()\n", [3]),
    ("def a(url):\n    r = redis.Redis.from_url(url)\n    return r.get('k')\n"
     "def b(r):\n    return r.pubsub()\n", [2]),
])
def test_rl601_quiet_for_a_client_that_hands_out_pubsub(code, lines):
    assert S.lines(code, **OLD) == lines


def test_rl601_a_lower_bound_below_8_counts():
    # `redis>=5.0` allows 5.x, where the client waits forever: the code must be right there too.
    assert S.lines("r = redis.Redis()\n", redis_py_version="5.0") == [1]


@pytest.mark.parametrize("build, after", [
    ('redis.Redis(host="h")', 'redis.Redis(host="h", socket_timeout=5, socket_connect_timeout=5)'),
    ("redis.Redis()", "redis.Redis(socket_timeout=5, socket_connect_timeout=5)"),
    ("redis.from_url(URL)", "redis.from_url(URL, socket_timeout=5, socket_connect_timeout=5)"),
    ('redis.Redis(host="h", socket_connect_timeout=2)', 'redis.Redis(host="h", socket_connect_timeout=2, socket_timeout=5)'),
    ('redis.from_url("redis://h?socket_connect_timeout=1")',
     'redis.from_url("redis://h?socket_connect_timeout=1", socket_timeout=5)'),
    ('redis.Redis(unix_socket_path="/s")', 'redis.Redis(unix_socket_path="/s", socket_timeout=5)'),
    ('redis.from_url("unix:///tmp/r.sock")', 'redis.from_url("unix:///tmp/r.sock", socket_timeout=5)'),
    ("redis.ConnectionPool(connection_class=C)", "redis.ConnectionPool(connection_class=C, socket_timeout=5)"),
    ('RedisCluster(host="h",\n    port=1,\n)', 'RedisCluster(host="h",\n    port=1, socket_timeout=5, socket_connect_timeout=5,\n)'),
    ("AsyncCluster()", "AsyncCluster(socket_timeout=5, socket_connect_timeout=5)"),
])
def test_rl601_fix_adds_the_timeouts_the_client_takes(build, after):
    assert S.fixed(f"r = {build}\n", **OLD) == f"r = {after}\n"


def test_rl601_fix_uses_the_configured_defaults_and_is_unsafe():
    (d,) = S.found("r = redis.Redis()\n", default_socket_timeout=2.5, default_connect_timeout=1, **OLD)
    assert d.fix.applicability is Applicability.UNSAFE
    assert d.fix.edits[0].content == "socket_timeout=2.5, socket_connect_timeout=1"


def test_rl601_no_connect_timeout_before_redis_py_2_10():
    assert S.fixed("r = redis.Redis()\n", redis_py_version="2.9") == "r = redis.Redis(socket_timeout=5)\n"


def test_rl601_no_fix_over_an_explicit_none():
    (d,) = S.found("r = redis.Redis(socket_timeout=None)\n", **OLD)
    assert d.fix is None


@pytest.mark.parametrize("line, message", [
    ("default-socket-timeout = 0", "expected a positive number (seconds), got integer 0"),
    ("default-connect-timeout = true", "expected a positive number (seconds), got boolean true"),
    ('default-socket-timeout = "5"', "expected a positive number (seconds)"),
])
def test_timeout_settings_are_validated(tmp_path, line, message):
    (tmp_path / "redislint.toml").write_text(line + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ConfigResolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "x.py"))


def test_timeout_settings_are_read(tmp_path):
    (tmp_path / "redislint.toml").write_text("default-socket-timeout = 2.5\ndefault-connect-timeout = 1\n")
    settings = ConfigResolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "x.py"))
    assert (settings.default_socket_timeout, settings.default_connect_timeout) == (2.5, 1)


# --- RL602 client-per-call -------------------------------------------------------------------

P = Snippets(H + "import functools\nfrom celery import Celery, shared_task\nfrom flask import Flask\napp = Flask(__name__)\n"
             "celery_app = Celery()\nPOOL = redis.ConnectionPool()\n",
             "RL602")


@pytest.mark.parametrize("body", [
    '@app.route("/")\ndef index():\n    r = redis.Redis(host="h")\n    return r.get("x")\n',
    "@app.get('/p/<uid>')\ndef profile(uid):\n    return redis.Redis().get(f'p:{uid}')\n",
    "@app.route('/h')\nasync def handler():\n    async with aredis.Redis() as r:\n        return await r.get('x')\n",
    "@shared_task\ndef task():\n    pool = redis.ConnectionPool(host='h')\n    redis.Redis(connection_pool=pool).ping()\n",
    "@celery_app.task(bind=True)\ndef job(self):\n    redis.Redis().ping()\n",
    "@app.route('/i')\ndef inline():\n    return redis.Redis(connection_pool=redis.ConnectionPool()).get('x')\n",
    "@app.post('/v')\ndef view():\n    c = RedisCluster(host='h')\n    c.get('x')\n",
])
def test_rl602_flags_clients_built_per_call(body):
    assert len(P.found(body)) == 1


def test_rl602_flags_a_client_built_in_a_loop():
    assert "in a loop" in P.message("def ping_all(urls):\n    for u in urls:\n        redis.from_url(u).ping()\n")


def test_rl602_flags_a_client_built_per_message_in_a_while_loop():
    message = P.message("def consume(q):\n    while True:\n        item = q.get()\n        redis.Redis().rpush('done', item)\n")
    assert "in a loop" in message


@pytest.mark.parametrize("body", [
    # A retry loop: it builds again only after a failed try, and leaves once one works.
    "def connect(ask):\n    while True:\n        r = redis.Redis(host=ask())\n        try:\n            r.ping()\n"
    "        except redis.ConnectionError:\n            continue\n        break\n    return r\n",
    "def wait_for_redis(url):\n    while True:\n        try:\n            with redis.from_url(url) as r:\n"
    "                r.ping()\n                return\n        except redis.ConnectionError:\n            pass\n",
])
def test_rl602_quiet_for_a_retry_loop(body):
    assert P.found(body) == []


@pytest.mark.parametrize("body", [
    "r = redis.Redis()\n",  # module level
    "for url in URLS:\n    redis.from_url(url).ping()\n",  # module-level start-up code
    "@functools.lru_cache()\ndef get_client():\n    return redis.Redis()\n",
    "@functools.cache\ndef get_client():\n    r = redis.Redis()\n    return r\n",
    "def get_client():\n    return redis.Redis()\n",  # a factory: its callers decide how often
    # A plain function: neither a handler, a task nor a loop; how often it runs is its callers' business.
    "def profile(uid):\n    return redis.Redis().get(f'p:{uid}')\n",
    "def check(url):\n    r = redis.from_url(url)\n    r.ping()\n",
    "class Repo:\n    def __init__(self):\n        self.r = redis.Redis()\n",
    "class Repo:\n    def connect(self):\n        r = redis.Redis()\n        self.r = r\n",
    "class Repo:\n    @functools.cached_property\n    def r(self):\n        return redis.Redis()\n",
    "def view():\n    r = redis.Redis(connection_pool=POOL)\n    return r.get('x')\n",
    "def view(pool):\n    return redis.Redis(connection_pool=pool).get('x')\n",
    "def view():\n    return redis.Redis.from_pool(POOL).get('x')\n",
    "def create_app():\n    app.redis = redis.Redis()\n",
    "def main():\n    r = redis.Redis()\n    r.ping()\n",
    "def init_redis(app):\n    r = redis.Redis()\n    app.extensions['redis'] = r\n",
    "def setup_clients():\n    r = redis.Redis()\n    r.ping()\n",
    "_c = None\ndef client():\n    global _c\n    if _c is None:\n        _c = redis.Redis()\n    return _c\n",
    "CLIENTS = {}\ndef client(url):\n    CLIENTS[url] = redis.from_url(url)\n",
    "def make(url):\n    r = redis.from_url(url)\n    return Service(r)\n",
    "import pytest\n@pytest.fixture\ndef r():\n    client = redis.Redis()\n    yield client\n",
    "class Command:\n    def handle(self, *args, **options):\n        redis.Redis().ping()\n",
    "import fakeredis\ndef view():\n    return fakeredis.FakeRedis().get('x')\n",
])
def test_rl602_does_not_flag(body):
    assert P.found(body) == []


@pytest.mark.parametrize("body", [
    # Stored where it outlives the call, but built again on every request: the one before is dropped.
    "from flask import g\n@app.before_request\ndef connect():\n    g.redis = redis.Redis()\n",
    "@app.route('/<int:n>')\ndef pick(n):\n    urls = app.config['URLS']\n    if n < len(urls):\n"
    "        r = redis.from_url(urls[n])\n    else:\n        raise LookupError(n)\n    app.redis = r\n",
    "CLIENTS = {}\n@shared_task\ndef job(url):\n    CLIENTS[url] = redis.from_url(url)\n",
    # redis-sentinel-url's connect() builds a Sentinel and a client: the client is the second.
    "from redis_sentinel_url import connect\n@app.before_request\ndef use(n=None):\n"
    "    if n is not None:\n        _, client = connect('redis+sentinel://h:26379/m')\n    else:\n"
    "        client = None\n    app.redis = client\n",
])
def test_rl602_flags_a_handler_that_replaces_a_stored_client_on_every_call(body):
    assert "replaces the one stored before" in P.message(body)


@pytest.mark.parametrize("body", [
    # Something checks first whether one is there: a lazy cache, built once.
    "@app.before_request\ndef connect():\n    if not hasattr(app, 'redis'):\n        app.redis = redis.Redis()\n",
    "@app.before_request\ndef connect():\n    r = getattr(app, 'redis', None)\n    if r is None:\n"
    "        app.redis = r = redis.Redis()\n",
    "READY = False\n@app.before_request\ndef connect():\n    global READY\n    if READY:\n        return\n"
    "    app.redis = redis.Redis()\n    READY = True\n",
    "CLIENTS = {}\n@app.route('/<name>')\ndef show(name):\n    if name not in CLIENTS:\n"
    "        CLIENTS[name] = redis.Redis(host=name)\n    return CLIENTS[name].get('x')\n",
    "@app.before_request\ndef connect():\n    app.redis = getattr(app, 'redis', None) or redis.Redis()\n",
    # One per server, in a loop: built once each.
    "CLIENTS = {}\n@shared_task\ndef connect_all(urls):\n    for u in urls:\n        CLIENTS[u] = redis.from_url(u)\n",
    # Start-up code stores it once.
    "def init_app(app):\n    app.redis = redis.Redis()\n",
])
def test_rl602_quiet_when_a_stored_client_is_built_once(body):
    assert P.found(body) == []


def test_rl602_flags_a_client_subclass_built_per_call():
    code = "class Mine(redis.Redis):\n    pass\n@app.route('/')\ndef index():\n    return Mine().get('x')\n"
    assert P.lines(code) == [5]


@pytest.mark.parametrize("body", [
    # A partial builds nothing where it is written.
    "@app.route('/')\ndef index():\n    make = functools.partial(redis.Redis, host='h')\n    return make().get('x')\n",
    # A dict whose keys show a shared pool.
    "@app.route('/')\ndef index():\n    options = {'connection_pool': POOL}\n    return redis.Redis(**options).get('x')\n",
])
def test_rl602_does_not_flag_partials_or_clients_on_a_shared_pool(body):
    assert P.found(body) == []


def test_rl602_does_not_judge_test_code(tmp_path):
    (tmp_path / "test_app.py").write_text("import redis\n\ndef test_get():\n    redis.Redis().get('x')\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert result.diagnostics == []


def test_rl602_a_client_built_from_the_callers_url_and_closed_is_still_one_per_call():
    # Whichever server the caller names, each call connects and tears down again.
    (d,) = P.found("class Store:\n    def search(self, url, q):\n        client = redis.Redis.from_url(url)\n"
                   "        try:\n            return client.get(q)\n        finally:\n            client.close()\n")
    assert "built and closed on every call of `Store.search()`" in d.message
    # Pinging it first and then using it is no check.
    assert P.found("def is_up(url):\n    with redis.Redis.from_url(url) as r:\n        r.ping()\n"
                   "        return r.get('x')\n") != []


@pytest.mark.parametrize("body, use", [
    # Built to be thrown away after one call: closed before the function returns.
    ("class Store:\n    def search(self, q):\n        client = redis.Redis.from_url(self.url)\n        try:\n"
     "            return client.get(q)\n        finally:\n            client.close()\n", "call"),
    ("def progress(task_id):\n    r = redis.from_url('redis://h')\n    try:\n        r.incr(task_id)\n"
     "    finally:\n        r.connection_pool.disconnect()\n        r.close()\n", "call"),
    ("URL = 'redis://h'\nasync def fetch(key):\n    async with aredis.from_url(URL) as r:\n        return await r.get(key)\n",
     "call"),
    ("import contextlib\nclass Broker:\n    def __init__(self, sentinel):\n        self.sentinel = sentinel\n"
     "    @contextlib.asynccontextmanager\n    async def master(self):\n"
     "        async with self.sentinel.master_for('m') as conn:\n            yield conn\n"
     "    async def kick(self, m):\n        async with self.master() as conn:\n            await conn.lpush('q', m)\n",
     "`with`"),
    # A function that returns a redis-py class imported inside it (so a missing package fails late).
    ("def _redis_class():\n    from redis import Redis\n    return Redis\n"
     "def search(key):\n    c = _redis_class().from_url(settings.URL)\n    try:\n        return c.get(key)\n"
     "    finally:\n        c.close()\n", "call"),
])
def test_rl602_flags_a_client_built_and_closed_on_every_call(body, use):
    if "self.sentinel = sentinel" in body:
        body = body.replace("self.sentinel = sentinel", "self.sentinel = aredis.sentinel.Sentinel([('h', 26379)])")
    assert f"built and closed on every {use} of" in P.message(body)


@pytest.mark.parametrize("body", [
    # A check of a connection: a fresh one is what it is for.
    "def test_connection(url):\n    with redis.Redis.from_url(url) as r:\n        return r.ping()\n",
    "def check_redis(url):\n    r = redis.Redis.from_url(url)\n    try:\n        return r.ping()\n    finally:\n"
    "        r.close()\n",
    # Once per worker, per object, per run of the program.
    "def _worker_copy(url, keys):\n    with redis.Redis.from_url(url) as r:\n        r.delete(*keys)\n",
    "class Router:\n    @classmethod\n    def from_existing(cls, url):\n        with redis.Redis.from_url(url) as r:\n"
    "            return cls(r.get('config'))\n",
    "def load(url):\n    with redis.Redis.from_url(url) as r:\n        return r.get('x')\n"
    "def main():\n    print(load('redis://h'))\n",
    "def load(url):\n    with redis.Redis.from_url(url) as r:\n        return r.get('x')\nCONFIG = load('redis://h')\n",
    # All it does with the client is ping it: a check that the server answers, by any name.
    "def is_up(url):\n    with redis.Redis.from_url(url) as r:\n        return r.ping()\n",
    "class Store:\n    def reachable(self):\n        client = redis.Redis.from_url(self.url)\n        try:\n"
    "            return client.ping()\n        finally:\n            client.close()\n",
    # Commands sent in a loop: a consumer's or a batch's one client for its whole run.
    "class Consumer:\n    def run(self):\n        with redis.Redis.from_url(self.url) as r:\n            while True:\n"
    "                self.handle(r.blpop('q'))\n",
    "def purge(self, keys):\n    with redis.Redis.from_url(URL) as r:\n        for key in keys:\n"
    "            r.delete(key)\n",
    "class Listener:\n    def run(self):\n        with redis.Redis.from_url(self.url) as r:\n"
    "            p = r.pubsub()\n            p.subscribe('c')\n            for m in p.listen():\n"
    "                self.handle(m)\n",
    # Not closed: how often it runs is its callers' business.
    "def load(url):\n    return redis.Redis.from_url(url).get('x')\n",
])
def test_rl602_quiet_for_clients_closed_where_that_is_the_point(body):
    assert P.found(body) == []


def test_rl602_quiet_for_a_client_closed_in_a_script(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "dump.py").write_text(
        "import redis\n\ndef dump(url):\n    with redis.Redis.from_url(url) as r:\n        return r.keys('*')\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [d for d in result.diagnostics if d.code == "RL602"] == []


def test_rl602_a_name_closed_and_then_rebound_to_a_returned_client_is_a_factory():
    body = ("def _cluster(url):\n    return redis.RedisCluster.from_url(url)\n"
            "def get_client(url):\n    client = _cluster(url) if 'cluster' in url else redis.from_url(url)\n"
            "    if url.endswith('/c'):\n        client.close()\n        client = _cluster(url)\n    return client\n")
    assert P.found(body) == []


def test_rl602_flags_a_factory_whose_caller_closes_the_client_after_one_use():
    body = (FACTORY + "class Storage:\n    def read(self, key):\n        c = get_client()\n        try:\n"
            "            return c.get(key)\n        finally:\n            close_client(c)\n")
    (d,) = P.found(body)
    assert "every call of `get_client()`" in d.message and "`Storage.read()`" in d.message and "closes it" in d.message


@pytest.mark.parametrize("body", [
    "def is_limited(request, rate):\n    r = redis.from_url('redis://h')\n    return r.incr(request.path) > rate\n",
    "class Limiter:\n    def process_request(self, request):\n        r = redis.Redis()\n        r.incr(request.path)\n",
])
def test_rl602_a_function_given_the_request_runs_once_per_request(body):
    assert "once per request" in P.message(body)


@pytest.mark.parametrize("default", [
    "options.pop('client', redis.Redis(host='h'))",
    "options.get('client', redis.Redis(host='h'))",
    "getattr(g, 'client', redis.Redis(host='h'))",
])
def test_rl602_a_default_is_built_on_every_call_even_when_not_needed(default):
    body = f"from flask import g\n@app.route('/')\ndef index(**options):\n    client = {default}\n    return client.get('x')\n"
    assert "once per call" in P.message(body)


def test_rl602_a_fixture_taking_pytests_request_is_not_per_request():
    body = "import pytest\n@pytest.fixture\ndef client(request):\n    r = redis.Redis()\n    r.ping()\n    return r\n"
    assert P.found(body) == []


def test_rl602_a_subclass_without_an_init_of_its_own_runs_its_bases(tmp_path):
    (tmp_path / "base.py").write_text("import redis\n\nclass Base:\n    def __init__(self):\n"
                                      "        self.r = redis.Redis(host='h')\n")
    (tmp_path / "sub.py").write_text("from base import Base\n\nclass Sub(Base):\n    pass\n")
    (tmp_path / "views.py").write_text("import redis\nfrom flask import Flask\nfrom sub import Sub\n"
                                       "app = Flask(__name__)\n\n@app.route('/')\ndef index():\n"
                                       "    return Sub().r.get('x')\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    (d,) = [d for d in result.diagnostics if d.code == "RL602"]
    assert d.path.endswith("base.py") and d.line == 5 and "`index()`" in d.message


def test_rl602_calls_from_test_code_are_no_evidence(tmp_path):
    (tmp_path / "app.py").write_text("import redis\n\ndef get_client():\n    return redis.Redis(host='h')\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(
        "from app import get_client\n\ndef test_many():\n    for _ in range(3):\n        get_client().ping()\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [d for d in result.diagnostics if d.code == "RL602"] == []


@pytest.mark.parametrize("view", [
    "from flask.views import MethodView\nclass Status(MethodView):\n",
    "from flask_restful import Resource\nclass Base(Resource):\n    pass\nclass Status(Base):\n",
    "from django.views.generic import View\nclass Status(View):\n",
    "from rest_framework.views import APIView\nclass Status(APIView):\n",
])
def test_rl602_the_http_methods_of_a_class_based_view_are_request_handlers(view):
    body = view + "    def get(self, *args):\n        return self._check()\n" \
                  "    def _check(self):\n        r = redis.Redis(host='h')\n        return r.ping()\n"
    (d,) = P.found(body)
    assert "(a request handler" in d.message and "`Status.get()`" in d.message


def test_rl602_quiet_for_methods_of_classes_that_are_not_views():
    body = "class Status:\n    def get(self):\n        return self._check()\n" \
           "    def _check(self):\n        r = redis.Redis(host='h')\n        return r.ping()\n"
    assert P.found(body) == []


def test_rl602_a_fakeredis_alternative_is_a_test_double():
    body = ("import fakeredis\nTESTING = False\n"
            "def connect(url):\n    cls = fakeredis.FakeRedis if TESTING else redis.Redis\n    return cls.from_url(url)\n"
            "@app.route('/')\ndef index():\n    return connect('redis://h').get('x')\n")
    assert "every call of `connect()`" in P.message(body)


def test_rl602_follows_a_method_called_on_a_parameter_annotated_with_its_class(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "blocks.py").write_text(
        "import redis\n\nclass Db:\n    def client(self):\n        return redis.Redis(host='h')\n")
    (tmp_path / "pkg" / "tasks.py").write_text(
        "from typing import Optional\nfrom celery import shared_task\nfrom .blocks import Db\n\n"
        "@shared_task\ndef count(db: Optional['Db'] = None):\n    db.client().incr('n')\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    (d,) = [d for d in result.diagnostics if d.code == "RL602"]
    assert d.path.endswith("blocks.py") and d.line == 5 and "`count()` (a task" in d.message


@pytest.mark.parametrize("body, reported", [
    # A reconnect when the shared client failed runs on the error, not on every request.
    ("@app.route('/')\ndef index():\n    try:\n        return CLIENT.get('x')\n    except redis.ConnectionError:\n"
     "        return redis.Redis(host='h').get('x')\n", False),
    ("@app.route('/')\ndef index():\n    try:\n        return redis.Redis(host='h').get('x')\n"
     "    except redis.ConnectionError:\n        return None\n", True),
    ("def ping_all(urls):\n    for u in urls:\n        try:\n            CLIENT.ping()\n        except OSError:\n"
     "            redis.from_url(u).ping()\n", False),
])
def test_rl602_a_client_built_in_an_except_clause_is_a_fallback(body, reported):
    assert len(P.found(body)) == (1 if reported else 0)


def test_rl602_a_factory_called_in_an_except_clause_is_a_fallback(tmp_path):
    (tmp_path / "conn.py").write_text("import redis\n\ndef get_connection():\n    return redis.Redis()\n")
    (tmp_path / "jobs.py").write_text(
        "from conn import get_connection\n\ndef sweep(keys, conn):\n    for key in keys:\n        try:\n"
        "            conn.delete(key)\n        except RuntimeError:\n            conn = get_connection()\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [d for d in result.diagnostics if d.code == "RL602"] == []
    (tmp_path / "jobs.py").write_text(
        "from conn import get_connection\n\ndef sweep(keys):\n    for key in keys:\n        get_connection().delete(key)\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1)
    assert [(d.code, d.line) for d in result.diagnostics if d.code == "RL602"] == [("RL602", 4)]


# --- RL602: factories judged by their callers ---------------------------------------------------

FACTORY = "def get_client():\n    return redis.Redis(host='h')\n"


@pytest.mark.parametrize("body", [
    "@app.route('/')\ndef index():\n    app.r = get_client()\n",
    "CLIENTS = {}\n@app.route('/')\ndef index():\n    CLIENTS['x'] = c = get_client()\n    return c.get('x')\n",
])
def test_rl602_flags_a_handler_that_stores_a_factorys_client_on_every_call(body):
    (d,) = P.found(FACTORY + body)
    assert "every call of `get_client()`" in d.message and "`index()` (a request handler" in d.message


@pytest.mark.parametrize("body, why", [
    ("@app.route('/')\ndef index():\n    return get_client().get('x')\n", "`index()` (a request handler"),
    ("@shared_task\ndef job():\n    get_client().ping()\n", "`job()` (a task"),
    ("def ping_all(keys):\n    for k in keys:\n        get_client().get(k)\n", "`ping_all()` calls it in a loop"),
    # Before each request: a per-request hook is a handler too.
    ("@app.before_request\ndef connect():\n    get_client().ping()\n", "`connect()` (a request handler"),
])
def test_rl602_flags_a_factory_called_per_request_task_or_iteration(body, why):
    (d,) = P.found(FACTORY + body)
    assert d.line - P.header.count("\n") == 2
    assert "every call of `get_client()`" in d.message and why in d.message


@pytest.mark.parametrize("body", [
    "",  # no callers: a library API whose use we cannot see
    "r = get_client()\n",  # module level
    "def create_app():\n    app.r = get_client()\n",  # start-up code
    "class Repo:\n    def __init__(self):\n        self.r = get_client()\n",
    "@functools.lru_cache()\ndef cached():\n    return get_client()\n@app.route('/')\ndef index():\n    return cached().get('x')\n",
    # The handler keeps it, once: on an object, in a container, after checking (a lazy cache).
    "@app.route('/')\ndef index():\n    if not hasattr(app, 'r'):\n        app.r = get_client()\n",
    "CLIENTS = {}\n@app.route('/')\ndef index():\n    if 'x' not in CLIENTS:\n        CLIENTS['x'] = get_client()\n"
    "    return CLIENTS['x'].get('x')\n",
    # Handed to a call that may keep it.
    "@app.route('/')\ndef index():\n    register(get_client())\n",
    # A plain function calls it: how often that runs is its callers' business, and it has none.
    "def profile(uid):\n    return get_client().get(uid)\n",
    # ... or callers that run once.
    "def profile(uid):\n    return get_client().get(uid)\ndef main():\n    print(profile(1))\n",
    "def profile(uid):\n    return get_client().get(uid)\nFIRST = profile(1)\n",
])
def test_rl602_quiet_for_a_factory_whose_callers_run_once_or_cannot_be_seen(body):
    assert P.found(FACTORY + body) == []


USES = "def profile(uid):\n    r = redis.Redis(host='h')\n    return r.get(uid)\n"


@pytest.mark.parametrize("body, why", [
    ("@app.route('/p/<uid>')\ndef show(uid):\n    return render(profile(uid))\n", "`show()` (a request handler"),
    ("@shared_task\ndef warm(uid):\n    cache[uid] = profile(uid)\n", "`warm()` (a task"),
    ("def all_profiles(uids):\n    return [profile(u) for u in uids]\n", "`all_profiles()` calls it in a loop"),
    # Through a plain function that calls it in turn.
    ("def page(uid):\n    return {'p': profile(uid)}\n@app.route('/')\ndef index():\n    return page(1)\n",
     "`index()` (a request handler"),
])
def test_rl602_a_plain_function_that_uses_and_drops_a_client_is_judged_by_its_callers(body, why):
    (d,) = P.found(USES + body)
    assert d.line - P.header.count("\n") == 2
    assert "every call of `profile()`" in d.message and why in d.message


def test_rl602_a_plain_function_that_uses_a_factorys_client_is_judged_by_its_callers():
    code = FACTORY + "def count(key):\n    c = get_client()\n    return c.llen(key)\n" \
        "@app.route('/n')\ndef n():\n    return str(count('q'))\n"
    (d,) = P.found(code)
    assert d.line - P.header.count("\n") == 2
    assert "`n()` (a request handler" in d.message and "through `count()`" in d.message


@pytest.mark.parametrize("body", [
    "",  # nobody in the project calls it
    "def main():\n    print(profile(1))\n",  # start-up code
    "FIRST = profile(1)\n",  # module level
    "def check():\n    try:\n        return CLIENT.get('x')\n    except OSError:\n        return profile(1)\n"
    "@app.route('/')\ndef index():\n    return check()\n",  # a fallback on an error
    "schedule(profile)\n",  # a mention that is no call: its callers are not in view
])
def test_rl602_quiet_for_a_plain_function_whose_callers_run_once_or_cannot_be_seen(body):
    assert P.found(USES + body) == []


_BASE = (
    "class Storage:\n"
    "    def keys(self):\n        return []\n\n"
    "    def get_data(self, key):\n        raise NotImplementedError\n\n"
    "    def sync(self):\n{sync}"
)
_SUB = (
    "import redis\nfrom app.base import Storage\n\n\n"
    "class RedisStorage(Storage):\n"
    "    def client(self):\n        return redis.Redis(host='h')\n\n"
    "    def get_data(self, key):\n        c = self.client()\n        return c.get(key)\n"
)


@pytest.mark.parametrize("sync, reported", [
    # The base class's loop calls `self.get_data(key)`: on a RedisStorage, that is its override.
    ("        for key in self.keys():\n            self.get_data(key)\n", True),
    # Once per sync, and sync's own callers are not in view.
    ("        return self.get_data('all')\n", False),
    # Another object's method, not the one `self` overrides.
    ("        for key in self.keys():\n            OTHER.get_data(key)\n", False),
])
def test_rl602_follows_a_base_class_calling_a_subclass_override(tmp_path, sync, reported):
    # base.py never names redis: the hooks parse it, as the base of a class that builds a client.
    (tmp_path / "requirements.txt").write_text("redis==5.0.1\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "base.py").write_text(_BASE.format(sync=sync))
    (app / "redis_storage.py").write_text(_SUB)
    found = [d for d in lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics
             if d.code == "RL602"]
    assert [(d.path.rsplit("/", 1)[-1], d.line) for d in found] == ([("redis_storage.py", 7)] if reported else [])
    if reported:
        assert "`Storage.sync()` calls it in a loop (app/base.py) through `RedisStorage.get_data()`" in found[0].message


_ASYNC_FACTORY = "import redis.asyncio as aredis\n\nasync def make():\n    return aredis.Redis(host='h')\n"


@pytest.mark.parametrize("body, reported", [
    # Awaited in a loop: a new client per iteration.
    ("async def touch(keys):\n    for k in keys:\n        c = await make()\n        await c.expire(k, 5)\n", True),
    # A lazily cached accessor: `client = await make()` is kept on the object, so its callers get
    # the same client every time.
    ("class Cache:\n    async def client(self):\n        c = getattr(self, '_c', None)\n        if c is None:\n"
     "            c = await make()\n            self._c = c\n        return c\n"
     "    async def touch(self, keys):\n        for k in keys:\n            c = await self.client()\n"
     "            await c.expire(k, 5)\n", False),
])
def test_rl602_sees_through_await(tmp_path, body, reported):
    (tmp_path / "conn.py").write_text(_ASYNC_FACTORY)
    (tmp_path / "cache.py").write_text("from conn import make\n\n" + body)
    found = [d for d in lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path)), jobs=1).diagnostics
             if d.code == "RL602"]
    assert [(d.path.rsplit("/", 1)[-1], d.line) for d in found] == ([("conn.py", 4)] if reported else [])


def test_rl602_a_coroutine_made_per_worker_is_not_a_call_per_iteration():
    worker = ("async def worker(url, keys):\n    client = aredis.from_url(url)\n    try:\n"
              "        for k in keys:\n            await client.get(k)\n    finally:\n        await client.aclose()\n")
    spawned = "async def process(url, shards):\n    await asyncio.gather(*[worker(url, s) for s in shards])\n"
    assert P.found("import asyncio\n" + worker + spawned) == []
    awaited = "async def process(url, shards):\n    for s in shards:\n        await worker(url, s)\n"
    assert P.lines("import asyncio\n" + worker + awaited) == [3]


@pytest.mark.parametrize("factory, reported", [
    # Memoized by hand: built only when the cache has none, then kept there.
    ("_CLIENTS = {}\ndef get_client(db=0):\n    client = _CLIENTS.get(db)\n    if client is None:\n"
     "        client = redis.Redis(db=db)\n        _CLIENTS[db] = client\n    return client\n", False),
    # Tested, but not kept: a new one whenever the caller passes none.
    ("def get_client(client=None):\n    if client is None:\n        client = redis.Redis()\n    return client\n", True),
])
def test_rl602_a_factory_memoized_by_hand(factory, reported):
    code = factory + "@app.route('/')\ndef index():\n    return get_client().get('x')\n"
    assert len(P.found(code)) == (1 if reported else 0)


def test_rl602_quiet_for_a_cached_factory_called_per_request():
    code = ("@functools.lru_cache()\ndef get_client():\n    return redis.Redis(host='h')\n"
            "@app.route('/')\ndef index():\n    return get_client().get('x')\n")
    assert P.found(code) == []


def test_rl602_follows_a_chain_through_two_factories():
    code = (FACTORY
            + "def get_queue(name):\n    conn = get_client()\n    return Queue(name, connection=conn)\n"
            + "def get_queue_by_index(i):\n    return get_queue(NAMES[i])\n"
            + "@app.route('/q/<int:i>')\ndef jobs(i):\n    return render(get_queue_by_index(i))\n")
    (d,) = P.found(code)
    assert d.line - P.header.count("\n") == 2
    assert "`jobs()` (a request handler" in d.message
    assert "through `get_queue_by_index()`, `get_queue()`" in d.message


def test_rl602_follows_a_factory_that_returns_an_object_holding_the_client():
    code = ("def make():\n    svc = Service()\n    svc.redis = redis.Redis()\n    return svc\n"
            "@app.route('/')\ndef index():\n    return make().run()\n")
    assert P.lines(code) == [3]


def test_rl602_a_sentinel_whose_master_client_a_factory_returns():
    # The client `master_for` returns draws its connections from the Sentinel built here.
    code = ("from redis.sentinel import Sentinel\n"
            "def get_client():\n    sentinel = Sentinel([('h', 26379)], socket_timeout=1)\n"
            "    return sentinel.master_for('mymaster')\n")
    sentinel, master = P.found(code + "@app.route('/')\ndef index():\n    return get_client().get('x')\n")
    assert sentinel.line - P.header.count("\n") == 3 and "a new Redis Sentinel" in sentinel.message
    # `master_for` builds a new client on a connection pool of its own, on every call.
    assert master.line - P.header.count("\n") == 4 and "a new Redis client" in master.message
    # Built once: at module level, or by a caller that runs once.
    assert P.found(code + "r = get_client()\n") == []
    # A Sentinel built once, and its master client built per request: that client is the one.
    shared = ("from redis.sentinel import Sentinel\nSENTINEL = Sentinel([('h', 26379)])\n"
              "def get_client():\n    return SENTINEL.master_for('mymaster')\n")
    assert P.lines(shared + "@app.route('/')\ndef index():\n    return get_client().get('x')\n") == [4]
    assert P.lines(shared + "CLIENT = get_client()\n") == []
    # Kept in a local that is returned: the Sentinel goes with it.
    local = ("from redis.sentinel import Sentinel\n"
             "def get_client():\n    sentinel = Sentinel([('h', 26379)])\n"
             "    client = sentinel.slave_for('mymaster')\n    return client\n")
    assert P.lines(local + "@app.route('/')\ndef index():\n    return get_client().get('x')\n") == [3, 4]
    # Not a Sentinel the code shows: nothing is known of `master_for`.
    assert P.lines("def get_client(s):\n    return s.master_for('m')\n"
                   "@app.route('/')\ndef index():\n    return get_client(S).get('x')\n") == []


def test_rl602_chain_depth_is_bounded():
    code = (FACTORY
            + "".join(f"def f{i}():\n    return {'get_client' if i == 1 else f'f{i - 1}'}()\n" for i in range(1, 5))
            + "@app.route('/')\ndef index():\n    return f4().get('x')\n")
    assert P.found(code) == []


def test_rl602_a_default_built_only_when_the_caller_gives_none():
    base = (FACTORY
            + "def get_queue(name, connection=None):\n    if connection is None:\n"
            + "        connection = get_client()\n    return Queue(name, connection=connection)\n")
    loop = "def stats(names):\n    conn = CONN\n    for n in names:\n        get_queue(n, connection=conn).count\n"
    assert P.found(base + loop) == []
    assert len(P.found(base + loop.replace("get_queue(n, connection=conn)", "get_queue(n)"))) == 1


def test_rl602_a_factory_called_from_a_handler_in_another_module(tmp_path):
    (tmp_path / "conn.py").write_text("import redis\n\ndef get_client():\n    return redis.Redis(host='h')\n")
    (tmp_path / "web.py").write_text(
        "from flask import Flask\nfrom conn import get_client\napp = Flask(__name__)\n\n"
        "@app.route('/')\ndef index():\n    return get_client().get('x')\n")
    result = lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL602",)}), jobs=1)
    (d,) = result.diagnostics
    assert (d.path.endswith("conn.py"), d.line) == (True, 4)
    assert "`index()` (a request handler, web.py)" in d.message
    (tmp_path / "web.py").write_text("from conn import get_client\n\nCLIENT = get_client()\n")
    assert lint_paths([str(tmp_path)], ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL602",)}),
                      jobs=1).diagnostics == []


# --- RL602: objects whose `__init__` builds a client, judged by where they are built --------------

REPO = "class Repo:\n    def __init__(self, url='redis://h'):\n        self.r = redis.Redis.from_url(url)\n"
HANDLER = "@app.route('/')\ndef index():\n    return {}.r.get('x')\n"


@pytest.mark.parametrize("built, why", [
    ("Repo()", "`index()` (a request handler"),
    ("get_repo()", "`index()` (a request handler"),  # through a factory that returns the object
])
def test_rl602_flags_a_client_an_object_keeps_when_the_object_is_built_per_request(built, why):
    code = REPO + "def get_repo():\n    return Repo()\n" + HANDLER.format(built)
    (d,) = P.found(code)
    assert d.line - P.header.count("\n") == 3
    assert "with every `Repo` object" in d.message and why in d.message


def test_rl602_an_object_that_builds_a_client_only_when_given_none():
    repo = ("class Repo:\n    def __init__(self, client=None):\n        if client is None:\n"
            "            self.r = redis.Redis()\n        else:\n            self.r = client\n")
    handler = "@app.route('/')\ndef index():\n    return {}.r.get('x')\n"
    assert P.lines(repo + handler.format("Repo()")) == [4]
    assert P.lines(repo + handler.format("Repo(client=CLIENT)")) == []
    assert P.lines(repo + handler.format("Repo(CLIENT)")) == []


def test_rl602_flags_per_task_and_per_iteration_objects():
    assert P.lines(REPO + "@shared_task\ndef job():\n    Repo().r.ping()\n") == [3]
    assert "in a loop" in P.message(REPO + "def scan(urls):\n    for u in urls:\n        Repo(u).r.ping()\n")


def test_rl602_follows_a_helper_whose_result_init_keeps():
    # `self.redis = self._client()`: the helper builds once per object.
    code = ("class Broker:\n    def __init__(self):\n        self.redis = self._client()\n"
            "    def _client(self):\n        return redis.Redis()\n"
            "@app.route('/')\ndef index():\n    return Broker().redis.get('x')\n")
    (d,) = P.found(code)
    assert d.line - P.header.count("\n") == 5
    assert "`index()` (a request handler" in d.message and "through `Broker(...)`" in d.message


def test_rl602_follows_subclasses_and_a_new_that_picks_the_class():
    code = ("class Base:\n    def __init__(self, url):\n        self.r = redis.Redis.from_url(url)\n"
            "class Tls(Base):\n    def __init__(self, url):\n        super().__init__(url)\n"
            "class Plain(Base):\n    pass\n"
            "class Broker:\n    def __new__(cls, url):\n"
            "        if url.startswith('rediss'):\n            return Tls(url)\n        return Plain(url)\n")
    (d,) = P.found(code + "@app.route('/')\ndef index():\n    return Broker(URL).r.get('x')\n")
    assert d.line - P.header.count("\n") == 3 and "`Broker(...)`" in d.message
    assert P.found(code + "BROKER = Broker(URL)\n") == []


@pytest.mark.parametrize("use", [
    "REPO = Repo()\n",  # module level
    "def main():\n    repo = Repo()\n    repo.r.ping()\n",  # start-up code
    "@functools.lru_cache()\ndef get_repo():\n    return Repo()\n"
    "@app.route('/')\ndef index():\n    return get_repo().r.get('x')\n",  # a cached factory
    # Kept by another long-lived object.
    "class Service:\n    def __init__(self):\n        self.repo = Repo()\nSERVICE = Service()\n",
    "def setup_app(app):\n    app.repo = Repo()\n",
    "",  # built nowhere in the project: an API, its users decide
    # Given a client, the object builds none.
    "@app.route('/')\ndef index():\n    return Repo2(client=CLIENT).r.get('x')\n",
    # The object is handed to a call that may keep it.
    "@app.route('/')\ndef index():\n    register(Repo())\n",
])
def test_rl602_quiet_for_objects_that_live_long(use):
    repo2 = ("class Repo2:\n    def __init__(self, client=None):\n        if client is None:\n"
             "            client = None\n            self.r = redis.Redis()\n        else:\n            self.r = client\n")
    assert P.found(REPO + repo2 + use) == []


def test_rl602_an_object_kept_elsewhere_still_costs_a_client_where_it_is_built_per_call():
    # The project keeps one `Repo` at module level; a handler that builds another per request
    # opens a client per request all the same (the chain names the handler, where the fix goes).
    message = P.message(REPO + "REPO = Repo()\n@app.route('/')\ndef index():\n    return Repo().r.get('x')\n")
    assert "every `Repo` object, and `index()` (a request handler" in message
    # One object per item of a loop, each kept: one per server, not one per call.
    assert P.found(REPO + "def build(urls):\n    repos = []\n    for u in urls:\n        repo = Repo(u)\n"
                          "        repos.append(repo)\n    return repos\n") == []
    # A connection-check endpoint builds its own to try the settings.
    assert P.found(REPO + "@app.route('/health')\ndef check_redis_connection():\n    return Repo().r.ping()\n") == []


def test_rl602_an_object_built_per_request_in_another_module(tmp_path):
    # The handler's module names no Redis module: the project hooks parse it because it uses
    # a class whose objects build a client, through a base class of a third module.
    (tmp_path / "broker.py").write_text(
        "import redis\n\nclass Broker:\n    def __init__(self, url):\n        self.r = redis.Redis.from_url(url)\n")
    (tmp_path / "base.py").write_text(
        "from broker import Broker\n\nclass BaseHandler:\n    def get_broker(self):\n"
        "        return Broker(self.url)\n")
    (tmp_path / "views.py").write_text(
        "from tornado import web\nfrom base import BaseHandler\n\nclass BrokerView(BaseHandler):\n"
        "    @web.authenticated\n    def get(self):\n        broker = self.get_broker()\n"
        "        self.write(broker.r.get('x'))\n")
    resolver = ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL602",)})
    for prefilter in (True, False):
        (d,) = lint_paths([str(tmp_path)], resolver, jobs=1, prefilter=prefilter).diagnostics
        assert (d.path.endswith("broker.py"), d.line) == (True, 5)
        assert "`BrokerView.get()` (a request handler, views.py) builds one through `BaseHandler.get_broker()`" \
            in d.message


def test_rl601_quiet_when_the_timeout_is_set_on_the_pool_before_use():
    code = ("def check(uri):\n    client = redis.Redis.from_url(uri)\n"
            "    client.connection_pool.connection_kwargs['socket_timeout'] = 3\n    client.ping()\n")
    assert S.lines(code, **OLD) == []
    assert S.lines(code.replace("'socket_timeout'] = 3", "'socket_timeout'] = None"), **OLD) == [2]
    pool = "def check():\n    pool = redis.ConnectionPool()\n    pool.connection_kwargs['socket_timeout'] = 3\n"
    assert S.lines(pool, **OLD) == []


def _broker_project(tmp_path, tasks: str) -> list:
    """A broker whose base class's `__init__` keeps what the subclass's `get_connection()`
    builds, a factory of brokers, and ``tasks`` (which names no Redis module) using it."""
    (tmp_path / "base.py").write_text(
        "class Broker:\n    def __init__(self):\n        self.connection = self.get_connection()\n"
        "    @staticmethod\n    def get_connection():\n        return None\n\n"
        "def get_broker():\n    from qbroker import QBroker\n    return QBroker()\n")
    (tmp_path / "qbroker.py").write_text(
        "import redis\nfrom base import Broker\n\nclass QBroker(Broker):\n    @staticmethod\n"
        "    def get_connection():\n        return redis.Redis.from_url('redis://h', socket_timeout=5)\n")
    (tmp_path / "tasks.py").write_text("from base import get_broker\n\n" + tasks)
    resolver = ConfigResolver(cwd=str(tmp_path), overrides={"select": ("RL602",)})
    return [lint_paths([str(tmp_path)], resolver, jobs=1, prefilter=prefilter).diagnostics
            for prefilter in (True, False)]


PUSH = "def push(item, **options):\n    broker = options.pop('broker', None) or get_broker()\n" \
       "    broker.connection.rpush('q', item)\n"


def test_rl602_follows_an_override_that_a_base_initialiser_keeps_into_a_module_without_redis(tmp_path):
    # `push()` builds a broker (and its client) unless its caller passes one: the loop that
    # passes none builds one per item.  tasks.py is parsed for it although it names no Redis
    # module (the hooks follow the base class's `self.get_connection()` to the override).
    for found in _broker_project(tmp_path, PUSH + "def push_all(items):\n    for item in items:\n        push(item)\n"):
        (d,) = found
        assert (d.path.endswith("qbroker.py"), d.line) == (True, 7)
        assert "`push_all()` calls it in a loop (tasks.py) through `push()`, `get_broker()`, `Broker(...)`" \
            in d.message


@pytest.mark.parametrize("caller", [
    # The keyword the `or` waits for is passed, or a `**mapping` may hold it.
    "def push_all(items, b):\n    for item in items:\n        push(item, broker=b)\n",
    "def push_all(items, opts):\n    for item in items:\n        push(item, **opts)\n",
    # The fallback of an `or` whose left side reads state: built only when that is missing.
    "class Stat:\n    def __init__(self, sentinel):\n        self.broker = sentinel.broker or get_broker()\n"
    "def save_all(sentinels):\n    for s in sentinels:\n        Stat(s).broker.connection.ping()\n",
])
def test_rl602_quiet_when_the_caller_passes_what_the_or_waits_for(tmp_path, caller):
    assert _broker_project(tmp_path, PUSH + caller) == [[], []]


def test_rl602_a_star_args_call_cannot_pass_a_keyword_of_kwargs(tmp_path):
    # `*args` fills positions only: `broker` (a key of `**options`) is still left out.
    (found, _) = _broker_project(tmp_path, PUSH + "def push_all(rows):\n    for row in rows:\n        push(*row)\n")
    assert len(found) == 1 and "`push_all()` calls it in a loop" in found[0].message


HELD_FACTORY = ("def make_client():\n    return aredis.Redis.from_url(URL, socket_timeout=1)\n"
           "import dataclasses\nimport threading\n")
# A `run()` that calls what `client_factory` holds and closes the client after one use.
HELD_RUN = ("    async def run(self):\n        client = self.client_factory()\n        try:\n"
            "            return await client.exists('lock')\n        finally:\n            await client.aclose()\n")


@pytest.mark.parametrize("holder", [
    "@dataclasses.dataclass\nclass Check:\n    client_factory: object = dataclasses.field(default=make_client)\n",
    "class Check:\n    client_factory = make_client\n",
])
def test_rl602_follows_a_function_an_attribute_holds_to_a_job_run(holder):
    # `self.client_factory()` calls the function the class attribute (or the field's default)
    # holds; a `run()` that is not a thread's is what the object does on each call.
    body = HELD_FACTORY + holder + HELD_RUN
    (d,) = P.found(body)
    assert "every call of `make_client()`, and `Check.run()`" in d.message and "closes it after one use" in d.message


@pytest.mark.parametrize("holder", [
    # The attribute holds more than one thing: which one runs is not known.
    "class Check:\n    client_factory = make_client\n    def __init__(self, f=None):\n"
    "        self.client_factory = f\n",
    # A thread's `run()` is the worker's life: one client for it.
    "class Check(threading.Thread):\n    client_factory = make_client\n",
])
def test_rl602_quiet_for_an_attribute_of_unknown_function_or_a_threads_run(holder):
    body = HELD_FACTORY + holder + HELD_RUN
    assert P.found(body) == []


def test_rl602_routes_registered_on_self_by_an_application_subclass():
    # `class Dashboard(FastAPI)` registers its routes in `__init__` with `@self.get(...)`.
    body = ("from fastapi import FastAPI\nclass Dashboard(FastAPI):\n    def __init__(self, url):\n"
            "        super().__init__()\n        @self.get('/workers')\n        def workers():\n"
            "            return redis.Redis.from_url(url).get('w')\n")
    assert "once per call" in P.message(body)
    # Not on a class that is no application: `self.get` may be anything.
    assert P.found(body.replace("(FastAPI)", "")) == []


@pytest.mark.parametrize("body, reported", [
    # An object built around the client holds it, and goes no further than the handler.
    ("@app.route('/')\ndef index():\n    q = Queue(connection=redis.Redis(host='h'))\n    q.enqueue(print)\n", True),
    ("@app.route('/')\ndef index():\n    r = redis.Redis(host='h')\n    Queue(connection=r).enqueue(print)\n", True),
    ("@app.route('/')\ndef index():\n    r = redis.Redis(host='h')\n    q = Queue(connection=r)\n"
     "    w = Worker([q], connection=r)\n    w.work(burst=True)\n", True),
    # ... or it is stored on every call, replacing the one before.
    ("@app.route('/')\ndef index():\n    r = redis.Redis(host='h')\n    app.q = Queue(connection=r)\n", True),
    # A factory returns the object that holds it: judged by its callers.
    ("def get_queue():\n    r = redis.Redis(host='h')\n    q = Queue(connection=r)\n    return q\n"
     "@app.route('/')\ndef index():\n    get_queue().enqueue(print)\n", True),
    # Handed to a call that may keep it, or to an object that something keeps.
    ("@app.route('/')\ndef index():\n    r = redis.Redis(host='h')\n    register(r)\n", False),
    ("@app.route('/')\ndef index():\n    r = redis.Redis(host='h')\n    q = Queue(connection=r)\n    QUEUES.append(q)\n", False),
    ("@app.route('/')\ndef index():\n    r = redis.Redis(host='h')\n    q = Queue(connection=r)\n    keep(q)\n", False),
    ("def setup_queue():\n    app.q = Queue(connection=redis.Redis(host='h'))\n", False),
])
def test_rl602_an_object_built_around_the_client_holds_it(body, reported):
    assert bool(P.found("from rq import Queue, Worker\nQUEUES = []\n" + body)) is reported
