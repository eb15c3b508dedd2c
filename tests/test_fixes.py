import re

import libcst
import pytest

from redislint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, Span
from redislint.fixes import LineIndex, apply_edits, fix_source


def _parses(text: str) -> bool:
    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError:
        return False
    return True


def P(line, col):
    return Position(line, col)


def replace(l1, c1, l2, c2, content, msg="fix", app=Applicability.SAFE):
    return Fix(msg, (Edit(P(l1, c1), P(l2, c2), content),), app)


# --- LineIndex -----------------------------------------------------------------------------------

def test_line_index_mixed_line_endings():
    text = "a\r\nbb\rccc\nd"
    idx = LineIndex(text)
    assert idx.starts == [0, 3, 6, 10]
    assert idx.offset(P(2, 1)) == 4
    assert idx.offset(P(4, 1)) == len(text)
    assert idx.position(7) == P(3, 1)
    with pytest.raises(ValueError):
        idx.offset(P(5, 0))
    with pytest.raises(ValueError):
        idx.offset(P(1, 4))  # past "a\r\n"


def test_line_index_form_feed_is_not_a_line_break():
    idx = LineIndex("a\x0cb\nc")
    assert idx.line_count == 2


# --- apply_edits ---------------------------------------------------------------------------------

def test_single_replacement():
    new, applied = apply_edits("r.set(k, v)\n", [replace(1, 2, 1, 5, "get")])
    assert new == "r.get(k, v)\n" and len(applied) == 1


def test_non_ascii_before_edit_column():
    # Columns count characters, not bytes: "é" and "€" are one column each.
    text = "s = 'é€'; r.set(k, v)\n"
    col = text.index("set")
    new, _ = apply_edits(text, [replace(1, col, 1, col + 3, "get")])
    assert new == "s = 'é€'; r.get(k, v)\n"


def test_crlf_text_keeps_line_endings():
    text = "a = 1\r\nr.set(k, v)\r\nb = 2\r\n"
    fix = Fix("add ttl", (Edit.insertion(P(2, 10), ", ex=60"),), Applicability.SAFE)
    new, applied = apply_edits(text, [fix])
    assert new == "a = 1\r\nr.set(k, v, ex=60)\r\nb = 2\r\n"
    assert applied == [fix]


def test_cr_only_line_endings():
    text = "a = 1\rb = 2\r"
    new, _ = apply_edits(text, [replace(2, 4, 2, 5, "3")])
    assert new == "a = 1\rb = 3\r"


def test_multi_edit_fix_and_line_deletion():
    text = "r.set(k, v)\nr.expire(k, 60)\nz = 1\n"
    fix = Fix.safe(
        "merge expire into set",
        Edit.insertion(P(1, 10), ", ex=60"),
        Edit.deletion(P(2, 0), P(3, 0)),
    )
    new, applied = apply_edits(text, [fix])
    assert new == "r.set(k, v, ex=60)\nz = 1\n"
    assert applied == [fix]


def test_overlapping_fixes_first_wins():
    text = "abcdefgh\n"
    first = replace(1, 1, 1, 4, "X", "first")   # bcd
    second = replace(1, 3, 1, 6, "Y", "second")  # def overlaps
    third = replace(1, 6, 1, 7, "Z", "third")    # g, touches second's end only
    new, applied = apply_edits(text, [second, third, first])
    assert applied == [first, third]
    assert new == "aXefZh\n"


def test_fix_skipped_whole_when_one_edit_conflicts():
    text = "abcdefgh\n"
    a = replace(1, 0, 1, 2, "AB")
    b = Fix.safe("two edits", Edit(P(1, 4), P(1, 5), "E"), Edit(P(1, 1), P(1, 3), "!"))
    new, applied = apply_edits(text, [a, b])
    assert applied == [a] and new == "ABcdefgh\n"


