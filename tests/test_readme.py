"""The README's promises stay true: the rule table matches the registry, the Quickstart has exactly
two set-up commands, and CI runs the README's test command."""
from __future__ import annotations

import re

from redislint.docs import rules_table_markdown

from .helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quickstart_commands():
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_rule_table_matches_registry():
    block = README.split("<!-- rules-table:start -->\n", 1)[1].split("<!-- rules-table:end -->", 1)[0]
    assert block.strip() == rules_table_markdown().strip(), "regenerate with redislint.docs.rules_table_markdown()"


def test_quickstart_has_exactly_two_setup_commands():
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "redislint fixtures/demo" in commands[0]
    assert "[test]" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    test_command = _quickstart_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
