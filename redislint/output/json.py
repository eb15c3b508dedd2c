"""JSON output with ruff's field names, so tools that read ``ruff check --output-format json``
read ours: an array of objects with ``cell``, ``code``, ``end_location``, ``filename`` (absolute),
``fix``, ``location``, ``message``, ``noqa_row``, ``url``.  Rows and columns are 1-based; keys are
sorted as ruff emits them.  With ``--statistics`` the array holds ``{code, count, fixable, name}``.
"""
from __future__ import annotations

import json
import os
from typing import IO, Any, Dict, List, Optional, Sequence

from ..diagnostics import Diagnostic, Edit, Fix, Position
from . import SummaryInfo, sorted_diagnostics

RULE_URL = "https://github.com/redislint/redislint/blob/main/rules/{code}.md"
PARSE_ERROR_CODE = "RL001"


def rule_url(code: str) -> str:
    return RULE_URL.format(code=code)


def _location(pos: Position) -> Dict[str, int]:
    return {"row": pos.line, "column": pos.column + 1}


def _edit(edit: Edit) -> Dict[str, Any]:
    return {"content": edit.content, "location": _location(edit.start), "end_location": _location(edit.end)}


def _fix(fix: Optional[Fix]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.label,
        "message": fix.message,
        "edits": [_edit(e) for e in fix.edits],
    }


def diagnostic_to_dict(d: Diagnostic) -> Dict[str, Any]:
    return {
        "cell": None,
        "code": d.code,
        "end_location": _location(d.span.end),
        "filename": os.path.abspath(d.path),
        "fix": _fix(d.fix),
        "location": _location(d.span.start),
        "message": d.message,
        # A parse error has no line a `# noqa` could sit on (ruff: null for syntax errors).
        "noqa_row": None if d.code == PARSE_ERROR_CODE else d.suppression_line,
        "url": rule_url(d.code),
    }


def to_json_list(diagnostics: Sequence[Diagnostic]) -> List[Dict[str, Any]]:
    return [diagnostic_to_dict(d) for d in sorted_diagnostics(diagnostics)]


def statistics_to_json_list(diagnostics: Sequence[Diagnostic], info: SummaryInfo) -> List[Dict[str, Any]]:
    from .text import statistics_rows

    return [
        {"code": code, "name": name, "count": count, "fixable": fixable}
        for count, code, name, fixable in statistics_rows(diagnostics, info.fix_level)
    ]


def render(diagnostics: Sequence[Diagnostic], info: SummaryInfo, stream: IO[str]) -> None:
    data = statistics_to_json_list(diagnostics, info) if info.statistics else to_json_list(diagnostics)
    json.dump(data, stream, indent=2, sort_keys=True)
    stream.write("\n")


__all__ = ["RULE_URL", "diagnostic_to_dict", "render", "rule_url", "statistics_to_json_list", "to_json_list"]
