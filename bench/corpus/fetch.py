"""Download and unpack the development corpus (bench/corpus/packages.txt) outside the repo.

    python bench/corpus/fetch.py [--dest DIR] [--census]

DIR defaults to $REDISLINT_CORPUS or ~/.cache/redislint-corpus.  Each package is unpacked into
DIR/<name>-<version>/.  Sources are never committed: the labels refer to paths inside them.
With --census, the census extension (bench/corpus/census.txt) is fetched instead, into
$REDISLINT_CENSUS or ~/.cache/redislint-census: packages labelled for one kind of call site,
kept out of the benchmark's corpus.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def corpus_dir(explicit: str = None) -> Path:
    return Path(explicit or os.environ.get("REDISLINT_CORPUS") or Path.home() / ".cache" / "redislint-corpus")


def census_dir(explicit: str = None) -> Path:
    return Path(explicit or os.environ.get("REDISLINT_CENSUS") or Path.home() / ".cache" / "redislint-census")


def pinned_packages(listing: str = "packages.txt"):
    for name, version, _ in _listed(listing):
        yield name, version


def _listed(listing: str):
    """(name, version, whether only the wheel is to be fetched): `name==version`, or
    `name==version wheel` for a package whose sdist builds native code to be prepared."""
    for line in (HERE / listing).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            spec, _, form = line.partition(" ")
            name, version = spec.split("==")
            yield name, version, form.strip() == "wheel"


def unpacked_name(name: str, version: str) -> str:
    return f"{name}-{version}"


def _download(spec: str, into: Path, binary: bool) -> Path:
    fmt = ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:"]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *fmt, spec, "-d", str(into)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    files = sorted(into.iterdir())
    if not files:
        raise RuntimeError(f"nothing downloaded for {spec}")
    return files[0]


def _unpack(archive: Path, dest: Path) -> None:
    tmp = Path(tempfile.mkdtemp(dir=dest.parent))
    try:
        if archive.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(tmp)
        else:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        entries = list(tmp.iterdir())
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
        shutil.move(str(root), str(dest))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch(dest_dir: Path, listing: str = "packages.txt") -> None:
    dest_dir.mkdir(parents=True, exist_ok=True)
    for name, version, wheel_only in _listed(listing):
        dest = dest_dir / unpacked_name(name, version)
        if dest.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                if wheel_only:
                    raise RuntimeError("the wheel is listed")
                archive = _download(f"{name}=={version}", Path(tmp), binary=False)
                kind = "sdist"
            except (subprocess.CalledProcessError, RuntimeError):
                # Some sdists cannot have their metadata prepared here; the wheel has the same code.
                archive = _download(f"{name}=={version}", Path(tmp), binary=True)
                kind = "wheel"
            _unpack(archive, dest)
        print(f"{name}=={version}: {kind} -> {dest}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=None)
    parser.add_argument("--census", action="store_true", help="fetch the census extension (census.txt)")
    args = parser.parse_args()
    if args.census:
        fetch(census_dir(args.dest), "census.txt")
    else:
        fetch(corpus_dir(args.dest))


if __name__ == "__main__":
    main()
