"""Receivers that only the whole project can resolve (RULES.md "Receivers").

One file cannot tell whether `from app.ext import redis_client` names a client, whether a
subclass's `self.redis` was set to one by a base class in another module, or whether a
function's parameter `r` receives one from its callers.  Extraction records such calls as
*pending*, with ``ClientRef.via`` saying what they depend on:

- ``name:<qualified>``: an imported object (`app.ext.redis_client`);
- ``call:<qualified>``: what an imported function returns (`app.ext.get_redis()`);
- ``attr:<qualified class>.<attr>``: an attribute set by a base class of another module;
- ``param:<function qualname>:<param>``: a parameter of a function of the same module.

Linking moves a pending call into ``ModuleModel.calls`` when the project shows its receiver is a
client: exactly one module exports it (following re-exports in `__init__.py`), or a caller in
the project passes a client for that parameter.  Passing a client through several functions is
followed for a few rounds.  Runs of registered scripts wait the same way, and the scripts that
only the project can read are read last (``scripts``).  Linking is idempotent: a run may index
the same models again.
"""
from __future__ import annotations

import dataclasses
import functools
import zlib
from typing import Any, Callable, Dict, List, Optional, Tuple

from .model import ClientArgument, ClientKind, ClientRef, FunctionCallSite, FunctionInfo, ModuleModel
from .model.clients import reexported_constructor, site_kind
from .scripts import link_scripts

_MAX_ROUNDS = 4
# ``ProjectModules.unique_answer``: found in the module, but not an answer (no re-export to follow).
NOT_WANTED = object()
_MAX_REEXPORTS = 4
# How far up a class hierarchy `ProjectModules.overridden_callers_of` looks.
_MAX_ANCESTRY = 4

ModuleParts = Tuple[str, ...]


