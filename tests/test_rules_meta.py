"""RL002 (unused suppression) and RL003 (suppression without reason): rules over the `# noqa`
comments, run after the other rules' findings were suppressed."""
from __future__ import annotations

import textwrap

from redislint import lint_source
from redislint.diagnostics import Applicability
from redislint.settings import Settings

from .helpers import Snippets, lint

H = """
import redis
r = redis.Redis()
"""
RL002 = Snippets(H, "RL002")


def _fixed(code: str, **settings) -> str:
    return RL002.fixed(code, **settings)


# --- RL002 unused-suppression ----------------------------------------------------------------

def test_rl002_code_that_suppressed_nothing():
    assert RL002.lines("""
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa: RL101
            r.set(f"member:{uid}", v)  # noqa: RL101 -- used: this one is reported
    """) == [3]


def test_rl002_names_every_unused_code_once_per_comment():
    (d,) = RL002.found("""
        def f():
            return r.keys("a:*")  # noqa: RL201, RL101, RL301
    """)
    assert "`RL101`, `RL301`" in d.message and "RL201`" not in d.message.split(":")[0]
    assert d.fix is not None and d.fix.applicability is Applicability.SAFE


def test_rl002_prefix_entries():
    assert RL002.lines("""
        def f():
            r.keys("a:*")  # noqa: RL2 -- used through the prefix
            r.get("a")  # noqa: RL2 -- nothing to suppress
    """) == [4]


def test_rl002_blanket_noqa_only_on_redis_lines():
    assert RL002.lines("""
        import os  # noqa
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa
            r.keys("*")  # noqa
            x = (1,
                 r.get("k"))  # noqa
    """) == [4, 7]


def test_rl002_does_not_judge_other_tools_or_unknown_codes():
    assert RL002.lines("""
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa: E501, F401, RL999 -- not ours
    """) == []


def test_rl002_judges_only_rules_that_ran():
    code = """
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa: RL101
    """
    assert RL002.lines(code, select=("RL002",)) == []
    assert RL002.lines(code, select=("RL002", "RL101")) == [3]
    assert RL002.lines(code, select=("RL002", "RL1")) == [3]
    assert RL002.lines(code, ignore=("RL101",)) == []
    assert RL002.lines(code, per_file_ignores={"snippet.py": ("RL101",)}) == []


def test_rl002_preview_rules_count_only_with_preview():
    code = H + textwrap.dedent("""
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa: RL003 -- explained
    """)
    assert [d.code for d in lint_source(code, "a.py", Settings(select=("RL002",), extend_select=("RL0",)))] == []
    assert [d.code for d in lint_source(code, "a.py", Settings(select=("RL002", "RL003")))] == ["RL002"]



def test_rl002_is_suppressed_by_its_own_code_not_by_a_blanket_noqa():
    assert RL002.lines("""
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa: RL101, RL002 -- keep it while the TTL is under review
            r.set(f"user:{uid}", v, ex=60)  # noqa: RL0 -- the whole family
            r.get("k")  # noqa
    """) == [5]


def test_rl002_not_in_test_code_or_unanalysed_files():
    code = H + textwrap.dedent("""
        def f(uid, v):
            r.set(f"user:{uid}", v, ex=60)  # noqa: RL101
    """)
    settings = Settings(select=("ALL",), preview=True)
    assert [d.code for d in lint_source(code, "tests/test_cache.py", settings)] == []
    plain = "import os  # noqa: RL101\n"
    assert [d.code for d in lint_source(plain, "plain.py", settings)] == []


