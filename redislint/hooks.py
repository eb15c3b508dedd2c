"""Project hooks: which files the byte prefilter skipped must be parsed after all.

A file that never names a Redis module can still hold Redis calls the project index resolves:
it imports a client or factory another module exports (`from app.ext import cache`), or a
function whose findings depend on its callers (a limit left to its default), or it defines a
function that some module passes a client to, or the helper or name a Lua script comes from
(``scripts``: a helper that reads the script's file, a module of script constants).  Hooks decide this from the skipped file's import
statements, read with regular expressions (no parse), resolved exactly as linking resolves them
(``linking.ProjectModules``): an import of a name no module of the project exports as a client
pulls nothing in, however common the name (`db`, `Redis`, `Queue`).
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from .linking import ProjectModules, import_key
from .model import ClientRef, ModuleModel, ScriptSource
from .model.builders import judged_construction, per_caller
from .scripts import ScriptTexts

# `from pkg.mod import a, b as c` (also parenthesised over several lines, or continued with
# a backslash) and `import pkg.mod as m, other`.
_FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|(?:[^\n#;\\]|\\\n)+)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+((?:[^\n#;\\]|\\\n)+)", re.M)


def imported_names(text: str) -> Iterator[Tuple[str, str]]:
    """(qualified name, local name) of every import in ``text``: `from .ext import cache as c`
    gives (".ext.cache", "c"); `import app.ext` gives ("app.ext", "app.ext")."""
    for module, names in _FROM_IMPORT.findall(text):
        for item in names.strip("()").replace("\\\n", " ").split(","):
            parts = item.split()
            if not parts or parts[0] == "*":
                continue
            local = parts[2] if len(parts) == 3 and parts[1] == "as" else parts[0]
            joiner = "" if module.endswith(".") else "."
            yield f"{module}{joiner}{parts[0]}", local
    for names in _IMPORT.findall(text):
        for item in names.replace("\\\n", " ").split(","):
            parts = item.split()
            if parts:
                yield parts[0], parts[2] if len(parts) == 3 and parts[1] == "as" else parts[0]


class Hooks:
    """``hooks(path, text)``: whether a skipped file must be extracted after all.
    ``fingerprint`` identifies the decision function, so a cache can remember decisions."""

    def __init__(self, project: ProjectModules, limited: Dict[str, Set[str]], defines: Dict[str, Set[str]]):
        self.project = project
        self.limited = limited  # module path -> functions whose findings depend on their callers
        self.defines = defines  # module path -> functions or classes a client is passed to, scripts come from
        exports = sorted((m.path, sorted(m.exported_clients)) for m in project.modules if m.exported_clients)
        # Re-exports resolve through the imports of analysed modules, and which module an import
        # names depends on every path of the run.
        imports = sorted((m.path, sorted(m.imports.items())) for m in project.modules if m.analysed)
        paths = sorted(m.path for m in project.modules)
        self.fingerprint = hashlib.blake2b(repr((exports, imports, paths, sorted((k, sorted(v)) for k, v in limited.items()),
                                                 sorted((k, sorted(v)) for k, v in defines.items()))).encode(),
                                           digest_size=12).hexdigest()
        self._memo: Dict[Tuple[str, str], bool] = {}
        self._modules: Dict[Tuple[str, str], Optional[ModuleModel]] = {}

    def __call__(self, path: str, text: str, imports: Optional[Sequence[Tuple[str, str]]] = None) -> bool:
        """``imports``: ``imported_names(text)``, when the caller read them already (the builder
        reads a skipped file's imports once, while the pool parses, not once per round)."""
        if imports is None:
            imports = list(imported_names(text))
        if path in self.defines and self._defines_callee(path, text, imports):
            return True
        return any(self._imports_hook(qualified, local, path, text) for qualified, local in imports)

    def _imports_hook(self, qualified: str, local: str, path: str, text: str) -> bool:
        key = import_key(qualified, path)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._names_export(qualified, path)
        if known:
            return True
        # `from app import ext` / `import app.ext`, then `ext.redis_client`: a module that exports.
        module = self._module(qualified, path)
        if module is None:
            return False
        names = set(module.exported_clients) | self.limited.get(module.path, set())
        return any(re.search(rf"\b{re.escape(local)}\s*\.\s*{re.escape(name.split('.', 1)[0])}\b", text)
                   for name in names)

    def _names_export(self, qualified: str, importer: str) -> bool:
        project = self.project
        if project.export(qualified, importer, "name") is not None or \
                project.export(qualified, importer, "call") is not None:
            return True
        for modules, name in project.candidates(qualified, importer):
            if any(name in self.limited.get(m.path, ()) for m in modules):
                return True
        return False

    def _module(self, qualified: str, importer: str) -> Optional[ModuleModel]:
        key = import_key(qualified, importer)
        if key not in self._modules:
            found = [m for modules, name in self.project.candidates(qualified + ".x", importer) if name == "x"
                     for m in modules]
            hooked = len(found) == 1 and (found[0].exported_clients or found[0].path in self.limited)
            self._modules[key] = found[0] if hooked else None
        return self._modules[key]

    def _defines_callee(self, path: str, text: str, imports: Sequence[Tuple[str, str]]) -> bool:
        """The file defines one of the wanted names: a function or class, or a module-level
        name, assigned or re-exported by an import (a script another module imports)."""
        names = self.defines[path]
        wanted = "|".join(map(re.escape, sorted(names)))
        definition = re.compile(r"^(?:\s*(?:async\s+)?(?:def|class)\s+(?:%s)\b|(?:%s)\s*(?::[^=\n]*)?=)" % (wanted, wanted),
                                re.M)
        return definition.search(text) is not None or any(local in names for _, local in imports)


def project_hooks(models: Sequence[ModuleModel]) -> Hooks:
    """The hooks the models so far give (see the module docstring)."""
    project = ProjectModules(list(models))
    limited: Dict[str, Set[str]] = {}
    defines: Dict[str, Set[str]] = {}
    scripts = ScriptTexts(project)

    def is_client(ref: ClientRef, importer: str) -> bool:
        """Whether what is passed is a client by what the models so far show: an import is one
        only if a module of the project exports a client under that name (most imported
        objects passed around are not)."""
        if ref.via is None:
            return True
        how, _, what = ref.via.partition(":")
        if how == "param":
            return False  # known only after linking
        return project.export(what, importer, how) is not None  # remembered by ProjectModules

    def limit(m: ModuleModel, function) -> None:
        limited.setdefault(m.path, set()).add(function.class_name or function.name)

    for m in models:
        for call in m.calls:
            function = m.function_of(call)
            if function is not None and any(v.defaults_from for v in call.args.values()):
                limit(m, function)
        for site in m.clients:  # `Lock(r, name, timeout)`: RL105 asks whether callers leave it None
            if site.kind == "lock" and site.function is not None and any(v.defaults_from for v in site.args.values()):
                function = m.functions[site.function]
                limit(m, function)
            # RL601 reads what a `**parameter` holds from the function's callers.
            for qualname in site.keywords_from_callers + site.own_kwargs_of:
                function = project.functions(m).get(qualname)
                if function is not None:
                    limit(m, function)
        for arg in m.client_arguments:
            if not arg.callee.startswith(("import:", "bound:")) or not is_client(arg.client, m.path):
                continue
            _hook_definer(project, arg.callee.partition(":")[2], m.path, defines)
        for item in [*m.calls, *m.pending_calls, *m.script_runs, *m.pending_script_runs]:
            if item.script_source is not None:
                _hook_script_definers(project, scripts, item.script_source, m, defines)
    builders = _builders(project, models)
    for m, function in builders:
        limit(m, function)
    _hook_base_classes(project, models, builders, defines)
    return Hooks(project, limited, defines)


def _hook_base_classes(project: ProjectModules, models: Sequence[ModuleModel], builders, defines) -> None:
    """The modules that define the bases of a class whose methods build a client or call a
    builder: a base's own `self.m()` may run the class's override of `m` in a loop (RL602,
    ``ProjectIndex.overridden_callers_of``)."""
    calling: Dict[str, Set[Optional[str]]] = {}  # module path -> classes with a method that calls a builder
    sites = project.call_sites()
    for m, function in builders:
        for caller_module, call, _ in sites.get((m.path, function.qualname), ()):
            if call.function is not None:
                calling.setdefault(caller_module.path, set()).add(caller_module.functions[call.function].class_name)
    for m in models:
        if not m.class_bases:
            continue
        classes = {m.functions[site.function].class_name for site in m.clients
                   if site.function is not None and judged_construction(site)} | calling.get(m.path, set())
        for cls in classes:
            for base in m.class_bases.get(cls, ()) if cls is not None else ():
                if not base.startswith("local:"):
                    _hook_definer(project, base, m.path, defines)


def _builders(project: ProjectModules, models: Sequence[ModuleModel]):
    """The functions whose calls build a client that RL602 judges by their callers (``model.
    builders``): those that return one or keep it on the object they initialise, and, through
    the project's calls, those that return or keep what such a function builds (`get_broker()`
    returning `Broker(...)`, whose `__new__` returns `RedisSentinel(...)`, or whose base's
    `__init__` keeps what the override `get_connection()` returns)."""
    found: Dict[Tuple[str, str], Tuple[ModuleModel, object]] = {}
    for m in models:
        for site in m.clients:
            if site.function is not None and judged_construction(site):
                function = m.functions[site.function]
                if per_caller(site, function):
                    found[(m.path, function.qualname)] = (m, function)
    if not found:
        return []
    sites = project.call_sites()
    todo = list(found)
    while todo:
        key = todo.pop()
        callee_module, callee = found[key]
        # Also a base class's own `self.m()` of an override `m` (`self.connection =
        # self.get_connection()` in the base's `__init__`), as RL602 follows it.
        for m, call, _ in sites.get(key, []) + project.overridden_callers_of(callee_module, callee):
            if call.function is None or not per_caller(call, m.functions[call.function]):
                continue  # a call that does not pass on what its callee builds
            caller = m.functions[call.function]
            key = (m.path, caller.qualname)
            if key not in found:
                found[key] = (m, caller)
                todo.append(key)
    return list(found.values())


def _hook_script_definers(project: ProjectModules, scripts: ScriptTexts, source: ScriptSource, user: ModuleModel,
                          defines: Dict[str, Set[str]]) -> None:
    """Hook the skipped modules a script comes from: the one that binds an imported script, and
    the one whose helper reads the script's file (`get_package_data("lua/x.lua")`)."""
    if source.imported is not None:
        found = scripts.exported(source.imported, user.path)
        if found is None:
            _hook_definer(project, source.imported, user.path, defines)
            return
        user, source = found
    if source.callee is not None and source.callee.startswith(("import:", "bound:")):
        _hook_definer(project, source.callee.partition(":")[2], user.path, defines)


def _hook_definer(project: ProjectModules, qualified: str, importer: str, defines: Dict[str, Set[str]]) -> None:
    """Hook the module that defines what ``importer`` imports as ``qualified``, if it was skipped.
    Only an import that names one module of the project, as linking requires (`from types import
    MappingProxyType` must not hook every `types.py`)."""
    found: List[Tuple[ModuleModel, str]] = [
        (target, name) for modules, name in project.candidates(qualified, importer) for target in modules]
    if len(found) == 1 and not found[0][0].analysed:
        defines.setdefault(found[0][0].path, set()).add(found[0][1].split(".", 1)[0])


# A re-export brought in by one round can hook files in the next; three rounds cover a client
# re-exported through a package `__init__` and used from a module that names neither.
_ROUNDS = 3


def pull_in(models: List[ModuleModel], hooked: Callable[[int, Hooks], bool],
            bring_in: Callable[[List[int]], None]) -> None:
    """Rounds of hooks over ``models``: each skipped module that ``hooked(i, hooks)`` accepts is
    extracted by ``bring_in(indices)``, which replaces ``models[i]``, until a round adds none."""
    for _ in range(_ROUNDS):
        hooks = project_hooks(models)
        found = [i for i, m in enumerate(models) if not m.analysed and hooked(i, hooks)]
        if not found:
            return
        bring_in(found)
