"""Where the Lua scripts a module runs come from (extraction's half; ``redislint.scripts`` reads them).

Most scripts are literals (`r.eval("return redis.call('GET', KEYS[1])", 1, k)`), but projects also
ship them as files next to the code and read them when the module loads:
`open(os.path.join(os.path.dirname(__file__), "clear.lua")).read()`,
`Path(__file__).with_name("clear.lua").read_text()`, `pkgutil.get_data(__name__, "clear.lua")`,
`importlib.resources.files("pkg").joinpath("lua/clear.lua").read_bytes()`, or a helper of their own
(`get_package_data("lua/clear.lua")`) — or import a script another module defines.

Extraction works out only *which* script: the literal text, the file's absolute path, or the helper,
name or class attribute and its literal arguments (a ``ScriptSource``).  The project index reads the
file: read here, a cached model would keep an old script after only the `.lua` file changed, and a
helper or a base class in another module is known only to the index.
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, List, Optional, Tuple

import libcst as cst

from .commands import lua_commands
from .module import FileRead, PathPart, ScriptSource
from .origins import FILE_READ_METHODS, OPENS
from .resolve import _NOT_PROJECT, positional_values
from .scopes import Scope

if TYPE_CHECKING:  # pragma: no cover
    from .resolve import Resolver

_MAX_DEPTH = 6
Parts = Tuple[PathPart, ...]

# Calls that return what they are given, as a path.
_SAME_PATH = frozenset({"os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath", "str"})
_PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"})
_PATH_METHODS_SAME = frozenset({"resolve", "absolute", "expanduser"})
# `files(package)`: the package's directory.
_PACKAGE_FILES = frozenset({"importlib.resources.files", "importlib_resources.files"})
# `f(package, resource)`: the resource's bytes or text.
_RESOURCE_READS = frozenset({
    "pkgutil.get_data", "importlib.resources.read_text", "importlib.resources.read_binary",
    "importlib_resources.read_text", "importlib_resources.read_binary", "pkg_resources.resource_string",
})
# Names that say "this module's package": `files(__name__)`, `pkgutil.get_data(__package__, ...)`.
_OWN_PACKAGE = frozenset({"__name__", "__package__"})
# An argument that names a file (`lua/clear_keys.lua`): what a module exports as a possible script
# when it is given to a helper of the project (any other literal argument is not a script's path).
_FILE_NAME = re.compile(r"[\w.\-/]+\.\w+")


class ScriptFinder:
    """Answers "which script is this expression?" for the extractor of one module."""

    def __init__(self, resolver: "Resolver", module_path: str,
                 callee: Callable[[cst.BaseExpression, Scope], Optional[str]]):
        self.resolver = resolver
        self.module_file = os.path.abspath(module_path)
        self.callee = callee  # how the project index finds the function a call invokes

    # --- literal text ----------------------------------------------------------------------
    def text(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        """The text of a script given as a literal (str, bytes, or an f-string whose holes only
        fill in names), directly or through a name or class attribute bound to one."""
        r = self.resolver
        value = r.constant_of(node, scope)
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if isinstance(value, str):
            return value
        if isinstance(node, cst.FormattedString):
            return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
        if isinstance(node, cst.ConcatenatedString) or (
                isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)):
            # `"..." "..."`, and `RELEASE + ACQUIRE` (scripts built from shared parts)
            left = self.text(node.left, scope, depth + 1)
            right = self.text(node.right, scope, depth + 1)
            return left + right if left is not None and right is not None else None
        bound = self._single_binding(node, scope) if depth < 4 else None
        return self.text(bound[0], bound[1], depth + 1) if bound is not None else None

    def _single_binding(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple[cst.BaseExpression, Scope]]:
        """What a name bound once, or a class attribute (`self.SCRIPT`, `cls.SCRIPT`,
        `Storage.SCRIPT`) bound once in the nearest class of this module that binds it, holds."""
        r = self.resolver
        if isinstance(node, cst.Name):
            owner, how = r.lookup(node.value, scope)
            if how == "assign" and len(owner.assigns[node.value]) == 1:
                return owner.assigns[node.value][0], owner
            return None
        cls = self._class_of(node, scope)
        if cls is None:
            return None
        for info in r.class_chain(cls):
            values = info.attrs.get(node.attr.value)
            if values:
                return values[0] if len(values) == 1 else None
        return None

    def _class_of(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The class of this module whose attribute ``node`` reads (`self.X`, `cls.X`, `Class.X`)."""
        if not isinstance(node, cst.Attribute) or not isinstance(node.value, cst.Name):
            return None
        r = self.resolver
        name = node.value.value
        cls = r.class_of_instance(name, scope)
        if cls is None and name in r.scopes.classes and not r.lookup(name, scope)[1]:
            cls = name
        return cls

    # --- other sources -----------------------------------------------------------------------
    def source(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[ScriptSource]:
        """Where a script that is not a literal here comes from, when the code shows it."""
        if depth > _MAX_DEPTH:
            return None
        if _is_method_call(node, "decode"):
            return self.source(node.func.value, scope, depth + 1)
        read = self.file_read(node, scope)
        if read is not None:
            return ScriptSource(file=read)
        if isinstance(node, cst.Call):
            return self._helper_call(node, scope)
        bound = self._single_binding(node, scope)
        if bound is not None:
            return self.source(bound[0], bound[1], depth + 1)
        return self._imported(node, scope)

    def _helper_call(self, node: cst.Call, scope: Scope) -> Optional[ScriptSource]:
        """`get_package_data("lua/clear.lua")`: what a function of the project returns for these
        literal arguments (the index knows whether it returns a file's contents)."""
        callee = self.callee(node.func, scope)
        if callee is None or _outside_project(callee):
            return None
        arguments = []
        for arg in node.args:
            parts = None if arg.star else self.path(arg.value, scope)
            if parts is None:
                return None
            arguments.append((arg.keyword.value if arg.keyword is not None else None, parts))
        return ScriptSource(callee=callee, arguments=tuple(arguments))

    def _imported(self, node: cst.BaseExpression, scope: Scope) -> Optional[ScriptSource]:
        """A name imported from another module of the project, or a class attribute that only a
        base class of another module can bind (`self.SCRIPT` in `class Bridge(base.Bridge)`)."""
        r = self.resolver
        cls = self._class_of(node, scope)
        if isinstance(node, cst.Name) and not r.lookup(node.value, scope)[1]:
            qualified = r.scopes.imports.get(node.value)
        elif cls is not None:
            qualified = self._base_attribute(cls, node.attr.value)
        elif isinstance(node, cst.Attribute):
            qualified = r.qualified(node, scope)  # `lua.CLEAR` with `from app import lua`
        else:
            qualified = None
        if not qualified or _outside_project(f"import:{qualified}") or "." not in qualified.lstrip("."):
            return None
        return ScriptSource(imported=qualified)

    def _base_attribute(self, cls: str, attr: str) -> Optional[str]:
        """`<qualified base>.<attr>` for the first base of another module of the project, when no
        class of this module binds the attribute."""
        if any(attr in info.attrs for info in self.resolver.class_chain(cls)):
            return None
        for _, qualified in self.resolver.foreign_bases(cls):
            if qualified and not _outside_project(f"import:{qualified}"):
                return f"{qualified}.{attr}"
        return None

    def exported(self, node: cst.BaseExpression, scope: Scope) -> Optional[ScriptSource]:
        """What a module-level name or class attribute bound to ``node`` offers other modules as a
        script: a literal that calls Redis commands, a file read, or a helper given a file name."""
        text = self.text(node, scope)
        if text is not None:
            return ScriptSource(text=text) if lua_commands(text) else None
        read = self.file_read(node, scope)
        if read is not None:
            return ScriptSource(file=read)
        if isinstance(node, cst.Call):
            found = self._helper_call(node, scope)
            if found is not None and any(_names_a_file(parts) for _, parts in found.arguments):
                return found
        return None

    # --- files -----------------------------------------------------------------------------
    def file_read(self, node: cst.BaseExpression, scope: Scope, helper: Optional[Scope] = None,
                  depth: int = 0) -> Optional[FileRead]:
        """The file whose whole contents ``node`` is: `open(p).read()`, `p.read_text()`,
        `pkgutil.get_data(pkg, name)` ... with `p` built from `__file__` or a package's directory.
        In a ``helper`` function, parts of the path may come from its parameters."""
        if depth > _MAX_DEPTH or not isinstance(node, (cst.Call, cst.Name)):
            return None
        d = depth + 1
        if isinstance(node, cst.Name):
            bound = self._single_binding(node, scope)
            return self.file_read(bound[0], bound[1], helper, d) if bound is not None else None
        path: Optional[Parts] = None
        qualified = self.resolver.qualified(node.func, scope)
        if qualified in _RESOURCE_READS:
            args = positional_values(node)
            if len(args) >= 2:
                path = _join(self._package_dir(args[0], scope), self.path(args[1], scope, helper, d))
        elif isinstance(node.func, cst.Attribute):
            method, receiver = node.func.attr.value, node.func.value
            if method == "read" and not positional_values(node):
                path = self._opened(receiver, scope, helper, d)
            elif method in FILE_READ_METHODS:
                path = self.path(receiver, scope, helper, d)
            elif method == "decode":
                return self.file_read(receiver, scope, helper, d)
        # Only files found from the code's own place (not the working directory's): a helper's
        # path may also start with a parameter its callers fill with such a path.
        if path is None or path[0][0] not in (("root", "param") if helper is not None else ("root",)):
            return None
        return FileRead(path)

    def _opened(self, node: cst.BaseExpression, scope: Scope, helper: Optional[Scope], depth: int) -> Optional[Parts]:
        """The path of a file object opened for reading: `open(p)`, `p.open("rb")`, or a name
        bound to one (`with open(p) as f`)."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Name):
            bound = self._single_binding(node, scope)
            return self._opened(bound[0], bound[1], helper, depth + 1) if bound is not None else None
        if not isinstance(node, cst.Call):
            return None
        args = positional_values(node)
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "open":
            mode, path = (args[:1] or [keywords.get("mode")])[0], self.path(node.func.value, scope, helper, depth + 1)
        elif self._builtin_or(node.func, scope) in OPENS and args:
            mode, path = (args[1:2] or [keywords.get("mode")])[0], self.path(args[0], scope, helper, depth + 1)
        else:
            return None
        mode_text = self.resolver.constant_of(mode, scope) if mode is not None else "r"
        return path if isinstance(mode_text, str) and not set(mode_text) & set("wax+") else None

    def path(self, node: cst.BaseExpression, scope: Scope, helper: Optional[Scope] = None,
             depth: int = 0) -> Optional[Parts]:
        """A path expression as parts: `os.path.join(os.path.dirname(__file__), "lua", name)`,
        `Path(__file__).parent / "x.lua"`, `files("pkg").joinpath(name)`, a string."""
        if depth > _MAX_DEPTH:
            return None
        d = depth + 1
        r = self.resolver
        if isinstance(node, cst.Name) and node.value == "__file__" and not r.lookup("__file__", scope)[1]:
            return (("root", self.module_file),)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            return _dirname(self.path(node.value, scope, helper, d))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return _join(self.path(node.left, scope, helper, d), self.path(node.right, scope, helper, d))
        if isinstance(node, cst.Call):
            return self._path_call(node, scope, helper, d)
        if isinstance(node, cst.Name):
            bound = self._single_binding(node, scope)  # `HERE = os.path.dirname(__file__)`
            if bound is not None:
                return self.path(bound[0], bound[1], helper, d)
        return self.string(node, scope, helper, d)

    def _path_call(self, node: cst.Call, scope: Scope, helper: Optional[Scope], depth: int) -> Optional[Parts]:
        args = positional_values(node)
        if any(a.star for a in node.args):
            return None
        qualified = self._builtin_or(node.func, scope)
        if qualified == "os.path.dirname" and len(args) == 1:
            return _dirname(self.path(args[0], scope, helper, depth))
        if qualified in _SAME_PATH and len(args) == 1:
            return self.path(args[0], scope, helper, depth)
        if (qualified == "os.path.join" or qualified in _PATH_TYPES) and args:
            return self._joined(args, scope, helper, depth)
        if qualified in _PACKAGE_FILES and len(args) == 1:
            return self._package_dir(args[0], scope)
        if isinstance(node.func, cst.Attribute):
            method, receiver = node.func.attr.value, node.func.value
            if method in _PATH_METHODS_SAME and not args:
                return self.path(receiver, scope, helper, depth)
            if method == "joinpath" and args:
                return self._joined([receiver] + args, scope, helper, depth)
            if method == "with_name" and len(args) == 1:
                return _join(_dirname(self.path(receiver, scope, helper, depth)), self.path(args[0], scope, helper, depth))
        return None

    def _joined(self, args: List[cst.BaseExpression], scope: Scope, helper: Optional[Scope], depth: int) -> Optional[Parts]:
        out = self.path(args[0], scope, helper, depth)
        for arg in args[1:]:
            out = _join(out, self.path(arg, scope, helper, depth))
        return out

    def _package_dir(self, node: cst.BaseExpression, scope: Scope) -> Optional[Parts]:
        """The directory of the package a resource call names: this module's for `__name__` and
        `__package__` (for a module, its resources sit next to it); for a literal `"a.b"`, `b`
        in the nearest directory named `a` above this module (the top package it belongs to).
        A package outside the module's own tree is not the project's: unknown."""
        directory = os.path.dirname(self.module_file)
        if isinstance(node, cst.Name) and node.value in _OWN_PACKAGE:
            return (("root", directory),)
        name = self.resolver.constant_of(node, scope)
        if not isinstance(name, str) or not name:
            return None
        top, *rest = name.split(".")
        while os.path.basename(directory) != top:
            parent = os.path.dirname(directory)
            if parent == directory:
                return None
            directory = parent
        return (("root", os.path.join(directory, *rest)),)

    def string(self, node: cst.BaseExpression, scope: Scope, helper: Optional[Scope] = None,
               depth: int = 0) -> Optional[Parts]:
        """A string expression as parts: literals and constants as text, a ``helper``'s
        parameters as ("param", name); f-strings, `+` and `"%s" % x` join them."""
        if depth > _MAX_DEPTH:
            return None
        d = depth + 1
        r = self.resolver
        if helper is not None and isinstance(node, cst.Name) and node.value in helper.params \
                and r.lookup(node.value, scope)[0] is helper and not helper.params[node.value].star:
            return (("param", node.value),)
        value = r.constant_of(node, scope)
        if isinstance(value, str):
            return (("text", value),)
        if isinstance(node, cst.FormattedString):
            parts: List[PathPart] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(("text", part.value.replace("{{", "{").replace("}}", "}")))
                    continue
                if part.conversion is not None or part.format_spec is not None:
                    return None
                inner = self.string(part.expression, scope, helper, d)
                if inner is None:
                    return None
                parts.extend(inner)
            return tuple(parts)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left, right = self.string(node.left, scope, helper, d), self.string(node.right, scope, helper, d)
            return left + right if left is not None and right is not None else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            return self._percent(node, scope, helper, d)
        bound = self._single_binding(node, scope) if isinstance(node, cst.Name) else None
        return self.string(bound[0], bound[1], helper, d) if bound is not None else None

    def _percent(self, node: cst.BinaryOperation, scope: Scope, helper: Optional[Scope], depth: int) -> Optional[Parts]:
        """`"lua/%s.lua" % name`: one `%s` filled by one value."""
        template = self.resolver.constant_of(node.left, scope)
        operand = node.right
        if isinstance(operand, cst.Tuple):
            if len(operand.elements) != 1:
                return None
            operand = operand.elements[0].value
        if not isinstance(template, str) or template.count("%") != 1 or "%s" not in template:
            return None
        inner = self.string(operand, scope, helper, depth)
        if inner is None:
            return None
        before, after = template.split("%s")
        return (("text", before),) + inner + (("text", after),)

    def _builtin_or(self, func: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The qualified name a call calls, or the builtin's name (`open`) when nothing binds it."""
        qualified = self.resolver.qualified(func, scope)
        return self.resolver.builtin(func, scope) if qualified is None else qualified


def _is_method_call(node: cst.BaseExpression, method: str) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method


def _outside_project(callee: str) -> bool:
    """A callee of the standard library or a client library: never a helper of the project."""
    kind, _, target = callee.partition(":")
    return kind != "local" and target.split(".", 1)[0] in _NOT_PROJECT


def _names_a_file(parts: Parts) -> bool:
    """A path found from the code's place, or a literal that looks like a file name (`lua/x.lua`)."""
    if parts[0][0] == "root":
        return True
    return all(kind == "text" for kind, _ in parts) and bool(_FILE_NAME.fullmatch("".join(v for _, v in parts)))


def known_path(parts: Optional[Parts]) -> Optional[str]:
    """The path ``parts`` spell when it is found from the code's place (a relative one is no
    file or directory we know) and no part is a helper's parameter still to fill."""
    if not parts or parts[0][0] != "root" or any(kind == "param" for kind, _ in parts):
        return None
    return "".join(value for _, value in parts)


def _dirname(parts: Optional[Parts]) -> Optional[Parts]:
    """`os.path.dirname` of a known path."""
    path = known_path(parts)
    return (("root", os.path.dirname(path)),) if path is not None else None


def _join(left: Optional[Parts], right: Optional[Parts]) -> Optional[Parts]:
    """`os.path.join(left, right)`: an absolute right part replaces the left."""
    if left is None or right is None or not right:
        return None
    first_kind, first = right[0]
    if first_kind == "root" or (first_kind == "text" and os.path.isabs(first)):
        return right
    return left + (("text", "/"),) + right
