"""engine.idx: reading and writing IDX files (MNIST's format) and loading an MNIST folder.

The files are written here, by the code under test and by hand (struct), so nothing is downloaded.
"""
import gzip
import struct

import numpy as np
import pytest

from engine.idx import MAX_BYTES, load_mnist_folder, read_idx, write_idx


def handmade(code, dims, payload):
    """An IDX file built byte by byte, independently of write_idx."""
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def one_line_error(source, *words):
    with pytest.raises(ValueError) as info:
        read_idx(source)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5), (2, 1, 3, 2)])
def test_round_trip(tmp_path, dtype, shape):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    write_idx(tmp_path / "a.idx", array)
    back = read_idx(tmp_path / "a.idx")
    assert back.dtype == np.dtype(dtype) and back.shape == shape
    assert np.array_equal(back, array)
    back[...] = 0                                  # a fresh, writable array


def test_reads_a_handmade_file_as_the_format_defines_it():
    # int16, dims (2, 3), big-endian values
    data = handmade(0x0B, (2, 3), struct.pack(">6h", 1, -2, 300, -400, 5, 32767))
    assert read_idx(data).tolist() == [[1, -2, 300], [-400, 5, 32767]]
    floats = handmade(0x0D, (2,), struct.pack(">2f", 1.5, -0.25))
    assert read_idx(floats).tolist() == [1.5, -0.25]


def test_write_produces_the_bytes_the_format_defines(tmp_path):
    write_idx(tmp_path / "b", np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int32))
    assert (tmp_path / "b").read_bytes() == handmade(0x0C, (3, 2), struct.pack(">6i", 1, 2, 3, 4, 5, 6))


