"""The command line: `redislint [check] [PATHS]...`, `redislint rule CODE`, `redislint rules`.

Exit codes: 0 nothing left to report, 1 findings remain, 2 usage, configuration or internal error.
"""
from __future__ import annotations

import gc
import json
import sys
from typing import List, Optional, Sequence, Tuple

import click

from . import __version__
from .config import ConfigResolver
from .diagnostics import Applicability
from .errors import RedislintError, UsageError
from .registry import all_rules, known_selector, rule_info

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class DefaultGroup(click.Group):
    """A group that runs `check` when the first argument is not a subcommand (`redislint src/`)."""

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        if not args or (args[0] not in self.commands and args[0] not in {"--help", "-h", "--version"}):
            args = ["check"] + list(args)
        return super().parse_args(ctx, args)


def _split(values: Sequence[str]) -> Tuple[str, ...]:
    """`--select RL1,RL2 --select RL3` → ("RL1", "RL2", "RL3"), validated."""
    out = []
    for value in values:
        for item in value.split(","):
            item = item.strip().upper()
            if not item:
                continue
            if not known_selector(item):
                raise UsageError(f"unknown rule selector '{item}' (see `redislint rules`)")
            out.append(item)
    return tuple(out)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redislint")
def cli() -> None:
    """redislint: find the Redis mistakes that cause production incidents."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (with --fix) or show unsafe fixes.")
@click.option("--diff", is_flag=True, help="Show the fixes as a diff instead of writing them.")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (comma-separated).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition.")
@click.option("--preview", is_flag=True, default=None, help="Enable preview rules.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when any fix was applied.")
@click.option("--stdin-filename", type=str, default=None,
              help="Read the source from stdin and report it under this name.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of findings.")
@click.option("--config", "config_path", type=str, default=None, help="Use this configuration file.")
@click.option("--force-exclude", is_flag=True, help="Apply exclusions to paths given on the command line.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the model cache.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes that parse files in parallel (default: one per core).")
def check(paths, fix, unsafe_fixes, diff, select, ignore, extend_select, preview, output_format, exit_zero,
          exit_non_zero_on_fix, stdin_filename, statistics, config_path, force_exclude, no_cache, jobs) -> None:
    """Lint PATHS (default: the current directory)."""
    try:
        code = _check(paths, fix, unsafe_fixes, diff, select, ignore, extend_select, preview, output_format,
                      exit_zero, exit_non_zero_on_fix, stdin_filename, statistics, config_path, force_exclude,
                      no_cache, jobs)
    except RedislintError as err:
        click.echo(f"redislint: error: {err}", err=True)
        code = EXIT_ERROR
    sys.exit(code)


def _check(paths, fix, unsafe_fixes, diff, select, ignore, extend_select, preview, output_format, exit_zero,
           exit_non_zero_on_fix, stdin_filename, statistics, config_path, force_exclude, no_cache=False,
           jobs=None) -> int:
    from .output import MODE_CHECK, MODE_DIFF, MODE_FIX, SummaryInfo, render
    from .runner import Linter, RunResult, lint_paths, open_cache, write_fixes
    from .files import read_stdin

    overrides = {}
    if select:
        overrides["select"] = _split(select)
    if ignore:
        overrides["ignore"] = _split(ignore)
    if extend_select:
        overrides["extend_select"] = _split(extend_select)
    if preview:
        overrides["preview"] = True
    resolver = ConfigResolver(explicit_config=config_path, overrides=overrides)
    fix_level = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    fixing = fix or diff
    mode = MODE_DIFF if diff else (MODE_FIX if fix else MODE_CHECK)

    if stdin_filename is not None:
        source = read_stdin(stdin_filename)
        outcome = Linter(resolver).run([source], fix_level=fix_level if fixing else None, diff=diff)[0]
        result = RunResult([outcome], [], {source.path: source})
        if fix and not diff:
            sys.stdout.write(outcome.new_text if outcome.new_text is not None else (source.text or ""))
            sys.stdout.flush()
            info = SummaryInfo(fix_level=fix_level, mode=MODE_FIX, fixed=outcome.fixed, statistics=statistics)
            render(output_format, outcome.diagnostics, info, sys.stderr)
            return _exit_code(result, mode, exit_zero, exit_non_zero_on_fix)
    else:
        result = lint_paths(paths or ["."], resolver, force_exclude=force_exclude,
                            fix_level=fix_level if fixing else None, diff=diff, jobs=jobs,
                            cache=None if no_cache else open_cache(resolver))
    for message in result.errors:
        click.echo(f"redislint: warning: {message}", err=True)

    if diff:
        for outcome in result.outcomes:
            if outcome.diff:
                sys.stdout.write(outcome.diff)
        info = SummaryInfo(fix_level=fix_level, mode=MODE_DIFF, fixed=result.fixed, statistics=statistics)
        render("text", [], info, sys.stderr)
        return _exit_code(result, mode, exit_zero, exit_non_zero_on_fix)

    if fix:
        for message in write_fixes(result):
            click.echo(f"redislint: error: {message}", err=True)
            return EXIT_ERROR
    info = SummaryInfo(fix_level=fix_level, mode=mode, fixed=result.fixed, statistics=statistics)
    render(output_format, result.diagnostics, info, sys.stdout)
    return _exit_code(result, mode, exit_zero, exit_non_zero_on_fix)


def _exit_code(result, mode: str, exit_zero: bool, exit_non_zero_on_fix: bool) -> int:
    if exit_zero:
        return EXIT_OK
    if mode == "diff":
        return EXIT_FINDINGS if result.fixed else EXIT_OK
    if exit_non_zero_on_fix and result.fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if result.diagnostics else EXIT_OK


@cli.command(name="clean")
@click.option("--config", "config_path", type=str, default=None, help="Use this configuration file.")
def clean_command(config_path: Optional[str]) -> None:
    """Remove the model cache (`.redislint_cache`, or the `cache-dir` setting)."""
    from .cache import clean
    from .runner import cache_directory

    try:
        directory = cache_directory(ConfigResolver(explicit_config=config_path).root_settings())
        removed = clean(directory)
    except RedislintError as err:
        click.echo(f"redislint: error: {err}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as err:
        click.echo(f"redislint: error: cannot remove the cache: {err}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Removed cache at {directory}" if removed else f"No cache at {directory}")


@cli.command(name="rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Print the documentation page of rule CODE."""
    from .docs import rule_page

    info = rule_info(code)
    if info is None:
        click.echo(f"redislint: error: unknown rule code '{code}' (see `redislint rules`)", err=True)
        sys.exit(EXIT_ERROR)
    page = rule_page(info.code)
    if page is None:
        click.echo(f"redislint: error: no documentation page for {info.code}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(page.rstrip("\n"))


@cli.command(name="rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: code, name, status and fix availability."""
    infos = all_rules()
    if output_format == "json":
        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "status": r.status.value, "fix": r.fix.value,
             "fix_safety": r.fix_safety or None, "summary": r.summary} for r in infos], indent=2))
        return
    width = max(len(r.name) for r in infos)
    for r in infos:
        fix = "-" if r.fix.value == "none" else f"{r.fix_safety} ({r.fix.value})"
        click.echo(f"{r.code}  {r.name:<{width}}  {r.status.value:<7}  fix: {fix}")


def main(argv: Optional[Sequence[str]] = None) -> None:
    # One short run: what it builds (models, the index, findings) lives until it exits, and
    # syntax trees are freed by reference counting (they hold no cycles), so the cycle collector
    # would only walk live objects: a third of a second on a warm run over 10,000 files.  Pool
    # workers turn it back on for themselves.
    gc.disable()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="redislint", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as err:  # pragma: no cover - the last line of defence: no tracebacks
        click.echo(f"redislint: internal error: {type(err).__name__}: {err}", err=True)
        sys.exit(EXIT_ERROR)
