"""redislint: a static analyzer for Python code that uses Redis."""
__version__ = "0.1.0"

from .runner import lint_paths, lint_source  # noqa: E402,F401

__all__ = ["__version__", "lint_paths", "lint_source"]
