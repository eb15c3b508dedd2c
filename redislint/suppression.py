"""Suppression comments (``# noqa``), the file-level exemption and per-file-ignores.

Line directives, as flake8 and ruff read them::

    r.set(key, v)  # noqa                     every finding on this line
    r.set(key, v)  # noqa: RL101              only RL101 (prefix selectors such as RL1 work too)
    r.set(key, v)  # noqa: RL101, RL102 - the reason ...
    r.set(key, v)  # NOQA:RL101,RL102

The word ``noqa`` is case-insensitive; codes are upper-case letters followed by digits, separated
by commas and/or whitespace; everything after the codes is the reason (leading separators such as
``-``, ``—``, ``:`` stripped).  ``# noqa`` not followed by a colon is a bare directive, whatever
text follows it.  ``# noqa:`` with no code after the colon is also treated as bare.  Codes of other
tools (``E501``) are kept but never match a redislint code.

File-level: a comment ``# redislint: noqa`` on a line of its own suppresses every finding in the
file; ``# redislint: noqa: RL101, RL2`` suppresses only those codes in the whole file.

Comments are found with :mod:`tokenize`, so ``"# noqa"`` inside a string literal is not a
directive.  When the source cannot be tokenized, each line is scanned for a ``#`` outside simple
quotes instead.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .diagnostics import Diagnostic, Fix, Span

if TYPE_CHECKING:  # pragma: no cover
    from .model import ModuleModel
    from .registry import RuleInfo

PARSE_ERROR_CODE = "RL001"
OUR_PREFIX = "RL"

# Every directive says "noqa": a file without the word needs no tokenizing.
_NOQA_WORD = re.compile(r"noqa", re.IGNORECASE)
# `#`, optional whitespace, `noqa` as a whole word.
_NOQA_RE = re.compile(r"#\s*noqa(?![A-Za-z0-9_])", re.IGNORECASE)
# The file-level exemption: the whole comment is `# redislint: noqa` (optionally with codes).
_FILE_NOQA_RE = re.compile(r"#\s*redislint\s*:\s*noqa(?![A-Za-z0-9_])", re.IGNORECASE)
_CODE_RE = re.compile(r"[A-Z]+[0-9]+(?![A-Za-z0-9_])")
_CODE_SEPARATORS = " \t,"
# Stripped from the start of the reason text.
_REASON_LEAD = " \t-\u2013\u2014:;,#"


@dataclass(frozen=True)
class NoqaDirective:
    """One ``# noqa`` comment.

    ``codes`` are upper-cased as written (empty: a bare ``# noqa``); ``code_spans[i]`` is the
    (start, end) column range of ``codes[i]`` on ``line`` (0-based character columns of the line,
    end exclusive) — enough to build an edit removing one code.  ``comment`` spans the whole comment
    token; ``directive`` spans from the ``#`` that starts ``noqa`` to the end of the comment (it
    differs from ``comment`` when the noqa follows other comment text: ``# type: ignore # noqa``).
    """

    line: int
    codes: Tuple[str, ...]
    reason: str
    comment: Span
    directive: Span
    code_spans: Tuple[Tuple[int, int], ...] = ()

    @property
    def bare(self) -> bool:
        return not self.codes

    @property
    def span(self) -> Tuple[int, int, int]:
        """(line, start column, end column) of the comment token."""
        return (self.line, self.comment.start.column, self.comment.end.column)

    def matching_code(self, code: str) -> Optional[str]:
        """The listed entry that covers ``code`` (exact code or prefix selector), or None."""
        code = code.upper()
        best = None
        for entry in self.codes:
            if code.startswith(entry) and (best is None or len(entry) > len(best)):
                best = entry
        return best


@dataclass(frozen=True)
class FileNoqa:
    """A ``# redislint: noqa`` comment on its own line (codes empty: the whole file)."""

    line: int
    codes: Tuple[str, ...]
    reason: str
    comment: Span

    @property
    def bare(self) -> bool:
        return not self.codes

    def matching_code(self, code: str) -> Optional[str]:
        code = code.upper()
        best = None
        for entry in self.codes:
            if code.startswith(entry) and (best is None or len(entry) > len(best)):
                best = entry
        return best


@dataclass
class NoqaMap:
    """Every suppression comment of one file."""

    lines: Dict[int, NoqaDirective] = field(default_factory=dict)
    file_level: Tuple[FileNoqa, ...] = ()
    # True when the text could not be tokenized and comments were found by the line scanner.
    fallback: bool = False

    def get(self, line: int) -> Optional[NoqaDirective]:
        return self.lines.get(line)

    def __contains__(self, line: object) -> bool:
        return line in self.lines

    def __iter__(self) -> Iterator[NoqaDirective]:
        return iter(self.lines[k] for k in sorted(self.lines))

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def file_exempt(self) -> bool:
        """The whole file is suppressed (a bare ``# redislint: noqa``)."""
        return any(f.bare for f in self.file_level)


# ---------------------------------------------------------------------------------------------
# Parsing


def _comments_tokenize(text: str) -> List[Tuple[int, int, str, bool]]:
    """(line, column, comment text, alone on its line) for every comment token."""
    out = []
    # Only \n, \r\n and \r end lines; normalising keeps line numbers and columns.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    readline = io.StringIO(text).readline
    for tok in tokenize.generate_tokens(readline):
        if tok.type == tokenize.COMMENT:
            line, col = tok.start
            physical = lines[line - 1] if line - 1 < len(lines) else ""
            own_line = physical[:col].strip() == ""
            out.append((line, col, tok.string, own_line))
    return out


def _comment_start(line: str) -> Optional[int]:
    """The column of the first ``#`` outside single-line string quotes (best effort)."""
    quote = None
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch in "'\"":
            quote = line[i:i + 3] if line[i:i + 3] in ("'''", '"""') else ch
            i += len(quote)
            continue
        elif ch == "#":
            return i
        i += 1
    return None


def _comments_fallback(text: str) -> List[Tuple[int, int, str, bool]]:
    out = []
    for index, raw in enumerate(_split_lines(text)):
        line = raw.rstrip("\r\n")
        col = _comment_start(line)
        if col is not None:
            out.append((index + 1, col, line[col:], line[:col].strip() == ""))
    return out


def _split_lines(text: str) -> List[str]:
    """Physical lines, ended by ``\\n``, ``\\r\\n`` or ``\\r`` only (not form feeds etc.)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _parse_codes(comment: str, pos: int) -> Tuple[List[Tuple[str, int, int]], int]:
    """Codes from ``comment[pos:]``: [(code, start, end)] and the index after the last code."""
    codes = []
    end_of_codes = pos
    i = pos
    n = len(comment)
    while True:
        while i < n and comment[i] in _CODE_SEPARATORS:
            i += 1
        m = _CODE_RE.match(comment, i)
        if not m:
            break
        codes.append((m.group(0), m.start(), m.end()))
        end_of_codes = i = m.end()
    return codes, end_of_codes


def _directive(line: int, col: int, comment: str) -> Optional[NoqaDirective]:
    m = _NOQA_RE.search(comment)
    if not m:
        return None
    end_col = col + len(comment)
    comment_span = Span.of(line, col, line, end_col)
    directive_span = Span.of(line, col + m.start(), line, end_col)
    rest = m.end()
    j = rest
    while j < len(comment) and comment[j] in " \t":
        j += 1
    if j < len(comment) and comment[j] == ":":
        found, after = _parse_codes(comment, j + 1)
        if found:
            codes = tuple(c for c, _, _ in found)
            spans = tuple((col + s, col + e) for _, s, e in found)
            reason = comment[after:].lstrip(_REASON_LEAD).strip()
            return NoqaDirective(line, codes, reason, comment_span, directive_span, spans)
        reason = comment[j + 1:].lstrip(_REASON_LEAD).strip()
        return NoqaDirective(line, (), reason, comment_span, directive_span, ())
    reason = comment[rest:].lstrip(_REASON_LEAD).strip()
    return NoqaDirective(line, (), reason, comment_span, directive_span, ())


def _file_directive(line: int, col: int, comment: str) -> Optional[FileNoqa]:
    m = _FILE_NOQA_RE.match(comment)
    if not m:
        return None
    span = Span.of(line, col, line, col + len(comment))
    rest = comment[m.end():]
    stripped = rest.lstrip(" \t")
    if stripped.startswith(":"):
        offset = len(comment) - len(stripped) + 1
        found, after = _parse_codes(comment, offset)
        if found:
            return FileNoqa(line, tuple(c for c, _, _ in found), comment[after:].lstrip(_REASON_LEAD).strip(), span)
        return FileNoqa(line, (), comment[offset:].lstrip(_REASON_LEAD).strip(), span)
    return FileNoqa(line, (), rest.lstrip(_REASON_LEAD).strip(), span)


def parse_noqa(text: str) -> NoqaMap:
    """Find every ``# noqa`` directive and ``# redislint: noqa`` exemption in ``text``."""
    if _NOQA_WORD.search(text) is None:
        return NoqaMap({}, (), False)
    fallback = False
    try:
        comments = _comments_tokenize(text)
    except Exception:
        # Unterminated strings/brackets raise TokenError, bad dedents IndentationError, and newer
        # tokenizers SyntaxError or ValueError (null bytes); any failure means the line scanner.
        comments = _comments_fallback(text)
        fallback = True
    lines: Dict[int, NoqaDirective] = {}
    file_level: List[FileNoqa] = []
    for line, col, comment, own_line in comments:
        if own_line:
            fd = _file_directive(line, col, comment)
            if fd is not None:
                file_level.append(fd)
                continue
        d = _directive(line, col, comment)
        if d is not None and line not in lines:
            lines[line] = d
    return NoqaMap(lines, tuple(file_level), fallback)


# ---------------------------------------------------------------------------------------------
# Applying


def matches_selector(code: str, selectors: Iterable[str]) -> bool:
    """True when ``code`` is selected by one of ``selectors`` (prefix match, or ``ALL``)."""
    code = code.upper()
    for sel in selectors:
        sel = sel.strip().upper()
        if sel == "ALL" or (sel and code.startswith(sel)):
            return True
    return False


def apply_suppressions(
    diags: Sequence[Diagnostic],
    noqa_map: NoqaMap,
    per_file_selectors: Tuple[str, ...] = (),
    blanket: bool = True,
) -> Tuple[List[Diagnostic], int, Set[Tuple[int, str]]]:
    """Split ``diags`` into those kept and the number suppressed.

    Order of checks: per-file-ignores (prefix selectors or ``ALL``), then the file-level
    ``# redislint: noqa``, then the ``# noqa`` on the diagnostic's ``suppression_line``.  RL001
    (parse-error) is never suppressed by a line ``# noqa`` (the file did not parse, so no line is
    trusted), but per-file-ignores and a file-level exemption do suppress it.

    ``used`` holds ``(line, entry)`` for every directive that suppressed something: ``entry`` is
    the listed code or prefix as written (upper-case) that matched, or ``""`` for a bare ``# noqa``
    or a bare file-level exemption (whose ``line`` is the exemption comment's line).  A later
    unused-suppression rule compares it with the :class:`NoqaMap`.

    With ``blanket`` False a bare line ``# noqa`` suppresses nothing: RL002's findings about a
    blanket ``# noqa`` must not be silenced by the very comment they report.
    """
    kept: List[Diagnostic] = []
    suppressed = 0
    used: Set[Tuple[int, str]] = set()
    for d in diags:
        if per_file_selectors and matches_selector(d.code, per_file_selectors):
            suppressed += 1
            continue
        hit = None
        for fd in noqa_map.file_level:
            if fd.bare:
                hit = (fd.line, "")
                break
            entry = fd.matching_code(d.code)
            if entry is not None:
                hit = (fd.line, entry)
                break
        if hit is None and d.code.upper() != PARSE_ERROR_CODE:
            directive = noqa_map.get(d.suppression_line)
            if directive is not None:
                if directive.bare:
                    if blanket:
                        hit = (directive.line, "")
                else:
                    entry = directive.matching_code(d.code)
                    if entry is not None:
                        hit = (directive.line, entry)
        if hit is not None:
            used.add(hit)
            suppressed += 1
        else:
            kept.append(d)
    return kept, suppressed, used


def unused_codes(noqa_map: NoqaMap, used: Set[Tuple[int, str]]) -> Dict[int, Tuple[str, ...]]:
    """Per line, the redislint codes of a ``# noqa`` that suppressed nothing (``""`` for a bare
    directive that matched nothing).  Codes of other tools (not ``RL``) are never reported."""
    out: Dict[int, Tuple[str, ...]] = {}
    for d in noqa_map:
        if d.bare:
            if (d.line, "") not in used:
                out[d.line] = ("",)
            continue
        unused = tuple(c for c in d.codes if c.startswith(OUR_PREFIX) and (d.line, c) not in used)
        if unused:
            out[d.line] = unused
    return out


@dataclass
class SuppressionContext:
    """What a suppression rule (RL002, RL003) sees of one file: its comments and which of them
    suppressed something in this run.

    ``ran`` holds the codes of the rules that ran on the file (selected, and not turned off for
    it by per-file-ignores); ``used`` is as :func:`apply_suppressions` returns it, accumulated
    over every finding suppressed so far; ``lines`` are the physical lines without line ends.
    """

    rule: "RuleInfo"
    module: "ModuleModel"
    noqa: NoqaMap
    used: Set[Tuple[int, str]]
    ran: Tuple[str, ...]
    lines: List[str]

    @property
    def path(self) -> str:
        return self.module.path

    def report(self, span: Span, message: str, fix: Optional[Fix] = None) -> Diagnostic:
        return Diagnostic(self.rule.code, message, self.module.path, span, fix, span.start.line)

    def ran_any(self, entry: str) -> bool:
        """Whether a listed code or prefix covers a rule that ran on this file."""
        return any(code.startswith(entry.upper()) for code in self.ran)


def source_lines(text: str) -> List[str]:
    """The physical lines of ``text`` without their line ends (as the noqa columns count them)."""
    return [line.rstrip("\r\n") for line in _split_lines(text)]


__all__ = [
    "FileNoqa",
    "NoqaDirective",
    "NoqaMap",
    "apply_suppressions",
    "matches_selector",
    "parse_noqa",
    "unused_codes",
    "PARSE_ERROR_CODE",
    "SuppressionContext",
    "source_lines",
]
