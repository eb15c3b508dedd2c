"""Lua scripts that only the whole project can read (the index's half of ``model.scripts``).

Extraction records where a script that is not a literal comes from (a ``ScriptSource``): a file
shipped with the code, a helper of the project called with literal arguments, a name or class
attribute another module binds.  Here, with every module's model at hand, the source is followed
to its text, the file is read, and the calls and script runs that use it get the commands the
script calls (``lua_commands``), as literal scripts do at extraction.

Files are read on every run, not cached with the models: a `.lua` file can change while the
module that loads it does not.  Only the few files that scripts name are read, each once, and a
file that is missing, unreadable, not a regular file or over ``MAX_SCRIPT_BYTES`` gives no text
(the script stays unknown: rules say nothing about it).
"""
from __future__ import annotations

import dataclasses
import os
import stat
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Tuple

from .model import ClientRef, FileRead, FunctionInfo, KeyPattern, ModuleModel, ScriptSource
from .model.module import PathPart
from .model.commands import key_effects, lua_commands
from .model.scripts import known_path

if TYPE_CHECKING:  # pragma: no cover
    from .linking import ProjectModules

MAX_SCRIPT_BYTES = 512 * 1024
_MAX_DEPTH = 4


def read_script_file(path: str) -> Optional[str]:
    """The text of a script file, or None when it cannot be one: missing, unreadable, not a
    regular file (a FIFO would block the read), or too big to be a script."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SCRIPT_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_SCRIPT_BYTES + 1)
    except (OSError, ValueError):
        return None
    if len(data) > MAX_SCRIPT_BYTES:
        return None
    return data.decode("utf-8", errors="replace")


class ScriptTexts:
    """Follows script sources to their text, over the modules of one run."""

    def __init__(self, project: "ProjectModules"):
        self.project = project
        self._files: Dict[str, Optional[str]] = {}

    def text(self, source: ScriptSource, module: ModuleModel, depth: int = 0) -> Optional[str]:
        """The text of the script ``source`` (used in ``module``) names, when it can be read."""
        if depth > _MAX_DEPTH:
            return None
        if source.text is not None:
            return source.text
        if source.file is not None:
            return self._read(source.file, {})
        if source.callee is not None:
            return self._returned(source, module)
        if source.imported is not None:
            found = self.exported(source.imported, module.path)
            return self.text(found[1], found[0], depth + 1) if found is not None else None
        return None

    def exported(self, qualified: str, importer: str, depth: int = 0) -> Optional[Tuple[ModuleModel, ScriptSource]]:
        """The script a module of the project exports under an imported name, with that module,
        when exactly one does (re-exports in `__init__.py` followed, as for clients)."""
        return self.project.unique_answer(
            qualified, importer, lambda m, name: (m, m.exported_scripts[name]) if name in m.exported_scripts else None,
            key=lambda found: found[0].path, depth=depth)

    def _returned(self, source: ScriptSource, module: ModuleModel) -> Optional[str]:
        """What a helper that returns a file's contents returns for the call's literal arguments."""
        target = self.project.callee(module, source.callee or "")
        if target is None:
            return None
        _, fn, shift = target
        if fn.returns_file is None:
            return None
        bound = _bind(fn, source, shift + _self_shift(fn, source.callee or ""))
        return self._read(fn.returns_file, bound) if bound is not None else None

    def _read(self, file: FileRead, bound: Dict[str, Tuple[PathPart, ...]]) -> Optional[str]:
        parts: List[PathPart] = []
        for kind, value in file.parts:
            if kind == "param" and value not in bound:
                return None
            parts.extend(bound[value] if kind == "param" else [(kind, value)])
        path = known_path(tuple(parts))
        if path is None:
            return None
        path = os.path.normpath(path)
        if path not in self._files:
            self._files[path] = read_script_file(path)
        return self._files[path]


def _self_shift(fn: FunctionInfo, callee: str) -> int:
    """A method of this module called on an instance (`self._load("x.lua")`): its first
    parameter is the instance, not the first argument."""
    local = callee.startswith("local:") and "." in callee[len("local:"):]
    return 1 if local and "staticmethod" not in fn.decorators else 0


def _bind(fn: FunctionInfo, source: ScriptSource, shift: int) -> Optional[Dict[str, Tuple[PathPart, ...]]]:
    """The helper's parameters the call's arguments fill; None when an argument fits none."""
    bound: Dict[str, Tuple[PathPart, ...]] = {}
    position = 0
    for keyword, value in source.arguments:
        param = fn.parameter_for(keyword, position, shift)
        if param is None:
            return None
        bound[param] = value
        if keyword is None:
            position += 1
    return bound


def link_scripts(modules: List[ModuleModel], project: "ProjectModules",
                 resolve: Callable[[ClientRef, ModuleModel], Optional[ClientRef]]) -> None:
    """Give calls and script runs the text of the scripts their sources name, move runs whose
    registering client the project shows into ``script_runs``, and record what scripts read here
    do to the keys their runs pass (``linked_script_effects``).  Idempotent, and never changes the
    extracted objects (the cache keeps them): changed ones are replaced."""
    texts = ScriptTexts(project)
    for module in modules:
        _promote_runs(module, resolve)
        if any(call.script_source is not None for call in module.calls):
            module.calls = [_with_text(call, texts, module) for call in module.calls]
        module.script_runs = [_with_text(run, texts, module) for run in module.script_runs]
        module.linked_script_effects = list(_effects(module))


def _promote_runs(module: ModuleModel, resolve) -> None:
    if not module.pending_script_runs:
        return
    known, waiting = [], []
    for run in module.pending_script_runs:
        (known if resolve(run.client, module) is not None else waiting).append(run)
    if known:
        module.script_runs = module.script_runs + known
        module.pending_script_runs = waiting


def _with_text(item, texts: ScriptTexts, module: ModuleModel):
    """A call or run with the text its script source names (the same object when it has none)."""
    if item.script_source is None:
        return item
    text = texts.text(item.script_source, module)
    if text is None or text == item.lua:
        return item
    return dataclasses.replace(item, lua=text, lua_commands=lua_commands(text))


def _effects(module: ModuleModel) -> Iterator[Tuple[str, KeyPattern]]:
    """What scripts read by the index (not literals: extraction counted those) do to the keys."""
    for run in module.script_runs:
        if run.script_source is None or run.lua is None:
            continue
        yield from key_effects(run.lua, run.keys)
