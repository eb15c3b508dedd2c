"""Which redis-py a project uses, read from its lock files and dependency declarations.

Some rules depend on the redis-py version (RL601: before 8.0 a client without a socket timeout
waits forever on a dead peer).  `detect_redis_py_version` looks in the project root, most precise
source first:

1. lock files, first one found wins: ``uv.lock``, ``poetry.lock``, ``Pipfile.lock``;
2. declarations: ``pyproject.toml`` (``[project] dependencies``,
   ``[project.optional-dependencies]``, ``[dependency-groups]``, Poetry's
   ``[tool.poetry.dependencies]`` and its groups), ``Pipfile``, ``requirements*.txt`` and
   ``requirements/*.txt`` (``-r``/``-c`` includes followed), ``setup.cfg`` (``install_requires``,
   ``extras_require``) and ``setup.py`` (a regex over the string literals of
   ``install_requires``; the file is never executed).  Among declarations a pin
   (``==5.0.1``) beats a lower bound (``>=4.5``) wherever it is; otherwise the first one in the
   order above wins.

Only the distribution ``redis`` counts, compared PEP 503-normalised (case folded, runs of
``-``/``_``/``.`` alike): ``redis-py-cluster``, ``types-redis``, ``hiredis``, ``redis-om``,
``django-redis`` are other packages.  A file that cannot be read or
parsed is skipped, never an error: detection is a hint, and the ``redis-py-version`` setting
overrides it (`project_redis_py_version`).

Requirement strings are parsed with ``packaging`` when it is importable, else with a small
fallback parser that accepts the same PEP 508 subset we need.
"""
from __future__ import annotations

import ast
import configparser
import glob
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator, List, Optional, Set, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

_PACKAGING: Optional[Any] = None


def _packaging() -> Any:
    """``packaging``'s requirements and version modules when installed (better PEP 508/440
    parsing), else False.  Imported on first use: most runs never read a requirement."""
    global _PACKAGING
    if _PACKAGING is None:
        try:
            import packaging.requirements
            import packaging.version

            _PACKAGING = packaging
        except ImportError:  # pragma: no cover - depends on the environment
            _PACKAGING = False
    return _PACKAGING

if TYPE_CHECKING:  # pragma: no cover
    from .settings import Settings

__all__ = [
    "RedisPyVersion",
    "detect_redis_py_version",
    "project_redis_py_version",
    "undeclared_redis_py",
    "version_from_setting",
]

Version = Tuple[int, ...]

# Files larger than this are not project metadata we can sensibly read; skip them.
_MAX_FILE_BYTES = 20 * 1024 * 1024
# Bound on nested ``-r`` includes (cycles are cut separately).
_MAX_INCLUDE_DEPTH = 10


@dataclass(frozen=True)
class RedisPyVersion:
    """A redis-py version as far as the project tells.

    ``version`` is the release as integers (``(5, 0, 1)``; pre-release and local parts dropped),
    ``source`` names the file and where in it (``"uv.lock"``,
    ``"pyproject.toml [project.dependencies]"``, ``"requirements/base.txt"``), and ``exact`` is
    True for a lock or a pin (``==5.0.1``) and False for a lower bound (``>=4.5``, ``~=5.0``,
    ``^4.5``, ``==5.*``): the installed version is then at least ``version``.
    """

    version: Version
    source: str
    exact: bool
    # False: no file names redis-py, but ``source`` declares the project's dependencies, so
    # redis-py arrives through another package (rq, celery ...) or by hand, in any release.
    declared: bool = True

    def __str__(self) -> str:
        return ".".join(str(part) for part in self.version) if self.version else "of any version"

    @property
    def unbounded(self) -> bool:
        """Declared with no lower end (`redis`, `redis<6`), or not declared at all: the oldest
        releases are allowed."""
        return not self.version


# ---------------------------------------------------------------------------------------------
# Versions and specifiers

