"""Where a value comes from, within one function: the facts RL401 (large values) needs.

A value is "large" not because of its name but because of what produced it: a file read, an
HTTP response body, an in-memory byte buffer, a serialised data frame or a database result set.
Wrappers that keep the size (json.dumps, pickle.dumps, compression, base64, str/bytes) pass the
origin of what they wrap through.  A reply of a command on a known client is "redis:<method>"
(RL107: a key that is really a count; RL402: bytes read back from Redis).
"""
from __future__ import annotations

from typing import Optional, TYPE_CHECKING

import libcst as cst

from .module import ClientKind
from .scopes import Scope, dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from .resolve import Resolver

# Functions that serialise or transform their first argument and keep its order of size.
_PASS_THROUGH = {
    "json.dumps", "pickle.dumps", "cPickle.dumps", "dill.dumps", "cloudpickle.dumps", "marshal.dumps",
    "zlib.compress", "gzip.compress", "bz2.compress", "lzma.compress", "base64.b64encode",
    "msgpack.packb", "msgpack.dumps", "orjson.dumps", "ujson.dumps", "simplejson.dumps",
}
_PICKLERS = {"pickle.dumps", "cPickle.dumps", "dill.dumps", "cloudpickle.dumps"}
_BUILTIN_PASS_THROUGH = {"str", "bytes", "bytearray", "memoryview"}
_HTTP_CALLS = {
    "requests.get", "requests.post", "requests.request", "httpx.get", "httpx.post", "httpx.request",
    "urllib.request.urlopen", "urllib2.urlopen",
}
_HTTP_CLIENT_METHODS = {"get", "post", "request", "put"}
_HTTP_MODULES = {"requests", "httpx", "aiohttp"}
_HTTP_SESSIONS = {
    "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient",
    "aiohttp.ClientSession", "urllib3.PoolManager",
}
_DATAFRAME_METHODS = {"to_json", "to_csv", "to_parquet", "to_pickle", "to_feather", "to_msgpack", "to_string", "to_html"}
_BUFFER_METHODS = {"getvalue", "tobytes", "getbuffer"}
_QUERY_METHODS = {"fetchall"}
# `path.read_text()`: a file's whole contents (``scripts`` reads Lua files by the same methods).
FILE_READ_METHODS = frozenset({"read_bytes", "read_text"})
# Calls that open a file by its path (``scripts`` reads Lua files through them).
OPENS = frozenset({"open", "io.open", "codecs.open"})

_DATAFRAME_BUILDERS = {"pandas.DataFrame", "polars.DataFrame", "pandas.concat", "pandas.read_sql"}
_LARGE_TYPES = {
    "pandas.DataFrame": "dataframe", "pandas.core.frame.DataFrame": "dataframe", "polars.DataFrame": "dataframe",
    "numpy.ndarray": "buffer", "PIL.Image.Image": "buffer",
}



