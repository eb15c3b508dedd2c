"""Shared test helpers: linting snippets and reading inline expectations."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import List, Set, Tuple

from redislint import lint_source
from redislint.config import ConfigResolver
from redislint.runner import lint_paths
from redislint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9 ,]+)")
# On a line of its own, for the line below: where a trailing `# expect:` would change what is
# checked (RL003 counts text after `# noqa: ...` codes as the reason).
EXPECT_NEXT = re.compile(r"^\s*#\s*expect-next-line:\s*([A-Z0-9 ,]+)")


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
        m = EXPECT_NEXT.search(line)
        if m:
            lineno += 1
        else:
            m = EXPECT.search(line)
        if m:
            for code in re.split(r"[ ,]+", m.group(1).strip()):
                if code:
                    found.add((lineno, code))
    return found


class Snippets:
    """Lint snippets behind a shared header (imports and clients) and report line numbers
    relative to the snippet, so tests read like the code they check."""

    def __init__(self, header: str, rule: str = None):
        self.header = header
        self.rule = rule

    def found(self, code: str, rule: str = None, **settings):
        rule = rule or self.rule
        return [d for d in lint(self.header + textwrap.dedent(code), **settings) if d.code == rule]

    def message(self, code: str, rule: str = None, **settings) -> str:
        """The message of the one finding in ``code`` (fails when there is not exactly one)."""
        (found,) = self.found(code, rule, **settings)
        return found.message

    def lines(self, code: str, rule: str = None, **settings) -> List[int]:
        offset = self.header.count("\n")
        return [d.line - offset for d in self.found(code, rule, **settings)]

    def fixed(self, code: str, rule: str = None, **settings) -> str:
        """The snippet after applying every fix the rule offers; asserts the result parses."""
        import libcst as cst

        from redislint.fixes import apply_edits

        rule = rule or self.rule
        text = self.header + textwrap.dedent(code)
        fixes = [d.fix for d in lint(text, **settings) if d.code == rule and d.fix is not None]
        new, applied = apply_edits(text, fixes)
        assert len(applied) == len(fixes)
        cst.parse_module(new)
        return new[len(self.header):]


def make_project(tmp_path, files):
    """Write ``files`` (relative path -> dedented source) under ``tmp_path``; returns ``tmp_path``."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def project_findings(root, *paths):
    """Lint ``paths`` under ``root`` (default: all of it) as a project: sorted (relative path, line, code)."""
    result = lint_paths([str(root / p) for p in (paths or ["."])], ConfigResolver(cwd=str(root)))
    return sorted((d.path.replace(str(root) + "/", ""), d.line, d.code) for d in result.diagnostics)
