"""Configuration: find the config file that applies to a path, validate it, build `Settings`.

Like ruff, the closest config file to a path wins, so a monorepo can hold one config per
project.  Validation is strict because a typo'd key that silently does nothing is worse than an
error: every problem is a `ConfigError` whose one-line message names the file, the key and what
was expected.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import re
import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import pathspec

from .errors import ConfigError
from .settings import DEFAULT_TEST_PATHS, Settings
from .versions import version_from_setting

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

__all__ = [
    "CONFIG_FILENAMES",
    "ConfigResolver",
    "is_test_path",
    "load_config_file",
    "path_matches",
    "per_file_ignored_codes",
]

# Checked in this order inside one directory (ruff's order: dedicated files before pyproject).
CONFIG_FILENAMES: Tuple[str, ...] = (".redislint.toml", "redislint.toml", "pyproject.toml")

_SELECTOR_RE = re.compile(r"^(ALL|RL\d{0,3})$", re.IGNORECASE)
_SELECTORS = 'a list of rule selectors like "RL1", "RL101" or "ALL"'
_PATTERNS = "a list of non-empty glob patterns (strings)"
_STRINGS = "a list of strings"
_REDIS_PY_VERSION = 'a redis-py version string like "7.4" or "8.0.1"'

# CLI override fields whose values extend the file's list instead of replacing it.
_EXTENDING_OVERRIDES = frozenset({"extend_select", "ignore", "extend_exclude"})


class _Invalid(Exception):
    """A value failed validation: ``expected`` describes the valid form, ``got`` the value seen."""

    def __init__(self, expected: str, got: str):
        super().__init__(expected, got)
        self.expected = expected
        self.got = got


def _describe(value: Any) -> str:
    """Name a TOML value the way the user wrote it, short enough for a one-line message."""
    if isinstance(value, bool):
        text = f"boolean {str(value).lower()}"
    elif isinstance(value, str):
        text = f"string {value!r}"
    elif isinstance(value, int):
        text = f"integer {value}"
    elif isinstance(value, float):
        text = f"float {value!r}"
    elif isinstance(value, list):
        text = f"array {value!r}"
    elif isinstance(value, dict):
        text = "a table"
    else:
        text = f"{type(value).__name__} {value!r}"
    return text if len(text) <= 80 else text[:77] + "..."


def _string_list(expected: str, check: Callable[[str], bool] = bool) -> Callable[[Any], Tuple[str, ...]]:
    def validate(value: Any) -> Tuple[str, ...]:
        if not isinstance(value, list):
            raise _Invalid(expected, _describe(value))
        for index, item in enumerate(value):
            if not isinstance(item, str) or not check(item):
                raise _Invalid(expected, f"{_describe(item)} (item {index + 1})")
        return tuple(value)

    return validate


def _is_selector(text: str) -> bool:
    return bool(_SELECTOR_RE.match(text))


_validate_selectors_raw = _string_list(_SELECTORS, _is_selector)


def _selectors(value: Any) -> Tuple[str, ...]:
    # Upper-case once here so the registry and noqa matching compare like with like.
    return tuple(item.upper() for item in _validate_selectors_raw(value))


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("a boolean (true or false)", _describe(value))
    return value


def _positive_int(expected: str) -> Callable[[Any], int]:
    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _Invalid(expected, _describe(value))
        return value

    return validate


def _positive_number(expected: str) -> Callable[[Any], Any]:
    """A positive int or float (a duration in seconds, possibly fractional)."""
    def validate(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
                or value != value or value == float("inf"):
            raise _Invalid(expected, _describe(value))
        return value

    return validate


def _redis_py_version(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(_REDIS_PY_VERSION, _describe(value))
    try:
        version_from_setting(value)
    except ValueError:
        raise _Invalid(_REDIS_PY_VERSION, _describe(value)) from None
    return value.strip()


def _non_empty_string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty string (a directory)", _describe(value))
    return value


_Validator = Callable[[Any], Any]

# TOML key -> (Settings field, validator).  per-file-ignores is handled separately because its
# errors name the glob as well as the key.
_KEYS: Dict[str, Tuple[str, _Validator]] = {
    "select": ("select", _selectors),
    "ignore": ("ignore", _selectors),
    "extend-select": ("extend_select", _selectors),
    "per-file-ignores": ("per_file_ignores", lambda v: v),
    "exclude": ("exclude", _string_list(_PATTERNS)),
    "extend-exclude": ("extend_exclude", _string_list(_PATTERNS)),
    "preview": ("preview", _bool),
    "default-ttl": ("default_ttl", _positive_int("a positive integer (seconds)")),
    "client-names": ("client_names", _string_list("a list of non-empty strings")),
    "ttl-exempt-keys": ("ttl_exempt_keys", _string_list(_PATTERNS)),
    "record-key-patterns": ("record_key_patterns", _string_list("a list of non-empty strings")),
    "max-value-bytes": ("max_value_bytes", _positive_int("a positive integer (bytes)")),
    "redis-py-version": ("redis_py_version", _redis_py_version),
    "default-socket-timeout": ("default_socket_timeout", _positive_number("a positive number (seconds)")),
    "default-connect-timeout": ("default_connect_timeout", _positive_number("a positive number (seconds)")),
    "test-paths": ("test_paths", _string_list(_PATTERNS)),
    "cache-dir": ("cache_dir", _non_empty_string),
    # Not a Settings field: merged into test_paths by _parse_table.
    "extend-test-paths": ("extend_test_paths", _string_list(_PATTERNS)),
}


def _display(path: str) -> str:
    """The path as the user most likely thinks of it: relative to cwd when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith(os.pardir) else rel


