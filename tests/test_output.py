import io
import json
import os

import pytest

from redislint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, Span
from redislint.output import FORMATS, SummaryInfo, display_path, render
from redislint.output.diff import unified_diff
from redislint.output.text import format_diagnostic, statistics_lines, summary_lines


def D(code, line, col, path="app.py", fix=None, end=None, noqa_line=None, msg=None):
    end_line, end_col = end or (line, col + 5)
    return Diagnostic(code, msg or f"{code} message", path, Span.of(line, col, end_line, end_col), fix, noqa_line)


SAFE = Fix.safe("Add `ex=60`", Edit.insertion(Position(3, 10), ", ex=60"))
UNSAFE = Fix.unsafe("Rewrite", Edit(Position(1, 0), Position(1, 4), "x"))
DISPLAY = Fix.display_only("Consider SCAN", Edit(Position(1, 0), Position(1, 4), "scan"))


def run(fmt, diags, **kw):
    out = io.StringIO()
    render(fmt, diags, SummaryInfo(**kw), out)
    return out.getvalue()


def test_formats():
    assert FORMATS == ("text", "json")
    with pytest.raises(ValueError):
        run("sarif", [])


# --- text ----------------------------------------------------------------------------------------

def test_text_line_uses_one_based_column_and_fix_mark():
    d = D("RL101", 3, 4, fix=SAFE, msg="`set` without TTL")
    assert format_diagnostic(d) == "app.py:3:5: RL101 [*] `set` without TTL"
    assert format_diagnostic(D("RL102", 3, 0)) == "app.py:3:1: RL102 RL102 message"


def test_fix_mark_depends_on_level():
    d = D("RL104", 1, 0, fix=UNSAFE)
    assert "[*]" not in format_diagnostic(d, Applicability.SAFE)
    assert "[*]" in format_diagnostic(d, Applicability.UNSAFE)
    shown = D("RL201", 1, 0, fix=DISPLAY)
    assert "[*]" not in format_diagnostic(shown, Applicability.UNSAFE)


def test_text_sorted_by_path_line_column_code():
    diags = [D("RL102", 2, 0, "b.py"), D("RL201", 2, 4, "a.py"), D("RL101", 2, 4, "a.py"),
             D("RL101", 10, 0, "a.py"), D("RL101", 2, 0, "a.py")]
    lines = run("text", diags).splitlines()
    assert lines[:5] == [
        "a.py:2:1: RL101 RL101 message",
        "a.py:2:5: RL101 RL101 message",
        "a.py:2:5: RL201 RL201 message",
        "a.py:10:1: RL101 RL101 message",
        "b.py:2:1: RL102 RL102 message",
    ]
    assert lines[5] == "Found 5 errors."


def test_text_paths_relative_to_cwd(tmp_path):
    path = str(tmp_path / "pkg" / "m.py")
    d = D("RL101", 1, 0, path=path)
    assert format_diagnostic(d, cwd=str(tmp_path)).startswith(os.path.join("pkg", "m.py") + ":1:1:")
    assert display_path(path, cwd=str(tmp_path / "other")) == path


def test_summary_no_findings():
    assert run("text", []) == "All checks passed!\n"


def test_summary_singular_and_fixable():
    out = run("text", [D("RL101", 1, 0, fix=SAFE)])
    assert out.splitlines()[1:] == ["Found 1 error.", "[*] 1 fixable with the --fix option."]


def test_summary_hidden_unsafe_fixes():
    diags = [D("RL101", 1, 0, fix=SAFE), D("RL104", 2, 0, fix=UNSAFE), D("RL105", 3, 0, fix=UNSAFE),
             D("RL201", 4, 0, fix=DISPLAY), D("RL202", 5, 0)]
    assert summary_lines(diags, SummaryInfo()) == [
        "Found 5 errors.",
        "[*] 1 fixable with the --fix option (2 hidden fixes can be enabled with the --unsafe-fixes option).",
    ]
    assert summary_lines(diags, SummaryInfo(fix_level=Applicability.UNSAFE)) == [
        "Found 5 errors.",
        "[*] 3 fixable with the --fix option.",
    ]
    only_unsafe = [D("RL104", 2, 0, fix=UNSAFE)]
    assert summary_lines(only_unsafe, SummaryInfo()) == [
        "Found 1 error.",
        "No fixes available (1 hidden fix can be enabled with the --unsafe-fixes option).",
    ]


def test_summary_after_fix():
    remaining = [D("RL102", 1, 0)]
    assert summary_lines(remaining, SummaryInfo(mode="fix", fixed={"RL101": 2, "RL104": 1})) == [
        "Found 4 errors (3 fixed, 1 remaining).",
    ]
    assert summary_lines([], SummaryInfo(mode="fix", fixed=1)) == ["Found 1 error (1 fixed, 0 remaining)."]
    assert summary_lines([], SummaryInfo(mode="fix", fixed=0)) == ["All checks passed!"]


def test_summary_fix_only_and_diff_modes():
    assert summary_lines([], SummaryInfo(mode="fix-only", fixed=2)) == ["Fixed 2 errors."]
    assert summary_lines([], SummaryInfo(mode="diff", fixed=1)) == ["Would fix 1 error."]
    hidden = [D("RL104", 2, 0, fix=UNSAFE)]
    assert summary_lines(hidden, SummaryInfo(mode="diff", fixed=1)) == [
        "Would fix 1 error (1 additional fix available with `--unsafe-fixes`).",
    ]
    assert summary_lines(hidden, SummaryInfo(mode="fix-only")) == [
        "No errors fixed (1 fix available with `--unsafe-fixes`).",
    ]
    # --diff does not list the findings themselves.
    assert run("text", hidden, mode="diff", fixed=1) == (
        "Would fix 1 error (1 additional fix available with `--unsafe-fixes`).\n")


