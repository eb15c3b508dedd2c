"""File discovery (exclusion, .gitignore) and faithful reading/writing of source files."""
from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path
from typing import List

import pytest

from redislint.config import ConfigResolver
from redislint.errors import UsageError
from redislint.files import (
    FileChangedError, SourceFile, discover, read_source, read_stdin, write_source_atomic,
)


def touch(root: Path, *names: str, text: str = "") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def found(tmp_path: Path, paths: List[str], force_exclude: bool = False, **resolver_args) -> List[str]:
    """Run discover from inside tmp_path and return the files as relative posix paths."""
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        files, errors = discover(paths, ConfigResolver(**resolver_args), force_exclude)
    finally:
        os.chdir(old)
    assert errors == []
    return [f.replace(os.sep, "/") for f in files]


# ---------------------------------------------------------------------------------------------
# discover


def test_walks_sorted_and_keeps_python_files(tmp_path):
    touch(tmp_path, "b.py", "a.py", "stub.pyi", "notes.txt", "pkg/z.py", "pkg/sub/y.py", "c.pyc")
    assert found(tmp_path, ["."]) == ["a.py", "b.py", "pkg/sub/y.py", "pkg/z.py", "stub.pyi"]


def test_paths_keep_the_prefix_given(tmp_path):
    touch(tmp_path, "src/a.py")
    assert found(tmp_path, ["src"]) == ["src/a.py"]
    assert found(tmp_path, ["./src/"]) == ["src/a.py"]


def test_default_excludes_prune_hidden_and_venv_dirs(tmp_path):
    touch(tmp_path, "a.py", ".git/hooks/x.py", ".venv/lib/y.py", "pkg/node_modules/z.py", "build/b.py")
    assert found(tmp_path, ["."]) == ["a.py"]


def test_missing_path_is_a_usage_error(tmp_path):
    touch(tmp_path, "a.py")
    with pytest.raises(UsageError, match=r"^nope\.py: no such file or directory$"):
        found(tmp_path, ["a.py", "nope.py"])


def test_gitignore_respected_including_nested(tmp_path):
    touch(tmp_path, "keep.py", "gen_a.py", "secret/s.py", "pkg/local.py", "pkg/other.py",
          "pkg/deep/gen_b.py", "pkg/deep/gen_keep.py", "pkg/deep/d.py")
    (tmp_path / ".gitignore").write_text("gen_*.py\nsecret/\n")
    (tmp_path / "pkg" / ".gitignore").write_text("/local.py\n")
    (tmp_path / "pkg" / "deep" / ".gitignore").write_text("!gen_keep.py\n")
    assert found(tmp_path, ["."]) == ["keep.py", "pkg/deep/d.py", "pkg/deep/gen_keep.py", "pkg/other.py"]