def _unknown_key_message(where: str, key: str, in_pyproject: bool) -> str:
    message = f"{where}: unknown key {key!r}"
    if in_pyproject:
        message += " in [tool.redislint]"
    candidates = list(_KEYS)
    guess = key.replace("_", "-").lower()
    suggestion = guess if guess in _KEYS else None
    if suggestion is None:
        close = difflib.get_close_matches(guess, candidates, n=1, cutoff=0.6)
        suggestion = close[0] if close else None
    if suggestion is not None:
        message += f" (did you mean {suggestion!r}?)"
    return message


def _parse_table(table: Mapping[str, Any], where: str, in_pyproject: bool) -> Dict[str, Any]:
    """Validate a config table and return Settings keyword arguments (snake_case, typed)."""
    prefix = f"{where}: [tool.redislint] " if in_pyproject else f"{where}: "
    values: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(_unknown_key_message(where, key, in_pyproject))
        field_name, validate = _KEYS[key]
        if key == "per-file-ignores":
            values[field_name] = _per_file_ignores(value, prefix)
            continue
        try:
            values[field_name] = validate(value)
        except _Invalid as err:
            raise ConfigError(f"{prefix}{key}: expected {err.expected}, got {err.got}") from None
    extend_test_paths = values.pop("extend_test_paths", None)
    if extend_test_paths is not None:
        base = values.get("test_paths", DEFAULT_TEST_PATHS)
        values["test_paths"] = tuple(base) + extend_test_paths
    return values


def _per_file_ignores(value: Any, prefix: str) -> Dict[str, Tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{prefix}per-file-ignores: expected a table of glob pattern = [rule selectors], "
            f"got {_describe(value)}")
    result: Dict[str, Tuple[str, ...]] = {}
    for pattern, selectors in value.items():
        try:
            result[pattern] = _selectors(selectors)
        except _Invalid as err:
            raise ConfigError(
                f"{prefix}per-file-ignores.{pattern!r}: expected {err.expected}, got {err.got}"
            ) from None
    return result


