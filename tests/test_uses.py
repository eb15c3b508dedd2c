"""model.uses.looped_names: which names a function sends commands through in a loop."""
from __future__ import annotations

import libcst as cst
import pytest

from redislint.model.uses import closed_names, looped_names


def _function(body: str) -> cst.FunctionDef:
    module = cst.parse_module("def f(keys):\n" + "".join(f"    {line}\n" for line in body.splitlines()))
    return module.body[0]


@pytest.mark.parametrize("body, looped", [
    ("while True:\n    r.blpop('q')", {"r"}),  # a consumer
    ("for k in keys:\n    r.delete(k)", {"r"}),  # a batch
    ("p = r.pubsub()\nfor m in p.listen():\n    handle(m)", {"p", "r"}),  # a subscriber, through its pubsub
    ("for k in r.scan_iter('x:*'):\n    print(k)", {"r"}),  # a SCAN cursor drawn from the server
    ("return [r.get(k) for k in keys]", {"r"}),
    # One command whose reply is iterated: the loop sends nothing.
    ("for m in r.smembers('s'):\n    print(m)", set()),
    ("v = r.get('x')\nfor k in keys:\n    print(k, v)", set()),
])
def test_looped_names(body, looped):
    assert looped_names(_function(body)) == looped


def test_closed_names():
    assert closed_names(_function("r.close()\nclose_client(c)\nx.aclose()")) == {"r", "c", "x"}
