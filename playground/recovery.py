"""The recovery file's notes about itself: who autosaved it, when, and from which experiment.

A window autosaves unsaved work to a recovery file (``widgets.file_actions``) and writes these
notes into its ``meta``; at the next start the notes say whether the file belongs to a window
that is still running (leave it) or to a session that crashed (offer it). The file may have been
edited or forged, so every note is checked before it is used: a process id is digits only, the
names are cut short and kept on one line.
"""
from __future__ import annotations

import datetime
import os
import re
import time
from pathlib import Path

from playground.checks import one_line


def recovery_meta(path: Path | None, name: str) -> dict:
    """The notes a window writes into its recovery file: the file it was working on (or ""),
    its name, when, and the process that wrote it."""
    return {"original_path": str(path) if path else "", "original_name": name,
            "autosaved": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "pid": str(os.getpid()), "time": str(time.time())}


def recovery_owner(meta: dict) -> int | None:
    """The process id a recovery file says wrote it, or None when it says none or something
    that is not a process id."""
    pid = meta.get("pid", "")
    if isinstance(pid, str) and re.fullmatch(r"[0-9]{1,9}", pid) and int(pid) > 0:
        return int(pid)
    return None


def written_by_a_running_window(meta: dict) -> bool:
    """True when another process that is still running wrote the recovery file: a window of a
    playground that has not crashed, whose file is not ours to offer or delete."""
    owner = recovery_owner(meta)
    return owner is not None and owner != os.getpid() and process_alive(owner)


def recovery_names(meta: dict) -> tuple[str, str]:
    """(experiment name, when) of a recovery file's notes, short and on one line, for the
    offer and the window title."""
    name = meta.get("original_name") or "Untitled"
    when = meta.get("autosaved") or "an earlier session"
    return one_line(name, 60), one_line(when, 40)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (POSIX: signal 0; one we may not signal exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):
        return False
    except OSError:                 # PermissionError: alive, someone else's
        return True
    return True
