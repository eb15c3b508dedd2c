from redislint.diagnostics import Diagnostic, Span
from redislint.suppression import (
    NoqaMap,
    apply_suppressions,
    matches_selector,
    parse_noqa,
    unused_codes,
)


def diag(code, line, col=0, noqa_line=None, path="app.py"):
    return Diagnostic(code, f"{code} message", path, Span.of(line, col, line, col + 3), None, noqa_line)


# --- parse_noqa --------------------------------------------------------------------------------

def test_bare_noqa():
    m = parse_noqa("r.set(k, v)  # noqa\n")
    d = m.get(1)
    assert d is not None and d.bare and d.codes == () and d.reason == ""
    assert d.span == (1, 13, 19)


def test_single_code_and_span():
    src = "r.set(k, v)  # noqa: RL101\n"
    d = parse_noqa(src).get(1)
    assert d.codes == ("RL101",)
    (s, e), = d.code_spans
    assert src[s:e] == "RL101"
    assert d.comment.start.column == 13 and d.comment.end.column == len(src) - 1


def test_several_codes_with_reason():
    src = "x = 1  # noqa: RL101, RL102 - TTL is set by the caller\n"
    d = parse_noqa(src).get(1)
    assert d.codes == ("RL101", "RL102")
    assert d.reason == "TTL is set by the caller"
    assert [src[s:e] for s, e in d.code_spans] == ["RL101", "RL102"]


def test_codes_without_spaces_and_uppercase_noqa():
    d = parse_noqa("x = 1  # NOQA:RL101,RL102\n").get(1)
    assert d.codes == ("RL101", "RL102") and d.reason == ""


def test_space_separated_codes_and_em_dash_reason():
    d = parse_noqa("x = 1  # noqa: RL101 RL2 \u2014 queue keys are consumed\n").get(1)
    assert d.codes == ("RL101", "RL2")
    assert d.reason == "queue keys are consumed"


def test_reason_after_colon_separator():
    d = parse_noqa("x = 1  # noqa: RL101: legacy key\n").get(1)
    assert d.codes == ("RL101",) and d.reason == "legacy key"


def test_bare_noqa_with_text_is_bare_with_reason():
    d = parse_noqa("x = 1  # noqa because reasons\n").get(1)
    assert d.bare and d.reason == "because reasons"


def test_noqa_must_be_a_whole_word():
    assert parse_noqa("x = 1  # noqathing\n").get(1) is None
    assert parse_noqa("x = 1  # not a noqa\n").get(1) is None


def test_noqa_after_other_comment_text():
    src = "x = 1  # type: ignore  # noqa: RL101\n"
    d = parse_noqa(src).get(1)
    assert d.codes == ("RL101",)
    assert d.comment.start.column == src.index("# type")
    assert d.directive.start.column == src.index("# noqa")


def test_foreign_codes_are_kept():
    d = parse_noqa("x = 1  # noqa: E501, RL101\n").get(1)
    assert d.codes == ("E501", "RL101")


def test_noqa_inside_string_is_ignored():
    src = 's = "# noqa: RL101"\nt = """\n# noqa\n"""\n'
    m = parse_noqa(src)
    assert len(m) == 0 and not m.fallback


def test_line_numbers_and_columns_with_non_ascii_and_crlf():
    src = "a = 1\r\nb = 'é€'  # noqa: RL101\r\nc = 2\rd = 3  # noqa\r"
    m = parse_noqa(src)
    d = m.get(2)
    line2 = src.split("\r\n")[1]
    (s, e), = d.code_spans
    assert line2[s:e] == "RL101"
    assert m.get(4) is not None and m.get(4).bare


def test_tokenize_error_falls_back_to_line_scan():
    src = "def f(:\n    x = (  # noqa: RL101\ny = '# noqa'  # noqa: RL102\n"
    m = parse_noqa(src)
    assert m.fallback
    assert m.get(2).codes == ("RL101",)
    # The fallback scanner still skips a `#` inside a simple string.
    assert m.get(3).codes == ("RL102",)


def test_file_level_noqa():
    m = parse_noqa("# redislint: noqa\nimport redis\n")
    assert m.file_exempt
    assert m.get(1) is None


def test_file_level_noqa_must_be_on_its_own_line():
    m = parse_noqa("import redis  # redislint: noqa\n")
    assert not m.file_exempt


def test_file_level_noqa_with_codes():
    m = parse_noqa("import redis\n    # Redislint: NOQA: RL101 - fixtures\n")
    assert not m.file_exempt
    (fd,) = m.file_level
    assert fd.codes == ("RL101",) and fd.reason == "fixtures" and fd.line == 2


# --- apply_suppressions ------------------------------------------------------------------------

