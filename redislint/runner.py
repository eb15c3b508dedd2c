"""Orchestration: files → models → project index → rules → suppressions → fixes.

Each file is read and parsed once; rules run over the models with the index of the whole run, so
a key expired in one module counts for a write in another.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .config import ConfigResolver, is_test_path, per_file_ignored_codes
from .diagnostics import Applicability, Diagnostic, Position, Span
from .files import SourceFile, decode_source, discover, read_source, write_source_atomic
from .gcpause import collector_paused
from .hooks import pull_in
from .fixes import FixResult, default_parses, fix_source
from .model import ModuleModel
from .model.clients import CLIENT_MODULES
from .output.diff import unified_diff
from .project import ProjectIndex
from .registry import Phase, RuleInfo, run_phase, run_rules, select_rules
from .settings import Settings
from .suppression import SuppressionContext, apply_suppressions, matches_selector, parse_noqa, source_lines

if TYPE_CHECKING:
    from .cache import ModelCache

PARSE_ERROR = "RL001"
# How a file that the analyser itself failed on is reported (RL001, with the exception).
INTERNAL_ERROR = "internal error while building its model, please report it"


# A client module named as a whole word: `import redis`, `from redis.asyncio import ...`, but
# not the "redistribute" of a licence header.
# Also framework caches whose methods run Redis commands when the backend is Redis
# (model.caches): the modules that provide them, and Flask's setting that names the backend.
# One expression, one pass over the text.
_CACHE_WORDS = ("django.core.cache", "flask_caching", "cachelib", "CACHE_TYPE")
_REDIS_WORD = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, (*CLIENT_MODULES, *_CACHE_WORDS))))


def may_touch_redis(text: str, settings: Settings) -> bool:
    """The prefilter: a file that never names a Redis module or a configured client name cannot
    hold a Redis call we could resolve on its own, so it is not parsed (the second pass in
    ``hooks.pull_in`` brings back files that use what other modules export)."""
    if _REDIS_WORD.search(text):
        return True
    return any(name in text for name in settings.client_names)


def build_model(source: SourceFile, settings: Settings, force: bool = False) -> ModuleModel:
    if source.error is not None or source.text is None:
        return ModuleModel(path=source.path, error=source.error or "cannot read file")
    kept = may_touch_redis(source.text, settings)
    if not force and not kept:
        return ModuleModel(path=source.path, analysed=False)
    from .model.extract import extract  # the parser is imported only when something is parsed

    try:
        model = extract(source.path, source.text, settings.client_names)
    except Exception as err:  # a bug of ours on this file: report it there, and lint the others
        model = ModuleModel(path=source.path, error=f"{INTERNAL_ERROR} ({type(err).__name__}: {err})")
    if model.error is not None and not kept:
        # RL001 is for files that can touch Redis: whether the prefilter skipped a broken file
        # or a hook (or --no-prefilter) made us parse it, it is not ours to report.
        return ModuleModel(path=source.path, analysed=False)
    model.is_test = is_test_path(settings, source.path)
    return model


def build_models(sources: Sequence[SourceFile], settings: Sequence[Settings],
                 prefilter: bool = True) -> List[ModuleModel]:
    """Models for a run over sources in memory: files the byte prefilter keeps, then the files
    it skipped that use a name the kept ones export (`from app.ext import cache` in a module
    that never says redis).  ``build.ModelBuilder`` does the same for files on disk."""
    models = [build_model(s, st, force=not prefilter) for s, st in zip(sources, settings)]

    def bring_in(indices: List[int]) -> None:
        for i in indices:
            models[i] = build_model(sources[i], settings[i], force=True)

    pull_in(models, lambda i, hooks: bool(sources[i].text) and hooks(sources[i].path, sources[i].text), bring_in)
    return models


def rules_for(settings: Settings) -> List[RuleInfo]:
    return select_rules(settings.select, settings.ignore, settings.extend_select, settings.preview)


def _parse_error(model: ModuleModel) -> Diagnostic:
    at = model.error_position or Position(1, 0)
    return Diagnostic(PARSE_ERROR, f"cannot analyse file: {model.error}", model.path, Span(at, at), None, None)


def diagnose(model: ModuleModel, text: Union[Optional[str], Callable[[], Optional[str]]], index: ProjectIndex,
             settings: Settings, rules: Sequence[RuleInfo]) -> Tuple[List[Diagnostic], int]:
    """Findings for one module after suppressions: (kept, suppressed count).  ``text`` may be a
    function: the file is read (for its comments) only when something needs them.

    The suppression rules run last, over the file's comments: RL003 (phase COMMENTS) after the
    model rules' findings were suppressed, RL002 (phase USAGE) once every other finding was, so
    that it knows which comments suppressed something.  Their own findings are suppressed like
    any other (a `# noqa: RL002` silences RL002 on its line), except that a blanket `# noqa` does
    not silence the RL002 finding that reports it."""
    if model.error is None and not model.analysed:
        return [], 0  # skipped by the prefilter: nothing of it was judged, nothing to report
    selected = {r.code for r in rules}
    if model.error is not None:
        found = [_parse_error(model)] if PARSE_ERROR in selected else []
    else:
        found = list(run_rules(rules, model, index, settings))
    comment_rules = [r for r in rules if r.phase is not Phase.MODEL]
    if not found and not comment_rules:
        return [], 0
    if callable(text):
        text = text()
    comment_rules = _comment_rules(model, text, comment_rules)
    if not found and not comment_rules:
        return [], 0
    per_file = per_file_ignored_codes(settings, model.path)
    noqa = parse_noqa(text) if text is not None and model.error is None else parse_noqa("")
    kept, suppressed, used = apply_suppressions(found, noqa, per_file)
    if comment_rules:
        ran = tuple(r.code for r in rules if r.phase is not Phase.USAGE
                    and not matches_selector(r.code, per_file))
        lines = source_lines(text or "")
        for phase in (Phase.COMMENTS, Phase.USAGE):
            def context(info: RuleInfo) -> SuppressionContext:
                return SuppressionContext(info, model, noqa, set(used), ran, lines)

            more, n, more_used = apply_suppressions(list(run_phase(phase, comment_rules, context)), noqa, per_file,
                                                    blanket=phase is not Phase.USAGE)
            kept.extend(more)
            suppressed += n
            used |= more_used
    return kept, suppressed


def _comment_rules(model: ModuleModel, text: Optional[str], rules: Sequence[RuleInfo]) -> List[RuleInfo]:
    """The selected suppression rules, when they have something to judge: a file that was
    analysed (parsed, not test code) and mentions `noqa` at all."""
    chosen = [r for r in rules if r.phase is not Phase.MODEL]
    if not chosen or text is None or model.error is not None or not model.analysed or model.is_test:
        return []
    return chosen if _NOQA_WORD.search(text) else []


_NOQA_WORD = re.compile("noqa", re.IGNORECASE)


@dataclass
class FileOutcome:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    fixed: Dict[str, int] = field(default_factory=dict)
    diff: str = ""
    new_text: Optional[str] = None
    error: Optional[str] = None  # a fix could not be written


@dataclass
class RunResult:
    outcomes: List[FileOutcome]
    errors: List[str]
    # What each file held when it was read: fixes are written only over these exact bytes.
    sources: Dict[str, SourceFile] = field(default_factory=dict)

    @property
    def diagnostics(self) -> List[Diagnostic]:
        return sorted((d for o in self.outcomes for d in o.diagnostics), key=lambda d: d.sort_key)

    @property
    def fixed(self) -> Dict[str, int]:
        total: Dict[str, int] = {}
        for o in self.outcomes:
            for code, n in o.fixed.items():
                total[code] = total.get(code, 0) + n
        return total


class Linter:
    """One run over a set of files that share a project index.

    ``jobs``: processes for extraction (default: one per core); ``cache``: the model cache
    (None: none); ``prefilter``: False parses every file (to show the prefilter loses nothing).
    """

    def __init__(self, resolver: ConfigResolver, jobs: Optional[int] = None, cache: Optional["ModelCache"] = None,
                 prefilter: bool = True):
        self.resolver = resolver
        self.jobs = jobs
        self.cache = cache
        self.prefilter = prefilter
        self._rules: Dict[int, List[RuleInfo]] = {}

    def settings_for(self, path: str) -> Settings:
        return self.resolver.settings_for(path)

    def rules(self, settings: Settings) -> List[RuleInfo]:
        key = id(settings)
        if key not in self._rules:
            self._rules[key] = rules_for(settings)
        return self._rules[key]

    def run(self, sources: Sequence[SourceFile], fix_level: Optional[Applicability] = None,
            diff: bool = False) -> List[FileOutcome]:
        """Lint sources already in memory (stdin, the library API)."""
        settings = [self.settings_for(s.path) for s in sources]
        models = build_models(sources, settings, prefilter=self.prefilter)
        by_path = {s.path: s for s in sources}
        return self._outcomes(models, settings, by_path.__getitem__, fix_level, diff)

    def run_paths(self, paths: Sequence[str], fix_level: Optional[Applicability] = None,
                  diff: bool = False) -> Tuple[List[FileOutcome], Dict[str, SourceFile]]:
        """Lint files on disk, through the cache and the process pool; also returns the sources
        that were read to report or fix them (fixes are written only over those exact bytes)."""
        from .build import ModelBuilder, default_jobs

        settings = [self.settings_for(p) for p in paths]
        prefilter = may_touch_redis if self.prefilter else (lambda text, st: True)
        builder = ModelBuilder(self.cache, self.jobs or default_jobs(), prefilter)
        read: Dict[str, SourceFile] = {}

        def source_of(path: str) -> SourceFile:
            if path not in read:
                read[path] = read_source(path)
            return read[path]

        with collector_paused():  # models and the index: many objects, no garbage (see gcpause)
            models = builder.build(paths, settings)
            return self._outcomes(models, settings, source_of, fix_level, diff), read

    def _outcomes(self, models: List[ModuleModel], settings: List[Settings], source_of: Callable[[str], SourceFile],
                  fix_level: Optional[Applicability], diff: bool) -> List[FileOutcome]:
        index = ProjectIndex(models)
        outcomes = []
        for st, model in zip(settings, models):
            rules = self.rules(st)
            kept, _ = diagnose(model, lambda: source_of(model.path).text, index, st, rules)
            outcome = FileOutcome(model.path, kept)
            if fix_level is not None and model.error is None and any(d.fixable(fix_level) for d in kept):
                source = source_of(model.path)
                if source.text is not None:
                    others = [m for m in models if m is not model]
                    result = self._fix(source, st, rules, others, fix_level)
                    outcome.diagnostics = result.remaining
                    outcome.fixed = dict(result.fixed)
                    if result.changed:
                        outcome.new_text = result.text
                        if diff:
                            outcome.diff = unified_diff(source.path, source.text, result.text)
            outcomes.append(outcome)
        return outcomes

    def _fix(self, source: SourceFile, settings: Settings, rules: Sequence[RuleInfo],
             others: List[ModuleModel], level: Applicability) -> FixResult:
        def lint(text: str) -> List[Diagnostic]:
            model = build_model(SourceFile(source.path, text, source.encoding, source.newline, b""), settings,
                                force=True)
            index = ProjectIndex(others + [model])
            return diagnose(model, text, index, settings, rules)[0]

        return fix_source(source.text, lint, level, parses=default_parses)


def lint_source(text: str, path: str = "<string>", settings: Optional[Settings] = None) -> List[Diagnostic]:
    """Findings for one piece of source code, as if it were the only file of the project."""
    settings = settings or Settings()
    source = decode_source(path, text.encode("utf-8")) if isinstance(text, str) else decode_source(path, text)
    resolver = _FixedResolver(settings)
    outcome = Linter(resolver).run([source])[0]
    return sorted(outcome.diagnostics, key=lambda d: d.sort_key)


class _FixedResolver:
    """A resolver that gives every path the same settings (for the library API and tests)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def settings_for(self, path: str) -> Settings:
        return self.settings


