"""Config discovery and validation: [tool.redislint] / redislint.toml -> Settings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from redislint.config import ConfigResolver, load_config_file, per_file_ignored_codes
from redislint.errors import ConfigError
from redislint.settings import DEFAULT_EXCLUDE, DEFAULT_RECORD_KEY_PATTERNS, Settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


FULL = """
select = ["rl1", "RL201"]
ignore = ["RL101"]
extend-select = ["ALL"]
exclude = ["gen"]
extend-exclude = ["migrations/"]
preview = true
default-ttl = 3600
client-names = ["cache", "r"]
ttl-exempt-keys = ["config:*"]
record-key-patterns = ["order"]
max-value-bytes = 2048

[per-file-ignores]
"tests/*" = ["RL1"]
"""


def test_valid_pyproject_parsed_into_settings(tmp_path):
    write(tmp_path / "pyproject.toml", "[project]\nname='x'\n\n[tool.redislint]\n" + FULL.replace(
        "[per-file-ignores]", "[tool.redislint.per-file-ignores]"))
    settings = ConfigResolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "a.py"))
    assert settings == Settings(
        select=("RL1", "RL201"), ignore=("RL101",), extend_select=("ALL",),
        per_file_ignores={"tests/*": ("RL1",)}, exclude=("gen",), extend_exclude=("migrations/",),
        preview=True, default_ttl=3600, client_names=("cache", "r"), ttl_exempt_keys=("config:*",),
        record_key_patterns=("order",), max_value_bytes=2048,
        config_path=str(tmp_path / "pyproject.toml"), project_root=str(tmp_path),
    )


@pytest.mark.parametrize("name", ["redislint.toml", ".redislint.toml"])
def test_redislint_toml_uses_top_level_keys(tmp_path, name):
    write(tmp_path / name, FULL)
    settings = ConfigResolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "pkg" / "a.py"))
    assert settings.default_ttl == 3600
    assert settings.per_file_ignores == {"tests/*": ("RL1",)}
    assert settings.config_path == str(tmp_path / name)


def test_defaults_without_any_config(tmp_path):
    settings = ConfigResolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "a.py"))
    assert settings.exclude == DEFAULT_EXCLUDE
    assert settings.record_key_patterns == DEFAULT_RECORD_KEY_PATTERNS
    assert settings.config_path is None
    assert settings.project_root == str(tmp_path)


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path):
    write(tmp_path / "redislint.toml", 'extend-exclude = ["gen"]\n')
    settings = ConfigResolver().settings_for(str(tmp_path / "a.py"))
    assert settings.exclude == DEFAULT_EXCLUDE
    assert settings.extend_exclude == ("gen",)
    write(tmp_path / "redislint.toml", 'exclude = ["gen"]\n')
    settings = ConfigResolver().settings_for(str(tmp_path / "a.py"))
    assert settings.exclude == ("gen",)


def message_for(tmp_path: Path, body: str, pyproject: bool = True) -> str:
    if pyproject:
        path = write(tmp_path / "pyproject.toml", "[tool.redislint]\n" + body)
    else:
        path = write(tmp_path / "redislint.toml", body)
    with pytest.raises(ConfigError) as info:
        load_config_file(str(path))
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("body, key, expected", [
    ('select = "RL1"', "select", "expected a list of rule selectors"),
    ('select = ["RL1", "E501"]', "select", "expected a list of rule selectors"),
    ('ignore = [101]', "ignore", "expected a list of rule selectors"),
    ('extend-select = ["RL1234"]', "extend-select", "expected a list of rule selectors"),
    ('exclude = "build"', "exclude", "expected a list of non-empty glob patterns"),
    ('extend-exclude = [""]', "extend-exclude", "expected a list of non-empty glob patterns"),
    ('preview = "yes"', "preview", "expected a boolean"),
    ('default-ttl = 0', "default-ttl", "expected a positive integer (seconds)"),
    ('default-ttl = true', "default-ttl", "expected a positive integer (seconds)"),
    ('default-ttl = 1.5', "default-ttl", "expected a positive integer (seconds)"),
    ('client-names = "r"', "client-names", "expected a list of non-empty strings"),
    ('ttl-exempt-keys = [1]', "ttl-exempt-keys", "expected a list of non-empty glob patterns"),
    ('record-key-patterns = {a = 1}', "record-key-patterns", "expected a list of non-empty strings"),
    ('max-value-bytes = -1', "max-value-bytes", "expected a positive integer (bytes)"),
    ('per-file-ignores = ["RL1"]', "per-file-ignores", "expected a table of glob pattern"),
    ('per-file-ignores = {"x.py" = "RL1"}', "per-file-ignores.'x.py'", "expected a list of rule selectors"),
])
def test_bad_values_name_file_key_and_expectation(tmp_path, body, key, expected):
    message = message_for(tmp_path, body)
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: [tool.redislint] {key}: {expected}")
    assert ", got " in message


def test_bad_value_message_shows_what_was_found(tmp_path):
    assert message_for(tmp_path, 'preview = "yes"').endswith("got string 'yes'")
    assert message_for(tmp_path, 'select = ["RL1", "E501"]').endswith("got string 'E501' (item 2)")
    assert message_for(tmp_path, "default-ttl = -5").endswith("got integer -5")


def test_redislint_toml_errors_omit_table_name(tmp_path):
    message = message_for(tmp_path, "preview = 1", pyproject=False)
    assert message == f"{tmp_path / 'redislint.toml'}: preview: expected a boolean (true or false), got integer 1"


def test_error_path_is_relative_to_cwd_when_inside(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = message_for(tmp_path, "preview = 1")
    assert message.startswith("pyproject.toml: [tool.redislint] preview:")


def test_unknown_key_suggests_closest(tmp_path):
    message = message_for(tmp_path, "default-tll = 5")
    assert message == (f"{tmp_path / 'pyproject.toml'}: unknown key 'default-tll' in [tool.redislint]"
                       " (did you mean 'default-ttl'?)")
    assert message_for(tmp_path, "max_value_bytes = 5").endswith("(did you mean 'max-value-bytes'?)")
    assert message_for(tmp_path, "zzz = 1").endswith("unknown key 'zzz' in [tool.redislint]")


def test_unknown_key_in_redislint_toml(tmp_path):
    message = message_for(tmp_path, "selct = []", pyproject=False)
    assert message == f"{tmp_path / 'redislint.toml'}: unknown key 'selct' (did you mean 'select'?)"


def test_invalid_toml(tmp_path):
    path = write(tmp_path / "redislint.toml", "preview = true\nselect = [\"RL1\"\nx = 1\n")
    with pytest.raises(ConfigError, match=r"redislint\.toml: invalid TOML: .*line"):
        ConfigResolver().settings_for(str(tmp_path / "a.py"))
    assert path.exists()


def test_tool_redislint_must_be_a_table(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool]\nredislint = 5\n")
    with pytest.raises(ConfigError, match=r"\[tool.redislint\]: expected a table, got integer 5"):
        ConfigResolver().settings_for(str(tmp_path / "a.py"))


def test_closest_config_wins(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.redislint]\ndefault-ttl = 10\n")
    write(tmp_path / "svc" / "redislint.toml", "default-ttl = 20\n")
    write(tmp_path / "svc" / "deep" / "pyproject.toml", "[tool.redislint]\ndefault-ttl = 30\n")
    resolver = ConfigResolver(cwd=str(tmp_path))
    assert resolver.settings_for(str(tmp_path / "a.py")).default_ttl == 10
    assert resolver.settings_for(str(tmp_path / "other" / "x" / "a.py")).default_ttl == 10
    svc = resolver.settings_for(str(tmp_path / "svc" / "pkg" / "a.py"))
    assert (svc.default_ttl, svc.project_root) == (20, str(tmp_path / "svc"))
    assert resolver.settings_for(str(tmp_path / "svc" / "deep" / "a.py")).default_ttl == 30
    assert resolver.root_settings(str(tmp_path / "svc")).default_ttl == 20
    assert resolver.root_settings().default_ttl == 10


def test_dedicated_file_beats_pyproject_in_same_directory(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.redislint]\ndefault-ttl = 10\n")
    write(tmp_path / "redislint.toml", "default-ttl = 20\n")
    assert ConfigResolver().settings_for(str(tmp_path / "a.py")).default_ttl == 20


def test_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path / "redislint.toml", "default-ttl = 10\n")
    write(tmp_path / "sub" / "pyproject.toml", "[tool.black]\nline-length = 80\n")
    settings = ConfigResolver().settings_for(str(tmp_path / "sub" / "a.py"))
    assert settings.default_ttl == 10
    assert settings.project_root == str(tmp_path)


def test_resolver_caches_per_directory_and_file(tmp_path, monkeypatch):
    write(tmp_path / "redislint.toml", "default-ttl = 10\n")
    resolver = ConfigResolver()
    first = resolver.settings_for(str(tmp_path / "a" / "b" / "x.py"))
    import redislint.config as config

    def boom(path):  # pragma: no cover - called only if the cache fails
        raise AssertionError("config re-read")

    monkeypatch.setattr(config, "load_config_file", boom)
    monkeypatch.setattr(config, "_config_in_directory", boom)
    assert resolver.settings_for(str(tmp_path / "a" / "b" / "y.py")) is first
    assert resolver.settings_for(str(tmp_path / "a" / "z.py")) is first


def test_explicit_config_applies_everywhere(tmp_path):
    explicit = write(tmp_path / "conf" / "custom.toml", "default-ttl = 99\n")
    write(tmp_path / "proj" / "redislint.toml", "default-ttl = 1\n")
    resolver = ConfigResolver(explicit_config=str(explicit))
    settings = resolver.settings_for(str(tmp_path / "proj" / "a.py"))
    assert settings.default_ttl == 99
    assert settings.config_path == str(explicit)
    assert settings.project_root == str(tmp_path / "conf")


def test_explicit_config_missing(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        ConfigResolver(explicit_config=str(tmp_path / "nope.toml"))


def test_cli_overrides(tmp_path):
    write(tmp_path / "redislint.toml",
          'select = ["RL1"]\nextend-select = ["RL2"]\nignore = ["RL101"]\ndefault-ttl = 5\n')
    resolver = ConfigResolver(overrides={
        "select": ["RL3"], "extend_select": ("RL4",), "ignore": ("RL102",), "default_ttl": 60,
        "preview": True,
    })
    settings = resolver.settings_for(str(tmp_path / "a.py"))
    assert settings.select == ("RL3",)
    assert settings.extend_select == ("RL2", "RL4")
    assert settings.ignore == ("RL101", "RL102")
    assert settings.default_ttl == 60
    assert settings.preview is True


def test_cli_overrides_without_config(tmp_path):
    resolver = ConfigResolver(overrides={"ignore": ("RL1",)}, cwd=str(tmp_path))
    assert resolver.root_settings().ignore == ("RL1",)


def test_unknown_override_field_is_a_programming_error():
    with pytest.raises(TypeError):
        ConfigResolver(overrides={"no_such_field": 1})


def test_per_file_ignored_codes(tmp_path):
    settings = Settings(per_file_ignores={
        "tests/*": ("RL1",), "__init__.py": ("RL2",), "src/gen/**": ("RL3", "RL1"), "!src/**": ("RL9",),
    }, project_root=str(tmp_path))
    assert per_file_ignored_codes(settings, str(tmp_path / "tests" / "t.py")) == ("RL1", "RL9")
    assert per_file_ignored_codes(settings, str(tmp_path / "src" / "pkg" / "__init__.py")) == ("RL2",)
    assert per_file_ignored_codes(settings, str(tmp_path / "src" / "gen" / "a" / "b.py")) == ("RL3", "RL1")
    assert per_file_ignored_codes(settings, str(tmp_path / "src" / "app.py")) == ()
    # Outside the project root only the basename can match.
    elsewhere = str(tmp_path.parent / "else" / "__init__.py")
    assert per_file_ignored_codes(settings, elsewhere) == ("RL2", "RL9")


def test_per_file_ignores_relative_path_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(per_file_ignores={"tests/*": ("RL1",)}, project_root=str(tmp_path))
    assert per_file_ignored_codes(settings, os.path.join("tests", "t.py")) == ("RL1",)
