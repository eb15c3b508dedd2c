"""RL0xx: problems with the input itself and with the comments that silence findings."""
from __future__ import annotations

import re
from typing import Iterator, Optional, Sequence

from ..diagnostics import Diagnostic, Edit, Fix, Position
from ..registry import FixAvailability, Phase, Status, rule
from ..suppression import OUR_PREFIX, NoqaDirective, SuppressionContext

# RL001 is produced by the runner, which knows why a file could not be read or parsed; it is
# registered here so it can be selected, ignored and documented like any other rule.


@rule("RL001", "parse-error", "A file that cannot be read or parsed as Python.")
def parse_error(ctx):
    return ()


UNUSED_SUPPRESSION = "RL002"


@rule("RL002", "unused-suppression", "A `# noqa` code that suppresses no redislint finding.",
      status=Status.PREVIEW, fix=FixAvailability.SOMETIMES, fix_safety="safe", phase=Phase.USAGE)
def unused_suppression(ctx: SuppressionContext) -> Iterator[Diagnostic]:
    """A suppression that suppresses nothing hides the next real finding on its line, and tells
    the reader a problem is known there when there is none.  Judged only for codes of rules
    that ran on this file (an unknown or unselected code may be meant for another run, as
    ruff's RUF100 decides), and never for an entry covering RL002 itself (it would be silenced
    by its own comment)."""
    redis_lines = _redis_lines(ctx)
    for directive in ctx.noqa:
        if directive.bare:
            # A blanket `# noqa` is ours to judge only where a finding of ours could be reported:
            # elsewhere it is another tool's (flake8, ruff), and removing it would break that tool.
            if (directive.line, "") not in ctx.used and directive.line in redis_lines:
                yield ctx.report(directive.directive, "blanket `# noqa` suppresses no redislint finding on this "
                                                      "line; remove it, or list the codes of the tool it is for")
            continue
        unused = [code for code in directive.codes
                  if code.startswith(OUR_PREFIX) and not UNUSED_SUPPRESSION.startswith(code)
                  and ctx.ran_any(code) and (directive.line, code) not in ctx.used]
        if unused:
            listed = ", ".join(f"`{code}`" for code in unused)
            yield ctx.report(directive.directive,
                             f"unused `noqa` code{'s' if len(unused) > 1 else ''} {listed}: nothing on this line "
                             "is reported under it", _remove_codes(ctx, directive, unused))


def _redis_lines(ctx: SuppressionContext) -> set:
    """Lines a finding of ours can start on: those of Redis calls and client constructions."""
    lines = set()
    for site in list(ctx.module.calls) + list(ctx.module.clients):
        lines.update(range(site.span.start.line, site.span.end.line + 1))
    return lines


def _remove_codes(ctx: SuppressionContext, directive: NoqaDirective, unused: Sequence[str]) -> Optional[Fix]:
    """Remove the unused codes; with none left, the whole directive, keeping any comment text
    before it and turning a reason after it into a plain comment."""
    if ctx.noqa.fallback or directive.line > len(ctx.lines):
        return None  # comments found by the line scanner: positions are a best effort
    line = directive.line
    kept = [code for code in directive.codes if code not in unused]
    if kept:
        (start, _), (_, end) = directive.code_spans[0], directive.code_spans[-1]
        return Fix.safe(f"Remove {', '.join(unused)} from the `noqa` comment",
                        Edit(Position(line, start), Position(line, end), ", ".join(kept)))
    start, end = directive.directive.start, directive.directive.end
    if directive.reason:
        return Fix.safe("Remove the `noqa`, keeping its text as a comment",
                        Edit(start, end, f"# {directive.reason}"))
    text = ctx.lines[line - 1]
    before = text[:start.column].rstrip()
    if before:
        return Fix.safe("Remove the `noqa` comment", Edit.deletion(Position(line, len(before)), end))
    # The comment is alone on its line: remove the line.
    if line < len(ctx.lines):
        return Fix.safe("Remove the `noqa` comment", Edit.deletion(Position(line, 0), Position(line + 1, 0)))
    return Fix.safe("Remove the `noqa` comment", Edit.deletion(Position(line, 0), end))


@rule("RL003", "suppression-without-reason", "A redislint suppression that does not say why.",
      status=Status.PREVIEW, phase=Phase.COMMENTS)
def suppression_without_reason(ctx: SuppressionContext) -> Iterator[Diagnostic]:
    """A suppression is a decision ("this key has no TTL on purpose"); without its reason the next
    reader cannot tell a decision from a silenced bug.  The reason is the text after the codes
    (`# noqa: RL101 -- expired by the cleanup job`, also after a further `#`), leaving out other
    tools' directives (`# type: ignore`); it must hold a letter or a digit.  Judged: line
    comments listing a redislint code, and file-level `# redislint: noqa` exemptions."""
    for directive in ctx.noqa:
        ours = [code for code in directive.codes if code.startswith(OUR_PREFIX)]
        if ours and not has_reason(directive.reason):
            yield ctx.report(directive.directive, f"`noqa` for {', '.join(ours)} gives no reason; say why after the "
                                                  f"codes (`# noqa: {ours[0]} -- why`)")
    for exemption in ctx.noqa.file_level:
        if not has_reason(exemption.reason):
            what = ", ".join(exemption.codes) if exemption.codes else "every rule"
            yield ctx.report(exemption.comment, f"`redislint: noqa` turns off {what} for the whole file without "
                                                "a reason; say why after it")


# Comments of other tools that may follow the codes: `# noqa: RL101  # type: ignore`.
_TOOL_DIRECTIVE = re.compile(r"(?:type|pyright|mypy|pragma|pylint|fmt|isort|ruff|flake8|redislint)\s*:|(?:nosec|noqa)\b",
                             re.IGNORECASE)


def has_reason(text: str) -> bool:
    """Whether the text after a suppression's codes explains it: some part of it (split at `#`)
    that is not another tool's directive holds a letter or a digit."""
    return any(any(ch.isalnum() for ch in part) for part in text.split("#")
               if not _TOOL_DIRECTIVE.match(part.strip()))
