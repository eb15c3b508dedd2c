"""Fixture files carry their expected findings inline (`# expect: RL101`): every expected
finding must be reported on that line, and nothing else may be reported."""
from __future__ import annotations

import pytest

from redislint.config import ConfigResolver
from redislint.runner import lint_paths

from .helpers import ROOT, expectations

RULE_FIXTURES = sorted((ROOT / "fixtures" / "rules").glob("*.py"))
# Settings a fixture's rule depends on (its docstring says so), beyond --preview.
FIXTURE_SETTINGS = {"RL205.py": {"redis_py_version": "7.4"}, "RL601.py": {"redis_py_version": "7.4"}}


def _found(result, path):
    return {(d.line, d.code) for d in result.diagnostics if d.path.endswith(path.name)}


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_rule_fixture(path):
    # Each rule fixture is a project of its own, linted with the stable rules and --preview.
    overrides = {"preview": True, **FIXTURE_SETTINGS.get(path.name, {})}
    result = lint_paths([str(path)], ConfigResolver(cwd=str(ROOT), overrides=overrides))
    assert _found(result, path) == expectations(path.read_text())


def test_demo_project_findings_match_expectations():
    demo = ROOT / "fixtures" / "demo"
    result = lint_paths([str(demo)], ConfigResolver(cwd=str(ROOT)))
    found = {(d.path.split("/")[-1], d.line, d.code) for d in result.diagnostics}
    expected = {(p.name, line, code) for p in demo.glob("*.py") for line, code in expectations(p.read_text())}
    assert found == expected


def test_demo_shows_at_least_eight_codes():
    result = lint_paths([str(ROOT / "fixtures" / "demo")], ConfigResolver(cwd=str(ROOT)))
    assert len({d.code for d in result.diagnostics}) >= 8
