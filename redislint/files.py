"""Which files to lint, and reading/writing them without damaging them.

Discovery follows ruff's rules: walk directories deterministically, prune what the applicable
config excludes and what ``.gitignore`` ignores, but always lint files named explicitly (unless
``--force-exclude``, which pre-commit needs because it passes file names).  Reading never raises
for a per-file problem: the error is recorded on the `SourceFile` so one bad file cannot end a
run.  Writing is atomic and refuses to clobber a file that changed since it was read.
"""
from __future__ import annotations

import codecs
import io
import os
import re
import stat
import sys
import tempfile
import tokenize
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

import pathspec

from .config import ConfigResolver, combined_regex, path_matches, pattern_matcher, relative_to
from .errors import UsageError
from .settings import Settings

__all__ = [
    "FileChangedError",
    "SourceFile",
    "decode_source",
    "discover",
    "read_source",
    "read_stdin",
    "write_source_atomic",
]

PYTHON_SUFFIXES: Tuple[str, ...] = (".py", ".pyi")


# ---------------------------------------------------------------------------------------------
# Discovery


def _excluded(settings: Settings, path: str, is_dir: bool) -> bool:
    patterns = tuple(settings.exclude) + tuple(settings.extend_exclude)
    return path_matches(patterns, path, settings.project_root, is_dir)


def _excluded_explicit(resolver: ConfigResolver, path: str, is_dir: bool) -> bool:
    """For --force-exclude: is an explicitly named path, or a directory above it, excluded?"""
    settings = resolver.settings_for(path)
    if _excluded(settings, path, is_dir):
        return True
    root = os.path.abspath(settings.project_root or os.getcwd())
    current = os.path.dirname(os.path.abspath(path))
    # Only ancestors inside the project: a project living under ~/build/ must not exclude itself.
    while _within(current, root):
        if _excluded(settings, current, True):
            return True
        current = os.path.dirname(current)
    return False


def _within(path: str, root: str) -> bool:
    """Whether absolute ``path`` lies strictly below absolute ``root``."""
    return path != root and path.startswith(root.rstrip(os.sep) + os.sep)


def _find_git_root(directory: str) -> Optional[str]:
    current = directory
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _read_ignore_file(path: str) -> Optional[pathspec.GitIgnoreSpec]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return spec if len(spec) else None


def _decision(spec: pathspec.GitIgnoreSpec, rel: str) -> Optional[bool]:
    """True = ignored, False = re-included by a ``!`` pattern, None = no pattern matched.

    Git lets a deeper ``.gitignore`` override a shallower one only where it says something, so
    a plain "matches" boolean is not enough.  Last matching pattern wins, as in git.
    """
    if not _any_pattern(spec)(rel):
        return None  # the common case, answered by one regular expression
    for pattern in reversed(spec.patterns):
        if pattern.include is not None and pattern.match_file(rel):
            return bool(pattern.include)
    return None


_ANY_PATTERN: Dict[int, Tuple[pathspec.GitIgnoreSpec, "re.Pattern[str]"]] = {}


def _any_pattern(spec: pathspec.GitIgnoreSpec):
    """Whether any pattern of ``spec`` (ignoring or re-including) matches a path."""
    known = _ANY_PATTERN.get(id(spec))
    if known is None or known[0] is not spec:
        known = _ANY_PATTERN[id(spec)] = (spec, combined_regex(
            [p for p in spec.patterns if p.include is not None and p.regex is not None]))
    return known[1].search


