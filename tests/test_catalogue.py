"""The registry implements exactly the RL0xx–RL6xx catalogue of the spec, with its statuses.

docs/RULES.md is the spec's catalogue as this repository implements it (a copy of the shared
RULES.md); when the shared spec sits next to the repository, the copy must match it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from redislint.cli import cli
from redislint.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "RULES.md"
SHARED = ROOT.parent / "shared" / "RULES.md"

ROW = re.compile(r"^\|\s*(RL[0-6]\d\d)\s*\|\s*([\w-]+)\s*\|\s*(stable|preview)\s*\|", re.M)


def catalogue():
    return {code: (name, status) for code, name, status in ROW.findall(CATALOGUE.read_text(encoding="utf-8"))}


def test_registry_matches_the_catalogue():
    registered = {r.code: (r.name, r.status.value) for r in all_rules() if r.code[2] in "0123456"}
    assert registered == catalogue()


def test_rules_command_lists_every_catalogue_code_with_status_and_fix():
    out = CliRunner().invoke(cli, ["rules"]).output
    for code, (name, status) in catalogue().items():
        line = next(line for line in out.splitlines() if line.startswith(code))
        assert name in line and status in line and "fix:" in line


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared spec is not next to this checkout")
def test_catalogue_copy_matches_the_shared_spec():
    assert CATALOGUE.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8")
