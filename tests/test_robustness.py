"""No input crashes the linter: generated programs, mangled real code, arbitrary bytes."""
from __future__ import annotations

import libcst as cst
from hypothesis import HealthCheck, given, settings, strategies as st

from redislint import lint_source
from redislint.fixes import apply_edits
from redislint.runner import INTERNAL_ERROR
from redislint.settings import Settings

from .helpers import ROOT

ALL = Settings(select=("ALL",), preview=True)
SAMPLES = [p.read_text() for p in sorted((ROOT / "fixtures").rglob("*.py"))]
HEADER = "import redis\nr = redis.Redis()\n"


def _check(source):
    diags = lint_source(source, "gen.py", ALL)
    for d in diags:
        assert d.code.startswith("RL") and d.span.start.line >= 1
        assert INTERNAL_ERROR not in d.message, d.message
    fixes = [d.fix for d in diags if d.fix is not None]
    if fixes:
        text, _ = apply_edits(source, fixes)
        if not any(d.code == "RL001" for d in diags):
            cst.parse_module(text)  # every rule's edits keep the module parseable


try:
    import hypothesmith
except ImportError:  # pragma: no cover - hypothesmith is in the test extra
    hypothesmith = None

if hypothesmith is not None:
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_grammar())
    def test_generated_programs_do_not_crash(source):
        _check(HEADER + source)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SAMPLES), st.integers(min_value=0), st.integers(min_value=0, max_value=40), st.text(max_size=5))
def test_mangled_fixtures_do_not_crash(sample, start, length, insert):
    start = start % (len(sample) + 1)
    _check(sample[:start] + insert + sample[start + length:])


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_do_not_crash(data):
    diags = lint_source(b"import redis\n" + data, "bytes.py", ALL)
    assert all(d.code.startswith("RL") and INTERNAL_ERROR not in d.message for d in diags)


def test_deeply_nested_expression_is_reported_not_crashed():
    source = HEADER + "x = " + "(" * 500 + "1" + ")" * 500 + "\n"
    diags = lint_source(source, "deep.py", ALL)
    assert all(d.code == "RL001" for d in diags)


def test_global_statement_at_module_level_terminates():
    # `global x` is legal (and a no-op) at module level; name lookup must not loop on it.
    source = HEADER + "global conn\nconn = None\n\ndef f(k):\n    conn.set(k, 1)\n    r.keys()\n"
    assert [d.code for d in lint_source(source, "g.py", ALL)] == ["RL201"]


def test_string_literals_that_parse_but_cannot_be_evaluated_are_opaque():
    # libcst accepts `"\N{bogus}"` (CPython rejects it when compiling): keys, patterns, scripts
    # and annotations written that way are unknown values, not a crash of the whole run.
    source = HEADER + (
        'r.set("\\N{bogus}", 1)\nx: "\\N{bogus}" = 1\n'
        'def f(c: "\\N{bad}"):\n    c.keys("\\N{nope}*")\n'
        'r.eval("\\N{zz}", 0)\nr.keys(f"\\N{x}")\nr.keys("k" "\\N{y}")\n')
    diags = lint_source(source, "n.py", ALL)
    assert not any(INTERNAL_ERROR in d.message for d in diags)
    # The KEYS calls on the known client are still reported; the rest has nothing to judge.
    assert [(d.code, d.line) for d in diags if d.code == "RL201"] == [("RL201", 8), ("RL201", 9)]