class OriginFinder:
    def __init__(self, resolver: "Resolver"):
        self.resolver = resolver

    def origin(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        if depth > 6:
            return None
        d = depth + 1
        r = self.resolver
        if isinstance(node, cst.Await):
            return self.origin(node.expression, scope, d)
        if isinstance(node, cst.Name):
            owner, how = r.lookup(node.value, scope)
            if how == "assign":
                for value in owner.assigns[node.value]:
                    found = self.origin(value, owner, d)
                    if found:
                        return found
            if how == "param" and owner.params[node.value].annotation is not None:
                return self._annotated(owner.params[node.value].annotation)
            return None
        if isinstance(node, cst.Attribute):
            if node.attr.value in {"content", "text", "body"} and self._is_http_response(node.value, scope, d):
                return "http-body"
            return None
        if not isinstance(node, cst.Call):
            return None
        command = self._redis_command(node, scope)
        if command is not None:
            return f"redis:{command}"
        qualified = r.qualified(node.func) or dotted_name(node.func) or ""
        if qualified in _DATAFRAME_BUILDERS or qualified.startswith(("pandas.read_", "polars.read_")):
            return "dataframe"
        if qualified in _PASS_THROUGH or qualified in _BUILTIN_PASS_THROUGH:
            inner = self.origin(node.args[0].value, scope, d) if node.args else None
            if inner:
                return inner
            return "pickle" if qualified in _PICKLERS else None
        if not isinstance(node.func, cst.Attribute):
            return None
        method = node.func.attr.value
        receiver = node.func.value
        if method == "read":
            if self._is_file(receiver, scope, d):
                return "file-read"
            if self._is_http_response(receiver, scope, d):
                return "http-body"
            return None
        if method in FILE_READ_METHODS:
            return "file-read"
        if method in _BUFFER_METHODS:
            return "buffer"
        if method in _DATAFRAME_METHODS:
            return "dataframe"
        if method in _QUERY_METHODS:
            return "query-result"
        if method in {"json", "text"} and self._is_http_response(receiver, scope, d):  # aiohttp: `await resp.text()`
            return "http-body"
        if method in {"encode", "decode"}:
            return self.origin(receiver, scope, d)
        return None

    def _redis_command(self, node: cst.Call, scope: Scope) -> Optional[str]:
        """`r.get(k)` on a known client (not a pipeline, whose methods return the pipeline): the
        command whose reply this is."""
        if not isinstance(node.func, cst.Attribute):
            return None
        ref = self.resolver.client_of(node.func.value, scope)
        if ref is None or ref.via is not None or ref.kind is ClientKind.PIPELINE:
            return None
        return node.func.attr.value

    def _annotated(self, annotation: cst.BaseExpression) -> Optional[str]:
        """A parameter annotated as a data frame or an array holds a whole data set."""
        if isinstance(annotation, cst.Subscript):
            annotation = annotation.value
        qualified = self.resolver.qualified(annotation) or ""
        return _LARGE_TYPES.get(qualified)

    def _is_file(self, node: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        if depth > 6:
            return False
        if isinstance(node, cst.Call):
            q = self.resolver.qualified(node.func) or dotted_name(node.func) or ""
            return q in OPENS or q.endswith(".open")  # gzip.open, bz2.open, a Path's open ...
        if isinstance(node, cst.Subscript):
            # `request.files["upload"].read()`
            return (dotted_name(node.value) or "").endswith("files")
        if isinstance(node, cst.Name):
            owner, how = self.resolver.lookup(node.value, scope)
            if how == "assign":
                return any(self._is_file(v, owner, depth + 1) for v in owner.assigns[node.value])
        return False

    def _is_http_response(self, node: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        if depth > 6:
            return False
        if isinstance(node, cst.Await):
            return self._is_http_response(node.expression, scope, depth + 1)
        if isinstance(node, cst.Call):
            q = self.resolver.qualified(node.func) or ""
            if q in _HTTP_CALLS:
                return True
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in _HTTP_CLIENT_METHODS:
                base = self.resolver.qualified(node.func.value) or dotted_name(node.func.value) or ""
                if base.split(".", 1)[0] in _HTTP_MODULES:
                    return True
                if "session" in base.lower() and self._mentions_http(base):
                    return True
                return self._is_http_client(node.func.value, scope, depth + 1)
            return False
        if isinstance(node, cst.Name):
            owner, how = self.resolver.lookup(node.value, scope)
            if how == "assign":
                return any(self._is_http_response(v, owner, depth + 1) for v in owner.assigns[node.value])
        return False

    def _is_http_client(self, node: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        """A session object of an HTTP library: `s = requests.Session()`, `async with
        httpx.AsyncClient() as client`, `self.http = requests.Session()` — whose `get()` is a
        response, as `requests.get()` is."""
        if depth > 6:
            return False
        r = self.resolver
        if isinstance(node, cst.Call):
            return (r.qualified(node.func, scope) or "") in _HTTP_SESSIONS
        if isinstance(node, cst.Name):
            owner, how = r.lookup(node.value, scope)
            if how == "assign":
                return any(self._is_http_client(v, owner, depth + 1) for v in owner.assigns[node.value])
            return False
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            cls = r.class_of_instance(node.value.value, scope)
            info = r.scopes.classes.get(cls) if cls is not None else None
            if info is not None:
                return any(self._is_http_client(v, owner, depth + 1) for v, owner in info.attrs.get(node.attr.value, ()))
        return False

    def _mentions_http(self, base: str) -> bool:
        return any(word in base.lower() for word in ("http", "requests"))