def test_gzip_files_are_read_and_written(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "c.gz", array)
    raw = (tmp_path / "c.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert np.array_equal(read_idx(tmp_path / "c.gz"), array)
    assert np.array_equal(read_idx(raw), array)
    # a gzip made by the standard library, as the MNIST downloads are
    (tmp_path / "d.gz").write_bytes(gzip.compress(handmade(0x08, (3,), b"\x01\x02\x03")))
    assert read_idx(tmp_path / "d.gz").tolist() == [1, 2, 3]


def test_gzip_output_is_the_same_bytes_each_time(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "e.gz", array)
    first = (tmp_path / "e.gz").read_bytes()
    write_idx(tmp_path / "e.gz", array)
    assert (tmp_path / "e.gz").read_bytes() == first


def test_truncated_data_is_refused():
    data = handmade(0x08, (4, 5), bytes(19))
    one_line_error(data, "truncated", "20 bytes", "19")


def test_trailing_bytes_are_refused():
    one_line_error(handmade(0x08, (2,), bytes(3)), "1 bytes after the data")


def test_truncated_header_is_refused():
    one_line_error(handmade(0x08, (4, 5), b"")[:9], "truncated header")
    one_line_error(b"\x00\x00", "too short")


def test_wrong_magic_is_refused():
    one_line_error(b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "not an IDX file", "0100")
    one_line_error(b"PK\x03\x04" + bytes(20), "not an IDX file")


def test_unknown_type_code_is_refused():
    one_line_error(handmade(0x0A, (1,), b"\x00"), "unknown IDX type code 0x0A")


@pytest.mark.parametrize("ndim", [0, 5, 255])
def test_absurd_ndim_is_refused(ndim):
    data = bytes([0, 0, 0x08, ndim]) + bytes(4 * ndim + 1)
    one_line_error(data, f"{ndim} dimensions")


def test_oversize_is_refused_before_allocating():
    # dims promise 2**32 float64 values: refused from the header alone
    one_line_error(handmade(0x0E, (65536, 65536), b""), "more than 1 GiB")
    one_line_error(handmade(0x08, (MAX_BYTES + 1,), b""), "more than 1 GiB")


def test_corrupt_gzip_is_refused(tmp_path):
    good = gzip.compress(handmade(0x08, (100,), bytes(100)))
    one_line_error(good[:len(good) // 2], "not a valid gzip file")
    one_line_error(b"\x1f\x8b" + bytes(30), "not a valid gzip file")


def test_a_missing_file_or_a_wrong_argument_is_refused(tmp_path):
    one_line_error(tmp_path / "nothing.idx", "nothing.idx", "cannot read")
    one_line_error(12, "path or bytes")


@pytest.mark.parametrize("array, words", [
    (np.zeros(3, dtype=np.uint16), "cannot store dtype uint16"),
    (np.zeros(3, dtype=bool), "cannot store dtype bool"),
    (np.float64(1.0), "1 to 4 dimensions"),
    (np.zeros((1,) * 5, dtype=np.uint8), "1 to 4 dimensions"),
])
def test_write_refuses_what_idx_cannot_hold(tmp_path, array, words):
    with pytest.raises(ValueError, match=words):
        write_idx(tmp_path / "f", array)
    assert not (tmp_path / "f").exists()


def test_write_over_an_existing_file_replaces_it(tmp_path):
    write_idx(tmp_path / "g", np.zeros(2, dtype=np.uint8))
    write_idx(tmp_path / "g", np.ones(3, dtype=np.uint8))
    assert read_idx(tmp_path / "g").tolist() == [1, 1, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["g"]


# --- load_mnist_folder -----------------------------------------------------------------------

NAMES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def mnist_folder(folder, n_train=6, n_test=4, gz=False, labels=None, **overrides):
    rng = np.random.default_rng(1)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "test_labels": (np.arange(n_test) % 10).astype(np.uint8),
        **overrides,
    }
    for key, array in arrays.items():
        if array is not None:
            write_idx(folder / (NAMES[key] + (".gz" if gz else "")), array)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_folder(tmp_path, gz):
    arrays = mnist_folder(tmp_path, gz=gz)
    X_train, y_train, X_test, y_test = load_mnist_folder(tmp_path)
    assert X_train.shape == (6, 1, 28, 28) and X_test.shape == (4, 1, 28, 28)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() >= 0 and X_train.max() <= 1
    assert np.allclose(X_train[:, 0] * 255, arrays["train_images"], atol=1e-4)
    assert np.array_equal(y_test, arrays["test_labels"])


def test_the_dot_idx_rename_is_found_too(tmp_path):
    mnist_folder(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.rename(tmp_path / "t10k-images.idx3-ubyte")
    assert load_mnist_folder(tmp_path)[2].shape == (4, 1, 28, 28)


def mnist_error(folder, *words):
    with pytest.raises(ValueError) as info:
        load_mnist_folder(folder)
    assert "\n" not in str(info.value)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_missing_files_are_named(tmp_path):
    mnist_folder(tmp_path, test_labels=None)
    mnist_error(tmp_path, "missing t10k-labels-idx1-ubyte")
    mnist_error(tmp_path / "nope", "not a folder")


def test_mismatched_counts_are_refused(tmp_path):
    mnist_folder(tmp_path, train_labels=np.zeros(5, dtype=np.uint8))
    mnist_error(tmp_path, "train set: 6 images but 5 labels")


def test_labels_out_of_range_are_refused(tmp_path):
    mnist_folder(tmp_path, test_labels=np.array([0, 1, 10, 2], dtype=np.uint8))
    mnist_error(tmp_path, "label 10 at index 2 is outside 0..9")


def test_images_of_the_wrong_shape_or_type_are_refused(tmp_path):
    mnist_folder(tmp_path, train_images=np.zeros((6, 27, 28), dtype=np.uint8))
    mnist_error(tmp_path, "train-images-idx3-ubyte", "(6, 27, 28)")
    mnist_folder(tmp_path, train_images=np.zeros((6, 28, 28), dtype=np.int32))
    mnist_error(tmp_path, "int32")


def test_a_corrupt_file_in_the_folder_is_named(tmp_path):
    mnist_folder(tmp_path, gz=True)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:10])
    mnist_error(tmp_path, "train-labels-idx1-ubyte.gz")


def test_a_file_over_1_gib_on_disk_is_refused_unread(tmp_path):
    path = tmp_path / "huge.idx"
    with open(path, "wb") as f:               # sparse: costs no disk
        f.truncate(MAX_BYTES + 1)
    one_line_error(path, "huge.idx", "more than 1 GiB")


def test_a_gzip_that_inflates_past_the_limit_is_refused(tmp_path, monkeypatch):
    import engine.idx
    monkeypatch.setattr(engine.idx, "MAX_BYTES", 1000)   # the limit, scaled down to test cheaply
    bomb = gzip.compress(handmade(0x08, (5000,), bytes(5000)))
    assert len(bomb) < 1000
    one_line_error(bomb, "decompresses to more than")
