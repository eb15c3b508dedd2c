"""Shared test helpers: linting snippets and reading inline expectations."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import List, Set, Tuple

from redislint import lint_source
from redislint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9 ,]+)")


def lint(code: str, **settings) -> List:
    """Lint a dedented snippet with every rule selected (preview included)."""
    opts = {"select": ("ALL",), "preview": True}
    opts.update(settings)
    return lint_source(textwrap.dedent(code), "snippet.py", Settings(**opts))


def codes(code: str, **settings) -> List[str]:
    return [d.code for d in lint(code, **settings)]


def expectations(text: str) -> Set[Tuple[int, str]]:
    found = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for code in re.split(r"[ ,]+", m.group(1).strip()):
                if code:
                    found.add((lineno, code))
    return found
