"""Models for a run over files on disk: prefilter, cache and process pool.

The order of work, and why:
1. Every file is stat'ed once; one whose size and mtime match its cache entry is not even read.
2. Other files are read here, biggest first, hashed (an unchanged hash reuses the entry) and
   passed through the byte prefilter; a skipped file's text is kept for step 4.
3. Files the prefilter keeps go to the process pool as they are found, so parsing overlaps
   with reading the rest.
4. Project hooks (``hooks.project_hooks``) bring in skipped files that use what the kept ones
   export; whether a hook set pulls a file in is remembered per file, so a warm run re-reads
   nothing, and what the rounds pulled in is remembered per run key, so a run over unchanged
   files does not run them at all.
The result is the same list of models, in the same order, as ``runner.build_models`` gives
for the same sources: with or without cache, serial or parallel (tested).
"""
from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .cache import FileEntry, ModelCache, content_digest
from .config import is_test_path
from .files import SourceFile, read_source
from .hooks import Hooks, imported_names, pull_in
from .model import ModuleModel
from .settings import Settings

# Below this many files to extract, a pool costs more than it saves.
_MIN_PARALLEL = 8


def settings_fingerprint(settings: Settings) -> str:
    """The settings that change what extraction produces (the prefilter and client names)."""
    return _names_fingerprint(tuple(sorted(settings.client_names)))


@functools.lru_cache(maxsize=None)  # one run has a handful of settings and thousands of files
def _names_fingerprint(client_names: Tuple[str, ...]) -> str:
    return hashlib.blake2b(repr(client_names).encode(), digest_size=8).hexdigest()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _extract(task: Tuple[str, Settings]) -> ModuleModel:
    """Worker: read, parse and extract one file (the prefilter already kept it, or a hook did)."""
    from .runner import build_model

    path, settings = task
    return build_model(read_source(path), settings, force=True)


