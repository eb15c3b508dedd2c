#!/usr/bin/env python
"""Generate redislint/model/command_table.py from the installed redis-py.

The command table is data, not hand-typed code (see DESIGN.md, "The command table"): this
script reads the real signatures of redis-py's client classes with ``inspect.signature`` and
derives which parameters hold Redis keys from redis-py's own type annotations (``KeyT``,
``KeysT``, ``Mapping[AnyKeyT, ...]``, ``Dict[KeyT, ...]``).  Where redis-py's annotations are
missing, imprecise or misleading, ``KEY_PARAM_OVERRIDES`` below corrects them, one documented
entry per parameter.

Usage::

    python scripts/gen_command_table.py            # (re)write the table
    python scripts/gen_command_table.py --check    # exit 1 if the checked-in table is stale

The output is deterministic: the same redis-py gives a byte-identical file.
"""
from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "redislint" / "model" / "command_table.py"
LINE_LENGTH = 99

Signature = Tuple[Tuple[str, ...], Optional[str], Tuple[str, ...], Optional[str]]
KeyParams = Tuple[Tuple[str, str], ...]

# The "how" of a key parameter.
KEY = "key"  # the argument is one key
KEYS = "keys"  # an iterable of keys (redis-py also accepts a single key), or *varargs of keys
MAPPING = "mapping"  # a mapping whose keys are Redis keys (mset, xread's streams)
HOWS = (KEY, KEYS, MAPPING)

JSON_PREFIX = "json."

# (method, parameter) -> how, or None: the parameter holds no key the table can describe.
# An entry here wins over what the annotation says.  Every entry must name a parameter that
# exists in the chosen signature (checked), so a redis-py upgrade that renames one is noticed.
KEY_PARAM_OVERRIDES: Dict[Tuple[str, str], Optional[str]] = {
    # --- Annotated as keys, but they are not Redis keys. ---
    # ZADD's mapping is member -> score; redis-py annotates it Mapping[AnyKeyT, EncodableT].
    ("zadd", "mapping"): None,
    # ACL key patterns / selectors and client-tracking prefixes are patterns, not keys.
    ("acl_setuser", "keys"): None,
    ("acl_setuser", "selectors"): None,
    ("client_tracking", "prefix"): None,
    ("client_tracking_on", "prefix"): None,
    ("client_tracking_off", "prefix"): None,
    # CONFIG SET takes parameter names and values (annotated KeyT / Union[KeyT, EncodableT]).
    ("config_set", "name"): None,
    ("config_set", "args"): None,
    # STRALGO LCS compares two literal strings unless specific_argument="keys" (default:
    # "strings"), so value1/value2 are not keys in general.
    ("stralgo", "value1"): None,
    ("stralgo", "value2"): None,
    # --- Keys the table cannot express (mixed keys and arguments). ---
    # EVAL/FCALL: the first `numkeys` of *keys_and_args are keys, the rest are arguments.
    ("eval", "keys_and_args"): None,
    ("eval_ro", "keys_and_args"): None,
    ("evalsha", "keys_and_args"): None,
    ("evalsha_ro", "keys_and_args"): None,
    ("fcall", "keys_and_args"): None,
    ("fcall_ro", "keys_and_args"): None,
    # --- Keys redis-py annotates as plain str/List (or not at all). ---
    # LMOVE-family: first_list/second_list are the keys; src/dest are "LEFT"/"RIGHT".
    ("lmove", "first_list"): KEY,
    ("lmove", "second_list"): KEY,
    ("lmovem", "first_list"): KEY,
    ("lmovem", "second_list"): KEY,
    ("blmove", "first_list"): KEY,
    ("blmove", "second_list"): KEY,
    ("blmovem", "first_list"): KEY,
    ("blmovem", "second_list"): KEY,
    # LMPOP/BLMPOP: *args are the keys (annotated str).
    ("lmpop", "args"): KEYS,
    ("blmpop", "args"): KEYS,
    # ZMPOP/BZMPOP/ZINTERCARD: keys annotated List[str].
    ("zmpop", "keys"): KEYS,
    ("bzmpop", "keys"): KEYS,
    ("zintercard", "keys"): KEYS,
    # SDIFF/SINTER/SUNION(+STORE): keys and *args annotated List (list_or_args).
    ("sdiff", "keys"): KEYS,
    ("sdiff", "args"): KEYS,
    ("sinter", "keys"): KEYS,
    ("sinter", "args"): KEYS,
    ("sunion", "keys"): KEYS,
    ("sunion", "args"): KEYS,
    ("sdiffstore", "dest"): KEY,
    ("sdiffstore", "keys"): KEYS,
    ("sdiffstore", "args"): KEYS,
    ("sinterstore", "keys"): KEYS,
    ("sinterstore", "args"): KEYS,
    ("sunionstore", "keys"): KEYS,
    ("sunionstore", "args"): KEYS,
    # MGET(keys, *args): *args are more keys, annotated EncodableT.
    ("mget", "args"): KEYS,
    # COPY, LCS, EXPIRETIME, PEXPIRETIME, SORT_RO, SORT ... STORE: keys annotated str.
    ("copy", "source"): KEY,
    ("copy", "destination"): KEY,
    ("lcs", "key1"): KEY,
    ("lcs", "key2"): KEY,
    ("expiretime", "key"): KEY,
    ("pexpiretime", "key"): KEY,
    ("sort_ro", "key"): KEY,
    ("sort", "store"): KEY,
    # transaction(func, *watches): the watched keys (unannotated).
    ("transaction", "watches"): KEYS,
    # lock(name): the lock is stored under the key `name` (annotated str).
    ("lock", "name"): KEY,
}