class _GitIgnores:
    """The ``.gitignore`` files in force under one root (git root or project root), cached per dir."""

    def __init__(self, root: str):
        self.root = root
        self._chains: Dict[str, List[Tuple[str, pathspec.GitIgnoreSpec]]] = {}
        self._base: List[Tuple[str, pathspec.GitIgnoreSpec]] = []
        self._absent: Set[str] = set()  # directories known to hold no .gitignore
        info_exclude = _read_ignore_file(os.path.join(root, ".git", "info", "exclude"))
        if info_exclude is not None:
            self._base.append((root, info_exclude))  # lowest priority, as in git

    def note_listing(self, directory: str, has_gitignore: bool) -> None:
        """Discovery listed ``directory``: without a `.gitignore` there is nothing to read."""
        if not has_gitignore:
            self._absent.add(directory)

    def _chain(self, directory: str) -> List[Tuple[str, pathspec.GitIgnoreSpec]]:
        chain = self._chains.get(directory)
        if chain is not None:
            return chain
        parent = os.path.dirname(directory)
        inside = directory != self.root and parent != directory and _within(directory, self.root)
        chain = list(self._chain(parent)) if inside else list(self._base)
        own = None if directory in self._absent else _read_ignore_file(os.path.join(directory, ".gitignore"))
        if own is not None:
            chain.append((directory, own))
        self._chains[directory] = chain
        return chain

    def ignored(self, path: str, is_dir: bool) -> bool:
        """``path``: absolute and normalised (as discovery joins it), or else made so."""
        if not os.path.isabs(path):
            path = os.path.abspath(path)
        suffix = "/" if is_dir else ""
        for base, spec in reversed(self._chain(os.path.dirname(path))):
            # ``path`` lies below ``base`` (the chain holds its ancestors): a slice, not relpath.
            rel = path[len(base.rstrip(os.sep)) + 1:].replace(os.sep, "/") + suffix
            decision = _decision(spec, rel)
            if decision is not None:
                return decision
        return False


def _ignore_root(top: str, resolver: ConfigResolver) -> str:
    """Where .gitignore files start counting: the git root, else the project root, else ``top``."""
    git_root = _find_git_root(top)
    if git_root is not None:
        return git_root
    project_root = resolver.settings_for_dir(top).project_root
    if project_root and (top == project_root or _within(top, project_root)):
        return project_root
    return top


def discover(paths: Sequence[str], resolver: ConfigResolver,
             force_exclude: bool = False) -> Tuple[List[str], List[str]]:
    """Expand command-line paths into the Python files to lint.

    Returns ``(files, errors)``: files in a deterministic order without duplicates, and messages
    for directories that could not be read.  A path that does not exist is a usage error, raised
    before any work is done.
    """
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")

    files: List[str] = []
    errors: List[str] = []
    seen_files: Set[str] = set()
    seen_dirs: Set[str] = set()
    ignore_trees: Dict[str, _GitIgnores] = {}

    def add(path: str, absolute: Optional[str] = None) -> None:
        key = os.path.normcase(absolute or os.path.abspath(path))
        if key not in seen_files:
            seen_files.add(key)
            files.append(path)

    def walk(directory: str, ignores: _GitIgnores, real: Optional[str] = None,
             parent: Optional[Tuple[Optional[str], Optional[str]]] = None) -> None:
        """``parent``: (project root, path relative to it) of the directory holding this one,
        so the relative path is one join instead of a ``relpath``."""
        real = real or os.path.realpath(directory)
        if real in seen_dirs:  # symlink loop, or a tree already walked via another path
            return
        seen_dirs.add(real)
        try:
            with os.scandir(directory) as iterator:
                entries = sorted(iterator, key=lambda entry: entry.name)
        except OSError as err:
            errors.append(f"{directory}: {err.strerror or err}")
            return
        # Settings apply per directory: work out once what every entry's exclusion needs.
        absolute = os.path.abspath(directory)
        names = {entry.name for entry in entries}
        note = getattr(resolver, "note_listing", None)
        if note is not None:
            note(absolute, names)
        ignores.note_listing(absolute, ".gitignore" in names)
        settings = resolver.settings_for_dir(absolute)
        excluded = pattern_matcher(tuple(settings.exclude) + tuple(settings.extend_exclude))
        root = settings.project_root
        if root is None:
            prefix = None
        elif absolute == root:
            prefix = ""
        elif parent is not None and parent[0] == root and parent[1] is not None:
            prefix = f"{parent[1]}/{os.path.basename(absolute)}" if parent[1] else os.path.basename(absolute)
        else:
            prefix = relative_to(absolute, root)
        for entry in entries:
            name = entry.name
            child = name if directory == os.curdir else os.path.join(directory, name)
            try:
                is_dir = entry.is_dir()  # follows symlinks; loops are caught by seen_dirs
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if not (is_dir or (is_file and name.endswith(PYTHON_SUFFIXES))):
                continue
            suffix = "/" if is_dir else ""
            rel = None if prefix is None else (f"{prefix}/{name}" if prefix else name)
            if (rel is not None and excluded(rel + suffix)) or excluded(name + suffix):
                continue
            if ignores.ignored(os.path.join(absolute, name), is_dir):
                continue
            if is_dir:
                # Only a symlink can lead back into walked trees; other directories' real
                # path follows from their parent's.
                walk(child, ignores, None if entry.is_symlink() else os.path.join(real, name), (root, prefix))
            else:
                add(child, os.path.join(absolute, name))

    for raw in paths:
        path = os.path.normpath(raw)
        is_dir = os.path.isdir(path)
        if force_exclude and _excluded_explicit(resolver, path, is_dir):
            continue
        if not is_dir:
            add(path)
            continue
        top = os.path.abspath(path)
        root = _ignore_root(top, resolver)
        if root not in ignore_trees:
            ignore_trees[root] = _GitIgnores(root)
        walk(path, ignore_trees[root])
    return files, errors


