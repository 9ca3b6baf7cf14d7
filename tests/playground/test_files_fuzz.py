"""Property-based fuzz of the experiment-file loader: whatever the bytes, loading either returns
a document (which then saves and reloads unchanged) or raises FileFormatError with a short
one-line message, nothing else."""
import functools
import io
import json
import struct
import zipfile

import numpy as np
from files_helpers import npz_bytes, pack, trained_document, unpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from playground import files

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def good() -> tuple[bytes, dict, dict]:
    data = files.dumps(trained_document(12))
    document, arrays = unpack(data)
    return data, document, arrays


def load_or_refuse(data: bytes) -> None:
    try:
        doc = files.loads(data)
    except files.FileFormatError as error:
        message = str(error)
        assert message and "\n" not in message and "\r" not in message, message
        assert len(message) < 600, message
        return
    again = files.loads(files.dumps(doc))          # what loads, saves and loads the same
    assert again.values == doc.values
    assert again.step == doc.step


def paths(value, prefix=()):
    """Every key path into a JSON value."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, prefix + (i,))
    return out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    load_or_refuse(data)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_after_a_zip_signature(data):
    load_or_refuse(b"PK\x03\x04" + data)
    load_or_refuse(b"PK\x05\x06" + data)


@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_flipped_bytes_of_a_good_file(changes):
    data = bytearray(good()[0])
    for where, byte in changes:
        data[int(where * len(data))] = byte
    load_or_refuse(bytes(data))


@SETTINGS
@given(st.floats(0, 1, exclude_max=True))
def test_truncated_good_file(fraction):
    data = good()[0]
    load_or_refuse(data[:int(fraction * len(data))])


@SETTINGS
@given(st.data())
def test_one_json_value_replaced(data):
    _, document, arrays = good()
    path = data.draw(st.sampled_from(paths(document)))
    value = data.draw(json_values)
    changed = json.loads(json.dumps(document))
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    load_or_refuse(pack(changed, arrays, update_manifest=False))


@SETTINGS
@given(st.data())
def test_one_array_replaced(data):
    _, document, arrays = good()
    name = data.draw(st.sampled_from(sorted(arrays)))
    new = data.draw(hnp.arrays(st.sampled_from([np.float64, np.int64, np.float32, np.uint8]),
                               hnp.array_shapes(min_dims=0, max_dims=3, max_side=40)))
    load_or_refuse(pack(document, dict(arrays, **{name: new})))


# ---- mutations aimed at the parser's and the container's limits ----------------------------
hostile_tokens = st.sampled_from([
    "9" * 5000, "-" + "9" * 41, "1e400", "-1e999", "1" + "0" * 400 + ".0", "[" * 1000,
    "]" * 1000, '{"a":' * 700, "}" * 700, "NaN", "Infinity", '"\\ud800"', '"\x00\x1b"',
    "true", "null", '"' + "<a href=x>" * 100 + '"', "\ufeff", "0" * 30, "1.5e-400",
])


@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), hostile_tokens,
                          st.booleans()), min_size=1, max_size=3))
def test_hostile_tokens_spliced_into_the_json(splices):
    data, document, arrays = good()
    text = json.dumps(document)
    for where, token, replace in splices:
        at = int(where * len(text))
        end = at + len(token) if replace else at
        text = text[:at] + token + text[end:]
    load_or_refuse(pack(document, arrays, json_text=text))


def zip_fields(data: bytes) -> list[tuple[int, str]]:
    """(offset, struct format) of every size, offset, count and method field of the
    archive's local headers, central directory and end record."""
    out = []
    for signature, fields in ((b"PK\x03\x04", ((8, "<H"), (18, "<I"), (22, "<I"), (26, "<H"),
                                                (28, "<H"))),
                              (b"PK\x01\x02", ((10, "<H"), (20, "<I"), (24, "<I"), (28, "<H"),
                                                (30, "<H"), (42, "<I"))),
                              (b"PK\x05\x06", ((8, "<H"), (10, "<H"), (12, "<I"), (16, "<I"),
                                                (20, "<H")))):
        at = data.find(signature)
        while at >= 0:
            out += [(at + offset, fmt) for offset, fmt in fields]
            at = data.find(signature, at + 4)
    return out


@SETTINGS
@given(st.data())
def test_zip_header_fields_set_to_anything(data):
    raw = bytearray(good()[0])
    fields = zip_fields(bytes(raw))
    for _ in range(data.draw(st.integers(1, 3))):
        offset, fmt = data.draw(st.sampled_from(fields))
        bits = 16 if fmt == "<H" else 32
        value = data.draw(st.one_of(st.integers(0, 2**bits - 1), st.sampled_from(
            [0, 1, 2**bits - 1, len(raw), len(raw) + 1, 2**(bits - 1)])))
        struct.pack_into(fmt, raw, offset, value)
    load_or_refuse(bytes(raw))


@SETTINGS
@given(st.data())
def test_npz_headers_and_directories_mutated(data):
    _, document, arrays = good()
    name = data.draw(st.sampled_from(sorted(arrays)))
    npz = bytearray(npz_bytes(arrays))
    fields = zip_fields(bytes(npz))
    choice = data.draw(st.sampled_from(["header text", "zip field"]))
    if choice == "zip field":
        offset, fmt = data.draw(st.sampled_from(fields))
        struct.pack_into(fmt, npz, offset,
                         data.draw(st.integers(0, 2**(16 if fmt == "<H" else 32) - 1)))
    else:
        with zipfile.ZipFile(io.BytesIO(bytes(npz))) as z:
            member = z.read(name + ".npy")
        header_end = member.index(b"\n") + 1
        header = bytearray(member[:header_end])
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(8, len(header) - 2))
            header[at] = data.draw(st.sampled_from(b"0123456789(),'-<>fiuO{}: xe"))
        changed = dict(arrays)
        changed.pop(name)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(name + ".npy", bytes(header) + member[header_end:])
            for k, v in changed.items():
                with z.open(k + ".npy", "w") as f:
                    np.lib.format.write_array(f, v)
        npz = bytearray(out.getvalue())
    load_or_refuse(pack(document, arrays, npz=bytes(npz)))


@functools.cache
def good_second_order(method: str) -> tuple[dict, dict]:
    return unpack(files.dumps(trained_document(4, optimizer=method)))


@SETTINGS
@given(st.data())
def test_second_order_state_replaced(data):
    method = data.draw(st.sampled_from(["lbfgs", "cg", "newton"]))
    document, arrays = good_second_order(method)
    document = json.loads(json.dumps(document))
    numbers = document["run"]["second_order"]["numbers"]
    arrays = dict(arrays)
    if data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(numbers) + ["extra"]))
        numbers[key] = data.draw(json_values)
    else:
        key = data.draw(st.sampled_from(sorted(k for k in arrays if k.startswith("second"))))
        arrays[key] = data.draw(hnp.arrays(st.sampled_from([np.float64, np.int64]),
                                           hnp.array_shapes(min_dims=0, max_dims=3,
                                                            max_side=6)))
    load_or_refuse(pack(document, arrays))