_SETTING_RE = re.compile(r"^\d+(?:\.\d+)*$")
# A PEP 440 version, loosely: release segment captured, the rest only validated.
_VERSION_RE = re.compile(
    r"^v?(?:\d+!)?(\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?"
    r"(?:-\d+|[-_.]?(?:post|rev|r)[-_.]?\d*)?"
    r"(?:[-_.]?dev[-_.]?\d*)?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$",
    re.IGNORECASE,
)
_NAME_NORMALISE_RE = re.compile(r"[-_.]+")


def version_from_setting(text: str) -> Version:
    """Parse the ``redis-py-version`` setting: ``"5.0.1"`` -> ``(5, 0, 1)``, ``"7"`` -> ``(7,)``.

    Raises ValueError for anything but dot-separated non-negative integers.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a version string: {text!r}")
    stripped = text.strip()
    if not _SETTING_RE.match(stripped):
        raise ValueError(f"not a version like '7.4' or '8.0.1': {text!r}")
    return tuple(int(part) for part in stripped.split("."))


def _release(text: str) -> Optional[Version]:
    """The release segment of a PEP 440 version string, or None when it is not a version."""
    text = text.strip()
    packaging = _packaging()
    if packaging:
        try:
            return tuple(packaging.version.Version(text).release)
        except packaging.version.InvalidVersion:
            return None
    match = _VERSION_RE.match(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def _bound(clauses: Iterable[Tuple[str, str]]) -> Optional[Tuple[Version, bool]]:
    """Combine ``(operator, version)`` clauses into ``(version, exact)``.

    ``==X``/``===X`` pin X; ``==X.*`` and ``>=``/``>``/``~=``/``^``/``~`` give a lower bound (the
    highest one when several); ``<``, ``<=`` and ``!=`` say nothing about the lower end, and
    without one the bound is ``()``: no release is ruled out at the bottom.
    """
    pinned: Optional[Version] = None
    lower: List[Version] = []
    for operator, text in clauses:
        text = text.strip()
        if operator in ("==", "===", "="):
            if text.endswith(".*"):
                release = _release(text[:-2])
                if release is not None:
                    lower.append(release)
            else:
                release = _release(text)
                if release is not None and pinned is None:
                    pinned = release
        elif operator in (">=", ">", "~=", "^", "~"):
            release = _release(text[:-2] if text.endswith(".*") else text)
            if release is not None:
                lower.append(release)
    if pinned is not None:
        return pinned, True
    if lower:
        return max(lower), False
    # No lower end (`redis`, `redis<6`): any release up to the upper end, the oldest included.
    return (), False


_PEP440_CLAUSE_RE = re.compile(r"^\s*(===|==|~=|!=|>=|<=|>|<)\s*(\S+)\s*$")
# Poetry constraints: "^4.5", "~4.5", "4.5.1" (a pin), ">=4.5,<6", ">=4.5 <6", "4.5.*", "*".
_POETRY_CLAUSE_RE = re.compile(r"(===|==|~=|!=|>=|<=|\^|~|>|<|=)?\s*([0-9vV*][^\s,|]*)")


def _poetry_bound(constraint: str) -> Optional[Tuple[Version, bool]]:
    """``(version, exact)`` for a Poetry/Pipfile version constraint string."""
    alternatives = []
    for part in constraint.split("||"):
        clauses = [(op or "==", text) for op, text in _POETRY_CLAUSE_RE.findall(part)
                   if text != "*" and not text.startswith("*")]
        found = _bound(clauses)
        if found is not None:
            alternatives.append(found)
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return alternatives[0]
    # "^4.5 || ^5.0": the project may get the lowest of them.
    return min(version for version, _ in alternatives), False


def _is_redis(name: str) -> bool:
    return _NAME_NORMALISE_RE.sub("-", name.strip()).lower() == "redis"


# ---------------------------------------------------------------------------------------------
# PEP 508 requirement strings

_REQ_NAME_RE = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*)$", re.DOTALL)


def _fallback_requirement(text: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """``(name, [(operator, version)])`` of a PEP 508 string, without ``packaging``.

    None when the string is not a valid requirement.
    """
    match = _REQ_NAME_RE.match(text)
    if match is None:
        return None
    name, _extras, rest = match.groups()
    rest = rest.split(";", 1)[0].strip()
    if rest.startswith("@"):  # a direct URL: no version to read
        return name, []
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    if not rest:
        return name, []
    clauses = []
    for piece in rest.split(","):
        clause = _PEP440_CLAUSE_RE.match(piece)
        if clause is None:
            return None
        clauses.append((clause.group(1), clause.group(2)))
    return name, clauses


def _parse_requirement(text: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """``(name, [(operator, version)])`` of a PEP 508 requirement string, None if invalid."""
    if not isinstance(text, str) or not text.strip():
        return None
    packaging = _packaging()
    if packaging:
        try:
            requirement = packaging.requirements.Requirement(text.strip())
        except packaging.requirements.InvalidRequirement:
            return None
        return requirement.name, [(spec.operator, spec.version) for spec in requirement.specifier]
    return _fallback_requirement(text)


def _redis_from_requirements(texts: Iterable[Any]) -> Iterator[Optional[Tuple[Version, bool]]]:
    """For each requirement string naming redis: its ``(version, exact)`` or None (no version)."""
    for text in texts:
        parsed = _parse_requirement(text) if isinstance(text, str) else None
        if parsed is not None and _is_redis(parsed[0]):
            yield _bound(parsed[1])


# ---------------------------------------------------------------------------------------------
# Reading files, never raising


def _read_text(path: str) -> Optional[str]:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > _MAX_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read()
        return data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _read_toml(path: str) -> Optional[dict]:
    text = _read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, TypeError):
        return None


def _table(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...`` through dicts only; None when any step is missing or not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value




# ---------------------------------------------------------------------------------------------
# Lock files


def _lock_packages(root: str, name: str) -> Optional[RedisPyVersion]:
    """uv.lock / poetry.lock: ``[[package]] name = "redis" version = "..."``."""
    document = _read_toml(os.path.join(root, name))
    packages = _table(document, "package")
    if not isinstance(packages, list):
        return None
    versions = []
    for package in packages:
        if not isinstance(package, dict):
            continue
        pkg_name, pkg_version = package.get("name"), package.get("version")
        if isinstance(pkg_name, str) and isinstance(pkg_version, str) and _is_redis(pkg_name):
            release = _release(pkg_version)
            if release is not None:
                versions.append(release)
    if not versions:
        return None
    # uv can lock several versions for different environments: the code must run on the lowest.
    return RedisPyVersion(min(versions), name, True)


def _uv_lock(root: str) -> Optional[RedisPyVersion]:
    return _lock_packages(root, "uv.lock")


def _poetry_lock(root: str) -> Optional[RedisPyVersion]:
    return _lock_packages(root, "poetry.lock")


def _pipfile_lock(root: str) -> Optional[RedisPyVersion]:
    text = _read_text(os.path.join(root, "Pipfile.lock"))
    if text is None:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    for section in ("default", "develop"):
        packages = _table(document, section)
        if not isinstance(packages, dict):
            continue
        for pkg_name, entry in packages.items():
            if not isinstance(pkg_name, str) or not _is_redis(pkg_name):
                continue
            version = _table(entry, "version")
            if isinstance(version, str):
                found = _poetry_bound(version)  # "==5.0.1"
                if found is not None and found[0]:
                    return RedisPyVersion(found[0], "Pipfile.lock", found[1])
    return None


# ---------------------------------------------------------------------------------------------
# Declarations


def _pyproject(root: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    document = _read_toml(os.path.join(root, "pyproject.toml"))
    if not isinstance(document, dict):
        return
    dependencies = _table(document, "project", "dependencies")
    if isinstance(dependencies, list):
        for found in _redis_from_requirements(dependencies):
            yield found, "pyproject.toml [project.dependencies]"
    optional = _table(document, "project", "optional-dependencies")
    if isinstance(optional, dict):
        for requirements in optional.values():
            if isinstance(requirements, list):
                for found in _redis_from_requirements(requirements):
                    yield found, "pyproject.toml [project.optional-dependencies]"
    groups = _table(document, "dependency-groups")
    if isinstance(groups, dict):
        for requirements in groups.values():
            if isinstance(requirements, list):  # items may be {include-group = ...}: skipped
                for found in _redis_from_requirements(requirements):
                    yield found, "pyproject.toml [dependency-groups]"
    poetry = _table(document, "tool", "poetry")
    if isinstance(poetry, dict):
        tables = [("tool.poetry.dependencies", poetry.get("dependencies")),
                  ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"))]
        poetry_groups = poetry.get("group")
        if isinstance(poetry_groups, dict):
            for group_name, group in poetry_groups.items():
                tables.append((f"tool.poetry.group.{group_name}.dependencies",
                               _table(group, "dependencies")))
        for where, table in tables:
            for found in _constraint_table(table):
                yield found, f"pyproject.toml [{where}]"


def _constraint_table(table: Any) -> Iterator[Optional[Tuple[Version, bool]]]:
    """Poetry / Pipfile dependency tables: ``redis = "^4.5"``, ``{version = ...}``, or a list."""
    if not isinstance(table, dict):
        return
    for name, spec in table.items():
        if not isinstance(name, str) or not _is_redis(name):
            continue
        entries = spec if isinstance(spec, list) else [spec]
        for entry in entries:
            constraint = entry if isinstance(entry, str) else _table(entry, "version")
            yield _poetry_bound(constraint) if isinstance(constraint, str) else None


def _pipfile(root: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    document = _read_toml(os.path.join(root, "Pipfile"))
    for section in ("packages", "dev-packages"):
        for found in _constraint_table(_table(document, section)):
            yield found, f"Pipfile [{section}]"


_INCLUDE_RE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s=]))(\S+)")
# pip's per-requirement options (--hash=..., --config-settings ...) start after whitespace.
_TRAILING_OPTIONS_RE = re.compile(r"\s+--?[A-Za-z].*$")
_COMMENT_RE = re.compile(r"(^|\s)#.*$")


def _requirement_lines(text: str) -> Iterator[str]:
    """Logical lines of a requirements file: continuations joined, comments removed."""
    pending = ""
    for raw in text.splitlines():
        line = _COMMENT_RE.sub("", raw) if "#" in raw else raw
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def _requirements_file(path: str, root: str, seen: Set[str], depth: int = 0,
                       ) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    real = os.path.realpath(path)
    if real in seen or depth > _MAX_INCLUDE_DEPTH:
        return
    seen.add(real)
    text = _read_text(path)
    if text is None:
        return
    source = os.path.relpath(path, root).replace(os.sep, "/")
    for line in _requirement_lines(text):
        include = _INCLUDE_RE.match(line)
        if include is not None:
            target = include.group(1)
            if "://" not in target:
                target = os.path.join(os.path.dirname(path), target)
                yield from _requirements_file(target, root, seen, depth + 1)
            continue
        if line.startswith("-"):  # -e, -i, --index-url, ...: not a requirement
            continue
        line = _TRAILING_OPTIONS_RE.sub("", line)
        for found in _redis_from_requirements([line]):
            yield found, source


def _requirements_files(root: str) -> List[str]:
    top = sorted(glob.glob(os.path.join(glob.escape(root), "requirements*.txt")))
    main = os.path.join(root, "requirements.txt")
    if main in top:  # the main file first, then the variants
        top.remove(main)
        top.insert(0, main)
    nested = sorted(glob.glob(os.path.join(glob.escape(root), "requirements", "*.txt")))
    return [path for path in top + nested if os.path.isfile(path)]


def _requirements(root: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    seen: Set[str] = set()
    for path in _requirements_files(root):
        yield from _requirements_file(path, root, seen)


def _cfg_list(value: str) -> List[str]:
    """setuptools' list-semi: one item per line, or ``;``-separated on a single line."""
    if "\n" in value.strip():
        items = value.splitlines()
    else:
        items = value.split(";")
    return [_COMMENT_RE.sub("", item).strip() for item in items if item.strip()]


