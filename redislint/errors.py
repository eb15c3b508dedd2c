"""Errors that end a run with exit code 2 and a one-line message (never a traceback)."""


class RedislintError(Exception):
    """Base class: ``str(err)`` is the one-line message shown to the user."""


class ConfigError(RedislintError):
    """A configuration file or option is invalid; the message names the file, key and expectation."""


class UsageError(RedislintError):
    """The command line asks for something impossible (a missing path, an unknown rule code)."""