def test_two_insertions_at_same_point_conflict_unless_equal():
    text = "f()\n"
    one = Fix.safe("one", Edit.insertion(P(1, 2), "x"))
    two = Fix.safe("two", Edit.insertion(P(1, 2), "y"))
    new, applied = apply_edits(text, [one, two])
    assert applied == [one] and new == "f(x)\n"
    same = Fix.safe("same", Edit.insertion(P(1, 2), "x"))
    new, applied = apply_edits(text, [one, same])
    assert applied == [one, same] and new == "f(x)\n"  # applied once


def test_insertion_at_start_of_replacement_is_not_a_conflict():
    text = "abc\n"
    ins = Fix.safe("ins", Edit.insertion(P(1, 1), "<"))
    rep = replace(1, 1, 1, 2, "B")
    new, applied = apply_edits(text, [rep, ins])
    assert len(applied) == 2
    assert new == "a<Bc\n"


def test_insertion_inside_replacement_conflicts():
    text = "abcd\n"
    rep = replace(1, 1, 1, 3, "X")
    ins = Fix.safe("ins", Edit.insertion(P(1, 2), "!"))
    new, applied = apply_edits(text, [rep, ins])
    assert applied == [rep] and new == "aXd\n"


def test_invalid_fixes_are_skipped():
    text = "abc\n"
    out_of_range = replace(5, 0, 5, 1, "x")
    empty = Fix("nothing", (), Applicability.SAFE)
    backwards = replace(1, 2, 1, 1, "x")
    new, applied = apply_edits(text, [out_of_range, empty, backwards])
    assert new == text and applied == []


def test_edit_at_end_of_file_without_newline():
    new, _ = apply_edits("x = 1", [Fix.safe("nl", Edit.insertion(P(1, 5), "\n"))])
    assert new == "x = 1\n"
    new, _ = apply_edits("x = 1\n", [Fix.safe("add", Edit.insertion(P(2, 0), "y = 2\n"))])
    assert new == "x = 1\ny = 2\n"


# --- fix_source ----------------------------------------------------------------------------------

def _regex_lint(pattern, code, repl, app=Applicability.SAFE):
    """A fake rule: every match of ``pattern`` is a finding whose fix replaces it with ``repl``."""
    rx = re.compile(pattern)

    def lint(text):
        idx = LineIndex(text)
        out = []
        for m in rx.finditer(text):
            s, e = idx.position(m.start()), idx.position(m.end())
            fix = Fix(f"use {repl}", (Edit(s, e, repl),), app) if app is not None else None
            out.append(Diagnostic(code, "found " + m.group(0), "t.py", Span(s, e), fix))
        return out

    return lint


def test_two_rounds_converge():
    # Each round halves the run of x's: round 1 fixes both "xx" pairs, round 2 the new pair.
    calls = []

    def lint(text):
        calls.append(text)
        return _regex_lint(r"xx", "RL900", "x")(text)

    res = fix_source("v = 'xxxx'\n", lint, Applicability.SAFE, parses=lambda t: _parses(t))
    assert res.text == "v = 'x'\n"
    assert res.rounds == 2  # xxxx → xx → x
    assert res.fixed["RL900"] == 3
    assert res.remaining == []
    assert res.converged and not res.rejected
    assert calls[-1] == res.text  # remaining comes from linting the final text


def test_chained_rules_fix_over_rounds():
    def lint(text):
        return _regex_lint(r"\bfoo\b", "RL901", "bar")(text) + _regex_lint(r"\bbar\b", "RL902", "baz")(text)

    res = fix_source("foo = 1\n", lint, parses=lambda t: _parses(t))
    assert res.text == "baz = 1\n"
    assert res.rounds == 2
    assert dict(res.fixed) == {"RL901": 1, "RL902": 1}


def test_round_that_breaks_syntax_is_rejected():
    def lint(text):
        good = _regex_lint(r"\bfoo\b", "RL901", "bar")(text)
        bad = _regex_lint(r"\bbar\b", "RL903", "bar(")(text)  # produces a syntax error
        return good + bad

    res = fix_source("foo = 1\n", lint, Applicability.SAFE, parses=lambda t: _parses(t))
    assert res.text == "bar = 1\n"  # the last good text
    assert res.rounds == 1
    assert res.rejected and res.rejected_codes == ("RL903",)
    assert dict(res.fixed) == {"RL901": 1}
    assert [d.code for d in res.remaining] == ["RL903"]