def test_gitignore_above_walked_directory_applies(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("src/generated/\n")
    touch(tmp_path, "src/a.py", "src/generated/g.py")
    assert found(tmp_path, ["src"]) == ["src/a.py"]


def test_git_info_exclude(tmp_path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch.py\n")
    touch(tmp_path, "a.py", "scratch.py")
    assert found(tmp_path, ["."]) == ["a.py"]


def test_explicit_files_always_linted(tmp_path):
    touch(tmp_path, "build/gen.py", "script", "ignored.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    assert found(tmp_path, ["build/gen.py", "script", "ignored.py"]) == ["build/gen.py", "script", "ignored.py"]


def test_force_exclude_applies_to_explicit_files(tmp_path):
    touch(tmp_path, "build/gen.py", "app/migrations/m.py", "app/a.py")
    (tmp_path / "redislint.toml").write_text('extend-exclude = ["migrations"]\n')
    paths = ["build/gen.py", "app/migrations/m.py", "app/a.py"]
    assert found(tmp_path, paths, force_exclude=True) == ["app/a.py"]
    assert found(tmp_path, ["build"], force_exclude=True) == []
    assert found(tmp_path, paths) == paths


def test_exclude_replaces_defaults(tmp_path):
    touch(tmp_path, "build/b.py", "gen/g.py", "a.py")
    (tmp_path / "pyproject.toml").write_text('[tool.redislint]\nexclude = ["gen"]\n')
    assert found(tmp_path, ["."]) == ["a.py", "build/b.py"]


def test_extend_exclude_anchored_and_basename_patterns(tmp_path):
    touch(tmp_path, "a.py", "src/skip_me.py", "src/tests/fixtures/f.py", "tests/fixtures/f.py", "x/y/settings_local.py")
    (tmp_path / "redislint.toml").write_text(
        'extend-exclude = ["/tests/fixtures", "skip_me.py", "settings_*.py"]\n')
    assert found(tmp_path, ["."]) == ["a.py", "src/tests/fixtures/f.py"]


def test_exclude_patterns_relative_to_nested_project_root(tmp_path):
    touch(tmp_path, "svc/gen/g.py", "svc/a.py", "gen/top.py")
    (tmp_path / "svc" / "redislint.toml").write_text('extend-exclude = ["/gen"]\n')
    assert found(tmp_path, ["."]) == ["gen/top.py", "svc/a.py"]


def test_duplicates_removed(tmp_path):
    touch(tmp_path, "a.py")
    assert found(tmp_path, ["a.py", ".", "./a.py"]) == ["a.py"]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_symlink_loop_does_not_hang(tmp_path):
    touch(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    assert found(tmp_path, ["."]) == ["pkg/a.py"]


def test_unreadable_directory_reported(tmp_path, monkeypatch):
    touch(tmp_path, "a.py", "locked/b.py")
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(os.path.normpath(path)) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    files, errors = discover(["."], ConfigResolver(), False)
    assert files == ["a.py"]
    assert errors == ["locked: Permission denied"]


# ---------------------------------------------------------------------------------------------
# read_source


def test_read_utf8(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes("x = 'é'\n".encode())
    source = read_source(str(path))
    assert (source.text, source.encoding, source.newline, source.bom, source.error) == (
        "x = 'é'\n", "utf-8", "\n", False, None)
    assert source.data == path.read_bytes()


def test_read_latin1_cookie(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    source = read_source(str(path))
    assert source.error is None
    assert source.text == "# -*- coding: latin-1 -*-\nx = 'é'\n"
    assert source.encoding == "iso-8859-1"


def test_read_bom(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")
    source = read_source(str(path))
    assert (source.text, source.encoding, source.bom) == ("x = 1\n", "utf-8", True)


@pytest.mark.parametrize("data, newline", [
    (b"a = 1\r\nb = 2\r\n", "\r\n"), (b"a = 1\rb = 2\r", "\r"), (b"a = 1\nb = 2\r\n", "\n"), (b"a = 1", "\n"),
])
def test_read_newlines_kept(tmp_path, data, newline):
    path = tmp_path / "a.py"
    path.write_bytes(data)
    source = read_source(str(path))
    assert source.newline == newline
    assert source.text == data.decode()


def test_read_binary(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n\x00\x01")
    source = read_source(str(path))
    assert (source.text, source.error) == (None, "binary file")


def test_read_undecodable(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 'abcd'\n\xff\n")
    source = read_source(str(path))
    assert source.text is None
    assert source.error == "cannot decode as utf-8: invalid start byte at offset 11"


def test_read_unknown_cookie(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"# coding: klingon\n")
    assert read_source(str(path)).error == "cannot detect encoding: unknown encoding: klingon"


def test_read_missing_file_does_not_raise(tmp_path):
    source = read_source(str(tmp_path / "gone.py"))
    assert (source.text, source.error) == (None, "No such file or directory")


def test_read_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfx = 1\r\n")))
    source = read_stdin("app/cache.py")
    assert (source.path, source.text, source.bom, source.newline) == ("app/cache.py", "x = 1\r\n", True, "\r\n")


# ---------------------------------------------------------------------------------------------
# write_source_atomic


def test_write_keeps_permissions_encoding_bom_and_crlf(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbf# coding: utf-8\r\nx = '\xc3\xa9'\r\n")
    path.chmod(0o751)
    source = read_source(str(path))
    write_source_atomic(source, source.text.replace("x", "y"))
    assert path.read_bytes() == b"\xef\xbb\xbf# coding: utf-8\r\ny = '\xc3\xa9'\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]  # no temp file left


def test_write_latin1(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    source = read_source(str(path))
    write_source_atomic(source, source.text + "y = 'ü'\n")
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\nx = '\xe9'\ny = '\xfc'\n"


def test_write_refuses_when_file_changed(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    source = read_source(str(path))
    path.write_text("x = 2\n")
    with pytest.raises(FileChangedError, match="changed on disk"):
        write_source_atomic(source, "x = 3\n")
    assert path.read_text() == "x = 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]
    assert issubclass(FileChangedError, OSError)


def test_write_unencodable_leaves_file_alone(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\n")
    source = read_source(str(path))
    with pytest.raises(UnicodeEncodeError):
        write_source_atomic(source, source.text + "x = '\u2603'\n")
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\n"


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_write_through_symlink(tmp_path):
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    link = tmp_path / "link.py"
    os.symlink(real, link)
    write_source_atomic(read_source(str(link)), "x = 2\n")
    assert link.is_symlink()
    assert real.read_text() == "x = 2\n"


def test_write_requires_readable_source(tmp_path):
    with pytest.raises(ValueError):
        write_source_atomic(SourceFile(str(tmp_path / "a.py"), None, error="binary file"), "x")
