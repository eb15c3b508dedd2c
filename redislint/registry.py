"""Rules: what each one is, how they are registered, and which ones a run selects."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .diagnostics import Diagnostic, Fix, Span

if TYPE_CHECKING:  # pragma: no cover
    from .model import ModuleModel, RedisCall
    from .project import ProjectIndex
    from .settings import Settings
    from .versions import RedisPyVersion


class Status(str, enum.Enum):
    STABLE = "stable"
    PREVIEW = "preview"


class Phase(str, enum.Enum):
    """When a rule runs.  Most rules read the module's model; the suppression rules read the
    file's `# noqa` comments and run in the runner after the model rules' findings were
    suppressed, so that they can see which comments were used."""

    MODEL = "model"  # over the ModuleModel, by run_rules
    COMMENTS = "comments"  # over the noqa comments, after the model rules' findings were suppressed
    USAGE = "usage"  # over which suppressions were used, after every other finding was suppressed


class FixAvailability(str, enum.Enum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    status: Status
    fix: FixAvailability
    # The fix's applicability when there is one ("safe" / "unsafe"), for `redislint rules`.
    fix_safety: str = ""
    phase: Phase = Phase.MODEL


class Context:
    """What a rule sees of one module: its model, the project index and the settings."""

    def __init__(self, module: "ModuleModel", index: "ProjectIndex", settings: "Settings", rule: RuleInfo):
        self.module = module
        self.index = index
        self.settings = settings
        self.rule = rule

    @property
    def path(self) -> str:
        return self.module.path

    @property
    def redis_py_version(self) -> Optional["RedisPyVersion"]:
        """The project's redis-py version (setting or detection), None when nothing says."""
        return self.index.redis_py_version(self.settings)

    def report(
        self,
        at: "Span | RedisCall",
        message: str,
        fix: Optional[Fix] = None,
    ) -> Diagnostic:
        span = at if isinstance(at, Span) else at.span
        noqa_line = span.start.line
        return Diagnostic(self.rule.code, message, self.module.path, span, fix, noqa_line)


Checker = Callable[[Context], Iterable[Diagnostic]]

_RULES: Dict[str, Tuple[RuleInfo, Checker]] = {}


def rule(code: str, name: str, summary: str, *, status: Status = Status.STABLE,
         fix: FixAvailability = FixAvailability.NONE, fix_safety: str = "",
         phase: Phase = Phase.MODEL) -> Callable[[Checker], Checker]:
    """Register a checker function under a code.  A checker of phase MODEL takes a
    :class:`Context`; the later phases take a ``suppression.SuppressionContext``."""

    def register(check: Checker) -> Checker:
        if code in _RULES:
            raise ValueError(f"duplicate rule code {code}")
        _RULES[code] = (RuleInfo(code, name, summary, status, fix, fix_safety, phase), check)
        return check

    return register


def all_rules() -> List[RuleInfo]:
    _load_builtin_rules()
    return [info for info, _ in sorted(_RULES.values(), key=lambda r: r[0].code)]


def checker_for(code: str) -> Checker:
    _load_builtin_rules()
    return _RULES[code][1]


def rule_info(code: str) -> Optional[RuleInfo]:
    _load_builtin_rules()
    entry = _RULES.get(code.upper())
    return entry[0] if entry else None


def _load_builtin_rules() -> None:
    from . import rules  # noqa: F401  (importing registers them)


def _matches(code: str, selectors: Iterable[str]) -> Optional[int]:
    """The length of the longest selector that matches ``code`` (None if none does)."""
    best = None
    for sel in selectors:
        sel = sel.upper()
        if sel == "ALL":
            length = 0
        elif code.startswith(sel):
            length = len(sel)
        else:
            continue
        best = length if best is None else max(best, length)
    return best


def select_rules(select: Sequence[str], ignore: Sequence[str], extend_select: Sequence[str],
                 preview: bool) -> List[RuleInfo]:
    """The rules a run uses, as ruff selects: the most specific selector wins.

    Default selection is every stable rule.  Preview rules run with ``preview`` on, or when
    selected by their exact code.
    """
    chosen = []
    positive = list(select or ["ALL"]) + list(extend_select)
    for info in all_rules():
        sel = _matches(info.code, positive)
        if sel is None:
            continue
        ign = _matches(info.code, ignore)
        if ign is not None and ign >= sel:
            continue
        if info.status is Status.PREVIEW and not preview and info.code not in {s.upper() for s in positive}:
            continue
        chosen.append(info)
    return chosen


def known_selector(selector: str) -> bool:
    sel = selector.upper()
    return sel == "ALL" or any(info.code.startswith(sel) for info in all_rules())


def run_rules(infos: Sequence[RuleInfo], module: "ModuleModel", index: "ProjectIndex",
              settings: "Settings") -> Iterator[Diagnostic]:
    for info in infos:
        if info.code == "RL001" or info.phase is not Phase.MODEL:
            # Parse errors are reported by the runner, which knows why a file failed; the
            # suppression rules run in the runner, after suppression (run_phase).
            continue
        if module.is_test:
            # Test code flushes databases, writes keys without TTLs and reads whole collections
            # on purpose; judging it would drown the findings that matter (`test-paths`).
            continue
        ctx = Context(module, index, settings, info)
        for diagnostic in checker_for(info.code)(ctx):
            line = diagnostic.span.start.line
            if not any(first <= line <= last for first, last in module.test_ranges):
                yield diagnostic  # a pytest fixture is test code, wherever it lives


def run_phase(phase: Phase, infos: Sequence[RuleInfo], make_context: Callable[[RuleInfo], object]) -> Iterator[Diagnostic]:
    """Run the selected rules of a later phase, each with the context ``make_context`` builds."""
    for info in infos:
        if info.phase is phase:
            yield from checker_for(info.code)(make_context(info))