# RedisJSON commands (redis.commands.json) carry no KeyT annotations: the key is always the
# parameter `name` (`key` for delete/forget/debug, `keys` for mget).  JSON.MSET's triplets
# (key, path, value) and the deprecated jsonget/jsonmget/jsonset(*args) are not expressible.
JSON_KEY_PARAM_NAMES: Dict[str, str] = {"name": KEY, "key": KEY, "keys": KEYS}


def _client_classes() -> List[type]:
    """The classes whose methods make up the core table, most preferred first."""
    import redis
    import redis.asyncio
    import redis.client
    import redis.cluster

    return [redis.Redis, redis.cluster.RedisCluster, redis.asyncio.Redis, redis.client.Pipeline]


def _json_class() -> type:
    from redis.commands.json import JSON

    return JSON


def _annotation_text(annotation: object) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation)


def _public_methods(cls: type) -> Iterable[Tuple[str, List[inspect.Parameter]]]:
    """(name, parameters without self) for every public callable attribute of `cls`."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        member = getattr(cls, name)
        if inspect.isclass(member) or not callable(member):
            continue
        raw = inspect.getattr_static(cls, name)
        try:
            sig = inspect.signature(member)
        except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
            continue
        params = list(sig.parameters.values())
        # Plain functions looked up on the class still take `self`; bound classmethods and
        # staticmethods do not.
        if not isinstance(raw, (staticmethod, classmethod)) and params:
            params = params[1:]
        yield name, params


def _signature_tuple(params: List[inspect.Parameter]) -> Signature:
    positional: List[str] = []
    varargs: Optional[str] = None
    kwonly: List[str] = []
    varkw: Optional[str] = None
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            varargs = p.name
        elif p.kind is p.KEYWORD_ONLY:
            kwonly.append(p.name)
        elif p.kind is p.VAR_KEYWORD:
            varkw = p.name
    return tuple(positional), varargs, tuple(kwonly), varkw


_OPTIONAL_RES = (
    re.compile(r"^Optional\[(.*)\]$"),
    re.compile(r"^Union\[(.*),None\]$"),
    re.compile(r"^(.*)\|None$"),
)
_KEYS_ANNOTATIONS = {
    "KeysT",
    "List[KeyT]",
    "Sequence[KeyT]",
    "Iterable[KeyT]",
    # ZUNION/ZINTER(STORE): a list of keys or a key -> weight mapping; iterating either yields
    # the keys, so "keys" describes both.
    "Sequence[KeyT]|Mapping[AnyKeyT,float]",
}
_MAPPING_RE = re.compile(r"^(Mapping|Dict)\[(AnyKeyT|KeyT),.*\]$")
_MENTIONS_KEY_RE = re.compile(r"\b(KeyT|KeysT|AnyKeyT)\b")


def classify_annotation(annotation: str, is_varargs: bool) -> Optional[str]:
    """The "how" of a parameter from its redis-py annotation string, or None."""
    text = annotation.replace(" ", "").replace("'", "").replace('"', "")
    for regex in _OPTIONAL_RES:
        match = regex.match(text)
        if match:
            text = match.group(1)
    if text == "KeyT":
        return KEYS if is_varargs else KEY
    if text in _KEYS_ANNOTATIONS:
        return KEYS
    if _MAPPING_RE.match(text):
        return MAPPING
    return None


def _key_params(
    command: str,
    params: List[inspect.Parameter],
    by_name: Callable[[inspect.Parameter], Optional[str]],
    used_overrides: set,
) -> KeyParams:
    result = []
    for p in params:
        is_varargs = p.kind is p.VAR_POSITIONAL
        if p.kind is p.VAR_KEYWORD:
            continue
        override_key = (command, p.name)
        if override_key in KEY_PARAM_OVERRIDES:
            used_overrides.add(override_key)
            how = KEY_PARAM_OVERRIDES[override_key]
        else:
            how = by_name(p)
            annotation = _annotation_text(p.annotation)
            if how is None and _MENTIONS_KEY_RE.search(annotation):
                raise SystemExit(
                    f"gen_command_table: {command}({p.name}: {annotation!r}) mentions a key "
                    "type but matches no rule; add a KEY_PARAM_OVERRIDES entry"
                )
        if how is not None:
            assert how in HOWS, (command, p.name, how)
            result.append((p.name, how))
    return tuple(result)


def build_table() -> Tuple[str, Dict[str, Signature], Dict[str, KeyParams]]:
    """(redis-py version, SIGNATURES, KEY_PARAMS) from the installed redis-py."""
    import redis

    chosen: Dict[str, List[inspect.Parameter]] = {}
    for cls in _client_classes():  # most preferred first: the first signature seen wins
        for name, params in _public_methods(cls):
            chosen.setdefault(name, params)
    json_chosen = {JSON_PREFIX + name: params for name, params in _public_methods(_json_class())}

    def core_how(p: inspect.Parameter) -> Optional[str]:
        return classify_annotation(_annotation_text(p.annotation), p.kind is p.VAR_POSITIONAL)

    def json_how(p: inspect.Parameter) -> Optional[str]:
        if p.kind is p.VAR_POSITIONAL:
            return None
        return JSON_KEY_PARAM_NAMES.get(p.name)

    used: set = set()
    signatures: Dict[str, Signature] = {}
    key_params: Dict[str, KeyParams] = {}
    for table, how in ((chosen, core_how), (json_chosen, json_how)):
        for name, params in table.items():
            signatures[name] = _signature_tuple(params)
            keys = _key_params(name, params, how, used)
            if keys:
                key_params[name] = keys
    unused = sorted(set(KEY_PARAM_OVERRIDES) - used)
    if unused:
        raise SystemExit(f"gen_command_table: overrides name no existing parameter: {unused}")
    signatures = dict(sorted(signatures.items()))
    key_params = dict(sorted(key_params.items()))
    return redis.__version__, signatures, key_params


# ----------------------------------------------------------------------------- rendering


def _q(value: Optional[str]) -> str:
    return "None" if value is None else '"' + value + '"'


def _tuple(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) == 1:
        return "(" + items[0] + ",)"
    return "(" + ", ".join(items) + ")"


def _wrapped_tuple(items: List[str], indent: str) -> List[str]:
    """A tuple literal over several lines, packing items up to the line length."""
    lines = [indent + "("]
    inner = indent + "    "
    current = inner
    for item in items:
        piece = item + ","
        if current != inner and len(current) + 1 + len(piece) > LINE_LENGTH:
            lines.append(current)
            current = inner
        current = current + piece if current == inner else current + " " + piece
    lines.append(current)
    lines.append(indent + "),")
    return lines


def _entry(name: str, parts: List[List[str]]) -> List[str]:
    """`"name": (part, part, ...),` on one line if it fits, else one part per line."""
    rendered = [_tuple(p) if isinstance(p, list) else p for p in parts]
    one_line = f"    {_q(name)}: {_tuple(rendered)},"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    lines = [f"    {_q(name)}: ("]
    for part, text in zip(parts, rendered):
        if len("        " + text + ",") <= LINE_LENGTH or not isinstance(part, list):
            lines.append("        " + text + ",")
        else:
            lines.extend(_wrapped_tuple(part, "        "))
    lines.append("    ),")
    return lines


def render(
    version: str, signatures: Dict[str, Signature], key_params: Dict[str, KeyParams]
) -> str:
    out = [
        f"# Generated by scripts/gen_command_table.py from redis-py {version}; do not edit.",
        '"""redis-py command signatures and key parameters (see DESIGN.md, "The command table").',
        "",
        "SIGNATURES maps a redis-py method name to",
        "    (positional_params, varargs, kwonly, varkw)",
        "where positional_params are the positional(-or-keyword) parameters in order (without",
        "`self`), varargs/varkw are the names of `*args`/`**kwargs` (or None) and kwonly the",
        "keyword-only parameters.  Core commands come from redis.Redis, then",
        "redis.cluster.RedisCluster, redis.asyncio.Redis and redis.client.Pipeline (the first",
        'class that has the method wins); RedisJSON commands are named "json.<method>".',
        "",
        "KEY_PARAMS maps a method name to ((param, how), ...) for its parameters that hold Redis",
        'keys, in signature order.  how is "key" (one key), "keys" (an iterable of keys or a',
        'single key; for the *varargs parameter: each extra positional is a key) or "mapping"',
        "(a mapping whose keys are Redis keys).  Methods without key parameters are absent.",
        '"""',
        "from __future__ import annotations",
        "",
        f'REDIS_PY_VERSION = "{version}"',
        "",
        "SIGNATURES: dict[str, tuple[tuple[str, ...], str | None, tuple[str, ...], str | None]]"
        " = {",
    ]
    for name, (positional, varargs, kwonly, varkw) in signatures.items():
        parts = [[_q(p) for p in positional], _q(varargs), [_q(k) for k in kwonly], _q(varkw)]
        out.extend(_entry(name, parts))
    out.append("}")
    out.append("")
    out.append("KEY_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {")
    for name, keys in key_params.items():
        parts = [_tuple([_q(param), _q(how)]) for param, how in keys]
        line = f"    {_q(name)}: {_tuple(parts)},"
        if len(line) <= LINE_LENGTH:
            out.append(line)
        else:
            out.append(f"    {_q(name)}: (")
            out.extend("        " + part + "," for part in parts)
            out.append("    ),")
    out.append("}")
    out.append("")
    return "\n".join(out)


def generate() -> str:
    """The text of command_table.py for the installed redis-py."""
    return render(*build_table())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the table is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    version, signatures, key_params = build_table()
    text = render(version, signatures, key_params)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; run scripts/gen_command_table.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date (redis-py {version})")
        return 0
    with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    counts: Dict[str, int] = {}
    for keys in key_params.values():
        for _, how in keys:
            counts[how] = counts.get(how, 0) + 1
    json_total = sum(1 for name in signatures if name.startswith(JSON_PREFIX))
    json_keyed = sum(1 for name in key_params if name.startswith(JSON_PREFIX))
    print(f"wrote {args.output} from redis-py {version}")
    print(f"  {len(signatures)} methods ({json_total} json.*), "
          f"{len(key_params)} with key params ({json_keyed} json.*)")
    print("  key params by kind: " + ", ".join(f"{h}={counts.get(h, 0)}" for h in HOWS))
    print(f"  {len(KEY_PARAM_OVERRIDES)} overrides applied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
