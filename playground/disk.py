"""An experiment file on disk: read only when it is a regular file of a sane size, written
atomically beside its target.

``read_file`` follows links, then refuses folders, named pipes (which would block an open),
devices (``/dev/zero`` never ends), sockets and anything over ``MAX_FILE_BYTES`` before reading;
the open descriptor is checked again (the path may change in between) and read no further than
the limit. ``write_atomically`` writes a temporary file in the target's folder, holding a lock
on it, fsyncs it and renames it over the target: killed at any moment, the target is the old
file or the new one. It follows a link (replacing its target, keeping the link), refuses a
read-only target, and removes the temporaries of saves that were killed, which nobody holds
locked any more (where files cannot be locked, those older than ``STALE_TEMPORARY_SECONDS``);
so does every read. Problems reading are ``FileFormatError``s naming the file; problems writing
are ``ValueError``s (or ``OSError``s from the system) saying why nothing was written.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path

from playground.checks import FileFormatError, one_line

try:
    import fcntl
except ImportError:                 # Windows: stale temporaries are told by their age
    fcntl = None

MAX_FILE_BYTES = 1 << 30          # the whole file, and the sum of its members unpacked

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)     # a pipe with no writer must not hang the open


# ---- reading ------------------------------------------------------------------------------------
def read_file(path: str | os.PathLike) -> bytes:
    """The bytes of the file at ``path``, after refusing (FileFormatErrors naming ``path``) a
    missing file and anything that is not a regular file of at most ``MAX_FILE_BYTES`` once
    links are followed: folders, named pipes, devices (``/dev/zero``), sockets. Checked before
    reading and again on the open file, opened without blocking, read no further than the
    limit. Removes temporaries that killed saves of ``path`` left behind."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        broken = " (it is a link to a missing file)" if os.path.islink(path) else ""
        raise FileFormatError(f"the file does not exist{broken}.", path) from None
    except (OSError, ValueError) as error:
        raise FileFormatError(f"cannot be read ({_reason(error)}).", path) from None
    _check_regular(info, path)
    remove_stale_temporaries(path)
    try:
        fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise FileFormatError(f"cannot be read ({_reason(error)}).", path) from None
    try:
        with os.fdopen(fd, "rb") as f:
            _check_regular(os.fstat(f.fileno()), path)    # the same file as checked above
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise FileFormatError(f"cannot be read ({_reason(error)}).", path) from None
    if len(data) > MAX_FILE_BYTES:
        raise FileFormatError(f"is more than an experiment file can be "
                              f"({MAX_FILE_BYTES >> 20} MiB).", path)
    return data


def _check_regular(info: os.stat_result, path: Path) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise FileFormatError("is a folder, not an experiment file.", path)
    if not stat.S_ISREG(info.st_mode):
        raise FileFormatError(f"is {_file_kind(info.st_mode)}, not an experiment file.", path)
    if info.st_size > MAX_FILE_BYTES:
        raise FileFormatError(f"is {info.st_size / 2**20:.0f} MiB, more than an experiment "
                              f"file can be ({MAX_FILE_BYTES >> 20} MiB).", path)


def _file_kind(mode: int) -> str:
    for test, words in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
                        (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def _reason(error: Exception) -> str:
    return one_line(getattr(error, "strerror", None) or error, 120)



# ---- writing ------------------------------------------------------------------------------------
def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, locked,
    flushed and fsynced, then renamed over ``path`` (keeping its permissions). Killed at any
    moment, ``path`` is either the old file or the new one, never a mix. A link is followed:
    its target is replaced and the link kept. Refuses (ValueError, nothing written) data over
    ``MAX_FILE_BYTES``, a read-only target and a target that is not a regular file.
    Temporaries of earlier saves that were killed are removed. Returns ``path``."""
    path = Path(path)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"cannot save: the file would be {len(data) / 2**20:.0f} MiB, more "
                         f"than the {MAX_FILE_BYTES >> 20} MiB a file may hold")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = _writable_mode(target, path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = _new_temporary(folder, target.name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.chmod(tmp, mode)
            if fcntl is not None:           # rename while the lock still says "in use"
                os.replace(tmp, target)
        if fcntl is None:
            os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)
    remove_stale_temporaries(target)
    return path


def _writable_mode(target: Path, named: Path) -> int:
    """The permissions the new file gets (the old file's); ValueError for a target that must
    not be replaced: read-only, a folder, a device, a pipe."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return 0o644
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{named.name} is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{named.name} is {_file_kind(info.st_mode)}, not a file to save into")
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise ValueError(f"{named.name} is read-only; it was left as it is (save under another "
                         f"name, or make it writable first)")
    return stat.S_IMODE(info.st_mode)


def _new_temporary(folder: Path, name: str) -> tuple[int, str]:
    """(fd, path) of a new temporary file beside ``name``, locked for as long as fd is open so
    that ``remove_stale_temporaries`` tells a save in progress from one that was killed."""
    for _ in range(5):
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        except OSError as error:
            raise ValueError(f"cannot write in the folder {folder} "
                             f"({error.strerror or error})") from None
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:           # not removed by a cleaner before it was locked
            return fd, tmp
        os.close(fd)
    raise ValueError(f"cannot make a temporary file in {folder}")


#: Where files cannot be locked (Windows), a temporary file of ours older than this was left
#: by a save that was killed; where they can, a temporary that nobody holds locked is one.
STALE_TEMPORARY_SECONDS = 3600


def remove_stale_temporaries(path: str | os.PathLike) -> int:
    """Remove the temporary files that saves of ``path`` left behind when they were killed
    (``.NAME.*.tmp`` beside it, not locked by a save in progress); returns how many. Called
    after every save and before every open; never raises."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    removed = 0
    now = time.time()
    try:
        candidates = list(folder.glob(f".{glob_escape(path.name)}.*.tmp"))
    except OSError:
        return 0
    for tmp in candidates:
        try:
            fd = os.open(tmp, os.O_RDONLY | _O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                continue
            if fcntl is None:
                stale = now - info.st_mtime > STALE_TEMPORARY_SECONDS
            else:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue                # a save in progress holds it
                stale = os.stat(tmp).st_ino == info.st_ino
            if stale:
                os.unlink(tmp)
                removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
