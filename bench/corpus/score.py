"""Score redislint against the hand labels of the development corpus.

    python bench/corpus/score.py [--dest DIR] [--unlabelled] [--code RL101]

labels/*.csv columns: package, version, path (inside the unpacked package), line (where the call
starts), label, note.  label is a code (``RL101``: a misuse redislint must report there) or
``ok:RL101`` (a look-alike that is fine: RL101 must not be reported there) or ``ok`` (nothing
may be reported there).

Prints, per code: misuse labels, found, recall; ok labels, false flags, false-flag rate.  A false
flag is any report of the code on a line labelled ok (of any kind) that is not also labelled as a
misuse of that code; a line counts once per code.  With --unlabelled, also
lists findings on lines that carry no label, to be judged and labelled.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fetch import corpus_dir, pinned_packages, unpacked_name  # noqa: E402

from redislint.config import ConfigResolver  # noqa: E402
from redislint.registry import Status, all_rules  # noqa: E402
from redislint.runner import lint_paths  # noqa: E402
from redislint.settings import Settings  # noqa: E402


def load_labels(directory: Path = HERE / "labels") -> List[dict]:
    rows = []
    for path in sorted(directory.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            rows.extend(row for row in csv.DictReader(f) if row["package"] and not row["package"].startswith("#"))
    return rows


class _Resolver(ConfigResolver):
    """Every package is linted with the default settings (its own config, if any, is ignored)."""

    def __init__(self, root: str):
        super().__init__(cwd=root)
        self.fixed_settings = Settings(project_root=root)

    def settings_for(self, path: str) -> Settings:
        return self.fixed_settings

    def root_settings(self, cwd=None) -> Settings:
        return self.fixed_settings


def findings(root: Path) -> Dict[Tuple[str, str], Dict[int, Set[str]]]:
    """{(package dir, relative path): {line: {codes}}} for every package of the corpus."""
    out: Dict[Tuple[str, str], Dict[int, Set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, version in pinned_packages():
        pkg = root / unpacked_name(name, version)
        if not pkg.exists():
            raise SystemExit(f"{pkg} is missing: run bench/corpus/fetch.py first")
        result = lint_paths([str(pkg)], _Resolver(str(pkg)))
        for d in result.diagnostics:
            rel = str(Path(d.path).resolve().relative_to(pkg.resolve()))
            out[(name, rel)][d.line].add(d.code)
    return out


def _row(row: dict, found) -> Tuple[Tuple[str, str, int], str, Set[str]]:
    """A label row's (package, path, line), its label, and the codes reported on that line."""
    where = (row["package"], row["path"], int(row["line"]))
    return where, row["label"].strip(), found.get((row["package"], row["path"]), {}).get(where[2], set())


def score(labels: List[dict], found) -> Dict[str, Dict[str, int]]:
    table: Dict[str, Dict[str, int]] = defaultdict(lambda: {"misuse": 0, "found": 0, "ok": 0, "false": 0})
    # Codes labelled as a misuse on each line: reporting them there is right, whatever ok labels
    # for other codes the line also carries.
    misuse_at: Dict[Tuple[str, str, int], Set[str]] = defaultdict(set)
    for row in labels:
        if not row["label"].strip().startswith("ok"):
            misuse_at[(row["package"], row["path"], int(row["line"]))].add(row["label"].strip())
    counted: Set[Tuple[str, str, int, str]] = set()  # one false flag per line and code
    for row in labels:
        where, label, reported = _row(row, found)
        if label.startswith("ok"):
            named = label.split(":", 1)[1] if ":" in label else None
            if named:
                table[named]["ok"] += 1
            for code in reported:
                if code in misuse_at[where] or (*where, code) in counted:
                    continue
                counted.add((*where, code))
                if code != named:
                    table[code]["ok"] += 1  # an unnamed look-alike counts for the code it drew
                table[code]["false"] += 1
        else:
            table[label]["misuse"] += 1
            if label in reported:
                table[label]["found"] += 1
    return table


def details(labels: List[dict], found) -> List[str]:
    """One line per labelled misuse that was not reported and per ok line that drew a finding."""
    out = []
    for row in labels:
        _, label, reported = _row(row, found)
        place = f"{row['package']} {row['path']}:{row['line']}"
        if not label.startswith("ok") and label not in reported:
            out.append(f"MISSED {label} {place}  {row['note'][:100]}")
        elif label.startswith("ok:") and label[3:] in reported:
            out.append(f"FALSE {label[3:]} {place}  {row['note'][:100]}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=None)
    parser.add_argument("--unlabelled", action="store_true", help="list findings on unlabelled lines")
    parser.add_argument("--code", default=None, help="only this code in the --unlabelled list")
    parser.add_argument("--details", action="store_true", help="list every missed misuse and false flag")
    args = parser.parse_args()
    labels = load_labels()
    found = findings(corpus_dir(args.dest))
    table = score(labels, found)
    stable = {r.code for r in all_rules() if r.status is Status.STABLE}
    print(f"{'code':7} {'misuse':>6} {'found':>6} {'recall':>7} {'ok':>5} {'false':>6} {'false%':>7}")
    total = {"misuse": 0, "found": 0, "ok": 0, "false": 0}
    for code in sorted(table):
        t = table[code]
        recall = f"{t['found'] / t['misuse']:.2f}" if t["misuse"] else "-"
        rate = f"{100 * t['false'] / t['ok']:.1f}" if t["ok"] else "-"
        mark = "" if code in stable else " (preview)"
        print(f"{code:7} {t['misuse']:6} {t['found']:6} {recall:>7} {t['ok']:5} {t['false']:6} {rate:>7}{mark}")
        for k in total:
            total[k] += t[k]
    print(f"{'all':7} {total['misuse']:6} {total['found']:6} "
          f"{total['found'] / max(total['misuse'], 1):7.2f} {total['ok']:5} {total['false']:6} "
          f"{100 * total['false'] / max(total['ok'], 1):7.1f}")
    print(f"labels: {len(labels)}")
    if args.details:
        for line in details(labels, found):
            print(line)
    if args.unlabelled:
        labelled = {(r["package"], r["path"], int(r["line"])) for r in labels}
        for (pkg, rel), lines in sorted(found.items()):
            for line, codes in sorted(lines.items()):
                codes = {c for c in codes if args.code in (None, c)}
                if codes and (pkg, rel, line) not in labelled:
                    print(f"UNLABELLED {pkg} {rel}:{line} {','.join(sorted(codes))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
