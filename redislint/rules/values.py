"""RL4xx: values too large for a single-threaded in-memory server."""
from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic
from ..model import commands as C
from ..model.module import LARGE_ORIGINS
from ..registry import Context, Status, rule

_ORIGIN_WORDS = {
    "file-read": "a whole file read",
    "http-body": "an HTTP response body",
    "buffer": "an in-memory byte buffer",
    "dataframe": "a serialised data frame",
    "query-result": "a whole database result set",
}
_VALUE_PARAMS = ("value", "obj", "values", "fields")
_ERROR_BYTES = 100 * 1024


@rule("RL401", "large-value", "A value likely too large to store in one key.")
def large_value(ctx: Context) -> Iterator[Diagnostic]:
    writes = C.STRING_WRITES | C.COLLECTION_WRITES | C.WRITES_WITH_TTL
    limit = ctx.settings.max_value_bytes
    for call in ctx.module.calls:
        if call.command not in writes:
            continue
        if call.raw:
            # `execute_command("SET", key, value, ...)`: every argument after the key may be stored.
            values = list(call.extra_args[1:])
        else:
            values = [call.args[p] for p in _VALUE_PARAMS if p in call.args] + list(call.extra_args)
        # `hset(k, mapping={...})`, `mset({...})`, `xadd(k, {...})`: the dict's values are stored.
        for p in ("mapping", "fields"):
            given = call.args.get(p)
            if given is not None and given.item_values is not None:
                values.extend(v for v in given.item_values if v is not None)
        for value in values:
            if value.origin in LARGE_ORIGINS:
                yield ctx.report(value.span, f"`{call.command}` stores {_ORIGIN_WORDS[value.origin]} as one value; "
                                             "large values block the server while they are read and written")
                break
            if value.size is not None and value.size > limit:
                severity = "far over" if value.size > _ERROR_BYTES else "over"
                yield ctx.report(value.span, f"`{call.command}` stores a {value.size:,}-byte literal, {severity} "
                                             f"the {limit:,}-byte limit (max-value-bytes)")
                break


@rule("RL402", "pickle-from-redis", "Unpickling bytes read from Redis runs code whoever wrote them chose.",
      status=Status.PREVIEW)
def pickle_from_redis(ctx: Context) -> Iterator[Diagnostic]:
    """`pickle.loads` (or `dill`/`cloudpickle`) of a value read from Redis within the function:
    unpickling runs whatever code the bytes name, so anyone who can write that key — another
    service, a compromised client, a user-controlled field — runs code in this process."""
    for load in ctx.module.deserialisations:
        origin = load.value.origin or ""
        if not origin.startswith("redis:"):
            continue
        command = origin[len("redis:"):]
        yield ctx.report(load.span, f"`{load.callee}` of the reply of `{command}`: unpickling bytes from Redis runs "
                                    "code chosen by whoever can write that key; store JSON (or sign the bytes) "
                                    "instead")
