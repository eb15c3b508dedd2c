"""The fast walk and the lazy positions must agree with libcst's own visitor and PositionProvider:
rules read spans for fixes, and the extractors' state depends on the visiting order."""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from libcst.metadata import MetadataWrapper, PositionProvider

from redislint.model.positions import _UNMARKED, Positions
from redislint.model.walk import Walker, _is_trivia, walk

ROOT = Path(__file__).resolve().parents[1]
# Real code of every shape we meet: the fixtures, and a few of our own (bigger) modules.
SAMPLES = sorted([*ROOT.glob("fixtures/**/*.py"), ROOT / "redislint/model/extract.py", ROOT / "redislint/cli.py",
                  ROOT / "redislint/files.py"])

EDGE_CASES = [
    "x = 1",  # no trailing newline
    "def f():\n    return 1\r\n",
    "@deco(1)\n@other\nasync def f(a, *b, c=2, **d):\n    await r.get(k)\n",
    "if a:\n    pass\nelif b:\n    x = (1 +\n  2)\nelse:\n    y = [i for i in z if i]\n",
    "try:\n    r.set(k, v)\nexcept E as e:\n    pass\nelse:\n    pass\nfinally:\n    r.close()\n",
    "class A(B, metaclass=M):\n    x: int = 3\n    def m(self): return f'{self.x!r:>{w}}'\n",
    "with a as b, c:\n    for i in range(3):\n        while i: i -= 1\n    else:\n        pass\n",
    "from . import (a,\n    b as c)\nimport x.y as z\n",
    "lambda x, *, y=1: (yield)\n",
    "s = 'caf\u00e9'; t = \"\u00e9t\u00e9\" + r.get('\u00fc')\n",
]


def _sources() -> List[Tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in SAMPLES] + [(f"case{i}", s) for i, s in enumerate(EDGE_CASES)]


def _assert_same_positions(text: str) -> None:
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    for node, r in expected.items():
        if type(node) in _UNMARKED:
            continue  # whitespace and punctuation: never asked for, not marked
        span = positions.span(node)
        assert (span.start.line, span.start.column, span.end.line, span.end.column) == (
            r.start.line, r.start.column, r.end.line, r.end.column), (type(node).__name__, module.code_for_node(node))


@pytest.mark.parametrize("name,text", _sources(), ids=[n for n, _ in _sources()])
def test_positions_match_libcst(name: str, text: str) -> None:
    _assert_same_positions(text)


class _UnitChecker:
    """Drives ``Positions`` the way the extractor does, and asks it for the range of every node
    the walk visits: each must come out of its unit (innermost def or top-level statement)
    exactly as libcst's PositionProvider gives it."""

    def __init__(self, module: cst.Module, text: str):
        self.positions = Positions(module, text)
        self.expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        self.checked = 0

    def __getattr__(self, name: str):
        if not name.startswith("visit_") or name.count("_") > 1:
            raise AttributeError(name)
        kind = name[len("visit_"):]

        def visit(node: cst.CSTNode) -> None:
            if kind == "IndentedBlock":
                self.positions.enter_block(node)
            elif kind == "FunctionDef":
                self.positions.enter_def(node)
            elif kind == "Module":
                return  # never asked for: it is no unit's
            span, r = self.positions.span(node), self.expected[node]
            assert (span.start.line, span.start.column, span.end.line, span.end.column) == (
                r.start.line, r.start.column, r.end.line, r.end.column), (kind, span, r)
            self.checked += 1
        return visit

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.positions.leave_block()

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.positions.leave_def()


def _assert_same_positions_by_unit(text: str) -> int:
    module = cst.parse_module(text)
    checker = _UnitChecker(module, text)
    Walker(checker).walk_module(module, checker.positions.top_statement)
    return checker.positions._marks is None  # True: no node needed the whole module


@pytest.mark.parametrize("name,text", _sources(), ids=[n for n, _ in _sources()])
def test_positions_by_unit_match_libcst(name: str, text: str) -> None:
    assert _assert_same_positions_by_unit(text)


