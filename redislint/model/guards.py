"""Whether a condition can depend on what an earlier call left behind.

A handler that builds a client and stores it on a shared object (`current_app.redis = Redis()`)
builds a new one on every call unless something checks first whether one is already there:
`if not hasattr(app, "redis")`, `if self._client is None`, `if KEY in CLIENTS`, a module flag.
Such a check reads state that outlives the call: an attribute, an item, a name of the module,
the result of a call.  A condition that reads only the call's own parameters and locals, the
constants and a few pure builtins (`if number < len(urls)`) cannot remember anything, so the
construction under it runs on every call that takes that branch.  The extractor records, per
construction, whether some condition before it in its function could be such a check
(``ClientSite.state_guarded``); RL602 trusts only the constructions with none.
"""
from __future__ import annotations

import builtins

import libcst as cst

from .scopes import Scope

# Builtins that compute from their arguments alone.
_PURE_BUILTINS = frozenset({"len", "isinstance", "bool", "int", "str", "float", "type", "callable"})
_CONSTANT_NAMES = frozenset({"None", "True", "False"})


def reads_state(test: cst.BaseExpression, scope: Scope) -> bool:
    """``test`` may read something that outlives one call of the function ``scope`` is."""
    reader = _StateReader(scope)
    test.visit(reader)
    return reader.found


class _StateReader(cst.CSTVisitor):
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.found = True
        return False

    def visit_Subscript(self, node: cst.Subscript) -> bool:
        self.found = True
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if not (isinstance(node.func, cst.Name) and node.func.value in _PURE_BUILTINS
                and node.func.value not in self.scope.assigns):
            self.found = True
        else:
            for arg in node.args:  # the arguments still count
                arg.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        name = node.value
        local = (name in self.scope.params or name in self.scope.assigns or name in self.scope.opaque) \
            and name not in self.scope.globals
        if not local and name not in _CONSTANT_NAMES and not _builtin(name, self.scope):
            self.found = True


def _builtin(name: str, scope: Scope) -> bool:
    """``name`` is a builtin (`int`, `len`) that no enclosing scope binds: nothing to remember."""
    if not hasattr(builtins, name):
        return False
    s = scope
    while s is not None:
        if name in s.params or name in s.assigns or name in s.opaque:
            return False
        s = s.parent
    return True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def reads_parameters(call: cst.Call, scope: Scope) -> bool:
    """Some argument of ``call`` comes from a parameter of the function ``scope`` is (not its
    `self`/`cls`), directly or through its local names: what it builds depends on what the
    caller passes (a URL the caller chose), not only on what the function or its object holds."""
    own = set(scope.params) - {scope.self_name}
    seen: set = set()
    todo = [arg.value for arg in call.args]
    while todo:
        names = _NameCollector()
        todo.pop().visit(names)
        for name in names.found:
            if name in own and name not in scope.globals:
                return True
            if name in scope.assigns and name not in seen and len(seen) < 16:
                seen.add(name)
                todo.extend(scope.assigns[name])
    return False


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list = []

    def visit_Name(self, node: cst.Name) -> None:
        self.found.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `params.url`: the object, not the attribute's name
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # not the keyword's name
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
