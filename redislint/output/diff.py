"""``--diff``: the fixes as a unified diff instead of writing them."""
from __future__ import annotations

import difflib
import re
from typing import List

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> List[str]:
    # Only \n, \r\n and \r end lines (str.splitlines would also split on form feeds etc.).
    return _LINE.findall(text)


def _label(path: str) -> str:
    path = path.replace("\\", "/")
    return path.lstrip("/")


def unified_diff(path: str, old_text: str, new_text: str, context: int = 3) -> str:
    """A unified diff from ``old_text`` to ``new_text`` with ``--- a/path`` / ``+++ b/path``
    headers; the empty string when the texts are equal.  A last line without a line break is
    followed by ``\\ No newline at end of file``, as diff(1) and git print it."""
    if old_text == new_text:
        return ""
    label = _label(path)
    out = []
    diff = difflib.unified_diff(_lines(old_text), _lines(new_text), f"a/{label}", f"b/{label}",
                                n=context, lineterm="")
    for i, line in enumerate(diff):
        if i < 2 or line.startswith("@@"):  # the two headers, hunk headers (content starts " +-")
            out.append(line + "\n")
        elif line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)


__all__ = ["unified_diff"]
