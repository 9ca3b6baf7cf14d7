"""The IDX format of MNIST and Fashion-MNIST: read, write, and load the four standard files.

An IDX file is a 4-byte header -- two zero bytes, a type code (``IDX_TYPES``) and the number of
dimensions -- then one big-endian uint32 per dimension, then the values, big-endian, row-major.
The standard downloads are gzipped; a file whose first bytes are the gzip magic (``1f 8b``) is
decompressed first. Reading is strict: every malformed file is refused with a one-line
``ValueError`` saying what is wrong, before anything large is allocated.
"""
from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np

# type code -> big-endian numpy dtype
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_NDIM = 4
MAX_BYTES = 1 << 30              # 1 GiB: larger files (or decompressed contents) are refused
_GZIP_MAGIC = b"\x1f\x8b"
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_SHAPE = (28, 28)
MNIST_CLASSES = 10


def _gunzip(data: bytes, name: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{name}: not a valid gzip file ({exc or type(exc).__name__})") from None
    if len(out) > MAX_BYTES:
        raise ValueError(f"{name}: decompresses to more than {MAX_BYTES} bytes (1 GiB); refused")
    return out


def _source_bytes(source) -> tuple[bytes, str]:
    """(the raw bytes, a name for messages) of a path or a bytes-like object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "IDX data"
    if not isinstance(source, (str, os.PathLike)):
        raise ValueError(f"read_idx takes a path or bytes, got {type(source).__name__}")
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"{path.name}: {size} bytes is more than 1 GiB; refused")
        return path.read_bytes(), path.name
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot read ({exc.strerror or exc})") from None


def read_idx(path_or_bytes) -> np.ndarray:
    """The array stored in an IDX file (gzipped or not), in native byte order.

    path_or_bytes : a path (str or PathLike) or the file's bytes
    Returns an ndarray of shape (d0, ..., d_{ndim-1}), 1 <= ndim <= 4, with the file's type:
      uint8, int8, int16, int32, float32 or float64. It is a fresh, writable array.
    Raises ValueError naming the problem: wrong magic, unknown type code, ndim 0 or > 4,
    a data length that does not match the dimensions (truncated or trailing bytes), over 1 GiB.
    """
    data, name = _source_bytes(path_or_bytes)
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(data, name)
    if len(data) < 4:
        raise ValueError(f"{name}: {len(data)} bytes is too short for an IDX header (4 bytes)")
    if data[:2] != b"\x00\x00":
        raise ValueError(f"{name}: not an IDX file (magic bytes {data[:2].hex()}, expected 0000)")
    code, ndim = data[2], data[3]
    if code not in IDX_TYPES:
        raise ValueError(f"{name}: unknown IDX type code 0x{code:02X}; known: "
                         + ", ".join(f"0x{c:02X}" for c in IDX_TYPES))
    if not 1 <= ndim <= MAX_NDIM:
        raise ValueError(f"{name}: {ndim} dimensions; an IDX file here has 1 to {MAX_NDIM}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: truncated header ({len(data)} bytes, {ndim} dimensions need {header})")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, 4))
    dtype = np.dtype(IDX_TYPES[code])
    expected = int(np.prod(dims, dtype=object)) * dtype.itemsize       # exact: no overflow
    if expected > MAX_BYTES:
        raise ValueError(f"{name}: dimensions {dims} mean {expected} bytes of data, more than 1 GiB; refused")
    have = len(data) - header
    if have < expected:
        raise ValueError(f"{name}: truncated: dimensions {dims} need {expected} bytes of data, the file has {have}")
    if have > expected:
        raise ValueError(f"{name}: {have - expected} bytes after the data that dimensions {dims} describe")
    return np.frombuffer(data, dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write ``array`` as an IDX file at ``path``; gzipped when the name ends in ``.gz``.

    array : ndarray of 1 to 4 dimensions, dtype uint8, int8, int16, int32, float32 or float64
    The file is written beside its final name and moved into place, so a failed write leaves
    any existing file whole. Gzip output carries no timestamp: same array, same bytes.
    """
    array = np.asarray(array)
    codes = {np.dtype(t).newbyteorder("="): c for c, t in IDX_TYPES.items()}
    key = array.dtype.newbyteorder("=")
    if key not in codes:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of "
                         + ", ".join(str(np.dtype(t).newbyteorder('=')) for t in IDX_TYPES.values()))
    if not 1 <= array.ndim <= MAX_NDIM:
        raise ValueError(f"IDX stores 1 to {MAX_NDIM} dimensions, the array has {array.ndim}")
    if any(d >= 1 << 32 for d in array.shape):
        raise ValueError(f"IDX dimensions must fit in 32 bits, got {array.shape}")
    code = codes[key]
    payload = (bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
               + np.ascontiguousarray(array, IDX_TYPES[code]).tobytes())
    path = Path(path)
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    temporary = path.with_name(path.name + ".part")
    try:
        temporary.write_bytes(payload)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _find(folder: Path, stem: str) -> Path | None:
    """The file for ``stem`` in folder: as named, gzipped, or with '.idx' for '-idx' (a common
    rename of the downloads)."""
    for base in (stem, stem.replace("-idx", ".idx")):
        for name in (base, base + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def load_mnist_folder(folder):
    """Load MNIST (or Fashion-MNIST: same files, same format) from a folder of the four files.

    folder : holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
             t10k-labels-idx1-ubyte, each possibly gzipped (.gz)
    Returns (X_train, y_train, X_test, y_test):
      X_* : float32 (n, 1, 28, 28), pixel / 255, in [0, 1]
      y_* : int64 (n,), classes 0..9
    Raises ValueError for a missing file, images that are not uint8 (n, 28, 28), labels that are
    not uint8 (n,), image and label counts that differ, or a label outside 0..9.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    found = {key: _find(folder, stem) for key, stem in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, path in found.items() if path is None]
    if missing:
        raise ValueError(f"{folder.name}: missing {', '.join(missing)} (or .gz)")
    out = []
    for part in ("train", "test"):
        images_path, labels_path = found[f"{part}_images"], found[f"{part}_labels"]
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != MNIST_SHAPE:
            raise ValueError(f"{images_path.name}: expected uint8 images of shape (n, 28, 28), "
                             f"got {images.dtype} {images.shape}")
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise ValueError(f"{labels_path.name}: expected uint8 labels of shape (n,), "
                             f"got {labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{part} set: {len(images)} images but {len(labels)} labels")
        if labels.size and labels.max() >= MNIST_CLASSES:
            bad = int(np.argmax(labels >= MNIST_CLASSES))
            raise ValueError(f"{labels_path.name}: label {labels[bad]} at index {bad} is outside 0..9")
        X = (images.astype(np.float32) / np.float32(255.0)).reshape(len(images), 1, *MNIST_SHAPE)
        out += [X, labels.astype(np.int64)]
    return tuple(out)