def test_statistics_sorted_by_count():
    diags = [D("RL101", 1, 0, fix=SAFE), D("RL101", 2, 0), D("RL102", 3, 0), D("RL102", 4, 0),
             D("RL102", 5, 0), D("RL9999", 6, 0)]
    lines = statistics_lines(diags, SummaryInfo())
    assert lines[0].split("\t")[:2] == ["3", "RL102 "]
    assert lines[1].startswith("2\tRL101 \t[*]")
    assert lines[2].startswith("1\tRL9999\t[ ]")  # unknown code: no name
    assert lines[2].rstrip() == "1\tRL9999\t[ ]"
    assert lines[-1] == "[*] fixable with `redislint check --fix`"
    assert run("text", diags, statistics=True).splitlines() == lines


def test_statistics_take_names_from_registry(monkeypatch):
    import redislint.registry as registry

    names = {"RL101": "set-without-ttl"}
    monkeypatch.setattr(registry, "rule_info",
                        lambda code: type("Info", (), {"name": names[code]})() if code in names else None)
    lines = statistics_lines([D("RL101", 1, 0, fix=SAFE), D("RL777", 2, 0)], SummaryInfo())
    assert lines[:2] == ["1\tRL101\t[*] set-without-ttl", "1\tRL777\t[ ]"]


def test_statistics_without_fixes_has_no_marks():
    lines = statistics_lines([D("RL102", 1, 0)], SummaryInfo())
    assert lines == [lines[0]] and "[" not in lines[0]


# --- json ----------------------------------------------------------------------------------------

def test_json_fields_match_ruff():
    d = D("RL101", 3, 4, path="pkg/app.py", fix=SAFE, end=(3, 11), msg="no TTL")
    data = json.loads(run("json", [d]))
    assert isinstance(data, list) and len(data) == 1
    item = data[0]
    assert list(item) == ["cell", "code", "end_location", "filename", "fix", "location", "message",
                          "noqa_row", "url"]
    assert item["cell"] is None
    assert item["code"] == "RL101"
    assert item["location"] == {"row": 3, "column": 5}
    assert item["end_location"] == {"row": 3, "column": 12}
    assert item["filename"] == os.path.abspath("pkg/app.py") and os.path.isabs(item["filename"])
    assert item["message"] == "no TTL"
    assert item["noqa_row"] == 3
    assert item["url"] == "https://github.com/redislint/redislint/blob/main/rules/RL101.md"
    assert item["fix"] == {
        "applicability": "safe",
        "message": "Add `ex=60`",
        "edits": [{"content": ", ex=60", "location": {"row": 3, "column": 11},
                   "end_location": {"row": 3, "column": 11}}],
    }


def test_json_fix_applicability_labels_and_null_fix():
    diags = [D("RL104", 1, 0, fix=UNSAFE), D("RL201", 2, 0, fix=DISPLAY), D("RL202", 3, 0)]
    data = json.loads(run("json", diags))
    assert [i["fix"] and i["fix"]["applicability"] for i in data] == ["unsafe", "display-only", None]


def test_json_noqa_row_and_sorting():
    diags = [D("RL101", 5, 0, path="b.py", noqa_line=4), D("RL101", 2, 3, path="a.py"),
             D("RL001", 1, 0, path="a.py")]
    data = json.loads(run("json", diags))
    assert [(os.path.basename(i["filename"]), i["location"]["row"]) for i in data] == [
        ("a.py", 1), ("a.py", 2), ("b.py", 5)]
    assert data[0]["noqa_row"] is None  # parse errors cannot be suppressed by a noqa comment
    assert data[2]["noqa_row"] == 4


def test_json_empty_and_no_summary():
    assert run("json", []) == "[]\n"
    assert json.loads(run("json", [D("RL101", 1, 0)], mode="fix", fixed=3))[0]["code"] == "RL101"


def test_json_non_ascii_message_round_trips():
    data = json.loads(run("json", [D("RL101", 1, 0, msg="clé sans TTL")]))
    assert data[0]["message"] == "clé sans TTL"


def test_json_statistics():
    data = json.loads(run("json", [D("RL101", 1, 0, fix=SAFE), D("RL101", 2, 0)], statistics=True))
    assert data == [{"code": "RL101", "count": 2, "fixable": True, "name": data[0]["name"]}]


# --- diff ----------------------------------------------------------------------------------------

def test_unified_diff():
    out = unified_diff("app.py", "a\nr.set(k, v)\nb\n", "a\nr.set(k, v, ex=60)\nb\n")
    assert out == (
        "--- a/app.py\n"
        "+++ b/app.py\n"
        "@@ -1,3 +1,3 @@\n"
        " a\n"
        "-r.set(k, v)\n"
        "+r.set(k, v, ex=60)\n"
        " b\n"
    )
    assert unified_diff("app.py", "same\n", "same\n") == ""


def test_unified_diff_missing_final_newline():
    out = unified_diff("m.py", "x = 1", "x = 2")
    assert out.endswith("-x = 1\n\\ No newline at end of file\n+x = 2\n\\ No newline at end of file\n")