# ---------------------------------------------------------------------------------------------
# Reading and writing


@dataclass(frozen=True)
class SourceFile:
    """One file's bytes and decoded text; ``error`` is set (and ``text`` None) when unreadable.

    ``text`` keeps the file's own line endings so fixes can be written back byte-faithfully;
    ``newline`` is the first line ending found, for code that inserts new lines.
    """

    path: str
    text: Optional[str]
    encoding: str = "utf-8"
    newline: str = "\n"
    data: bytes = b""
    error: Optional[str] = None
    bom: bool = False


def _first_newline(text: str) -> str:
    for index, char in enumerate(text):
        if char == "\n":
            return "\n"
        if char == "\r":
            return "\r\n" if text.startswith("\n", index + 1) else "\r"
    return "\n"


def decode_source(path: str, data: bytes) -> SourceFile:
    """Decode Python source bytes as the interpreter would (PEP 263 cookie, UTF-8 BOM)."""
    if b"\0" in data:
        return SourceFile(path, None, data=data, error="binary file")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as err:
        return SourceFile(path, None, data=data, error=f"cannot detect encoding: {err.msg}")
    bom = encoding == "utf-8-sig"
    if bom:
        encoding = "utf-8"
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as err:
        offset = err.start + (len(codecs.BOM_UTF8) if bom else 0)
        return SourceFile(path, None, encoding=encoding, data=data,
                          error=f"cannot decode as {encoding}: {err.reason} at offset {offset}")
    return SourceFile(path, text, encoding=encoding, newline=_first_newline(text), data=data, bom=bom)


def read_source(path: str) -> SourceFile:
    """Read and decode a file; problems (missing, unreadable, binary, undecodable) go in ``error``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        return SourceFile(path, None, error=err.strerror or str(err))
    return decode_source(path, data)


def read_stdin(filename: str) -> SourceFile:
    """Read source from stdin (editors pipe the buffer in) under the name ``filename``."""
    try:
        data = sys.stdin.buffer.read()
    except OSError as err:
        return SourceFile(filename, None, error=err.strerror or str(err))
    return decode_source(filename, data)


class FileChangedError(OSError):
    """The file on disk is no longer what was read, so writing a fix would lose someone's edit."""


def write_source_atomic(source_file: SourceFile, new_text: str) -> None:
    """Replace the file with ``new_text``: same encoding, BOM and permission bits, atomically.

    The text is encoded before anything is touched (so a `UnicodeEncodeError` leaves the file
    alone), written to a temporary file next to the target, and renamed over it.  A symlink is
    written through, not replaced.  Raises `FileChangedError` if the file's bytes differ from
    ``source_file.data``.  Ownership is not preserved (that would need privileges).
    """
    if source_file.text is None:
        raise ValueError(f"{source_file.path}: cannot write a file that was not read successfully")
    payload = new_text.encode(source_file.encoding)
    if source_file.bom:
        payload = codecs.BOM_UTF8 + payload
    target = os.path.realpath(source_file.path)
    directory = os.path.dirname(target)
    fd, temp_path = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_path, stat.S_IMODE(os.stat(target).st_mode))
        with open(target, "rb") as current:
            if current.read() != source_file.data:
                raise FileChangedError(f"{source_file.path}: file changed on disk since it was read")
        os.replace(temp_path, target)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise
