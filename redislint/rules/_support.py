"""Small helpers shared by rule modules: reading facts off calls, building common fixes."""
from __future__ import annotations

import fnmatch
from typing import Iterable, Optional

from ..diagnostics import Edit, Position
from ..model import KeyPattern, RedisCall


def key_label(key: KeyPattern) -> str:
    return f"`{key.text}`" if key.known else f"`{key.expr}`"


def exempt_key(key: KeyPattern, patterns: Iterable[str]) -> bool:
    """Keys the user declared TTL-free (`ttl-exempt-keys`), matched as globs on the pattern,
    where `{}` stands for each dynamic part (so `session:*` matches `session:{}`)."""
    text = key.text if key.known else key.expr
    return any(fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(text.replace("{}", "*"), p) for p in patterns)


def insert_kwargs(call: RedisCall, text: str) -> Optional[Edit]:
    """An edit that appends keyword arguments (`"ex=60"`) to a call's argument list."""
    if call.args_end is None:
        return None
    has_args = bool(call.args) or bool(call.extra_args) or bool(call.extra_kwargs) or call.has_star_args
    return Edit.insertion(call.args_end, f", {text}" if has_args else text)


def line_deletion(call: RedisCall) -> Optional[Edit]:
    """An edit removing the whole line(s) of the statement that is just this call."""
    stmt = call.statement
    if stmt is None or not stmt.is_expression or stmt.single_in_block:
        return None
    return Edit.deletion(Position(stmt.span.start.line, 0), Position(stmt.span.end.line + 1, 0))
