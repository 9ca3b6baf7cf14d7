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
import zipfile
from pathlib import Path

import numpy as np

DOCUMENT_NAME = "experiment.json"
ARRAYS_NAME = "arrays.npz"

MAX_FILE_BYTES = 1 << 30          # the whole file, and the sum of its members unpacked
MAX_JSON_BYTES = 4 << 20
MAX_ARRAY_BYTES = 256 << 20       # one array

_ALLOWED_DTYPES = (np.dtype("<f8"), np.dtype("<i8"))
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


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, flushed and
    fsynced, then renamed over ``path`` (keeping its permissions). Killed at any moment, ``path``
    is either the old file or the new one, never a mix. Returns the path written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)
    _remove_stale_temporaries(folder, path.name)
    return path


#: A temporary file of ours older than this was left by a save that was killed: remove it.
STALE_TEMPORARY_SECONDS = 3600


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    now = datetime.datetime.now().timestamp()
    for tmp in folder.glob(f".{glob_escape(name)}.*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                tmp.unlink()
        except OSError:
            pass


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
    """The bytes of the file at ``path``, after refusing a missing file, a folder and a file
    larger than ``MAX_FILE_BYTES``; problems are FileFormatErrors naming ``path``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileFormatError("the file does not exist.", path) from None
    except OSError as error:
        raise FileFormatError(f"cannot be read ({error.strerror or error}).", path) from None
    if path.is_dir():
        raise FileFormatError("is a folder, not an experiment file.", path)
    if size > MAX_FILE_BYTES:
        raise FileFormatError(f"is {size / 2**20:.0f} MiB, more than an experiment file can be "
                              f"({MAX_FILE_BYTES >> 20} MiB).", path)
    try:
        return path.read_bytes()
    except OSError as error:
        raise FileFormatError(f"cannot be read ({error.strerror or error}).", path) from None


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
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        raise FileFormatError("the file is damaged or incomplete (its ZIP directory cannot be "
                              "read; was it cut short while copying?).") from None


def checked_members(archive: zipfile.ZipFile, what: str, expected: set) -> dict:
    """{name: ZipInfo} after refusing unsafe, repeated, encrypted, oversized or unknown
    members and any expected member that is missing."""
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        name = info.filename
        if not _safe_member_name(name):
            raise FileFormatError(f"{what} contains an unsafe name {name!r} (absolute path, "
                                  f"'..' or a folder); experiment files never do.")
        if name in infos:
            raise FileFormatError(f"{what} contains {name!r} twice.")
        if info.flag_bits & 0x1:
            raise FileFormatError(f"{what} contains an encrypted member {name!r}.")
        if name not in expected:
            raise FileFormatError(f"{what} contains an unexpected member {name!r}.")
        total += info.file_size
        if info.file_size > MAX_FILE_BYTES or total > MAX_FILE_BYTES:
            raise FileFormatError(f"{what} unpacks to more than {MAX_FILE_BYTES >> 20} MiB.")
        infos[name] = info
    missing = sorted(expected - set(infos))
    if missing:
        raise FileFormatError(f"{what} has no {missing[0]!r}; it is not a complete experiment "
                              f"file.")
    return infos


def _safe_member_name(name: str) -> bool:
    return bool(_SAFE_NAME.match(name)) and ".." not in name and "/" not in name


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The unpacked bytes of one member, refused when it is (or turns out to be) over
    ``limit`` bytes."""
    if info.file_size > limit:
        raise FileFormatError(f"{info.filename!r} is {info.file_size} bytes, more than the "
                              f"{limit} an experiment file allows.")
    with archive.open(info) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FileFormatError(f"{info.filename!r} is larger than it says.")
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
                raise FileFormatError(f"{name} names {key!r} twice in one object.")
            out[key] = value
        return out

    try:
        return json.loads(text, parse_constant=refuse_constant,
                          object_pairs_hook=refuse_duplicates)
    except json.JSONDecodeError as error:
        raise FileFormatError(f"{name} is not valid JSON ({error.msg} at line "
                              f"{error.lineno}, column {error.colno}).") from None
    except RecursionError:
        raise FileFormatError(f"{name} is nested too deeply.") from None


def read_npz(data: bytes) -> dict[str, np.ndarray]:
    """{name: array} from the NPZ bytes, every header checked before its data is read."""
    if not data.startswith(b"PK"):
        raise FileFormatError(f"{ARRAYS_NAME} is not an NPZ archive.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        raise FileFormatError(f"{ARRAYS_NAME} is damaged (its ZIP directory cannot be "
                              f"read).") from None
    arrays = {}
    with archive:
        names = {i.filename for i in archive.infolist()}
        infos = checked_members(archive, ARRAYS_NAME, {n for n in names if n.endswith(".npy")})
        for member, info in infos.items():
            name = member[:-len(".npy")]
            with archive.open(info) as f:
                shape, dtype = _npy_header(f, name)
                nbytes = math.prod(shape) * dtype.itemsize
                if nbytes > MAX_ARRAY_BYTES:
                    raise FileFormatError(f"array {name!r} would take {nbytes / 2**20:.0f} MiB "
                                          f"(shape {shape}), more than an experiment can "
                                          f"hold.")
            with archive.open(info) as f:
                try:
                    a = np.lib.format.read_array(f, allow_pickle=False)
                except ValueError as error:
                    raise FileFormatError(f"array {name!r} is damaged ({error}).") from None
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
    except ValueError as error:
        raise FileFormatError(f"array {name!r} has a bad header ({error}).") from None
    if dtype not in _ALLOWED_DTYPES or dtype.hasobject:
        raise FileFormatError(f"array {name!r} has type {dtype}; experiment files hold only "
                              f"float64 and int64 numbers.")
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise FileFormatError(f"array {name!r} has an impossible shape {shape}.")
    return tuple(shape), dtype



# ---- checking what was read -----------------------------------------------------------------
def json_object(value, what: str) -> dict:
    """``value`` if it is a JSON object, else a FileFormatError naming ``what``."""
    if not isinstance(value, dict):
        raise FileFormatError(f"{what!r} in {DOCUMENT_NAME} must be an object, not "
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
        raise FileFormatError(f"array {name!r} is missing.")
    a = arrays[name]
    if a.dtype != dtype:
        raise FileFormatError(f"array {name!r} must be {np.dtype(dtype).name}, not "
                              f"{a.dtype.name}.")
    if a.shape != shape:
        raise FileFormatError(f"array {name!r} has shape {tuple(a.shape)}, expected {shape}.")
    if finite and not np.isfinite(a).all():
        bad = int(np.flatnonzero(~np.isfinite(a.ravel()))[0])
        raise FileFormatError(f"array {name!r} contains NaN or infinite values (first at "
                              f"index {bad}).")
    return np.ascontiguousarray(a)
