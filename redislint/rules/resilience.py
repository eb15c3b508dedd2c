"""RL6xx (resilience and efficiency of the calls themselves): round trips in loops."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..diagnostics import Diagnostic
from ..model import ClientKind, LoopInfo, RedisCall
from ..model import commands as C
from ..registry import Context, Status, rule

# A loop over at most this many literal elements (`for k in ("a", "b")`, `range(3)`) is a fixed,
# small amount of work, not "many keys".
SMALL_LITERAL = 16
# Commands that already take many keys, and commands whose repetition is the point.
_BATCHED = frozenset({"mget", "mset", "msetnx", "json.mget", "json.mset"})
_SUGGESTION = {
    "get": "read them with one `mget`",
    "json.get": "read them with one `json().mget`",
    "exists": "count them with one `exists(*keys)`",
    "delete": "delete them with one `delete(*keys)`/`unlink(*keys)` per batch",
    "unlink": "unlink them with one `unlink(*keys)` per batch",
    "touch": "touch them with one `touch(*keys)`",
}


def _loop_of_key(ctx: Context, call: RedisCall) -> Optional[LoopInfo]:
    """The innermost loop whose variable the call's key depends on."""
    exprs = [k.expr or k.text for k in call.keys]
    for index in reversed(call.loops):
        loop = ctx.module.loops[index]
        if any(re.search(rf"\b{re.escape(name)}\b", expr) for name in loop.targets for expr in exprs):
            return loop
    return None


@rule("RL605", "round-trip-in-loop", "One network round trip per key, in a loop over many keys.",
      status=Status.PREVIEW)
def round_trip_in_loop(ctx: Context) -> Iterator[Diagnostic]:
    """A command sent on its own (not queued in a pipeline) once per iteration of a loop whose
    variable names the key: each iteration waits a full network round trip, so N keys cost N
    round trips where `mget` or a pipeline costs one.

    Quiet for pipelines, commands that already take many keys or block (worker loops pop one job
    at a time on purpose), loops over a few literal keys (`for k in ("a", "b")`, `range(3)`),
    loops that may stop at the first hit (`break`/`return` in them: a search), and calls whose
    reply decides a branch (`if r.set(k, 1, nx=True): ...`), where batching changes the logic."""
    for call in ctx.module.calls:
        if not call.loops or not call.keys:
            continue
        if call.client.kind is ClientKind.PIPELINE or call.pipeline_id is not None:
            continue
        if call.command in _BATCHED or call.command in C.BLOCKING_COMMANDS or call.has_star_args:
            continue
        if call.in_condition_of is not None or call.result_use in ("truth", "compare"):
            continue
        loop = _loop_of_key(ctx, call)
        if loop is None or loop.exits_early:
            continue
        if loop.literal_size is not None and loop.literal_size <= SMALL_LITERAL:
            continue
        suggestion = _SUGGESTION.get(call.command, "queue them in a `pipeline(transaction=False)` and send it once")
        yield ctx.report(call, f"`{call.command}` runs once per element of `{loop.iterable}`, one network round "
                               f"trip per key; {suggestion}")
