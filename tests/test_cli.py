"""The command line as users run it: exit codes, formats, selection, rule pages."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from redislint.cli import cli

from .helpers import ROOT

FLAGGED = textwrap.dedent("""\
    import redis

    r = redis.Redis(socket_timeout=5)


    def remember(uid, value):
        r.set(f"user:{uid}:name", value)
        r.expire(f"user:{uid}:name", 60)


    def wipe():
        r.flushdb()
""")
CLEAN = "import redis\n\nr = redis.Redis()\nr.set('greeting', 'hi', ex=60)\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(FLAGGED)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_check_is_the_default_command_and_exits_1_on_findings(project):
    result = run("app.py")
    assert result.exit_code == 1
    assert "app.py:8:5: RL104 [*]" in result.output
    assert "app.py:12:5: RL202" in result.output
    assert "Found 2 errors." in result.output
    assert run("check", "app.py").output == result.output


def test_clean_file_exits_0(project):
    result = run("clean.py")
    assert result.exit_code == 0
    assert "All checks passed!" in result.output


def test_default_path_is_the_current_directory(project):
    result = run()
    assert result.exit_code == 1 and "app.py" in result.output


def test_findings_are_sorted_by_path_line_column_code(project):
    (project / "b.py").write_text(FLAGGED)
    lines = [l for l in run(".").output.splitlines() if ": RL" in l]
    keys = [(l.split(":")[0], int(l.split(":")[1]), int(l.split(":")[2]), l.split()[1]) for l in lines]
    assert keys == sorted(keys) and len(keys) == 4


def test_json_output_uses_ruff_field_names(project):
    result = run("--output-format", "json", "app.py")
    data = json.loads(result.output)
    assert result.exit_code == 1
    first = {d["code"]: d for d in data}["RL104"]
    assert set(first) >= {"code", "message", "filename", "location", "end_location", "fix", "url", "noqa_row"}
    assert first["location"] == {"row": 8, "column": 5}
    assert first["filename"] == str(project / "app.py")
    assert first["fix"]["applicability"] == "safe"
    edit = first["fix"]["edits"][0]
    assert set(edit) == {"content", "location", "end_location"}


def test_select_ignore_and_extend_select(project):
    assert "RL104" not in run("--select", "RL2", "app.py").output
    assert "RL202" in run("--select", "RL2", "app.py").output
    out = run("--ignore", "RL104", "app.py").output
    assert "RL104" not in out and "RL202" in out
    out = run("--select", "RL104", "--extend-select", "RL202", "app.py").output
    assert "RL104" in out and "RL202" in out


def test_unknown_selector_is_a_usage_error(project):
    result = run("--select", "RL9Z", "app.py")
    assert result.exit_code == 2
    assert "unknown rule selector 'RL9Z'" in result.output


def test_exit_zero(project):
    result = run("--exit-zero", "app.py")
    assert result.exit_code == 0 and "RL202" in result.output


def test_statistics(project):
    result = run("--statistics", "app.py")
    lines = result.output.splitlines()
    assert any("RL104" in l and "non-atomic-expire" in l for l in lines)
    assert any("RL202" in l and "flush-command" in l for l in lines)


def test_stdin_filename_reads_source_from_stdin(project):
    result = run("--stdin-filename", "src/thing.py", input=FLAGGED)
    assert result.exit_code == 1
    assert "src/thing.py:12:5: RL202" in result.output


def test_stdin_with_fix_prints_the_fixed_source(project):
    result = CliRunner().invoke(cli, ["--fix", "--stdin-filename", "x.py"], input=FLAGGED)
    assert 'r.set(f"user:{uid}:name", value, ex=60)\n' in result.stdout
    assert "r.expire" not in result.stdout
    assert result.exit_code == 1  # RL202 remains


def test_fix_writes_and_exits_0_only_when_nothing_is_left(project):
    (project / "only104.py").write_text(FLAGGED.replace("    r.flushdb()\n", "    pass\n"))
    result = run("--fix", "only104.py")
    assert result.exit_code == 0, result.output
    assert "ex=60" in (project / "only104.py").read_text()
    result = run("--fix", "app.py")
    assert result.exit_code == 1
    assert "ex=60" in (project / "app.py").read_text()


def test_exit_non_zero_on_fix(project):
    (project / "only104.py").write_text(FLAGGED.replace("    r.flushdb()\n", "    pass\n"))
    assert run("--fix", "--exit-non-zero-on-fix", "only104.py").exit_code == 1


def test_diff_writes_nothing(project):
    before = (project / "app.py").read_text()
    result = run("--diff", "app.py")
    assert result.exit_code == 1
    assert "+    r.set(f\"user:{uid}:name\", value, ex=60)" in result.stdout
    assert (project / "app.py").read_text() == before


def test_noqa_suppresses(project):
    (project / "app.py").write_text(FLAGGED.replace("r.flushdb()", "r.flushdb()  # noqa: RL202 test fixture"))
    assert "RL202" not in run("app.py").output


def test_config_in_pyproject_applies(project):
    (project / "pyproject.toml").write_text('[tool.redislint]\nignore = ["RL202"]\n')
    out = run("app.py").output
    assert "RL202" not in out and "RL104" in out


def test_rules_lists_every_rule_with_status_and_fix():
    result = run("rules")
    assert result.exit_code == 0
    for code, name in [("RL101", "set-without-ttl"), ("RL104", "non-atomic-expire"), ("RL501", "store-of-record")]:
        line = next(l for l in result.output.splitlines() if l.startswith(code))
        assert name in line and "stable" in line
    assert "safe" in next(l for l in result.output.splitlines() if l.startswith("RL104"))


def test_rule_prints_its_page():
    result = run("rule", "RL101")
    assert result.exit_code == 0
    assert result.output.startswith("# RL101: set-without-ttl")
    assert "## Why it matters" in result.output


def test_unknown_rule_code():
    result = run("rule", "RL999")
    assert result.exit_code == 2 and "unknown rule code" in result.output


def test_python_dash_m_works(tmp_path):
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-m", "redislint", "rule", "RL201"], capture_output=True, text=True,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0 and result.stdout.startswith("# RL201: keys-command")


def test_demo_reports_many_codes():
    result = run("--output-format", "json", str(ROOT / "fixtures" / "demo"))
    assert result.exit_code == 1
    assert len({d["code"] for d in json.loads(result.output)}) >= 8


def test_cache_is_written_reused_skipped_and_cleaned(project):
    first = run(".")
    assert (project / ".redislint_cache").is_dir()
    assert list((project / ".redislint_cache").glob("models-*.pickle"))
    assert run(".").output == first.output
    cleaned = run("clean")
    assert cleaned.exit_code == 0 and "Removed cache" in cleaned.output
    assert not (project / ".redislint_cache").exists()
    assert run("--no-cache", ".").output == first.output
    assert not (project / ".redislint_cache").exists()
    assert "No cache" in run("clean").output


def test_cache_dir_setting_moves_the_cache(project):
    (project / "redislint.toml").write_text('cache-dir = "build/lint-cache"\n')
    run(".")
    assert list((project / "build" / "lint-cache").glob("models-*.pickle"))
    assert not (project / ".redislint_cache").exists()
    assert "Removed cache" in run("clean").output
    assert not (project / "build" / "lint-cache").exists()


def test_jobs_option(project):
    assert run("-j", "1", "--no-cache", ".").output == run("--jobs", "2", "--no-cache", ".").output
    bad = run("--jobs", "0", ".")
    assert bad.exit_code == 2 and "Traceback" not in bad.output