def lint_paths(paths: Sequence[str], resolver: Optional[ConfigResolver] = None, *, force_exclude: bool = False,
               fix_level: Optional[Applicability] = None, diff: bool = False, jobs: Optional[int] = None,
               cache: Optional["ModelCache"] = None, prefilter: bool = True) -> RunResult:
    """Lint files and directories; with ``fix_level``, compute fixes (written by ``write_fixes``).
    ``cache`` (see ``open_cache``) is off unless given; ``jobs`` defaults to the number of cores."""
    resolver = resolver or ConfigResolver()
    files, errors = discover(paths, resolver, force_exclude=force_exclude)
    outcomes, sources = Linter(resolver, jobs=jobs, cache=cache, prefilter=prefilter).run_paths(
        files, fix_level=fix_level, diff=diff)
    return RunResult(outcomes, errors, sources)


def cache_directory(settings: Settings) -> str:
    """Where the model cache lives: the `cache-dir` setting, else `.redislint_cache` in the
    project root (the directory of the config file, or the current directory)."""
    from .cache import CACHE_DIR_NAME

    if settings.cache_dir:
        return settings.cache_dir
    return os.path.join(settings.project_root or os.getcwd(), CACHE_DIR_NAME)


def open_cache(resolver: ConfigResolver) -> "ModelCache":
    from .cache import ModelCache

    return ModelCache(cache_directory(resolver.root_settings()))


def write_fixes(result: RunResult) -> List[str]:
    """Write every fixed file atomically; returns one-line messages for files that could not be."""
    problems = []
    for outcome in result.outcomes:
        if outcome.new_text is None:
            continue
        source = result.sources[outcome.path]
        try:
            write_source_atomic(source, outcome.new_text)
        except (OSError, UnicodeEncodeError, ValueError) as err:
            problems.append(f"{outcome.path}: fixes not written: {err}")
    return problems
