"""The Redis view of Python source: plain data extracted once per file (see DESIGN.md)."""
from .module import (  # noqa: F401
    CacheCall, CacheConfig, ClientArgument, ClientKind, ClientRef, ClientSite, Deserialisation, FileRead, FunctionCallSite, FunctionInfo, KeyPattern, LoopInfo, LuaCall, ModuleModel, RedisCall, ScriptRun, ScriptSource, Value,
)
