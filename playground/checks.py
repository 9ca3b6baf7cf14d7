"""Small checks shared by the settings and the files: what counts as a whole number or a
number (never a bool, although Python's bool is an int), and how a value read from a file is
quoted in a message (short, on one line, showing nothing but itself).

A message box or a label may render text as rich text; the views show these messages as plain
text, and ``quoted`` keeps a file's text from running to pages or breaking lines anyway.
"""
from __future__ import annotations

import math
import os
from pathlib import Path


def is_whole_number(value) -> bool:
    """True for an int that is not a bool (``"units": true`` is not a layer size)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    """True for a finite int or float that is not a bool."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


#: How many characters of a value taken from a file a message quotes (``quoted``).
QUOTE_CHARS = 60


def quoted(value, limit: int = QUOTE_CHARS) -> str:
    """``value`` (anything read from a file) for a message: repr-like (text in quotes),
    control and other non-printable characters escaped so that it stays on one line and shows
    nothing but itself, cut to ``limit`` characters with '...'. Safe for values nested too
    deeply to repr and integers too long to print."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except (RecursionError, ValueError):          # nested beyond repr, an int beyond str()
        text = f"<{type(value).__name__}>"
    out = _escaped(text[:limit + 1])
    if len(out) > limit:
        out = out[:limit - 3] + "..."
    return f"'{out}'" if isinstance(value, str) else out


def one_line(text: str, limit: int = 400) -> str:
    """A message (which may carry an exception's words) as one line of at most ``limit``
    characters, line breaks as spaces and other non-printable characters escaped."""
    out = _escaped(" ".join(str(text)[:limit + 1].split("\n")))
    return out if len(out) <= limit else out[:limit - 3] + "..."


def _escaped(text: str) -> str:
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


class FileFormatError(ValueError):
    """A file that cannot be opened as an experiment; the message says what is wrong with it."""

    def __init__(self, problem: str, path: str | os.PathLike | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        where = f"{Path(self.path).name}: " if self.path else ""
        super().__init__(where + problem)
