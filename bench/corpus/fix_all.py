"""`--fix --unsafe-fixes` over a copy of the whole development corpus must leave every file
parseable.

    python bench/corpus/fix_all.py [--dest DIR] [--work DIR]

Copies the corpus (hard links: fixes are written by replacing a file, never in place), runs every
rule (preview included) with unsafe fixes on each package as score.py does, writes the fixes, and
then parses every file that changed with libcst and with CPython's ``ast`` (when the original
parsed with ``ast``).  Prints the fixes applied per code and the files changed; exits 1 if any
changed file no longer parses, or if a second run still finds something to fix (no convergence).
"""
from __future__ import annotations

import argparse
import ast
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from fetch import corpus_dir, pinned_packages, unpacked_name  # noqa: E402
from score import _Resolver  # noqa: E402

from redislint.config import ConfigResolver  # noqa: E402
from redislint.diagnostics import Applicability  # noqa: E402
from redislint.runner import lint_paths, write_fixes  # noqa: E402
from redislint.settings import Settings  # noqa: E402


class _AllRules(_Resolver):
    def __init__(self, root: str):
        ConfigResolver.__init__(self, cwd=root)
        self.fixed_settings = Settings(project_root=root, select=("ALL",), preview=True)


def fix_package(pkg: Path) -> Counter:
    result = lint_paths([str(pkg)], _AllRules(str(pkg)), fix_level=Applicability.UNSAFE)
    problems = write_fixes(result)
    for problem in problems:
        print("   write failed:", problem)
    return Counter(result.fixed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dest", type=Path, default=corpus_dir())
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "redislint-fix-all")
    args = parser.parse_args()
    if args.work.exists():
        shutil.rmtree(args.work)
    start = time.perf_counter()
    originals = {}
    packages = []
    for name, version in pinned_packages():
        source = args.dest / unpacked_name(name, version)
        if not source.is_dir():
            continue
        target = args.work / source.name
        shutil.copytree(source, target, copy_function=shutil.copy2 if sys.platform == "win32" else _link)
        packages.append(target)
        for path in target.rglob("*.py"):
            originals[path] = path.stat().st_ino
    fixed: Counter = Counter()
    for pkg in packages:
        fixed.update(fix_package(pkg))
    changed = [p for p, ino in originals.items() if p.exists() and p.stat().st_ino != ino]
    broken = []
    for path in changed:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        original = (args.dest / path.relative_to(args.work)).read_text(encoding="utf-8", errors="surrogateescape")
        try:
            import libcst

            libcst.parse_module(text)
            try:
                ast.parse(original)
            except SyntaxError:
                continue  # CPython cannot parse the original either (other Python version)
            ast.parse(text)
        except Exception as err:  # noqa: BLE001 - any failure to parse is what we look for
            broken.append((path, f"{type(err).__name__}: {err}"))
    again: Counter = Counter()
    for pkg in packages:
        again.update(fix_package(pkg))
    print(f"fixes applied: {sum(fixed.values())} in {len(changed)} files "
          f"({', '.join(f'{c} {n}' for c, n in sorted(fixed.items()))}); {time.perf_counter() - start:.0f}s")
    print(f"changed files that no longer parse: {len(broken)}")
    for path, why in broken:
        print("  ", path, why)
    print(f"fixes a second run still applies: {sum(again.values())} {dict(again) if again else ''}")
    return 1 if broken or again else 0


def _link(src: str, dst: str) -> None:
    import os

    os.link(src, dst)


if __name__ == "__main__":
    sys.exit(main())