def _read_toml(path: str) -> Dict[str, Any]:
    where = _display(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: invalid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{where}: invalid TOML: not valid UTF-8 ({err.reason})") from None
    except OSError as err:
        raise ConfigError(f"{where}: cannot read: {err.strerror or err}") from None


def _is_pyproject(path: str) -> bool:
    return os.path.basename(path) == "pyproject.toml"


def _redislint_table(document: Mapping[str, Any], path: str) -> Optional[Mapping[str, Any]]:
    """The ``[tool.redislint]`` table of a parsed pyproject.toml, or None when absent."""
    tool = document.get("tool")
    if not isinstance(tool, dict) or "redislint" not in tool:
        return None
    table = tool["redislint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [tool.redislint]: expected a table, got {_describe(table)}")
    return table


def load_config_file(path: str) -> Dict[str, Any]:
    """Parse and validate one config file into Settings keyword arguments.

    ``pyproject.toml`` is read from its ``[tool.redislint]`` table (absent table = no options);
    any other file name is read as ``redislint.toml``, whose options are top-level keys.
    """
    document = _read_toml(path)
    if _is_pyproject(path):
        table = _redislint_table(document, path)
        return _parse_table(table or {}, _display(path), in_pyproject=True)
    return _parse_table(document, _display(path), in_pyproject=False)


def _config_in_directory(directory: str) -> Optional[str]:
    """The config file that governs ``directory`` itself, if it holds one."""
    for name in CONFIG_FILENAMES:
        candidate = os.path.join(directory, name)
        if not os.path.isfile(candidate):
            continue
        if name == "pyproject.toml" and _redislint_table(_read_toml(candidate), candidate) is None:
            continue  # a pyproject.toml without our table does not stop the search (like ruff)
        return candidate
    return None


class ConfigResolver:
    """Maps each linted path to its `Settings`, reading every config file at most once.

    ``explicit_config`` (``--config``) applies to every path.  ``overrides`` are command-line
    values for Settings fields, already snake_case and typed; ``extend_select``, ``ignore`` and
    ``extend_exclude`` extend the file's lists, every other field (``select`` included) replaces.
    """

    def __init__(self, explicit_config: Optional[str] = None,
                 overrides: Optional[Mapping[str, Any]] = None, cwd: Optional[str] = None):
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.overrides: Dict[str, Any] = dict(overrides or {})
        known = {f.name for f in dataclasses.fields(Settings)}
        unknown = sorted(set(self.overrides) - known)
        if unknown:
            raise TypeError(f"unknown Settings field(s) in overrides: {', '.join(unknown)}")
        self.explicit_config: Optional[str] = None
        if explicit_config is not None:
            explicit = os.path.abspath(explicit_config)
            if not os.path.isfile(explicit):
                raise ConfigError(f"{explicit_config}: config file not found")
            self.explicit_config = explicit
        self._dir_config: Dict[str, Optional[str]] = {}
        self._settings: Dict[Optional[str], Settings] = {}
        # directory as asked -> its settings (discovery and linting ask once per file)
        self._dir_settings: Dict[str, Settings] = {}

    def settings_for(self, path: str) -> Settings:
        """The settings for a file (or directory entry): searched from the directory holding it."""
        return self.settings_for_dir(os.path.dirname(os.path.abspath(path)))

    def root_settings(self, cwd: Optional[str] = None) -> Settings:
        """The settings that apply at ``cwd`` (default: the resolver's cwd), e.g. for stdin."""
        return self.settings_for_dir(cwd or self.cwd)

    def settings_for_dir(self, directory: str) -> Settings:
        """The settings governing files directly inside ``directory``."""
        if self.explicit_config is not None:
            return self._build(self.explicit_config)
        known = self._dir_settings.get(directory)
        if known is None:
            known = self._dir_settings[directory] = self._build(self._find_config(os.path.abspath(directory)))
        return known

    def note_listing(self, directory: str, names: "set[str]") -> None:
        """Discovery listed ``directory`` (absolute) and saw ``names``: when no config file is
        among them, the directory is governed by its parent's, with no file system check."""
        if directory not in self._dir_config and not names.intersection(CONFIG_FILENAMES):
            parent = os.path.dirname(directory)
            if parent in self._dir_config and parent != directory:
                self._dir_config[directory] = self._dir_config[parent]

    def _find_config(self, directory: str) -> Optional[str]:
        visited: List[str] = []
        found: Optional[str] = None
        current = directory
        while True:
            if current in self._dir_config:
                found = self._dir_config[current]
                break
            visited.append(current)
            found = _config_in_directory(current)
            if found is not None:
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for seen in visited:
            self._dir_config[seen] = found
        return found

    def _build(self, config_path: Optional[str]) -> Settings:
        cached = self._settings.get(config_path)
        if cached is not None:
            return cached
        values: Dict[str, Any] = load_config_file(config_path) if config_path else {}
        for name, value in self.overrides.items():
            if isinstance(value, list):
                value = tuple(value)
            if name in _EXTENDING_OVERRIDES:
                value = tuple(values.get(name, ())) + tuple(value)
            values[name] = value
        values["config_path"] = config_path
        values["project_root"] = os.path.dirname(config_path) if config_path else self.cwd
        if values.get("cache_dir"):  # relative to the config file, like every path in it
            values["cache_dir"] = os.path.join(values["project_root"], os.path.expanduser(values["cache_dir"]))
        settings = Settings(**values)
        self._settings[config_path] = settings
        return settings


# ---------------------------------------------------------------------------------------------
# Pattern matching shared by exclusion (files.py) and per-file-ignores.


@functools.lru_cache(maxsize=1024)
def _spec(patterns: Tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def relative_to(path: str, root: Optional[str]) -> Optional[str]:
    """``path`` relative to ``root`` with "/" separators, or None when it lies outside."""
    if root is None:
        return None
    try:
        rel = os.path.relpath(os.path.abspath(path), root)
    except ValueError:
        return None
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


@functools.lru_cache(maxsize=1024)
def pattern_matcher(patterns: Tuple[str, ...]) -> Callable[[str], bool]:
    """``matches(relative_path)`` for gitignore-style patterns ("/"-separated, a trailing "/"
    for directories).  Without `!` patterns a path matches when any pattern does, so one
    combined regular expression answers (discovery asks this for every file of a large tree);
    with them, pathspec applies git's order."""
    spec = _spec(patterns)
    active = [p for p in spec.patterns if p.include is not None and p.regex is not None]
    if not active:
        return lambda rel: False
    if any(not p.include for p in active) or any(p.regex.flags & ~re.UNICODE for p in active):
        return lambda rel: bool(spec.match_file(rel))
    combined = combined_regex(active)
    return lambda rel: combined.search(rel) is not None


def combined_regex(patterns: Sequence[Any]) -> "re.Pattern[str]":
    """One regular expression matching where any of these pathspec patterns' does (their named
    groups dropped, so they can be joined); one that never matches for none."""
    parts = [re.sub(r"\(\?P<\w+>", "(?:", p.regex.pattern) for p in patterns]
    return re.compile("|".join("(?:%s)" % part for part in parts) or r"(?!)")


def path_matches(patterns: Sequence[str], path: str, root: Optional[str], is_dir: bool = False) -> bool:
    """Whether gitignore-style ``patterns`` match ``path`` (relative to ``root``) or its basename.

    Matching the basename too means ``"generated.py"`` or ``"build"`` excludes wherever it
    appears, even for paths outside the project root.
    """
    if not patterns:
        return False
    matches = pattern_matcher(tuple(patterns))
    suffix = "/" if is_dir else ""
    rel = relative_to(path, root)
    if rel is not None and matches(rel + suffix):
        return True
    name = os.path.basename(os.path.normpath(path))
    return bool(name) and name not in (os.curdir, os.pardir) and matches(name + suffix)


def per_file_ignored_codes(settings: Settings, path: str) -> Tuple[str, ...]:
    """The selectors that ``per-file-ignores`` turns off for ``path`` (in config order).

    A pattern starting with ``!`` applies to the files it does *not* match (as in ruff).
    """
    codes: List[str] = []
    for pattern, selectors in settings.per_file_ignores.items():
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if path_matches((body,), path, settings.project_root) != negated:
            codes.extend(code for code in selectors if code not in codes)
    return tuple(codes)


def is_test_path(settings: Settings, path: str) -> bool:
    """Whether ``path`` is test code by the ``test-paths`` patterns (relative to the project root).

    A relative path outside the project root (or with no root) is matched as given, so
    ``tests/test_app.py`` linted with default settings still counts as a test.
    """
    patterns = settings.test_paths
    if path_matches(patterns, path, settings.project_root):
        return True
    if os.path.isabs(path) or relative_to(path, settings.project_root) is not None:
        return False
    return path_matches(patterns, path, os.getcwd())
