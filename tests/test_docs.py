"""Docs as tests: every rule page's Example triggers its rule, its Use instead does not, and the
pages and the registry agree."""
from __future__ import annotations

import re

import pytest

from redislint import lint_source
from redislint.docs import documented_codes, rule_page
from redislint.registry import Phase, all_rules
from redislint.settings import Settings

from .helpers import ROOT

SECTIONS = ["What it does", "Why it matters", "Example", "Use instead", "Fix safety", "Options", "References"]
CODES = [info.code for info in all_rules()]
# Rules that depend on the project's redis-py version run their pages as a project declaring one
# (the page's Example says which).
PAGE_SETTINGS = {"RL601": {"redis_py_version": "7.4"}}


def _block(page: str, section: str) -> str:
    m = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", page, re.S | re.M)
    assert m, f"missing section {section}"
    code = re.search(r"```python\n(.*?)```", m.group(1), re.S)
    assert code, f"no python block in {section}"
    return code.group(1)


def _codes(source: str, code: str):
    # RL002 judges only the codes of rules that ran, so its pages run with every rule selected.
    phase = next(i.phase for i in all_rules() if i.code == code)
    settings = Settings(select=(code,) if phase is not Phase.USAGE else ("ALL",), preview=True,
                        **PAGE_SETTINGS.get(code, {}))
    return [d.code for d in lint_source(source, f"{code}_doc.py", settings)]


@pytest.mark.parametrize("code", CODES)
def test_page_has_every_section_in_order(code):
    page = rule_page(code)
    assert page is not None, f"rules/{code}.md is missing"
    info = next(i for i in all_rules() if i.code == code)
    assert page.startswith(f"# {code}: {info.name}\n")
    positions = [page.find(f"\n## {s}\n") for s in SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert f"**Status:** {info.status.value}" in page


@pytest.mark.parametrize("code", CODES)
def test_example_triggers_the_rule(code):
    assert code in _codes(_block(rule_page(code), "Example"), code)


@pytest.mark.parametrize("code", CODES)
def test_use_instead_does_not_trigger_the_rule(code):
    assert code not in _codes(_block(rule_page(code), "Use instead"), code)


def test_every_page_belongs_to_a_registered_rule():
    assert set(documented_codes()) == set(CODES)


def test_pages_are_the_shipped_copy():
    # The CLI reads the pages from the package data or, in a checkout, from rules/.
    assert (ROOT / "rules" / "RL101.md").read_text(encoding="utf-8") == rule_page("RL101")
