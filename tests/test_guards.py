"""model.guards: what a condition may remember, and what an argument depends on."""
from __future__ import annotations

import libcst as cst
import pytest

from redislint.model.guards import reads_parameters, reads_state
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


@pytest.mark.parametrize("call, from_caller", [
    ("Redis.from_url(urls[0])", True),  # a parameter
    ("Redis.from_url(x)", True),  # through locals, from a parameter
    ("Redis(host=self.host)", False),  # the object's own settings
    ("Redis.from_url(SETTINGS.url, socket_timeout=5)", False),  # settings and constants
    ("Redis(host='h', port=n)", True),
])
def test_reads_parameters(call, from_caller):
    scope, statement, _ = _scope_and_node(f"{call}")
    expression = statement.body[0].value
    assert reads_parameters(expression, scope) is from_caller
