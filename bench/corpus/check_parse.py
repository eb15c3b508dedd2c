"""No crash and no RL001 on any corpus file that CPython's own parser accepts.

    python bench/corpus/check_parse.py [--dest DIR]

Lints every package of the corpus with every rule selected (prefilter off: every file is
parsed), and prints each RL001 with whether `ast.parse` accepts the file.  Exits 1 when a file
`ast.parse` accepts gets RL001, or when linting raises.
"""
from __future__ import annotations

import argparse
import ast
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fetch import corpus_dir, pinned_packages, unpacked_name  # noqa: E402

from redislint.files import discover, read_source  # noqa: E402
from redislint.project import ProjectIndex  # noqa: E402
from redislint.runner import build_model, diagnose, rules_for  # noqa: E402
from redislint.settings import Settings  # noqa: E402
from score import _Resolver  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=None)
    args = parser.parse_args()
    root = corpus_dir(args.dest)
    bad = files = 0
    for name, version in pinned_packages():
        pkg = root / unpacked_name(name, version)
        settings = Settings(select=("ALL",), preview=True, project_root=str(pkg), test_paths=())
        paths, _ = discover([str(pkg)], _Resolver(str(pkg)))
        try:
            sources = [read_source(p) for p in paths]
            models = [build_model(s, settings, force=True) for s in sources]
            index = ProjectIndex(models)
            for source, model in zip(sources, models):
                files += 1
                for d in diagnose(model, source.text, index, settings, rules_for(settings))[0]:
                    if d.code != "RL001":
                        continue
                    try:
                        ast.parse(source.data)
                        accepted = True
                    except (SyntaxError, ValueError):
                        accepted = False
                    print(f"{'WRONG' if accepted else 'ok   '} RL001 {source.path}: {d.message}")
                    bad += accepted
        except Exception:  # a crash is a failure of the tool, whatever the input
            traceback.print_exc()
            print(f"CRASH while linting {name}=={version}")
            bad += 1
    print(f"{files} files, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
