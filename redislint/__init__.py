"""redislint: a static analyzer for Python code that uses Redis."""
__version__ = "0.1.0"

__all__ = ["__version__", "lint_paths", "lint_source"]


def __getattr__(name: str):
    # The library API, imported on first use: the command line must not pay for what it skips.
    if name in ("lint_paths", "lint_source"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'redislint' has no attribute {name!r}")
