"""The container of an experiment file: a ZIP of two members, written atomically, read safely.

``playground.files`` decides what goes into an experiment file; this module decides how it is
packed and how a packed file is taken apart without trusting it::

    spiral.nnp                  a ZIP archive, both members deflated
      experiment.json           UTF-8 JSON text (the document)
      arrays.npz                numpy's NPZ: float64 and int64 arrays only

The file on disk (read only when it is a regular file of a sane size, written atomically, the
temporaries of killed saves removed) is ``playground.disk``; its names are importable here too.
Saving and opening apply the same limits (``check_sizes`` before anything is compressed):
``MAX_FILE_BYTES`` for the file and the sum of its members unpacked, ``MAX_JSON_BYTES`` for the
document, ``MAX_ARRAY_BYTES`` for one array.

Reading refuses member names that could point outside the archive ('..',
folders, absolute paths), repeated, encrypted or unexpected members, JSON with NaN, repeated
keys, integers of more than ``MAX_JSON_DIGITS`` digits, floats beyond float64 or nesting deeper
than ``MAX_JSON_DEPTH``, and reads the NPZ itself, header first, so that nothing is ever
unpickled (``allow_pickle=False``, object dtypes refused). Whatever zipfile, zlib or numpy raise
on damaged bytes (``ZIP_ERRORS``, ``NPY_ERRORS``) is caught where it arises. Every refusal is a
``FileFormatError`` whose message is one line and quotes the file's values with
``playground.checks.quoted``.
"""
from __future__ import annotations

import datetime
import io
import json
import math
import re
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from playground.checks import FileFormatError, one_line, quoted  # noqa: F401
from playground.disk import MAX_FILE_BYTES

DOCUMENT_NAME = "experiment.json"
ARRAYS_NAME = "arrays.npz"

MAX_JSON_BYTES = 4 << 20
MAX_ARRAY_BYTES = 256 << 20       # one array

#: float64 and int64 numbers; uint8 for the pixels of imported images
_ALLOWED_DTYPES = (np.dtype("<f8"), np.dtype("<i8"), np.dtype("|u1"))
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


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


# ---- reading ------------------------------------------------------------------------------------
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
                              f"float64, int64 and uint8 numbers.")
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
