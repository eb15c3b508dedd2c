"""The rule pages (`rules/RLxxx.md`): shipped in the wheel as `redislint/_rule_pages/`, read from
the source checkout's `rules/` folder in an editable install."""
from __future__ import annotations

import os
from typing import List, Optional

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = (
    os.path.join(_PACKAGE_DIR, "_rule_pages"),
    os.path.join(os.path.dirname(_PACKAGE_DIR), "rules"),
)


def pages_dir() -> Optional[str]:
    for candidate in _CANDIDATES:
        if os.path.isdir(candidate):
            return candidate
    return None


def rule_page(code: str) -> Optional[str]:
    directory = pages_dir()
    if directory is None:
        return None
    path = os.path.join(directory, f"{code.upper()}.md")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def documented_codes() -> List[str]:
    directory = pages_dir()
    if directory is None:
        return []
    return sorted(name[:-3] for name in os.listdir(directory) if name.startswith("RL") and name.endswith(".md"))


def rules_table_markdown() -> str:
    """The README's rule table, generated from the registry (a test keeps the README in sync)."""
    from .registry import all_rules

    rows = ["| Code | Name | Status | Fix | What it flags |", "|---|---|---|---|---|"]
    for r in all_rules():
        fix = "—" if r.fix.value == "none" else f"{r.fix_safety} ({r.fix.value})"
        rows.append(f"| [{r.code}](rules/{r.code}.md) | `{r.name}` | {r.status.value} | {fix} | {r.summary} |")
    return "\n".join(rows) + "\n"