def _setup_cfg(root: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    text = _read_text(os.path.join(root, "setup.cfg"))
    if text is None:
        return
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
        install_requires = parser.get("options", "install_requires", fallback=None)
        extras = (dict(parser.items("options.extras_require"))
                  if parser.has_section("options.extras_require") else {})
    except configparser.Error:
        return
    if install_requires:
        for found in _redis_from_requirements(_cfg_list(install_requires)):
            yield found, "setup.cfg [options] install_requires"
    for value in extras.values():
        for found in _redis_from_requirements(_cfg_list(value)):
            yield found, "setup.cfg [options.extras_require]"


_INSTALL_REQUIRES_RE = re.compile(r"""\binstall_requires['"]?\s*[=:]\s*[\[(]""")
# Inside the list: string literals (which may contain brackets), comments, or the closing bracket.
_LIST_TOKEN_RE = re.compile(
    r"""[rRuU]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|#[^\n]*|[\])]""")


def _setup_py(root: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    text = _read_text(os.path.join(root, "setup.py"))
    if text is None:
        return
    for start in _INSTALL_REQUIRES_RE.finditer(text):
        literals = []
        for token in _LIST_TOKEN_RE.finditer(text, start.end()):
            value = token.group(0)
            if value in ("]", ")"):
                break
            if value.startswith("#"):
                continue
            try:
                literal = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                continue
            if isinstance(literal, str):
                literals.append(literal)
        for found in _redis_from_requirements(literals):
            yield found, "setup.py install_requires"
    yield from _setup_py_extras(text)


_EXTRAS_REQUIRE_RE = re.compile(r"""\bextras_require['"]?\s*[=:]\s*([A-Za-z_]\w*|\{)""")


def _setup_py_extras(text: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    """`extras_require={"redis": ["redis>=4.2,<8"]}`, or a name bound at module level to such a
    dict literal.  Only the strings of the dict's list values are requirements (its keys are
    extra names: `"redis"` there is no requirement).  Never executed: read with ``ast``."""
    if "extras_require" not in text:
        return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    dicts: List[ast.Dict] = []
    names = {m.group(1) for m in _EXTRAS_REQUIRE_RE.finditer(text) if m.group(1) != "{"}
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "extras_require" and isinstance(node.value, ast.Dict):
            dicts.append(node.value)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                isinstance(t, ast.Name) and (t.id in names or t.id == "extras_require") for t in node.targets):
            dicts.append(node.value)
    for table in dicts:
        for value in table.values:
            if isinstance(value, (ast.List, ast.Tuple)):
                literals = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                for found in _redis_from_requirements(literals):
                    yield found, "setup.py extras_require"


def _metadata_files(root: str) -> List[str]:
    """The package metadata at ``root``, relative to it: PKG-INFO, then each `*.dist-info/METADATA`."""
    try:
        wheels = sorted(os.path.join(entry, "METADATA") for entry in os.listdir(root) if entry.endswith(".dist-info"))
    except OSError:
        wheels = []
    return ["PKG-INFO"] + wheels


def _metadata(root: str) -> Iterator[Tuple[Optional[Tuple[Version, bool]], str]]:
    """`Requires-Dist:` lines of the package metadata shipped at the root: an sdist's PKG-INFO,
    or a wheel's `*.dist-info/METADATA` (extras included: their markers are dropped)."""
    for path in (os.path.join(root, name) for name in _metadata_files(root)):
        text = _read_text(path)
        if text is None:
            continue
        requirements = [line.split(":", 1)[1].strip() for line in text.splitlines()
                        if line.lower().startswith("requires-dist:")]
        for found in _redis_from_requirements(requirements):
            yield found, os.path.relpath(path, root)


_DECLARATIONS = (_pyproject, _pipfile, _requirements, _setup_cfg, _setup_py, _metadata)


# ---------------------------------------------------------------------------------------------
# Public API


def detect_redis_py_version(root: str) -> Optional[RedisPyVersion]:
    """The redis-py version the project rooted at ``root`` uses, or None when nothing says.

    Lock files first (the first of ``uv.lock``, ``poetry.lock``, ``Pipfile.lock`` that locks
    redis wins); then declarations, where the first pin wins over any lower bound and otherwise
    the first lower bound wins.  A requirement without a lower end (``redis``, ``redis<6``)
    counts only when nothing better is declared: the version is then ``()``, every release up
    to the upper end allowed.  Unreadable or malformed files are skipped.  Not cached: call it once per run (the project index does).
    """
    if not isinstance(root, str) or not os.path.isdir(root):
        return None
    for read_lock in (_uv_lock, _poetry_lock, _pipfile_lock):
        locked = read_lock(root)
        if locked is not None:
            return locked
    first_bound: Optional[RedisPyVersion] = None
    first_unbounded: Optional[RedisPyVersion] = None
    for source in _DECLARATIONS:
        try:
            for found, where in source(root):
                if found is None:
                    continue
                version, exact = found
                if exact:
                    return RedisPyVersion(version, where, True)
                if version and first_bound is None:
                    first_bound = RedisPyVersion(version, where, False)
                elif not version and first_unbounded is None:
                    first_unbounded = RedisPyVersion(version, where, False)
        except (OSError, ValueError, TypeError, RecursionError):  # pragma: no cover - defensive
            continue
    return first_bound or first_unbounded


def _dependency_files(root: str) -> Iterator[str]:
    """The files at ``root`` that may list the project's dependencies, most telling first."""
    yield from ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile")
    yield from (os.path.relpath(path, root) for path in _requirements_files(root))
    yield from _metadata_files(root)
    yield from ("uv.lock", "poetry.lock", "Pipfile.lock")


def undeclared_redis_py(root: str) -> Optional[RedisPyVersion]:
    """When the project at ``root`` declares its dependencies but not redis-py: "of any version",
    named after the first file that declares them.  Such a project gets redis-py through one of
    its dependencies (rq, celery[redis], a framework cache backend) or installs it by hand, and
    nothing it says keeps the releases before 8.0 out, just as a bare ``redis`` requirement does
    not.  A pyproject.toml without a ``[project]`` or ``[tool.poetry]`` table (tool settings
    only) declares nothing.  None when no file declares anything: then nothing is known."""
    try:
        for name in _dependency_files(root):
            path = os.path.join(root, name)
            if not os.path.isfile(path):
                continue
            if name == "pyproject.toml":
                document = _read_toml(path)
                if not isinstance(document, dict) or not (
                        isinstance(document.get("project"), dict) or isinstance(_table(document, "tool", "poetry"), dict)):
                    continue
            return RedisPyVersion((), name.replace(os.sep, "/"), False, declared=False)
    except OSError:
        pass
    return None


def project_redis_py_version(settings: "Settings") -> Optional[RedisPyVersion]:
    """The redis-py version for a run.

    The ``redis-py-version`` setting when given (exact, source ``"redis-py-version setting"``),
    else what `detect_redis_py_version` finds in ``settings.project_root``, else, for a project
    that declares its dependencies but not redis-py, "of any version" (`undeclared_redis_py`).
    """
    configured = getattr(settings, "redis_py_version", None)
    if configured:
        try:
            version = version_from_setting(configured)
            return RedisPyVersion(version, "redis-py-version setting", True)
        except ValueError:
            pass  # config validation rejects this; tolerate Settings built by hand
    root = getattr(settings, "project_root", None)
    if not root:
        return None
    return detect_redis_py_version(root) or undeclared_redis_py(root)
