"""Findings on the development corpus must not depend on how they are computed.

    python bench/corpus/compare_modes.py [--dest DIR]

Lints every package of the corpus (as score.py does) five ways — every file parsed (the
reference), the prefilter in one process and in a pool, and the model cache cold then warm —
and prints, per mode, how many findings differ from the reference.  Exit status 1 if any do.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Set, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from fetch import corpus_dir, pinned_packages, unpacked_name  # noqa: E402
from score import _Resolver  # noqa: E402

from redislint.build import default_jobs  # noqa: E402
from redislint.cache import ModelCache  # noqa: E402
from redislint.runner import lint_paths  # noqa: E402

Finding = Tuple[str, int, int, str, str]


def findings(root: Path, **options) -> Set[Finding]:
    out: Set[Finding] = set()
    for name, version in pinned_packages():
        pkg = root / unpacked_name(name, version)
        if not pkg.is_dir():
            continue
        result = lint_paths([str(pkg)], _Resolver(str(pkg)), **options)
        out.update((d.path, d.span.start.line, d.span.start.column, d.code, d.message) for d in result.diagnostics)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dest", type=Path, default=corpus_dir())
    args = parser.parse_args()
    cache_dir = tempfile.mkdtemp(prefix="redislint-modes-")
    modes: List[Tuple[str, Dict[str, object]]] = [
        (f"every file parsed, {default_jobs()} processes (reference)", dict(prefilter=False)),
        ("prefilter, 1 process", dict(jobs=1, prefilter=True)),
        (f"prefilter, {default_jobs()} processes", dict(prefilter=True)),
        ("prefilter, pool, cache cold", dict(cache=None)),  # cache filled per run below
        ("prefilter, pool, cache warm", dict(cache=None)),
    ]
    reference: Set[Finding] = set()
    failed = False
    for i, (label, options) in enumerate(modes):
        if i >= 3:
            options = dict(options, cache=ModelCache(cache_dir))
        start = time.perf_counter()
        found = findings(args.dest, **options)
        elapsed = time.perf_counter() - start
        if i == 0:
            reference = found
            print(f"{label}: {len(found)} findings, {elapsed:.1f}s")
            continue
        missing, extra = reference - found, found - reference
        failed |= bool(missing or extra)
        print(f"{label}: {len(found)} findings, {elapsed:.1f}s; missing {len(missing)}, extra {len(extra)}")
        for f in sorted(missing)[:10]:
            print("   missing", *f)
        for f in sorted(extra)[:10]:
            print("   extra  ", *f)
    shutil.rmtree(cache_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
