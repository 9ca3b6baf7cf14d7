"""What every command that takes an experiment does first: read it, and check its output folder.

Both print the one-line reason and return None when they cannot, so a command says
``if found is None: return EXIT_BAD_INPUT``.
"""
from __future__ import annotations

from pathlib import Path

from playground import lessons
from playground.checks import FileFormatError, one_line


def experiment_named(name_or_path: str, stderr):
    """(document, short name) of a file path, an example's or a lesson's name; None after
    printing why it cannot be read."""
    try:
        document, name, _ = lessons.resolve(name_or_path)
    except (FileFormatError, FileNotFoundError, KeyError, ValueError) as error:
        print(f"error: {one_line(error)}", file=stderr)
        return None
    return document, name


def output_folder(out: str | None, default: str, stderr) -> Path | None:
    """``out`` (or ``default`` in the current folder) as a Path; None after printing why when
    it exists and is not a folder."""
    folder = Path(out) if out else Path(default)
    if folder.exists() and not folder.is_dir():
        print(f"error: --out {folder} exists and is not a folder", file=stderr)
        return None
    return folder
