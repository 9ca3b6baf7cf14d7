"""The container of an experiment file: a ZIP of two members, written atomically, read safely.

``playground.files`` decides what goes into an experiment file; this module decides how it is
packed and how a packed file is taken apart without trusting it::

    spiral.nnp                  a ZIP archive, both members deflated
      experiment.json           UTF-8 JSON text (the document)
      arrays.npz                numpy's NPZ: float64 and int64 arrays only

Writing goes through a temporary file in the target's folder, flushed and fsynced, then renamed
over the target (``write_atomically``); temporaries left by a save that was killed are removed
once they are old. Reading checks sizes before it reads (``MAX_FILE_BYTES`` for the file and the
sum of its members unpacked, ``MAX_JSON_BYTES`` for the document, ``MAX_ARRAY_BYTES`` for one
array), refuses member names that could point outside the archive ('..', folders, absolute
paths), repeated, encrypted or unexpected members, JSON with NaN or repeated keys, and reads the
NPZ itself, header first, so that nothing is ever unpickled (``allow_pickle=False``, object dtypes
refused). Every refusal is a ``FileFormatError`` that says what is wrong.
"""
from __future__ import annotations

import datetime
import io
import json
import math
import os
import re
import stat
import struct
import tempfile
import time
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from playground.checks import QUOTE_CHARS, one_line, quoted  # noqa: F401 (for callers)

try:
    import fcntl
except ImportError:                 # Windows: stale temporaries are told by their age
    fcntl = None

DOCUMENT_NAME = "experiment.json"
ARRAYS_NAME = "arrays.npz"

MAX_FILE_BYTES = 1 << 30          # the whole file, and the sum of its members unpacked
MAX_JSON_BYTES = 4 << 20
MAX_ARRAY_BYTES = 256 << 20       # one array

_ALLOWED_DTYPES = (np.dtype("<f8"), np.dtype("<i8"))
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)     # a pipe with no writer must not hang the open
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


