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
from typing import TYPE_CHECKING, Optional

import libcst as cst

from .scopes import Scope
from .walk import walk

if TYPE_CHECKING:
    from .resolve import Resolver

# Builtins that compute from their arguments alone.
_PURE_BUILTINS = frozenset({"len", "isinstance", "bool", "int", "str", "float", "type", "callable"})
_CONSTANT_NAMES = frozenset({"None", "True", "False"})


def reads_state(test: cst.BaseExpression, scope: Scope, resolver: "Resolver") -> bool:
    """``test`` may read something that outlives one call of the function ``scope`` is."""
    reader = _StateReader(scope, resolver)
    walk(test, reader)
    return reader.found


class _StateReader:
    """Driven by ``walk`` over a condition."""

    def __init__(self, scope: Scope, resolver: "Resolver") -> None:
        self.scope = scope
        self.resolver = resolver
        self.found = False

    def _builtin(self, node: cst.Name) -> Optional[str]:
        """The builtin ``node`` names (`len`, `int`), when nothing in the module binds the name."""
        name = self.resolver.builtin(node, self.scope)
        return name if name is not None and hasattr(builtins, name) else None

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.found = True
        return False

    def visit_Subscript(self, node: cst.Subscript) -> bool:
        self.found = True
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if isinstance(node.func, cst.Name) and self._builtin(node.func) in _PURE_BUILTINS:
            for arg in node.args:  # the arguments still count
                walk(arg.value, self)
        else:
            self.found = True
        return False

    def visit_Name(self, node: cst.Name) -> None:
        name = node.value
        local = (name in self.scope.params or name in self.scope.assigns or name in self.scope.opaque) \
            and name not in self.scope.globals
        if not local and name not in _CONSTANT_NAMES and self._builtin(node) is None:
            self.found = True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