def test_bare_noqa_suppresses_all_codes_on_line():
    m = parse_noqa("a\nb  # noqa\nc\n")
    kept, n, used = apply_suppressions([diag("RL101", 2), diag("RL205", 2), diag("RL101", 3)], m, ())
    assert [(d.code, d.line) for d in kept] == [("RL101", 3)]
    assert n == 2
    assert used == {(2, "")}


def test_listed_code_only():
    m = parse_noqa("a  # noqa: RL101 reason\n")
    kept, n, used = apply_suppressions([diag("RL101", 1), diag("RL102", 1)], m, ())
    assert [d.code for d in kept] == ["RL102"]
    assert n == 1 and used == {(1, "RL101")}


def test_prefix_selector_in_noqa():
    m = parse_noqa("a  # noqa: RL1\n")
    kept, n, used = apply_suppressions([diag("RL101", 1), diag("RL104", 1), diag("RL201", 1)], m, ())
    assert [d.code for d in kept] == ["RL201"]
    assert n == 2 and used == {(1, "RL1")}


def test_foreign_code_does_not_match():
    m = parse_noqa("a  # noqa: E501\n")
    kept, n, used = apply_suppressions([diag("RL101", 1)], m, ())
    assert len(kept) == 1 and n == 0 and used == set()


def test_suppression_line_is_used_not_start_line():
    src = "r.set(\n    key,  # noqa: RL101\n    v)\nr.set(k,\n v)  # noqa: RL101\n"
    m = parse_noqa(src)
    d_on_call_line = diag("RL101", 2, noqa_line=1)  # span starts on 2, noqa belongs on 1
    d_reported_on_4 = diag("RL101", 4)
    kept, n, _ = apply_suppressions([d_on_call_line, d_reported_on_4], m, ())
    assert kept == [d_on_call_line, d_reported_on_4] and n == 0
    d_noqa_2 = diag("RL101", 1, noqa_line=2)
    kept, n, used = apply_suppressions([d_noqa_2], m, ())
    assert kept == [] and used == {(2, "RL101")}


def test_file_level_noqa_suppresses_everything_including_parse_error():
    m = parse_noqa("# redislint: noqa\nx = 1\n")
    kept, n, used = apply_suppressions([diag("RL101", 2), diag("RL001", 1)], m, ())
    assert kept == [] and n == 2 and used == {(1, "")}


def test_file_level_noqa_with_codes_suppresses_those_codes():
    m = parse_noqa("# redislint: noqa: RL101\nx = 1\n")
    kept, n, used = apply_suppressions([diag("RL101", 2), diag("RL102", 2)], m, ())
    assert [d.code for d in kept] == ["RL102"] and used == {(1, "RL101")}


def test_parse_error_not_suppressed_by_line_noqa():
    m = parse_noqa("x = (  # noqa\n")
    kept, n, used = apply_suppressions([diag("RL001", 1)], m, ())
    assert [d.code for d in kept] == ["RL001"] and n == 0 and used == set()


def test_per_file_ignores():
    m = NoqaMap()
    diags = [diag("RL101", 1), diag("RL102", 2), diag("RL205", 3), diag("RL001", 1)]
    kept, n, _ = apply_suppressions(diags, m, ("RL1",))
    assert [d.code for d in kept] == ["RL205", "RL001"] and n == 2
    kept, n, _ = apply_suppressions(diags, m, ("rl205", "RL001"))
    assert [d.code for d in kept] == ["RL101", "RL102"] and n == 2
    kept, n, _ = apply_suppressions(diags, m, ("ALL",))
    assert kept == [] and n == 4


def test_per_file_ignore_takes_precedence_so_noqa_is_unused():
    m = parse_noqa("a  # noqa: RL101\n")
    kept, n, used = apply_suppressions([diag("RL101", 1)], m, ("RL101",))
    assert kept == [] and n == 1 and used == set()
    assert unused_codes(m, used) == {1: ("RL101",)}


def test_unused_codes_ignores_foreign_codes():
    m = parse_noqa("a  # noqa: RL101, RL102, E501\nb  # noqa\nc  # noqa\n")
    _, _, used = apply_suppressions([diag("RL101", 1), diag("RL999", 3)], m, ())
    assert unused_codes(m, used) == {1: ("RL102",), 2: ("",)}


def test_matches_selector():
    assert matches_selector("RL101", ["RL"])
    assert matches_selector("RL101", ["all"])
    assert not matches_selector("RL101", ["RL2", ""])


# --- robustness ----------------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab #:noqaNOQARL1023,'\"\n\r\t(-") + ["é", "\\"])))
def test_parse_noqa_never_crashes(text):
    m = parse_noqa(text)
    for d in m:
        assert d.line >= 1
        for code, (s, e) in zip(d.codes, d.code_spans):
            assert e - s == len(code)
