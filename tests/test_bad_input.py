"""Bad input gets one clear line and the documented exit code; never a traceback, never lost data."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from redislint.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_syntax_error_is_rl001_and_file_is_untouched(tmp_path):
    source = "import redis\nr = redis.Redis()\ndef f(:\n    r.keys()\n"
    (tmp_path / "broken.py").write_text(source)
    result = run("--fix", "--unsafe-fixes", "broken.py")
    assert result.exit_code == 1
    assert "broken.py:3:7: RL001 cannot analyse file: syntax error: invalid syntax" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "broken.py").read_text() == source


def test_a_file_the_analyser_fails_on_is_reported_and_the_others_are_linted(tmp_path, monkeypatch):
    import redislint.model.extract as extract_module

    real = extract_module.extract

    def failing(path, text, *args, **kwargs):
        if path.endswith("bad.py"):
            raise KeyError("boom")
        return real(path, text, *args, **kwargs)

    monkeypatch.setattr(extract_module, "extract", failing)
    source = "import redis\nr = redis.Redis()\nr.keys()\n"
    (tmp_path / "bad.py").write_text(source)
    (tmp_path / "good.py").write_text(source)
    result = run("--fix", "--no-cache", "-j", "1", ".")
    assert result.exit_code == 1
    assert "bad.py:1:1: RL001 cannot analyse file: internal error while building its model, please report it " \
           "(KeyError: 'boom')" in result.output
    assert "good.py:3:1: RL201" in result.output
    assert "Traceback" not in result.output and "internal error:" not in result.output
    assert (tmp_path / "bad.py").read_text() == source


def test_non_utf8_file_is_rl001(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"import redis\nname = '\xe9t\xe9'\n")
    result = run("latin.py")
    assert result.exit_code == 1
    assert "latin.py:1:1: RL001 cannot analyse file: cannot decode as utf-8" in result.output


def test_declared_latin1_file_is_fine(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport redis\nname = '\xe9t\xe9'\n")
    result = run("latin.py")
    assert result.exit_code == 0, result.output


def test_binary_file_is_rl001(tmp_path):
    (tmp_path / "blob.py").write_bytes(b"import redis\n\x00\x01\x02")
    result = run("blob.py")
    assert result.exit_code == 1 and "RL001 cannot analyse file: binary file" in result.output


def test_empty_file_is_clean(tmp_path):
    (tmp_path / "empty.py").write_text("")
    result = run("empty.py")
    assert result.exit_code == 0 and "All checks passed!" in result.output


def test_missing_path_is_a_usage_error():
    result = run("nowhere.py")
    assert result.exit_code == 2
    assert result.output.strip() == "redislint: error: nowhere.py: no such file or directory"


def test_bad_config_value_names_file_key_and_expectation(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.redislint]\ndefault-ttl = "soon"\n')
    (tmp_path / "a.py").write_text("import redis\n")
    result = run("a.py")
    assert result.exit_code == 2
    line = result.output.strip()
    assert len(line.splitlines()) == 1
    assert "pyproject.toml" in line and "default-ttl" in line and "expected" in line


def test_unknown_config_key(tmp_path):
    (tmp_path / "redislint.toml").write_text('default-tll = 60\n')
    (tmp_path / "a.py").write_text("import redis\n")
    result = run("a.py")
    assert result.exit_code == 2
    assert "unknown key 'default-tll'" in result.output and "default-ttl" in result.output


def test_invalid_toml(tmp_path):
    (tmp_path / "redislint.toml").write_text('select = [\n')
    (tmp_path / "a.py").write_text("import redis\n")
    result = run("a.py")
    assert result.exit_code == 2 and "invalid TOML" in result.output


def test_missing_explicit_config(tmp_path):
    (tmp_path / "a.py").write_text("import redis\n")
    result = run("--config", "nope.toml", "a.py")
    assert result.exit_code == 2 and "nope.toml" in result.output


def test_bad_output_format_is_a_usage_error(tmp_path):
    (tmp_path / "a.py").write_text("import redis\n")
    assert run("--output-format", "xml", "a.py").exit_code == 2
