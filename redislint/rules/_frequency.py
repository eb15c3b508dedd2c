"""How often a function runs, as far as the code shows: once (start-up code, a cached function,
an initialiser, a script), per request (a handler, a hook, a function given the request), per task,
per loop iteration, or per call of a function built to throw its client away.  RL602 asks these
questions of every function on a chain of calls; the answers read FunctionInfo and the call
sites of the model, never the syntax tree."""
from __future__ import annotations

from typing import Optional

from ..registry import Context
from ._support import derives_from, request_handler, task_function

# Functions that run once, or once per long-lived object: building a client there is how it
# should be done.  By name: constructors and context entries, test set-up, and start-up code.
_ONCE_METHODS = frozenset({"__init__", "__new__", "__post_init__", "__enter__", "__aenter__", "__set_name__",
                           "setUp", "setUpClass", "asyncSetUp", "setup_method", "setup_class"})
_STARTUP_NAMES = frozenset({"main", "create_app", "make_app", "app_factory", "get_app", "build_app", "startup",
                            "on_startup", "ready", "run", "cli"})
_STARTUP_PREFIXES = ("setup", "set_up", "init", "configure", "bootstrap", "create_app", "on_startup")
# Decorators that make a function run once (cached factories, fixtures, lifespans, start-up hooks).
_ONCE_DECORATORS = frozenset({"cache", "lru_cache", "cached", "cached_property", "memoize", "memoized",
                              "fixture", "contextmanager", "asynccontextmanager", "on_event",
                              "before_first_request", "before_serving", "on_startup", "startup",
                              "worker_process_init", "setup", "once"})
CONTEXT_MANAGERS = frozenset({"contextmanager", "asynccontextmanager"})
# Classes whose `run()` is the life of a thread or a process (a worker), not a call.
_WORKER_BASES = frozenset({"threading.Thread", "multiprocessing.Process", "multiprocessing.context.Process",
                           "gevent.Greenlet"})


def runs_once(module, function, closing: bool = False) -> bool:
    """Start-up code, a cached function, or (unless ``closing``: it closes what it builds, so it
    is a `with` block's client, once per `with`) a context manager such as a lifespan."""
    name = function.name
    if name in _ONCE_METHODS or _startup_name(module, function):
        return True
    if function.class_name == "Command" and name == "handle":
        return True  # a Django management command runs once per invocation
    once = _ONCE_DECORATORS - CONTEXT_MANAGERS if closing else _ONCE_DECORATORS
    return bool(once.intersection(function.decorators))


def _startup_name(module, function) -> bool:
    """Named as start-up code (`main`, `setup_*`, `app_lifespan`, ...).  A method's `run()` is only
    for a thread or a process (its whole life); a job's, a check's or a command's `run()` is what
    the object does on each call."""
    name = function.name
    if name == "run" and function.class_name is not None:
        return derives_from(module, function.class_name, _WORKER_BASES)
    return name in _STARTUP_NAMES or name.lower().startswith(_STARTUP_PREFIXES) or "lifespan" in name.lower()


# Code run by hand or once per run: examples, benchmarks, scripts, tooling, migrations, CLI
# commands.  A client it builds and closes serves that one run.
_SCRIPT_DIRS = frozenset({"examples", "example", "benchmarks", "benchmark", "bench", "scripts", "script",
                          "tools", "docs", "demo", "demos", "migration", "migrations", "cli", "management",
                          "commands"})


def throwaway(ctx: Context, module, function) -> bool:
    """``function`` closes the client it builds (or gets from a factory) before it returns, and
    may run many times: not test code, a script, start-up code, a connection check, nor a
    function that only start-up code or module level calls.  It builds the
    same client again for every call, to serve that one call, however often its callers (a
    framework, the library's users) call it."""
    if module.is_test or _SCRIPT_DIRS.intersection(module.path.replace("\\", "/").split("/")[:-1]):
        return False
    if runs_once(module, function, closing=True) or checks_connection(function.name) or "worker" in function.name.lower():
        return False  # (a worker: handed to a pool or a process, it serves the worker's life)
    if "classmethod" in function.decorators and function.name.startswith("from_"):
        return False  # an alternate constructor: once per object, as `__init__`
    callers = [(m, call) for m, call in ctx.index.callers_of(module, function) if not m.is_test]
    # At import, from start-up code, or as a coroutine made for `gather` (a worker): once.
    return not callers or not all(
        call.function is None or runs_once(m, m.functions[call.function]) or spawned(call, function)
        for m, call in callers)


def repeats(site) -> bool:
    """Inside a loop that runs it per item: not only in retry loops (`while True:` around a
    connect that `break`s or `return`s once it works), which build again only after a failure."""
    return site.loop_depth > site.retry_loops


def runs_per(module, function) -> Optional[str]:
    """What makes ``function`` run once per unit of work, as a chain names it: a request
    handler, a task, or a function given the request it serves (its first parameter, after
    `self`, is `request`: middleware, a view decorator's check, a permission)."""
    if request_handler(module, function):
        return "a request handler"
    if task_function(function):
        return "a task"
    params = function.params
    if function.class_name is not None and "staticmethod" not in function.decorators:
        params = params[1:]
    return "it takes the request" if params[:1] == ("request",) else None


def spawned(call, function) -> bool:
    """An unawaited call of an async function makes a coroutine that something else runs, once
    (a task, `gather`): a worker.  Not an async context manager's, which `async with` enters."""
    return function.is_async and not call.awaited and not CONTEXT_MANAGERS.intersection(function.decorators)


def checks_connection(name: str) -> bool:
    """`test_connection()`, `check_redis()`, `ping()`, `health()`, `validate_url()`,
    `wait_for_redis()`: a check of a connection, which is what a fresh client it builds and
    closes is for."""
    name = name.lower().lstrip("_")
    return name.startswith(("test", "check", "ping", "health", "validate", "verify", "probe", "wait"))
