"""The resolved settings of one run: what config files and command-line options add up to."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

DEFAULT_RECORD_KEY_PATTERNS: Tuple[str, ...] = (
    "order", "payment", "invoice", "account", "user", "customer",
    "transaction", "ledger", "balance", "subscription",
)

DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".mypy_cache", ".nox", ".pants.d",
    ".pytype", ".ruff_cache", ".redislint_cache", ".svn", ".tox", ".venv", "__pypackages__",
    "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
)

# Which files are tests, as gitignore-style patterns relative to the project root (a pattern
# without "/" also matches at any depth, and a trailing "/" matches a directory and everything
# under it).  Rules can treat test code differently (fakeredis clients, throwaway keys).
# `test-paths` replaces these defaults, `extend-test-paths` adds to them.
DEFAULT_TEST_PATHS: Tuple[str, ...] = (
    "tests/", "test/", "testing/", "test_*.py", "*_test.py", "*_tests.py", "conftest.py",
    "tests.py", "test.py",  # Django's app-level test modules and test-case helpers
    "/t/",  # a top-level `t/` (celery, kombu: t/unit, t/integration)
)


@dataclass(frozen=True)
class Settings:
    # Rule selection, by code prefix ("RL1", "RL101", "ALL").  Empty select means the defaults.
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    per_file_ignores: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    preview: bool = False
    # Rule options.
    default_ttl: Optional[int] = None
    client_names: Tuple[str, ...] = ()
    ttl_exempt_keys: Tuple[str, ...] = ()
    record_key_patterns: Tuple[str, ...] = DEFAULT_RECORD_KEY_PATTERNS
    max_value_bytes: int = 10 * 1024
    # The project's redis-py version ("7.4", "8.0.1"); None means detect it (versions.py).
    redis_py_version: Optional[str] = None
    # What RL601's fix writes for `socket_timeout` / `socket_connect_timeout` (seconds).
    default_socket_timeout: float = 5
    default_connect_timeout: float = 5
    # Which files are tests (see DEFAULT_TEST_PATHS); `config.is_test_path` matches them.
    test_paths: Tuple[str, ...] = DEFAULT_TEST_PATHS
    # The model cache directory (default: `.redislint_cache` in the project root).
    cache_dir: Optional[str] = None
    # Where the settings came from (the config file), for messages and relative patterns.
    config_path: Optional[str] = None
    project_root: Optional[str] = None