@functools.lru_cache(maxsize=None)  # asked for every module, in every round of the hooks
def module_parts(path: str) -> ModuleParts:
    """`app/ext.py` → ("app", "ext"); `app/__init__.py` → ("app",)."""
    text = path.replace("\\", "/")
    for suffix in (".pyi", ".py"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    parts = tuple(p for p in text.split("/") if p and p != "." and p != "..")
    return parts[:-1] if parts and parts[-1] == "__init__" else parts


def package_parts(path: str) -> ModuleParts:
    """The package a module belongs to, for its relative imports."""
    parts = module_parts(path)
    is_init = path.replace("\\", "/").rsplit("/", 1)[-1].startswith("__init__.")
    return parts if is_init else parts[:-1]


@functools.lru_cache(maxsize=4)
def _path_index(paths: Tuple[str, ...]) -> Tuple[Dict[ModuleParts, List[int]], Dict[ModuleParts, List[int]]]:
    """Module indexes by their dotted parts, and by every tail of them (`ext`, `app.ext`)."""
    by_parts: Dict[ModuleParts, List[int]] = {}
    by_suffix: Dict[ModuleParts, List[int]] = {}
    for i, path in enumerate(paths):
        parts = module_parts(path)
        by_parts.setdefault(parts, []).append(i)
        for k in range(len(parts)):
            by_suffix.setdefault(parts[k:], []).append(i)
    return by_parts, by_suffix


class _LazyModules:
    """``index[parts]`` as models, built on first use (most tails are never asked for)."""

    def __init__(self, index: Dict[ModuleParts, List[int]], modules: List[ModuleModel]):
        self.index = index
        self.modules = modules

    def get(self, parts: ModuleParts, default: List[ModuleModel]) -> List[ModuleModel]:
        found = self.index.get(parts)
        return default if found is None else [self.modules[i] for i in found]


def import_key(qualified: str, importer: str) -> Tuple[str, str]:
    """What an import's answer depends on: the name, and the importer only for a relative one."""
    return qualified, importer if qualified.startswith(".") else ""


class ProjectModules:
    """The run's modules, found by the dotted names other modules import them by."""

    def __init__(self, modules: List[ModuleModel]):
        self.modules = modules
        self._functions: Dict[str, Dict[str, FunctionInfo]] = {}
        # The dotted-name index depends only on the paths, which every round of a run shares.
        by_parts, by_suffix = _path_index(tuple(m.path for m in modules))
        self._by_parts = _LazyModules(by_parts, modules)
        self._by_suffix = _LazyModules(by_suffix, modules)
        # Answers are fixed for a set of modules, and asked again for every call and round.
        self._exports: Dict[Tuple[str, str, str], Optional[ClientRef]] = {}
        self._callees: Dict[Tuple[str, str], Optional[Tuple[ModuleModel, FunctionInfo, int]]] = {}
        self._call_sites: Optional[Dict[Tuple[str, str], List[Tuple[ModuleModel, FunctionCallSite, int]]]] = None

    def functions(self, module: ModuleModel) -> Dict[str, FunctionInfo]:
        table = self._functions.get(module.path)
        if table is None:
            table = self._functions[module.path] = {f.qualname: f for f in module.functions}
        return table

    def candidates(self, qualified: str, importer: str):
        """(module, name inside it) pairs an import may name, most specific module first."""
        dots = len(qualified) - len(qualified.lstrip("."))
        parts = tuple(qualified.lstrip(".").split("."))
        base: ModuleParts = ()
        if dots:
            package = package_parts(importer)
            if dots - 1 > len(package):
                return
            base = package[: len(package) - (dots - 1)]
        for k in range(len(parts) - 1, -1, -1):
            wanted, name = base + parts[:k], ".".join(parts[k:])
            if not wanted:
                continue
            found = self._by_parts.get(wanted, []) if dots else self._by_suffix.get(wanted, [])
            if found:
                yield found, name
                return  # the longest module path that exists decides, as Python's import does

    def export(self, qualified: str, importer: str, how: str, depth: int = 0) -> Optional[ClientRef]:
        """The client an import names (``how``: name/call/attr), if exactly one module exports it."""
        if depth == 0:
            key = (*import_key(qualified, importer), how)
            if key not in self._exports:
                self._exports[key] = self._export(qualified, importer, how, 0)
            return self._exports[key]
        return self._export(qualified, importer, how, depth)

    def _export(self, qualified: str, importer: str, how: str, depth: int) -> Optional[ClientRef]:
        def here(m: ModuleModel, name: str):
            ref = m.exported_clients.get(name)
            if ref is None:
                return None
            return ref if (ref.source == "factory") == (how == "call") else NOT_WANTED

        return self.unique_answer(qualified, importer, here, depth=depth)

    def reexported_module(self, qualified: str, importer: str) -> Optional[str]:
        """The redis-py module (`redis`, `redis.asyncio`) that a name imported from the project
        stands for, when the project re-exports it: `from . import redis` in a package whose
        `__init__` has `from .compat import redis`, where compat has `import redis` (or `from
        redis import asyncio as redis`).  None for anything else, or when the answer is not one."""
        return self.unique_answer(qualified, importer, lambda m, name: None,
                                  outside=lambda target: target if target == "redis" or target.startswith("redis.")
                                  else None)

    def unique_answer(self, qualified: str, importer: str, here: Callable[[ModuleModel, str], Any],
                      key: Callable[[Any], Any] = lambda answer: answer, depth: int = 0,
                      outside: Callable[[str], Any] = lambda target: None) -> Any:
        """What an import of the project names, when exactly one answer is found: in each module
        it may name, ``here(module, name)`` is the answer, None (then the module's own import of
        that name is followed, a re-export: `from .ext import redis_client` in `__init__`), or
        ``NOT_WANTED`` (found, but not an answer).  A re-export's target is first offered to
        ``outside`` (a module outside the project); answers are told apart by ``key``."""
        if depth > _MAX_REEXPORTS:
            return None
        found: Dict[Any, Any] = {}
        for modules, name in self.candidates(qualified, importer):
            for m in modules:
                answer = here(m, name)
                if answer is None:
                    head, _, rest = name.partition(".")
                    if head not in m.imports:
                        continue
                    target = m.imports[head] + (f".{rest}" if rest else "")
                    answer = outside(target)
                    if answer is None:
                        answer = self.unique_answer(target, m.path, here, key, depth + 1, outside)
                if answer is not None and answer is not NOT_WANTED:
                    found[key(answer)] = answer
        return next(iter(found.values())) if len(found) == 1 else None

    def call_sites(self) -> Dict[Tuple[str, str], List[Tuple[ModuleModel, FunctionCallSite, int]]]:
        """(module path, function qualname) -> the call sites that call it: (module, site, how
        many parameters come before what the call fills).  Built once."""
        if self._call_sites is None:
            self._call_sites = {}
            for m in self.modules:
                for site in m.function_calls:
                    target = self.callee(m, site.callee)
                    if target is not None:
                        owner, fn, shift = target
                        self._call_sites.setdefault((owner.path, fn.qualname), []).append((m, site, shift))
        return self._call_sites

    def callee(self, module: ModuleModel, callee: str) -> Optional[Tuple[ModuleModel, FunctionInfo, int]]:
        """The function a call in ``module`` invokes ("local:…"/"import:…"), and how many
        parameters (`self`) come before what an `import` callee's arguments fill."""
        key = (module.path, callee)
        if key not in self._callees:
            self._callees[key] = self._callee(module, callee)
        return self._callees[key]

    def _callee(self, module: ModuleModel, callee: str) -> Optional[Tuple[ModuleModel, FunctionInfo, int]]:
        kind, _, target = callee.partition(":")
        if kind == "local":
            fn = self.functions(module).get(target)
            return (module, fn, 0) if fn is not None else None
        bound = 1 if kind == "bound" else 0  # `super().m(...)`: `self` is passed implicitly
        found = []
        for modules, name in self.candidates(target, module.path):
            for m in modules:
                table = self.functions(m)
                if name in table:
                    found.append((m, table[name], bound))
                else:  # a class: `self` (or `cls`, for a `__new__` without `__init__`) comes first
                    init = self._initialiser(m, name)
                    if init is not None:
                        found.append((init[0], init[1], 1))
        return found[0] if len(found) == 1 else None

    def _initialiser(self, module: ModuleModel, name: str, depth: int = 0) -> Optional[Tuple[ModuleModel, FunctionInfo]]:
        """What `name(...)` runs for a class of ``module``: its own `__init__` (or `__new__`), else
        the one it inherits from its first base that the project defines (a few levels up)."""
        table = self.functions(module)
        init = table.get(f"{name}.__init__") or table.get(f"{name}.__new__")
        if init is not None:
            return module, init
        if depth >= 3:
            return None
        for base in module.class_bases.get(name, ()):
            owner = self.class_named(module, base)
            found = self._initialiser(*owner, depth + 1) if owner is not None else None
            if found is not None:
                return found
        return None

    def class_named(self, module: ModuleModel, base: str) -> Optional[Tuple[ModuleModel, str]]:
        """The class a base (as ``ModuleModel.class_bases`` holds it) names: one of ``module``
        (`local:Name`), or the one a single module of the project defines under the imported name."""
        if base.startswith("local:"):
            return module, base[len("local:"):]
        found = [(m, name) for modules, name in self.candidates(base, module.path)
                 for m in modules if name in m.class_bases]
        return found[0] if len(found) == 1 else None

    def overridden_callers_of(self, module: ModuleModel,
                              function: FunctionInfo) -> List[Tuple[ModuleModel, FunctionCallSite, int]]:
        """The calls that reach a method through a base class's own `self.m()`: ``function`` is
        `C.m`, some base `B` of `C` (in this project, followed up through its bases) defines `m`
        too, and a method of `B` calls `self.m(...)` — on a `C` object, that runs `C.m` (the
        template-method pattern: `for key in self.keys(): self.get_data(key)` in the base;
        `self.connection = self.get_connection()` in the base's `__init__`)."""
        if function.class_name is None or function.name.startswith("__"):
            return []
        out = []
        for owner, base in self._ancestors(module, function.class_name):
            fn = self.functions(owner).get(f"{base}.{function.name}")
            if fn is None:
                continue
            for m, site, shift in self.call_sites().get((owner.path, fn.qualname), ()):
                caller = m.functions[site.function] if site.function is not None else None
                if m is owner and caller is not None and caller.class_name == base \
                        and site.callee == f"local:{base}.{function.name}":
                    out.append((m, site, shift))
        return out

    def _ancestors(self, module: ModuleModel, class_name: str) -> List[Tuple[ModuleModel, str]]:
        """The classes ``class_name`` derives from, found in the project: (module, class name),
        nearest first, at most a few levels up."""
        out: List[Tuple[ModuleModel, str]] = []
        todo = [(module, class_name, 0)]
        seen = {(module.path, class_name)}
        while todo:
            m, name, level = todo.pop(0)
            if level >= _MAX_ANCESTRY:
                continue
            for base in m.class_bases.get(name, ()):
                found = self.class_named(m, base)
                if found is not None and (found[0].path, found[1]) not in seen:
                    seen.add((found[0].path, found[1]))
                    out.append(found)
                    todo.append((found[0], found[1], level + 1))
        return out


def _parameter(fn: FunctionInfo, arg: ClientArgument, shift: int) -> Optional[str]:
    if arg.keyword is None and arg.index is None:
        return None  # a position after `*args`: unknown
    return fn.parameter_for(arg.keyword, arg.index or 0, shift)


def link_project_clients(modules: List[ModuleModel], project: Optional[ProjectModules] = None) -> None:
    project = project or ProjectModules(modules)
    param_clients: Dict[Tuple[str, str, str], ClientRef] = {}

    def resolve(ref: ClientRef, module: ModuleModel, passed: bool = False) -> Optional[ClientRef]:
        """What a receiver (or, ``passed``, an argument: holders too) turns out to be."""
        if ref.via is None:
            return ref
        how, _, what = ref.via.partition(":")
        what, held, _attr = what.partition("#")
        if how == "param":
            qualname, _, param = what.rpartition(":")
            found = param_clients.get((module.path, qualname, param))
        else:
            found = project.export(what, module.path, how)
        if passed and found is not None and not held:
            return found
        if found is None or (found.kind is ClientKind.HOLDER) != bool(held):
            return None  # `queue.connection` of a client, or a command on the holder itself
        if held:
            return ClientRef(ClientKind.CLIENT, is_async=found.is_async, source="holder")
        return found

    for _ in range(_MAX_ROUNDS):
        learned = False
        for module in modules:
            for arg in module.client_arguments:
                ref = resolve(arg.client, module, passed=True)
                if ref is None:
                    continue
                target = project.callee(module, arg.callee)
                if target is None:
                    continue
                owner, fn, shift = target
                param = _parameter(fn, arg, shift)
                key = (owner.path, fn.qualname, param or "")
                if param is not None and key not in param_clients:
                    param_clients[key] = ClientRef(ref.kind, is_async=ref.is_async, source="caller")
                    learned = True
        for module in modules:
            _promote(module, resolve)
        if not learned:
            break
    for module in modules:
        _queue_in_passed_pipelines(module, param_clients)
        _confirm_reexported_constructions(module, project)
    link_scripts(modules, project, resolve)


def _promote(module: ModuleModel, resolve) -> None:
    if not module.pending_calls:
        return
    promoted, waiting = [], []
    for call in module.pending_calls:
        found = resolve(call.client, module)
        if found is None:
            waiting.append(call)
            continue
        old = call.client
        # Objects derived from the client (pipelines, json()) keep what they are.
        kind = old.kind if old.kind in (ClientKind.PIPELINE, ClientKind.JSON) else found.kind
        # A new call object: the extracted model stays as it was (the cache keeps it).
        promoted.append(dataclasses.replace(call, client=ClientRef(
            kind, is_async=found.is_async or old.is_async, pipeline_id=old.pipeline_id,
            transactional=old.transactional, source=old.source, via=old.via)))
    if promoted:
        module.calls = sorted(module.calls + promoted, key=lambda c: c.order)
        module.pending_calls = waiting


def _confirm_reexported_constructions(module: ModuleModel, project: ProjectModules) -> None:
    """Move the constructions reached through a project module that re-exports redis-py
    (``ClientSite.via``) into ``clients``, under the constructor they turn out to name."""
    if not module.pending_clients:
        return
    confirmed, waiting = [], []
    for site in module.pending_clients:
        for alias, path in reexported_constructor(site.via):
            target = project.reexported_module(alias, module.path)
            constructor = f"{target}.{path}" if target is not None else None
            if constructor is not None and site_kind(constructor) is not None:
                # A new object: the extracted model stays as it was (the cache keeps it).
                confirmed.append(dataclasses.replace(site, constructor=constructor, kind=site_kind(constructor), via=None))
                break
        else:
            waiting.append(site)
    if confirmed:
        module.clients = sorted(module.clients + confirmed, key=lambda s: (s.span.start.line, s.span.start.column))
        module.pending_clients = waiting


def _queue_in_passed_pipelines(module: ModuleModel, param_clients) -> None:
    """`conn = pipeline if pipeline is not None else self.redis`: when callers pass a pipeline for
    that parameter, the command may be queued in it — in a pipeline of its own as far as this
    module can tell, transactional or not (unknown).  Rules then do not judge it as a command sent
    on its own."""
    for call in module.calls:
        ref = call.client
        if ref.or_param is None or call.pipeline_id is not None:
            continue
        qualname, _, param = ref.or_param.partition(":")[2].rpartition(":")
        passed = param_clients.get((module.path, qualname, param))
        if passed is not None and passed.kind is ClientKind.PIPELINE:
            call.pipeline_id = -zlib.crc32(ref.or_param.encode()) - 1
