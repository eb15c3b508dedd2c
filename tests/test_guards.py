"""model.guards: what a condition may remember."""
from __future__ import annotations

import libcst as cst
import pytest

from redislint.model.guards import reads_state
from redislint.model.resolve import Resolver
from redislint.model.scopes import collect_scopes

SOURCE = """
READY = False

class View:
    def handler(self, request, n, urls=None):
        local = request.view_args
        x = local.get("n")
        {line}
"""


def _scope_and_node(line: str):
    module = cst.parse_module(SOURCE.format(line=line))
    scopes = collect_scopes(module)
    (scope,) = [s for s in scopes.functions.values() if s.name == "handler"]
    statement = scope.node.body.body[-1]
    return scope, statement, Resolver(scopes)


@pytest.mark.parametrize("test, remembers", [
    ("n < len(urls)", False),  # parameters, locals and a pure builtin
    ("x is not None", False),
    ("isinstance(n, int) and not urls", False),  # a builtin type is no state either
    ("not hasattr(self, 'redis')", True),  # a call that is not pure
    ("self.client is None", True),  # an attribute
    ("n in CLIENTS", True),  # a module-level name
    ("READY", True),
    ("urls[0]", True),  # an item
])
def test_reads_state(test, remembers):
    scope, statement, resolver = _scope_and_node(f"if {test}:\n            pass")
    assert reads_state(statement.test, scope, resolver) is remembers