class FileFormatError(ValueError):
    """A file that cannot be opened as an experiment; the message says what is wrong with it."""

    def __init__(self, problem: str, path: str | os.PathLike | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        where = f"{Path(self.path).name}: " if self.path else ""
        super().__init__(where + problem)


# ---- writing ------------------------------------------------------------------------------------
def pack(document: bytes, arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of a container holding ``document`` (the JSON text, encoded) as
    ``experiment.json`` and ``arrays`` as ``arrays.npz``."""
    check_sizes(document, arrays)
    npz = io.BytesIO()
    np.savez_compressed(npz, **arrays)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_member(DOCUMENT_NAME), document)
        # deflated, not stored: a stored NPZ would show its own ZIP directory in plain bytes,
        # and a cut-off file would then open as the inner archive
        z.writestr(_member(ARRAYS_NAME), npz.getvalue())
    return out.getvalue()


def _member(name: str, compression: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.datetime.now().timetuple()[:6])
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def check_sizes(document: bytes, arrays: dict[str, np.ndarray]) -> None:
    """Refuse, with a ValueError saying so, contents that ``read_npz`` and ``read_json`` would
    refuse: saving and opening agree on ``MAX_JSON_BYTES``, ``MAX_ARRAY_BYTES`` and
    ``MAX_FILE_BYTES``. Cheap: called before anything is compressed or written."""
    mib = 2**20
    if len(document) > MAX_JSON_BYTES:
        raise ValueError(f"cannot save: the settings take {len(document) / mib:.1f} MiB, more "
                         f"than the {MAX_JSON_BYTES // mib} MiB a file may hold")
    total = len(document)
    for name, a in arrays.items():
        if a.dtype not in _ALLOWED_DTYPES:
            raise ValueError(f"cannot save array {quoted(name)} of type {a.dtype}")
        if a.nbytes > MAX_ARRAY_BYTES:
            raise ValueError(f"cannot save: {name} would take {a.nbytes / mib:.0f} MiB, more "
                             f"than the {MAX_ARRAY_BYTES // mib} MiB a file may hold in one "
                             f"array")
        total += a.nbytes + _NPY_OVERHEAD
    if total > MAX_FILE_BYTES:
        raise ValueError(f"cannot save: the experiment would take {total / mib:.0f} MiB, more "
                         f"than the {MAX_FILE_BYTES // mib} MiB a file may hold")


_NPY_OVERHEAD = 1024       # an NPZ member's header and ZIP entry, generously


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


def open_archive(data: bytes) -> zipfile.ZipFile:
    """The outer ZIP of an experiment file's bytes, opened (not yet checked: see
    ``checked_members``)."""
    if len(data) > MAX_FILE_BYTES:
        raise FileFormatError(f"the file is larger than {MAX_FILE_BYTES >> 20} MiB.")
    if not data.startswith(b"PK"):
        raise FileFormatError("this is not an NN Playground experiment file (it is not a ZIP "
                              "archive).")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS:
        raise FileFormatError("the file is damaged or incomplete (its ZIP directory cannot be "
                              "read; was it cut short while copying?).") from None


#: Everything ``zipfile`` raises on a damaged archive (a directory pointing past the end gives
#: ValueError 'negative seek value', a bad deflate stream zlib.error, a cut header EOFError or
#: struct.error, an unknown compression method NotImplementedError).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, struct.error,
              NotImplementedError, OverflowError, KeyError, IndexError)
#: ... and what numpy adds reading an array from one (its header is parsed by ``ast``).
NPY_ERRORS = ZIP_ERRORS + (SyntaxError, tokenize.TokenError, TypeError, MemoryError)


def checked_members(archive: zipfile.ZipFile, what: str, expected: set) -> dict:
    """{name: ZipInfo} after refusing unsafe, repeated, encrypted, oversized or unknown
    members and any expected member that is missing."""
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        name = info.filename
        if not _safe_member_name(name):
            raise FileFormatError(f"{what} contains an unsafe name {quoted(name)} (absolute path, "
                                  f"'..' or a folder); experiment files never do.")
        if name in infos:
            raise FileFormatError(f"{what} contains {quoted(name)} twice.")
        if info.flag_bits & 0x1:
            raise FileFormatError(f"{what} contains an encrypted member {quoted(name)}.")
        if name not in expected:
            raise FileFormatError(f"{what} contains an unexpected member {quoted(name)}.")
        total += info.file_size
        if info.file_size > MAX_FILE_BYTES or total > MAX_FILE_BYTES:
            raise FileFormatError(f"{what} unpacks to more than {MAX_FILE_BYTES >> 20} MiB.")
        infos[name] = info
    missing = sorted(expected - set(infos))
    if missing:
        raise FileFormatError(f"{what} has no {missing[0]!r}; it is not a complete "
                              f"experiment file.")
    return infos


def _safe_member_name(name: str) -> bool:
    return bool(_SAFE_NAME.match(name)) and ".." not in name and "/" not in name


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The unpacked bytes of one member, refused when it is (or turns out to be) over
    ``limit`` bytes."""
    if info.file_size > limit:
        raise FileFormatError(f"{quoted(info.filename)} is {info.file_size} bytes, more than the "
                              f"{limit} an experiment file allows.")
    try:
        with archive.open(info) as f:
            data = f.read(limit + 1)
    except ZIP_ERRORS as error:
        raise FileFormatError(f"{quoted(info.filename)} is damaged ({_reason(error)}).") \
            from None
    if len(data) > limit:
        raise FileFormatError(f"{quoted(info.filename)} is larger than it says.")
    return data


def read_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The parsed JSON of one member of at most ``MAX_JSON_BYTES``: strict UTF-8, no NaN or
    Infinity, no key named twice in one object."""
    name = info.filename
    raw = read_member(archive, info, MAX_JSON_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(f"{name} is not UTF-8 text.") from None

    def refuse_constant(constant: str):
        raise FileFormatError(f"{name} contains {constant}, which is not a number JSON allows.")

    def refuse_duplicates(pairs: list) -> dict:
        out = {}
        for key, value in pairs:
            if key in out:
                raise FileFormatError(f"{name} names {quoted(key)} twice in one object.")
            out[key] = value
        return out

    def checked_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_JSON_DIGITS:
            raise FileFormatError(f"{name} contains a number of {len(digits)} digits; "
                                  f"experiment files need at most {MAX_JSON_DIGITS}.")
        return int(digits)

    def checked_float(digits: str) -> float:
        value = float(digits)
        if not math.isfinite(value):
            raise FileFormatError(f"{name} contains the number {quoted(digits)}, too large "
                                  f"for a float.")
        return value

    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise FileFormatError(f"{name} is nested {depth} levels deep; experiment files need "
                              f"at most {MAX_JSON_DEPTH}.")
    try:
        return json.loads(text, parse_constant=refuse_constant, parse_int=checked_int,
                          parse_float=checked_float, object_pairs_hook=refuse_duplicates)
    except json.JSONDecodeError as error:
        raise FileFormatError(f"{name} is not valid JSON ({one_line(error.msg, 80)} at line "
                              f"{error.lineno}, column {error.colno}).") from None
    except RecursionError:
        raise FileFormatError(f"{name} is nested too deeply.") from None
    except FileFormatError:
        raise
    except (ValueError, OverflowError, MemoryError) as error:
        raise FileFormatError(f"{name} cannot be read ({_reason(error)}).") from None


#: Limits of a document no experiment comes near: nesting (a file has about 5 levels) and
#: digits of an integer (counters need 19); beyond them json and repr would recurse or
#: refuse with their own errors.
MAX_JSON_DEPTH = 64
MAX_JSON_DIGITS = 40

_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)


def json_depth(text: str) -> int:
    """How deeply brackets nest in JSON ``text``, strings skipped; counted without recursion
    (numpy over the bytes), so that it works on text that ``json`` could not parse."""
    code = np.frombuffer(_JSON_STRING.sub("", text).encode("utf-8", "replace"), np.uint8)
    if not code.size:
        return 0
    step = (np.isin(code, (ord("["), ord("{"))).astype(np.int64)
            - np.isin(code, (ord("]"), ord("}"))))
    return int(max(0, np.cumsum(step).max()))


def read_npz(data: bytes) -> dict[str, np.ndarray]:
    """{name: array} from the NPZ bytes, every header checked before its data is read."""
    if not data.startswith(b"PK"):
        raise FileFormatError(f"{ARRAYS_NAME} is not an NPZ archive.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS:
        raise FileFormatError(f"{ARRAYS_NAME} is damaged (its ZIP directory cannot be "
                              f"read).") from None
    arrays = {}
    with archive:
        names = {i.filename for i in archive.infolist()}
        infos = checked_members(archive, ARRAYS_NAME, {n for n in names if n.endswith(".npy")})
        for member, info in infos.items():
            name = member[:-len(".npy")]
            try:
                with archive.open(info) as f:
                    shape, dtype = _npy_header(f, name)
                    nbytes = math.prod(shape) * dtype.itemsize
                    if nbytes > MAX_ARRAY_BYTES:
                        raise FileFormatError(f"array {quoted(name)} would take "
                                              f"{nbytes / 2**20:.0f} MiB (shape "
                                              f"{quoted(shape)}), more than an experiment can "
                                              f"hold.")
                with archive.open(info) as f:
                    a = np.lib.format.read_array(f, allow_pickle=False)
            except FileFormatError:
                raise
            except NPY_ERRORS as error:
                raise FileFormatError(f"array {quoted(name)} is damaged "
                                      f"({_reason(error)}).") from None
            arrays[name] = a
    return arrays


def _npy_header(f, name: str) -> tuple[tuple, np.dtype]:
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except NPY_ERRORS as error:             # numpy parses the header with ast: SyntaxError
        raise FileFormatError(f"array {quoted(name)} has a bad header "
                              f"({_reason(error)}).") from None
    if dtype not in _ALLOWED_DTYPES or dtype.hasobject:
        raise FileFormatError(f"array {quoted(name)} has type {dtype}; experiment files hold only "
                              f"float64 and int64 numbers.")
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise FileFormatError(f"array {quoted(name)} has an impossible shape {shape}.")
    return tuple(shape), dtype



# ---- checking what was read -----------------------------------------------------------------
def json_object(value, what: str) -> dict:
    """``value`` if it is a JSON object, else a FileFormatError naming ``what``."""
    if not isinstance(value, dict):
        raise FileFormatError(f"{quoted(what)} in {DOCUMENT_NAME} must be an object, not "
                              f"{json_type(value)}.")
    return value


def json_type(value) -> str:
    """A JSON value's kind, in words, for messages."""
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def checked_array(arrays: dict, name: str, shape: tuple, dtype=np.float64,
                  finite: bool = True) -> np.ndarray:
    """Array ``name`` of ``arrays``, checked for its dtype, shape and (``finite``) values."""
    if name not in arrays:
        raise FileFormatError(f"array {quoted(name)} is missing.")
    a = arrays[name]
    if a.dtype != dtype:
        raise FileFormatError(f"array {quoted(name)} must be {np.dtype(dtype).name}, not "
                              f"{a.dtype.name}.")
    if a.shape != shape:
        raise FileFormatError(f"array {quoted(name)} has shape {tuple(a.shape)}, expected {shape}.")
    if finite and not np.isfinite(a).all():
        bad = int(np.flatnonzero(~np.isfinite(a.ravel()))[0])
        raise FileFormatError(f"array {quoted(name)} contains NaN or infinite values (first at "
                              f"index {bad}).")
    return np.ascontiguousarray(a)
