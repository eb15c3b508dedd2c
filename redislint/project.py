"""The project index: facts that no single call shows, merged from every module of a run.

Its centre is the keyspace model: for each key pattern, what the project does to it — writes
with and without TTL, expiries, trims, consumers, deletes, and for hashes and sets whether the
fields or members written are a fixed set of constants.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .model import CacheConfig, FunctionCallSite, FunctionInfo, KeyPattern, LoopInfo, ModuleModel, RedisCall, Value
from .model import commands as C
from .linking import ProjectModules, link_project_clients
from .settings import Settings
from .versions import RedisPyVersion, project_redis_py_version


@dataclass
class KeyFacts:
    pattern: str
    expired: bool = False  # some command gives the key a TTL
    consumed: bool = False  # popped as a queue or read by a consumer group
    trimmed: bool = False  # bounded by LTRIM/ZREMRANGEBY*/XTRIM or XADD MAXLEN
    persisted: bool = False  # PERSIST: kept forever on purpose
    deleted: bool = False
    written: bool = False
    member_removals: int = 0  # LREM/ZREM/SREM/HDEL call sites: members pruned one by one
    # The collection type some write gives the key ("hash", "list", "set", "sorted set",
    # "stream"); None when it is only written as a string, or not written at all.
    collection: Optional[str] = None
    # Hash fields / set members written: whether any was dynamic, and the constant ones.
    dynamic_members: bool = False
    constant_members: Set[str] = field(default_factory=set)
    # Writes of dynamic members, and how many of them fill the key from a loop over data the
    # code holds, the key fixed across the loop (`for dep in deps: sadd(job_deps_key, dep)`).
    member_writes: int = 0
    member_writes_from_loop: int = 0

    @property
    def filled_in_one_go(self) -> bool:
        """Every write of its members copies, in one loop, a collection the writer holds: the
        key holds what one call had in memory (a job's dependencies), not an ever-growing log."""
        return self.member_writes > 0 and self.member_writes == self.member_writes_from_loop


def gives_ttl(call: RedisCall) -> bool:
    """The call sets a TTL on its (first) key."""
    if call.command in C.EXPIRES or call.command in C.WRITES_WITH_TTL:
        return True
    ttl_args = C.TTL_ARGUMENTS.get(call.command)
    if ttl_args and call.has_arg(*ttl_args):
        return True
    if call.raw and call.command in C.TTL_ARGUMENTS:
        # `execute_command("SET", k, v, "EX", 60)`: the option words, as str or bytes.
        words = {(v.literal.decode("latin-1") if isinstance(v.literal, bytes) else v.literal).upper()
                 for v in call.extra_args if v.kind in ("str", "bytes")}
        return bool(words & {"EX", "PX", "EXAT", "PXAT", "KEEPTTL"})
    return False


def bounds_collection(call: RedisCall) -> bool:
    if call.command in C.TRIMS:
        return True
    if call.command == "xadd" and call.has_arg("maxlen", "minid"):
        return True
    return False


def _member_values(call: RedisCall):
    """The field names (hashes) or members (sets) a write adds, as Values; None if unknown."""
    cmd = call.command
    if cmd in {"hset", "hsetnx", "hincrby", "hincrbyfloat"}:
        out = []
        if "key" in call.args:
            out.append(call.args["key"])
        mapping = call.args.get("mapping")
        if mapping is not None:
            if mapping.items is None or any(item is None for item in mapping.items):
                return None
            out.extend(mapping.items)
        if "items" in call.args:
            return None
        return out
    if cmd == "hmset":
        mapping = call.args.get("mapping")
        if mapping is None or mapping.items is None or any(item is None for item in mapping.items):
            return None
        return list(mapping.items)
    if cmd == "sadd":
        return list(call.extra_args) if not call.has_star_args else None
    return []


def _leaves_default(site: FunctionCallSite, shift: int, function: FunctionInfo, param: str) -> bool:
    """The call passes ``param`` neither by keyword nor by position (``shift``: parameters, such
    as `self`, that come before what the call fills)."""
    return param not in site.keywords and (
        param not in function.params or site.positional + shift <= function.params.index(param))


def _leaves_out(site: FunctionCallSite, shift: int, function: FunctionInfo, param: str) -> bool:
    """The call surely does not pass ``param``: not by name, not by position, and no `*args` (for
    a parameter) or `**kwargs` (for a parameter, or a keyword the function's `**kwargs` takes)
    may hold it."""
    spread = site.star if param in function.params else site.keyword_star
    return not spread and _leaves_default(site, shift, function, param)


class ProjectIndex:
    def __init__(self, modules: Iterable[ModuleModel] = ()):
        self.keyspace: Dict[str, KeyFacts] = {}
        # Cache backends configured anywhere in the run (model.cache_backends decides what they mean).
        self.cache_configs: List[CacheConfig] = []
        # Exceptions handled application-wide (Flask/FastAPI error handlers) anywhere in the run.
        self.error_handlers: Set[str] = set()
        # Collection types some consumer in the run pops from a key it does not show (`blpop(queues)`
        # with the names from a parameter): any collection of that type may be the one it empties.
        self.opaque_consumed: Set[str] = set()
        modules = list(modules)
        self.project = ProjectModules(modules)
        self._versions: Dict[Tuple[Optional[str], Optional[str]], Optional[RedisPyVersion]] = {}
        self._by_function: Dict[str, Dict[Optional[int], List[RedisCall]]] = {}
        self._by_pipeline: Dict[str, Dict[int, List[RedisCall]]] = {}
        link_project_clients(modules, self.project)
        for module in modules:
            self.add(module)

    def redis_py_version(self, settings: Settings) -> Optional[RedisPyVersion]:
        """The project's redis-py version for these settings (the `redis-py-version` setting, else
        detected in the project root), read once per run and project root."""
        key = (settings.redis_py_version, settings.project_root)
        if key not in self._versions:
            self._versions[key] = project_redis_py_version(settings)
        return self._versions[key]

    def callers_use_default(self, module: ModuleModel, function: FunctionInfo, param: str) -> bool:
        """Whether some call in the project leaves ``param`` of ``function`` to its default.
        A function nobody in the project calls is an API whose callers choose: False."""
        if param not in function.params:
            return False
        return any(_leaves_out(site, shift, function, param)
                   for _, site, shift in self._sites().get((module.path, function.qualname), ()))

    def callers_of(self, module: ModuleModel, function: FunctionInfo,
                   leaving: Sequence[str] = ()) -> List[Tuple[ModuleModel, FunctionCallSite]]:
        """The call sites in the project that call ``function`` of ``module``, with their modules;
        with ``leaving``, only those that leave each of these parameters to its default (none
        passes `*args`/`**kwargs`, which may fill it)."""
        out = []
        for m, site, shift in self._sites().get((module.path, function.qualname), ()):
            if leaving and not all(_leaves_out(site, shift, function, p) for p in leaving):
                continue
            out.append((m, site))
        return out

    def overridden_callers_of(self, module: ModuleModel,
                              function: FunctionInfo) -> List[Tuple[ModuleModel, FunctionCallSite]]:
        """The calls that reach a method through a base class's own `self.m()`
        (``ProjectModules.overridden_callers_of``)."""
        return [(m, site) for m, site, _ in self.project.overridden_callers_of(module, function)]

    def _sites(self) -> Dict[Tuple[str, str], List[Tuple[ModuleModel, FunctionCallSite, int]]]:
        return self.project.call_sites()

    def calls_in(self, module: ModuleModel, function: Optional[int]) -> List[RedisCall]:
        """The Redis calls of one function of ``module`` (None: module level), in source order;
        grouped once per module, for rules that compare a call with its neighbours."""
        groups = self._by_function.get(module.path)
        if groups is None:
            groups = self._by_function[module.path] = {}
            for call in module.calls:
                groups.setdefault(call.function, []).append(call)
        return groups.get(function, [])

    def near(self, module: ModuleModel, call: RedisCall) -> List[RedisCall]:
        """The calls of ``module`` in ``call``'s function or, when ``call`` is queued in a pipeline,
        in that pipeline (which may span functions), ``call`` included, in source order."""
        if call.pipeline_id is None:
            return self.calls_in(module, call.function)
        pipelines = self._by_pipeline.get(module.path)
        if pipelines is None:
            pipelines = self._by_pipeline[module.path] = {}
            for other in module.calls:
                if other.pipeline_id is not None:
                    pipelines.setdefault(other.pipeline_id, []).append(other)
        both = {id(c): c for c in self.calls_in(module, call.function) + pipelines.get(call.pipeline_id, [])}
        return sorted(both.values(), key=lambda c: c.order)

    def facts(self, key: Optional[KeyPattern]) -> Optional[KeyFacts]:
        if key is None or not key.known:
            return None
        return self.keyspace.get(key.text)

    def add(self, module: ModuleModel) -> None:
        self.cache_configs.extend(module.cache_configs)
        self.error_handlers.update(module.error_handlers)
        for call in module.calls:
            loops = [module.loops[j] for j in call.loops]
            for i, key in enumerate(call.keys):
                if not key.known:
                    if call.command in C.CONSUMED_TYPES and (i == 0 or call.command not in C.MOVES):
                        self.opaque_consumed.add(C.CONSUMED_TYPES[call.command])
                    continue
                facts = self.keyspace.setdefault(key.text, KeyFacts(key.text))
                self._record(facts, call, first=i == 0, loops=loops)
                if facts.collection is None:
                    facts.collection = collection_type(call, i)
        for command, key in module.script_effects + module.linked_script_effects:
            if key.known:
                self._record_script(self.keyspace.setdefault(key.text, KeyFacts(key.text)), command)

    @staticmethod
    def _record_script(facts: KeyFacts, command: str) -> None:
        """What a Lua script does to a key it is given.  Only what bounds the key's life or size
        is taken: the script's writes carry values the model cannot see (fields, members, TTL
        arguments), so they are no evidence that a collection grows or stays fixed."""
        if command in C.EXPIRES or command in C.WRITES_WITH_TTL:
            facts.expired = True
        if command in C.CONSUMERS:
            facts.consumed = True
        if command in C.MEMBER_REMOVALS:
            facts.member_removals += 1
        if command in C.TRIMS:
            facts.trimmed = True
        if command in C.PERSISTS:
            facts.persisted = True
        if command in C.DELETES:
            facts.deleted = True

    @staticmethod
    def _record(facts: KeyFacts, call: RedisCall, first: bool, loops: Sequence[LoopInfo] = ()) -> None:
        cmd = call.command
        if first and gives_ttl(call):
            facts.expired = True
        if cmd in C.CONSUMERS and (first or cmd not in C.MOVES):
            facts.consumed = True
        if first and cmd in C.MEMBER_REMOVALS:
            facts.member_removals += 1
        if bounds_collection(call):
            facts.trimmed = True
        if cmd in C.PERSISTS:
            facts.persisted = True
        if cmd in C.DELETES:
            facts.deleted = True
        if first and (cmd in C.STRING_WRITES or cmd in C.COLLECTION_WRITES or cmd in C.COUNTERS):
            facts.written = True
            # Fields or members named per entity (`hset(k, product_id, qty)`) make the collection
            # grow; a mapping of unknown shape (`mapping=job.to_dict()`) is no evidence either way.
            members = _member_values(call) or ()
            for value in members:
                constant = value.constant
                if isinstance(constant, (str, bytes, int)) and not isinstance(constant, bool):
                    facts.constant_members.add(str(constant))
                elif value.entity:
                    facts.dynamic_members = True
            if any(value.entity for value in members):
                facts.member_writes += 1
                if _fills_from_loop(call, members, loops):
                    facts.member_writes_from_loop += 1


def _fills_from_loop(call: RedisCall, members: Sequence[Value], loops: Sequence[LoopInfo]) -> bool:
    """The members come from the variable of a loop around the call, and the key does not
    vary with any loop around it: one run of the loop fills one key."""
    if not loops or not call.keys:
        return False
    key = call.keys[0].expr or call.keys[0].text
    if any(loop.varies(key) for loop in loops):
        return False
    return any(loop.varies(value.text) for loop in loops for value in members if value.entity)


def collection_type(call: RedisCall, position: int) -> Optional[str]:
    """The collection type ``call`` writes at its ``position``-th key (None: not a collection write)."""
    if position == 0:
        return C.COLLECTION_TYPES.get(call.command)
    if position == 1:
        return C.MOVE_DESTINATION_TYPES.get(call.command)
    return None


def same_key(a: KeyPattern, b: KeyPattern) -> bool:
    """Two key expressions name the same key (pattern), as far as we can tell."""
    if a.expr and a.expr == b.expr:
        return True
    return a.known and b.known and a.text == b.text


def lifetime_managed(module: ModuleModel, index: ProjectIndex, call: RedisCall, key: KeyPattern) -> bool:
    """Whether something gives ``key`` a bounded lifetime: an expiry in the same function or
    pipeline (including one on a key we cannot resolve: it may well be this one), or anywhere in
    the project for the pattern; or the key is consumed as a queue, trimmed, or persisted on
    purpose."""
    for other in index.near(module, call):
        if other is call or not gives_ttl(other) or not other.keys:
            continue
        if same_key(other.keys[0], key) or not other.keys[0].known:
            return True
    facts = index.facts(key)
    if facts is None:
        return False
    if facts.collection is not None and facts.collection in index.opaque_consumed:
        return True  # a consumer whose keys we cannot see may be emptying this one
    return facts.expired or facts.consumed or facts.trimmed or facts.persisted
