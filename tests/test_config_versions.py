"""Config keys redis-py-version, test-paths, extend-test-paths, and config.is_test_path."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from redislint.config import ConfigResolver, is_test_path, load_config_file
from redislint.errors import ConfigError
from redislint.settings import DEFAULT_TEST_PATHS, Settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings_from(tmp_path: Path, body: str, pyproject: bool = True) -> Settings:
    if pyproject:
        write(tmp_path / "pyproject.toml", "[tool.redislint]\n" + body)
    else:
        write(tmp_path / "redislint.toml", body)
    return ConfigResolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "a.py"))


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


# ---------------------------------------------------------------------------------------------
# redis-py-version

def test_defaults(tmp_path):
    settings = settings_from(tmp_path, "")
    assert settings.redis_py_version is None
    assert settings.test_paths == DEFAULT_TEST_PATHS
    assert Settings().test_paths == DEFAULT_TEST_PATHS


@pytest.mark.parametrize("pyproject", [True, False])
@pytest.mark.parametrize("value, expected", [
    ('"7.4"', "7.4"), ('"8.0.1"', "8.0.1"), ('"7"', "7"), ('" 8.0 "', "8.0"),
])
def test_redis_py_version_accepted(tmp_path, pyproject, value, expected):
    settings = settings_from(tmp_path, f"redis-py-version = {value}\n", pyproject)
    assert settings.redis_py_version == expected


@pytest.mark.parametrize("value, got", [
    ("8", "integer 8"),
    ("7.4", "float 7.4"),
    ('"8.x"', "string '8.x'"),
    ('""', "string ''"),
    ('"v8"', "string 'v8'"),
    ('"8.0.0rc1"', "string '8.0.0rc1'"),
    ('["8.0"]', "array ['8.0']"),
    ("true", "boolean true"),
])
def test_redis_py_version_rejected(tmp_path, value, got):
    message = message_for(tmp_path, f"redis-py-version = {value}\n")
    assert message == (f"{tmp_path / 'pyproject.toml'}: [tool.redislint] redis-py-version: "
                       f'expected a redis-py version string like "7.4" or "8.0.1", got {got}')


def test_redis_py_version_error_in_redislint_toml(tmp_path):
    message = message_for(tmp_path, 'redis-py-version = "latest"\n', pyproject=False)
    assert message == (f"{tmp_path / 'redislint.toml'}: redis-py-version: expected a redis-py "
                       "version string like \"7.4\" or \"8.0.1\", got string 'latest'")


def test_unknown_key_suggests_new_keys(tmp_path):
    assert message_for(tmp_path, 'redis_py_version = "8"\n').endswith(
        "(did you mean 'redis-py-version'?)")
    assert message_for(tmp_path, 'test-path = ["x"]\n').endswith("(did you mean 'test-paths'?)")
    assert message_for(tmp_path, 'extend_test_paths = ["x"]\n').endswith(
        "(did you mean 'extend-test-paths'?)")


def test_redis_py_version_override_from_cli(tmp_path):
    write(tmp_path / "redislint.toml", 'redis-py-version = "7.4"\n')
    resolver = ConfigResolver(overrides={"redis_py_version": "8.0"}, cwd=str(tmp_path))
    assert resolver.settings_for(str(tmp_path / "a.py")).redis_py_version == "8.0"


# ---------------------------------------------------------------------------------------------
# test-paths / extend-test-paths

def test_test_paths_replace_defaults(tmp_path):
    settings = settings_from(tmp_path, 'test-paths = ["spec/", "*_spec.py"]\n')
    assert settings.test_paths == ("spec/", "*_spec.py")


def test_extend_test_paths_add_to_defaults(tmp_path):
    settings = settings_from(tmp_path, 'extend-test-paths = ["qa/"]\n', pyproject=False)
    assert settings.test_paths == DEFAULT_TEST_PATHS + ("qa/",)


@pytest.mark.parametrize("body", [
    'test-paths = ["spec/"]\nextend-test-paths = ["qa/"]\n',
    'extend-test-paths = ["qa/"]\ntest-paths = ["spec/"]\n',
])
def test_extend_test_paths_add_to_configured_paths_in_any_order(tmp_path, body):
    assert settings_from(tmp_path, body).test_paths == ("spec/", "qa/")


def test_empty_test_paths_means_no_test_files(tmp_path):
    settings = settings_from(tmp_path, "test-paths = []\n")
    assert settings.test_paths == ()
    assert not is_test_path(settings, str(tmp_path / "tests" / "test_a.py"))


@pytest.mark.parametrize("body, key", [
    ('test-paths = "tests/"', "test-paths"),
    ('test-paths = [""]', "test-paths"),
    ("extend-test-paths = [1]", "extend-test-paths"),
    ('extend-test-paths = "qa"', "extend-test-paths"),
])
def test_bad_test_paths(tmp_path, body, key):
    message = message_for(tmp_path, body + "\n")
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: [tool.redislint] {key}: "
                              "expected a list of non-empty glob patterns (strings), got ")


# ---------------------------------------------------------------------------------------------
# is_test_path

@pytest.mark.parametrize("rel, expected", [
    ("tests/test_app.py", True),
    ("tests/helpers.py", True),
    ("tests/unit/deep/factories.py", True),
    ("test/x.py", True),
    ("testing/x.py", True),
    ("pkg/tests/x.py", True),
    ("pkg/test_cache.py", True),
    ("pkg/cache_test.py", True),
    ("pkg/cache_tests.py", True),
    ("conftest.py", True),
    ("pkg/sub/conftest.py", True),
    ("app/cache.py", False),
    ("app/testsuite.py", False),
    ("app/contest.py", False),
    ("latest/app.py", False),
    ("app/tests.py", True),
    ("app/test_data.json", False),
    ("t/integration/tasks.py", True),  # a top-level t/ (celery, kombu)
    ("app/t/views.py", False),  # only at the top
])
def test_is_test_path_defaults(tmp_path, rel, expected):
    settings = Settings(project_root=str(tmp_path))
    assert is_test_path(settings, str(tmp_path / rel)) is expected


def test_is_test_path_uses_configured_patterns(tmp_path):
    settings = settings_from(tmp_path, 'test-paths = ["/spec/", "*_spec.py"]\n')
    assert is_test_path(settings, str(tmp_path / "spec" / "a.py"))
    assert not is_test_path(settings, str(tmp_path / "pkg" / "spec" / "a.py"))  # anchored
    assert is_test_path(settings, str(tmp_path / "pkg" / "cache_spec.py"))
    assert not is_test_path(settings, str(tmp_path / "tests" / "test_a.py"))


def test_is_test_path_with_extend(tmp_path):
    settings = settings_from(tmp_path, 'extend-test-paths = ["qa/"]\n')
    assert is_test_path(settings, str(tmp_path / "qa" / "a.py"))
    assert is_test_path(settings, str(tmp_path / "tests" / "a.py"))


def test_is_test_path_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(project_root=str(tmp_path))
    assert is_test_path(settings, os.path.join("tests", "a.py"))
    assert not is_test_path(settings, os.path.join("app", "a.py"))


def test_is_test_path_without_root_or_outside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # No project root (lint_source with default Settings): the path is matched as given.
    assert is_test_path(Settings(), os.path.join("tests", "helpers.py"))
    assert is_test_path(Settings(), "test_x.py")
    assert not is_test_path(Settings(), os.path.join("app", "helpers.py"))
    # Outside the root, an absolute path is only matched by its file name.
    root = tmp_path / "project"
    root.mkdir()
    settings = Settings(project_root=str(root))
    assert is_test_path(settings, str(tmp_path / "elsewhere" / "test_a.py"))
    assert not is_test_path(settings, str(tmp_path / "tests" / "helpers.py"))
    # A relative path outside the root is matched as given.
    assert is_test_path(settings, os.path.join("tests", "helpers.py"))
