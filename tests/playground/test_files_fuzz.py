"""Property-based fuzz of the experiment-file loader: whatever the bytes, loading either returns
a document (which then saves and reloads unchanged) or raises FileFormatError, nothing else."""
import functools
import json

import numpy as np
from files_helpers import pack, trained_document, unpack
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
        assert str(error)
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