def test_applicability_levels():
    unsafe_lint = _regex_lint(r"\bfoo\b", "RL904", "bar", Applicability.UNSAFE)
    res = fix_source("foo = 1\n", unsafe_lint, Applicability.SAFE, parses=lambda t: _parses(t))
    assert res.text == "foo = 1\n" and res.rounds == 0 and not res.fixed
    assert len(res.remaining) == 1
    res = fix_source("foo = 1\n", unsafe_lint, Applicability.UNSAFE, parses=lambda t: _parses(t))
    assert res.text == "bar = 1\n"

    display = _regex_lint(r"\bfoo\b", "RL905", "bar", Applicability.DISPLAY_ONLY)
    res = fix_source("foo = 1\n", display, Applicability.UNSAFE, parses=lambda t: _parses(t))
    assert res.text == "foo = 1\n" and res.rounds == 0
    # Even asking for display-only level never applies display-only fixes.
    res = fix_source("foo = 1\n", display, Applicability.DISPLAY_ONLY, parses=lambda t: _parses(t))
    assert res.text == "foo = 1\n"


def test_max_rounds_bounds_a_fix_that_never_converges():
    def lint(text):
        return [Diagnostic("RL906", "grow", "t.py", Span.of(1, 0, 1, 1),
                           Fix.safe("grow", Edit.insertion(P(1, 0), "#")))]

    res = fix_source("x = 1\n", lint, max_rounds=3, parses=lambda t: _parses(t))
    assert res.rounds == 3
    assert res.text == "###x = 1\n"
    assert not res.converged


def test_cycle_stops_early():
    def lint(text):
        if "foo" in text:
            return _regex_lint(r"\bfoo\b", "RL907", "bar")(text)
        return _regex_lint(r"\bbar\b", "RL908", "foo")(text)

    res = fix_source("foo = 1\n", lint, max_rounds=10, parses=lambda t: _parses(t))
    assert res.rounds == 2 and not res.converged


def test_crlf_source_round_trip():
    text = "a = 1\r\nfoo = 2\r\n"
    res = fix_source(text, _regex_lint(r"\bfoo\b", "RL901", "bar"), parses=lambda t: _parses(t))
    assert res.text == "a = 1\r\nbar = 2\r\n"


def test_default_parse_check_is_libcst():
    res = fix_source("foo = 1\n", _regex_lint(r"\bfoo\b", "RL903", "foo("))
    assert res.rejected and res.text == "foo = 1\n"


# --- robustness ----------------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def text_and_fixes(draw):
    text = draw(st.text(alphabet="ab\n\r é", max_size=30))
    idx = LineIndex(text)
    n = len(text)
    fixes = []
    for _ in range(draw(st.integers(0, 5))):
        edits = []
        for _ in range(draw(st.integers(1, 2))):
            s = draw(st.integers(0, n))
            e = draw(st.integers(s, n))
            edits.append(Edit(idx.position(s), idx.position(e), draw(st.sampled_from(["", "X", "YY"]))))
        fixes.append(Fix("f", tuple(edits), Applicability.SAFE))
    return text, fixes


@settings(max_examples=300, deadline=None)
@given(text_and_fixes())
def test_apply_edits_matches_sequential_application(case):
    """Applying the accepted fixes together equals applying their edits one by one from the end."""
    text, fixes = case
    new, applied = apply_edits(text, fixes)
    idx = LineIndex(text)
    edits = {(idx.offset(e.start), idx.offset(e.end), e.content) for f in applied for e in f.edits}
    expected = text
    for s, e, content in sorted(edits, key=lambda r: (r[0], r[1]), reverse=True):
        expected = expected[:s] + content + expected[e:]
    assert new == expected
    # No two distinct accepted edits overlap.
    ordered = sorted(edits)
    for (s1, e1, _), (s2, e2, _) in zip(ordered, ordered[1:]):
        assert e1 <= s2 and not (s1 == e1 == s2 == e2)