@pytest.mark.parametrize("text", [
    "def f():\n    pass\n\n\n# a comment\n@d(1)  # trailing\n# between\n@e\ndef g():\n    return r.get(k)\n",
    "class A:\n\n    # leading\n    def m(self):\n        def inner():\n            return r.get(k)\n        return inner\n",
    "x = 1; y = r.get(k)\nif x:\n  def f():\n   return r.set(k, 1)\nelse:\n    z = [r.get(i) for i in x]\n",
    "\ufeffimport redis\r\nr = redis.Redis()\r\ndef f():\r\n\tr.get('k')\r\n",
    "def f(a=r.get(k),\n      *, b=(lambda: 1)):\n    async def g(): await r.get(k)\n    return g\n",
])
def test_positions_by_unit_edge_cases(text: str) -> None:
    _assert_same_positions_by_unit(text)


def test_positions_fall_back_when_a_unit_is_not_unique():
    # The same function twice, word for word: the first cannot be told from the second.
    text = "def f():\n    return r.get(k)\ndef f():\n    return r.get(k)\n"
    module = cst.parse_module(text)
    checker = _UnitChecker(module, text)
    Walker(checker).walk_module(module, checker.positions.top_statement)
    assert checker.checked and checker.positions._marks is not None


class _Recorder(cst.CSTVisitor):
    """Records visit/leave events of every node the fast walk does not skip, and the field hooks
    our extractors use."""

    def __init__(self) -> None:
        super().__init__()
        self.events: List[Tuple[str, str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not _is_trivia(type(node)):
            self.events.append(("visit", type(node).__name__, id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if not _is_trivia(type(original_node)):
            self.events.append(("leave", type(original_node).__name__, id(original_node)))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute in {"body", "test"}:
            self.events.append(("enter", f"{type(node).__name__}.{attribute}", id(node)))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if attribute in {"body", "test"}:
            self.events.append(("exit", f"{type(original_node).__name__}.{attribute}", id(original_node)))


class _FastRecorder:
    """The same record from ``walk``, which dispatches on method names."""

    def __init__(self) -> None:
        self.events: List[Tuple[str, str, int]] = []

    def __getattr__(self, name: str):
        kind, _, rest = name.partition("_")
        if kind not in ("visit", "leave") or not rest:
            raise AttributeError(name)
        node_type, _, attribute = rest.partition("_")
        if attribute and attribute not in {"body", "test"}:
            raise AttributeError(name)

        def record(node: cst.CSTNode) -> None:
            if attribute:
                self.events.append(("enter" if kind == "visit" else "exit", f"{node_type}.{attribute}", id(node)))
            else:
                self.events.append((kind, node_type, id(node)))
        return record


def _assert_same_order(text: str) -> None:
    module = cst.parse_module(text)
    slow = _Recorder()
    module.visit(slow)
    fast = _FastRecorder()
    walk(module, fast)
    # libcst reports field hooks for fields the walk skips (a trivia-only `body` does not exist),
    # so compare node events exactly and field hooks as a subsequence.
    nodes = [e for e in slow.events if e[0] in ("visit", "leave")]
    assert [e for e in fast.events if e[0] in ("visit", "leave")] == nodes
    assert [e for e in fast.events if e[0] in ("enter", "exit")] == [e for e in slow.events if e[0] in ("enter", "exit")]


@pytest.mark.parametrize("name,text", _sources(), ids=[n for n, _ in _sources()])
def test_walk_visits_like_libcst(name: str, text: str) -> None:
    _assert_same_order(text)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated code may be odd, not wrong
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_code_positions_and_order(text: str) -> None:
    try:
        cst.parse_module(text)
    except Exception:
        return
    _assert_same_positions(text)
    _assert_same_positions_by_unit(text)
    _assert_same_order(text)


def test_extraction_leaves_no_syntax_tree_to_the_cycle_collector():
    """Every tree must be freed by reference counting as soon as its model is built: held by a
    cycle (an extractor part pointing back at the extractor, say), all trees of a run wait for
    a collection that scans millions of nodes."""
    import gc

    from redislint.model.extract import extract

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for name, source in _sources():
            extract(name, source)
        gc.collect()
        leaked = [o for o in gc.garbage if issubclass(type(o), cst.CSTNode)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert leaked == []