def test_rl002_fix_removes_codes_and_keeps_other_text():
    assert _fixed("""
        def f(uid, v):
            r.set(f"a:{uid}", v, ex=60)  # noqa: RL101
            r.set(f"b:{uid}", v, ex=60)  # noqa:RL101,E501
            r.set(f"c:{uid}", v, ex=60)  # noqa: E501, RL101, F401 -- long line
            r.set(f"d:{uid}", v, ex=60)  # type: ignore  # noqa: RL101
            r.set(f"e:{uid}", v, ex=60)  # noqa: RL101 -- legacy key
            return r.keys("f:*")  # noqa: RL101, RL201 -- admin only
        # noqa: RL101
        x = 1
    """) == textwrap.dedent("""
        def f(uid, v):
            r.set(f"a:{uid}", v, ex=60)
            r.set(f"b:{uid}", v, ex=60)  # noqa:E501
            r.set(f"c:{uid}", v, ex=60)  # noqa: E501, F401 -- long line
            r.set(f"d:{uid}", v, ex=60)  # type: ignore
            r.set(f"e:{uid}", v, ex=60)  # legacy key
            return r.keys("f:*")  # noqa: RL201 -- admin only
        x = 1
    """)


def test_rl002_blanket_noqa_has_no_fix():
    (d,) = RL002.found("""
        def f():
            r.get("k")  # noqa
    """)
    assert d.fix is None and "blanket" in d.message


def test_rl002_comment_on_the_last_line_without_newline():
    text = H + "r.get('k')  # noqa: RL101"
    (d,) = [d for d in lint(text) if d.code == "RL002"]
    from redislint.fixes import apply_edits

    new, applied = apply_edits(text, [d.fix])
    assert applied and new == H + "r.get('k')"


# --- RL003 suppression-without-reason --------------------------------------------------------

RL003 = Snippets(H, "RL003")


def test_rl003_flags_codes_without_reason():
    assert RL003.lines("""
        def f(uid, v):
            r.set(f"a:{uid}", v)  # noqa: RL101
            r.set(f"b:{uid}", v)  # noqa:RL101,RL102
            r.set(f"c:{uid}", v)  # noqa: RL1 --
            r.set(f"d:{uid}", v)  # noqa: RL101  # type: ignore
            r.set(f"e:{uid}", v)  # noqa: E501, RL101 - —
    """) == [3, 4, 5, 6, 7]


def test_rl003_accepts_reasons():
    assert RL003.lines("""
        def f(uid, v):
            r.set(f"a:{uid}", v)  # noqa: RL101 -- session key, expired by the cleanup job
            r.set(f"b:{uid}", v)  # noqa: RL101  reason without a separator
            r.set(f"c:{uid}", v)  # noqa: RL101: migrated in 2025
            r.set(f"d:{uid}", v)  # noqa: RL101 — em dash
            r.set(f"e:{uid}", v)  # noqa: RL101  # in a second comment
            r.set(f"f:{uid}", v)  # noqa: RL101  # type: ignore  # after another tool's directive
            r.set(f"g:{uid}", v)  # noqa: RL101 -- 42
    """) == []


def test_rl003_ignores_blanket_and_other_tools():
    assert RL003.lines("""
        import os  # noqa
        def f(uid, v):
            r.set(f"a:{uid}", v)  # noqa
            x = 1  # noqa: E501
    """) == []


def test_rl003_file_level_exemptions():
    assert RL003.lines("""
        # redislint: noqa: RL2
        # redislint: noqa: RL5 -- no durable data in this module
        def f(uid, v):
            r.set(f"a:{uid}", v)
    """) == [2]
    # A whole-file exemption silences every finding, this one included.
    assert RL003.lines("""
        # redislint: noqa
        r.get("k")  # noqa: RL101
    """) == []


def test_rl003_suppressed_by_its_own_code_and_then_used():
    code = """
        def f(uid, v):
            r.set(f"a:{uid}", v)  # noqa: RL101, RL003
    """
    assert RL003.lines(code) == []
    assert RL002.lines(code) == []


def test_rl002_and_rl003_together():
    # Unused and without a reason: both report the comment, and the fix keeps no text.
    found = [d.code for d in lint(H + textwrap.dedent("""
        def f(uid, v):
            r.set(f"a:{uid}", v, ex=5)  # noqa: RL101
    """))]
    assert found == ["RL002", "RL003"]