def _pool_context():
    # fork shares the already imported parser with the workers; elsewhere use the default.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class _Extraction:
    """Extracts files as they are found: in the calling process until there are enough of them
    to pay for a pool, then in a process pool, so parsing overlaps with reading the rest."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.pool: Optional[ProcessPoolExecutor] = None
        self.waiting: List[Tuple[int, Tuple[str, Settings]]] = []
        self.futures: Dict[int, "Future[ModuleModel]"] = {}
        self.tasks: Dict[int, Tuple[str, Settings]] = {}
        self.unavailable = False

    def submit(self, key: int, task: Tuple[str, Settings]) -> None:
        if self.pool is None:
            self.waiting.append((key, task))
            if self.jobs > 1 and len(self.waiting) >= _MIN_PARALLEL and not self.unavailable:
                self._start()
        else:
            self.tasks[key] = task
            self.futures[key] = self.pool.submit(_extract, task)

    def _start(self) -> None:
        try:
            # Workers fork from a parent that paused the collector: they collect between files.
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_pool_context(),
                                            initializer=gc.enable)
            for k, t in self.waiting:
                self.tasks[k] = t
                self.futures[k] = self.pool.submit(_extract, t)
        except (OSError, NotImplementedError, ImportError):
            # No process pool here (no /dev/shm, no semaphores): extract in this process.
            self.unavailable = True
            self.pool = None
            return
        self.waiting = []

    def results(self) -> Dict[int, ModuleModel]:
        """Every submitted file's model, by key (waits for the pool).  A file whose worker died
        (killed, out of memory) is extracted again here, so a run never loses a file."""
        out = {k: _extract(t) for k, t in self.waiting}
        for k, future in self.futures.items():
            try:
                out[k] = future.result()
            except BrokenProcessPool:
                out[k] = _extract(self.tasks[k])
        self.waiting, self.futures, self.tasks = [], {}, {}
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None


def _stat(path: str) -> Optional[os.stat_result]:
    try:
        return os.stat(path)
    except OSError:
        return None


class _Skipped(NamedTuple):
    """A file the prefilter skipped, as read in this run: what the hook rounds look at."""
    text: str
    imports: List[Tuple[str, str]]


@dataclass
class _File:
    path: str
    settings: Settings
    key: str  # absolute path: the cache key
    entry: Optional[FileEntry] = None
    error: Optional[SourceFile] = None  # unreadable: reported as RL001 by the model


def _run_key(files: Sequence[_File]) -> str:
    """Every file of the run as the cache knows it (size, mtime, settings, kept): equal keys
    mean equal models, hence equal hook rounds."""
    digest = hashlib.blake2b(digest_size=16)
    for f in files:
        e = f.entry
        digest.update(repr((f.key, None) if e is None else (f.key, e.size, e.mtime_ns, e.settings, e.kept)).encode())
    return digest.hexdigest()


class ModelBuilder:
    """Builds the models of one run; ``cache`` may be None (``--no-cache``)."""

    def __init__(self, cache: Optional[ModelCache], jobs: int,
                 prefilter: Callable[[str, Settings], bool]):
        self.cache = cache
        self.jobs = jobs
        self.prefilter = prefilter

    def _entry(self, f: _File, st: Optional[os.stat_result], texts: Dict[int, _Skipped], index: int) -> Optional[FileEntry]:
        """The file's entry, refreshed from disk when its size or mtime changed; None when it
        cannot be read (``f.error`` then says why).  A skipped file's text goes in ``texts``."""
        fingerprint = settings_fingerprint(f.settings)
        cached = self.cache.get(f.key) if self.cache is not None else None
        if st is None:
            f.error = read_source(f.path)
            return None
        if cached is not None and cached.settings == fingerprint and cached.mtime_ns == st.st_mtime_ns \
                and cached.size == st.st_size:
            return cached
        source = read_source(f.path)
        if source.text is None:
            f.error = source
            return None
        digest = content_digest(source.data) if self.cache is not None else ""  # only a cache compares it
        if cached is not None and cached.settings == fingerprint and cached.digest == digest:
            entry = FileEntry(st.st_mtime_ns, st.st_size, digest, fingerprint, cached.kept, cached.model,
                              dict(cached.hooks))
        else:
            entry = FileEntry(st.st_mtime_ns, st.st_size, digest, fingerprint, self.prefilter(source.text, f.settings))
        if not entry.kept:
            # Read its imports now, while the pool parses: the hook rounds only look them up.
            texts[index] = _Skipped(source.text, list(imported_names(source.text)))
        if self.cache is not None:
            self.cache.put(f.key, entry)
        return entry

    def _store(self, f: _File, model: ModuleModel) -> None:
        assert f.entry is not None
        model.is_test = False  # decided per run from the path and settings, never cached
        f.entry.model = model
        if self.cache is not None:
            self.cache.changed()

    def build(self, paths: Sequence[str], settings: Sequence[Settings]) -> List[ModuleModel]:
        files = [_File(p, s, os.path.abspath(p)) for p, s in zip(paths, settings)]
        # Skipped files read in this run, for the hooks (a warm run reads none).
        texts: Dict[int, _Skipped] = {}
        extraction = _Extraction(self.jobs)  # one pool for the whole build, hooked files too
        try:
            stats = [_stat(f.path) for f in files]
            for i in sorted(range(len(files)), key=lambda i: -(stats[i].st_size if stats[i] else 0)):  # big first
                f = files[i]
                f.entry = self._entry(f, stats[i], texts, i)
                if f.entry is not None and f.entry.kept and f.entry.model is None:
                    extraction.submit(i, (f.path, f.settings))
            for i, model in extraction.results().items():
                self._store(files[i], model)
            models = [self._model(f, f.entry is not None and f.entry.kept) for f in files]

            def bring_in(indices: List[int]) -> None:
                for i in indices:
                    if files[i].entry.model is None:
                        extraction.submit(i, (files[i].path, files[i].settings))
                for i, model in extraction.results().items():
                    self._store(files[i], model)
                for i in indices:
                    models[i] = self._model(files[i], True)

            self._pull_in(files, models, texts, bring_in)
        finally:
            extraction.close()
        if self.cache is not None:
            self.cache.save()
        return models

    def _pull_in(self, files: List[_File], models: List[ModuleModel], texts: Dict[int, _Skipped],
                 bring_in: Callable[[List[int]], None]) -> None:
        """The project hook rounds; skipped when the cache saw these very files, unchanged, last
        time (the rounds then pull in the same files)."""
        def rounds() -> None:
            pull_in(models, lambda i, hooks: self._hooked(files[i], hooks, texts.get(i)), bring_in)

        if self.cache is None:
            rounds()
            return
        run_key = _run_key(files)
        remembered = self.cache.rounds.get(run_key)
        if remembered is not None:
            where = {f.key: i for i, f in enumerate(files)}
            indices = [where.get(key) for key in remembered]
            if all(i is not None and files[i].entry is not None and files[i].entry.model is not None
                   for i in indices):
                bring_in(indices)
                return
        rounds()
        self.cache.remember_rounds(run_key, tuple(f.key for f, m in zip(files, models)
                                                  if m.analysed and f.entry is not None and not f.entry.kept))

    def _hooked(self, f: _File, hooks: Hooks, skipped: Optional[_Skipped]) -> bool:
        """Whether these hooks pull in a skipped file; remembered per hook fingerprint."""
        if f.entry is None:
            return False
        decision = f.entry.hooks.get(hooks.fingerprint)
        if decision is None:
            if skipped is not None:
                decision = hooks(f.path, skipped.text, skipped.imports)
            else:
                text = read_source(f.path).text
                decision = text is not None and hooks(f.path, text)
            f.entry.remember_hook(hooks.fingerprint, decision)
            if self.cache is not None:
                self.cache.changed()
        return decision

    def _model(self, f: _File, analysed: bool) -> ModuleModel:
        if f.entry is None:
            source = f.error or read_source(f.path)
            return ModuleModel(path=f.path, error=source.error or "cannot read file")
        if not analysed:
            return ModuleModel(path=f.path, analysed=False)
        model = f.entry.model
        assert model is not None
        # A copy per run (linking replaces its call lists; the cache keeps the model as
        # extracted), under the path this run was given (relative or not).
        return dataclasses.replace(model, path=f.path, is_test=is_test_path(f.settings, f.path))
