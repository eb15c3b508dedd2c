"""The on-disk cache of per-file models (`.redislint_cache/`), like ruff's.

What a file does to Redis depends only on its bytes, the redislint code and the settings that
change extraction, so a file whose size and modification time (or, failing that, content hash)
are unchanged reuses its stored model.  Findings are never cached: the project index is rebuilt
from the models on every run, so a change in one module changes the findings it causes in others.

One pickle per redislint build holds every file's entry; it is replaced atomically, and a cache
that cannot be read is treated as empty (never an error: it is only a cache).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from . import __version__
from .gcpause import collector_paused
from .model import ModuleModel

CACHE_DIR_NAME = ".redislint_cache"
_FORMAT = 1
_HOOK_MEMORY = 8  # hook decisions kept per file (one per distinct set of project hooks)
_ROUNDS_MEMORY = 64  # run keys remembered: the tree, its subtrees, the files a pre-commit hook passes


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_fingerprint() -> str:
    """The version plus the size and mtime of every module of the package: a development
    checkout whose code changed must not reuse models extracted by the old code."""
    root = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.blake2b(f"{__version__}:{_FORMAT}".encode(), digest_size=8)
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(directory, name))
                h.update(f"{os.path.relpath(os.path.join(directory, name), root)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


@dataclass
class FileEntry:
    """What is known of one file's content (``digest``) under one extraction fingerprint."""

    mtime_ns: int
    size: int
    digest: str
    settings: str  # fingerprint of the settings that shape its model
    kept: bool  # passed the byte prefilter
    model: Optional[ModuleModel] = None  # extracted (kept, or brought in by a project hook)
    # hook fingerprint -> whether those project hooks pull the file in (for skipped files)
    hooks: Dict[str, bool] = field(default_factory=dict)

    def remember_hook(self, fingerprint: str, hooked: bool) -> None:
        if len(self.hooks) >= _HOOK_MEMORY:
            self.hooks.pop(next(iter(self.hooks)))
        self.hooks[fingerprint] = hooked


class ModelCache:
    def __init__(self, directory: str):
        self.directory = directory
        self.path = os.path.join(directory, f"models-{_code_fingerprint()}.pickle")
        self.entries: Dict[str, FileEntry] = {}
        # What the project hooks pulled in, per run key (``ModelBuilder.run_key``: every file of
        # a run with its size, mtime and settings): the same files unchanged pull in the same.
        self.rounds: Dict[str, Tuple[str, ...]] = {}
        self.dirty = False
        try:
            with open(self.path, "rb") as handle, collector_paused():
                loaded = pickle.load(handle)
            if isinstance(loaded, dict) and isinstance(loaded.get("entries"), dict):
                self.entries = loaded["entries"]
                self.rounds = dict(loaded.get("rounds") or {})
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            self.entries = {}

    def get(self, path: str) -> Optional[FileEntry]:
        return self.entries.get(path)

    def put(self, path: str, entry: FileEntry) -> None:
        self.entries[path] = entry
        self.dirty = True

    def remember_rounds(self, run_key: str, hooked: Tuple[str, ...]) -> None:
        if self.rounds.get(run_key) != hooked:
            while len(self.rounds) >= _ROUNDS_MEMORY:
                self.rounds.pop(next(iter(self.rounds)))
            self.rounds[run_key] = hooked
            self.dirty = True

    def changed(self) -> None:
        """An entry was updated in place (a model extracted, a hook decision remembered)."""
        self.dirty = True

    def save(self) -> None:
        """Write the cache if anything changed; failures (read-only tree, full disk) are ignored."""
        if not self.dirty:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            _write_gitignore(self.directory)
            for stale in os.listdir(self.directory):  # other builds' caches
                if stale.startswith("models-") and os.path.join(self.directory, stale) != self.path:
                    os.unlink(os.path.join(self.directory, stale))
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".models-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump({"entries": self.entries, "rounds": self.rounds}, handle,
                                protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
            self.dirty = False
        except OSError:
            pass


def _write_gitignore(directory: str) -> None:
    marker = os.path.join(directory, ".gitignore")
    if not os.path.exists(marker):
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write("# Automatically created by redislint.\n*\n")


def clean(directory: str) -> bool:
    """Remove a cache directory; True when there was one."""
    if not os.path.isdir(directory):
        return False
    shutil.rmtree(directory)
    return True
