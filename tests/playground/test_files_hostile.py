"""Hostile and damaged experiment files: numbers and nesting past the parser's limits, ZIP
directories that point past the end, paths that are not regular files, values that try to
show themselves as rich text, saves past the limits that opening applies, read-only targets
and links. Each is refused with a one-line FileFormatError (or ValueError when saving) and
changes nothing."""
import json
import os
import socket
import stat
import struct
import threading

import numpy as np
import pytest
from files_helpers import pack, trained_document, unpack

from playground import checks, container, disk, files


@pytest.fixture(scope="module")
def good():
    data = files.dumps(trained_document(6))
    document, arrays = unpack(data)
    return data, document, arrays


def refused(data: bytes, *words: str) -> str:
    with pytest.raises(files.FileFormatError) as info:
        files.loads(data, "bad.nnp")
    message = str(info.value)
    assert message.startswith("bad.nnp: ") and "\n" not in message and len(message) < 500
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def with_json(good, text: str) -> bytes:
    return pack(good[1], good[2], json_text=text)


# ---- 22: past the parser's limits -----------------------------------------------------------
@pytest.mark.parametrize("number", ["9" * 5000, "-" + "9" * 4301, "1" + "0" * 41])
def test_integers_of_thousands_of_digits(good, number):
    text = json.dumps(good[1]).replace('"step": 6', f'"step": {number}', 1)
    refused(with_json(good, text), "digits")


@pytest.mark.parametrize("number", ["1e400", "-1e999", "1" + "0" * 400 + ".5"])
def test_floats_too_large_for_a_float(good, number):
    text = json.dumps(good[1]).replace('"l2": 0.0', f'"l2": {number}', 1)
    refused(with_json(good, text), "too large")


@pytest.mark.parametrize("depth", [65, 1000, 200_000])
@pytest.mark.parametrize("brackets", ["[]", '{"a":}'])
def test_json_nested_deeper_than_any_experiment(good, depth, brackets):
    opening, closing = (("[", "]") if brackets == "[]" else ('{"a":', "}"))
    nested = opening * depth + "1" + closing * depth
    text = json.dumps(good[1])[:-1] + f', "meta2": {nested}}}'
    refused(with_json(good, text), "nested", str(depth + 1))


def test_brackets_inside_strings_are_not_nesting(good):
    document = json.loads(json.dumps(good[1]))
    document["meta"]["title"] = "[" * 5000 + '\\"{' * 100
    assert files.loads(pack(document, good[2])).meta["title"] == document["meta"]["title"]


def eocd(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


@pytest.mark.parametrize("field,value", [
    (16, "past_end"), (16, 0xFFFFFFF0), (12, "past_end"), (12, 0xFFFFFFFF), (16, 1), (12, 3),
])
def test_a_zip_directory_pointing_past_the_end(good, field, value):
    data = bytearray(good[0])
    value = len(data) + 1000 if value == "past_end" else value
    struct.pack_into("<I", data, eocd(good[0]) + field, value)
    refused(bytes(data), "damaged")


def test_a_member_whose_local_header_is_past_the_end(good):
    data = bytearray(good[0])
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 42, len(data) + 5000)    # local header offset
    refused(bytes(data), "damaged")


def test_an_unknown_compression_method(good):
    data = bytearray(good[0])
    for signature, offset in ((b"PK\x01\x02", 10), (b"PK\x03\x04", 8)):
        where = data.find(signature)
        struct.pack_into("<H", data, where + offset, 99)
    refused(bytes(data), "damaged")


# ---- 23: paths that are not regular files --------------------------------------------------
def test_a_named_pipe_with_no_writer_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.nnp"
    os.mkfifo(fifo)
    outcome = {}

    def load():
        try:
            files.load(fifo)
        except files.FileFormatError as error:
            outcome["error"] = str(error)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(60)
    if reader.is_alive():               # unblock the hung open so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("opening a named pipe hung")
    assert "named pipe" in outcome["error"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_links_to_devices_are_refused(tmp_path, device):
    link = tmp_path / "endless.nnp"
    link.symlink_to(device)
    with pytest.raises(files.FileFormatError, match="is a device, not an experiment file"):
        files.load(link)


def test_a_socket_and_a_folder_behind_a_link(tmp_path):
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s.nnp"))
        with pytest.raises(files.FileFormatError, match="socket"):
            files.load(tmp_path / "s.nnp")
    finally:
        sock.close()
    (tmp_path / "folder").mkdir()
    (tmp_path / "f.nnp").symlink_to(tmp_path / "folder")
    with pytest.raises(files.FileFormatError, match="folder"):
        files.load(tmp_path / "f.nnp")
    (tmp_path / "dangling.nnp").symlink_to(tmp_path / "nothing.nnp")
    with pytest.raises(files.FileFormatError, match="link to a missing file"):
        files.load(tmp_path / "dangling.nnp")


def test_a_link_to_a_good_file_opens(good, tmp_path):
    (tmp_path / "real.nnp").write_bytes(good[0])
    (tmp_path / "link.nnp").symlink_to(tmp_path / "real.nnp")
    assert files.load(tmp_path / "link.nnp").step == 6


def test_a_sparse_file_larger_than_the_limit_is_refused_by_its_size(tmp_path):
    big = tmp_path / "big.nnp"
    with open(big, "wb") as f:
        f.truncate(files.MAX_FILE_BYTES + 1)
    with pytest.raises(files.FileFormatError, match="MiB"):
        files.load(big)


# ---- 25: file-supplied text is quoted, escaped and short -------------------------------------
def test_quoted_escapes_and_shortens():
    assert container.quoted("spiral") == "'spiral'"
    assert container.quoted(5) == "5"
    long = container.quoted("<a href='x'>Click here</a>\n\x1b[31m" * 10)
    assert len(long) <= checks.QUOTE_CHARS + 2 and long.endswith("...'")
    assert "\n" not in long and "\x1b" not in long and "\\n" in long and "\\x1b" in long
    deep = 1
    for _ in range(10_000):
        deep = [deep]
    assert container.quoted(deep) == "<list>"
    assert container.one_line("a\nb\r\x07") == "a b\\r\\x07"


@pytest.mark.parametrize("path", [("fields", "dataset"), ("format",), ("fields", "loss"),
                                  ("run", "second_order", "name")])
def test_messages_quote_file_text_short_and_on_one_line(good, path):
    document = json.loads(json.dumps(good[1]))
    if path[0] == "run":
        document["run"]["second_order"] = {"name": "", "numbers": {}}
    target = document
    for key in path[:-1]:
        target = target[key]
    hostile = "<a href='file:///etc'>Click here to repair this file</a><img src='/x.png'>\n" * 50
    target[path[-1]] = hostile
    message = refused(pack(document, good[2]))
    assert "Click here to repair this file</a><img" not in message
    assert len(message) < 400, message


def test_a_long_hostile_layer_value_is_cut_short(good):
    document = json.loads(json.dumps(good[1]))
    document["fields"]["layers"][0]["activation"] = "<b>" * 5000
    message = refused(pack(document, good[2]), "layer")
    assert len(message) < 500


# ---- 26: saving and opening agree on the limits ----------------------------------------------
def test_save_refuses_an_array_opening_would_refuse_before_writing(tmp_path, monkeypatch):
    monkeypatch.setattr(container, "MAX_ARRAY_BYTES", 1000)
    target = tmp_path / "x.nnp"
    target.write_bytes(b"the old file")
    doc = trained_document(4, layers=[{"units": 8}, {"units": 8}])
    with pytest.raises(ValueError, match="more than the"):
        files.save(target, doc)
    assert target.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["x.nnp"]


@pytest.mark.parametrize("limit", ["MAX_FILE_BYTES", "MAX_JSON_BYTES"])
def test_save_refuses_a_file_opening_would_refuse(tmp_path, monkeypatch, limit):
    doc = trained_document(4)
    monkeypatch.setattr(container, limit, 2000)
    with pytest.raises(ValueError, match="cannot save"):
        files.save(tmp_path / "x.nnp", doc)
    assert not list(tmp_path.iterdir())


def test_whatever_saves_within_the_limits_opens(tmp_path, monkeypatch):
    """The limits saving checks are those opening checks: just under them, it opens."""
    doc = trained_document(4)
    data = files.dumps(doc)
    _, arrays = unpack(data)
    biggest = max(a.nbytes for a in arrays.values())
    monkeypatch.setattr(container, "MAX_ARRAY_BYTES", biggest)
    files.save(tmp_path / "x.nnp", doc)
    assert files.load(tmp_path / "x.nnp").step == doc.step
    monkeypatch.setattr(container, "MAX_ARRAY_BYTES", biggest - 1)
    with pytest.raises(ValueError):
        files.save(tmp_path / "y.nnp", doc)


# ---- 29: read-only targets and links -------------------------------------------------------
def test_saving_onto_a_read_only_file_is_refused_and_leaves_it(tmp_path):
    target = tmp_path / "x.nnp"
    target.write_bytes(b"keep me")
    target.chmod(0o444)
    with pytest.raises(ValueError, match="read-only"):
        files.save(target, trained_document(2))
    assert target.read_bytes() == b"keep me"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["x.nnp"]


def test_saving_onto_a_link_updates_its_target_and_keeps_the_link(tmp_path):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = real_folder / "work.nnp"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "shortcut.nnp"
    link.symlink_to(real)
    doc = trained_document(3)
    assert files.save(link, doc) == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert files.load(real).step == 3
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real", "shortcut.nnp"]
    assert [p.name for p in real_folder.iterdir()] == ["work.nnp"]


def test_saving_onto_a_link_to_a_device_is_refused(tmp_path):
    link = tmp_path / "x.nnp"
    link.symlink_to("/dev/null")
    with pytest.raises(ValueError, match="device"):
        files.save(link, trained_document(2))
    assert link.is_symlink()


def test_saving_arrays_of_another_type_is_refused():
    with pytest.raises(ValueError, match="float32"):
        container.pack(b"{}", {"a": np.zeros(3, np.float32)})


# ---- 29: a bool is not a whole number --------------------------------------------------------
@pytest.mark.parametrize("key,value", [("units", True), ("units", False), ("dropout", True)])
def test_a_bool_is_never_taken_for_a_number_in_a_layer(good, key, value):
    document = json.loads(json.dumps(good[1]))
    document["fields"]["layers"][0][key] = value
    refused(pack(document, good[2]), "layer 1", "true" if value else "false")


@pytest.mark.parametrize("path", [("fields", "n_points"), ("fields", "batch_size"),
                                  ("fields", "seed"), ("run", "n_params"), ("run", "step"),
                                  ("history", "rows"), ("version",)])
def test_a_bool_is_never_taken_for_a_whole_number(good, path):
    document = json.loads(json.dumps(good[1]))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = True
    refused(pack(document, good[2]))


# ---- 24: the state of L-BFGS, CG and Newton ------------------------------------------------
@pytest.fixture(scope="module")
def second_order():
    """{method: (document json, arrays)} of small files trained 4 steps by each method."""
    out = {}
    for method in ("lbfgs", "cg", "newton"):
        data = files.dumps(trained_document(4, optimizer=method))
        assert files.loads(data).step == 4
        out[method] = unpack(data)
    return out


def with_numbers(document: dict, **changes) -> dict:
    document = json.loads(json.dumps(document))
    numbers = document["run"]["second_order"]["numbers"]
    for key, value in changes.items():
        if value is KeyError:
            del numbers[key]
        else:
            numbers[key] = value
    return document


@pytest.mark.parametrize("method,key,value,words", [
    ("lbfgs", "iterations", -1, ("iterations", "whole number")),
    ("lbfgs", "iterations", 2.5, ("iterations", "whole number")),
    ("lbfgs", "iterations", 999, ("iterations", "999")),
    ("lbfgs", "iterations", True, ("iterations",)),
    ("lbfgs", "n", 3, ("weights",)),
    ("lbfgs", "n", -105, ("'n'",)),
    ("lbfgs", "has_point", 7, ("has_point", "0 to 1")),
    ("lbfgs", "f", "low", ("'f'", "finite number")),
    ("lbfgs", "f", KeyError, ("'f'", "missing")),
    ("lbfgs", "s", 0.5, ("'s'", "must be an array")),
    ("lbfgs", "surprise", 1, ("unknown entry", "surprise")),
    ("cg", "since_restart", -3, ("since_restart",)),
    ("cg", "since_restart", 10**6, ("since a restart", "more than the 4")),
    ("cg", "has_direction", 2, ("has_direction",)),
    ("cg", "last_decrease", 5.0, ("last_decrease", "<= 0")),
    ("cg", "last_decrease", "inf", ("last_decrease", "finite number")),
    ("newton", "lam", -1.0, ("lam", ">= 0")),
    ("newton", "lam", [1.0], ("lam",)),
    ("newton", "iterations", 2**63, ("iterations",)),
])
def test_absurd_second_order_numbers(second_order, method, key, value, words):
    document, arrays = second_order[method]
    refused(pack(with_numbers(document, **{key: value}), arrays), *words)


def test_second_order_method_names(second_order):
    document, arrays = second_order["cg"]
    for name, words in (("lbfgs", ("lbfgs", "unknown entry")), ("bfgs", ("bfgs", "known")),
                        ("", ("method",)), (None, ("method",))):
        changed = json.loads(json.dumps(document))
        changed["run"]["second_order"]["name"] = name
        refused(pack(changed, arrays), *words)


@pytest.mark.parametrize("method,name,make,words", [
    ("lbfgs", "s", lambda a: np.float64(3.0), ("second_order.s", "shape ()")),     # 0-d
    ("lbfgs", "s", lambda a: a[:, :-1], ("second_order.s", "shape")),
    ("lbfgs", "s", lambda a: a.ravel(), ("second_order.s", "shape")),
    ("lbfgs", "s", lambda a: np.zeros((1001, a.shape[1])), ("second_order.s", "(1000, 105)")),
    ("lbfgs", "s", lambda a: np.zeros((3, 1001, a.shape[1])), ("second_order.s", "shape")),
    ("lbfgs", "y", lambda a: a[:1], ("steps", "gradient changes")),
    ("lbfgs", "y", lambda a: -a, ("curvature",)),
    ("lbfgs", "s", lambda a: np.where(a == a.max(), np.inf, a), ("'second_order.s'", "NaN")),
    ("lbfgs", "x", lambda a: np.float64(1.0), ("'second_order.x'", "shape")),
    ("lbfgs", "g", lambda a: a.reshape(1, -1), ("'second_order.g'", "shape")),
    ("cg", "direction", lambda a: a[:5], ("direction", "shape")),
    ("cg", "direction", lambda a: a.astype(np.int64), ("direction", "int64")),
    ("newton", "x", lambda a: np.full_like(a, np.nan), ("'second_order.x'", "NaN")),
])
def test_second_order_arrays_of_the_wrong_shape_or_values(second_order, method, name, make,
                                                          words):
    document, arrays = second_order[method]
    arrays = dict(arrays)
    key = "second_order." + name
    arrays[key] = make(arrays[key])
    refused(pack(document, arrays), *words)


def test_second_order_arrays_missing_or_unknown(second_order):
    document, arrays = second_order["lbfgs"]
    refused(pack(document, {k: v for k, v in arrays.items() if k != "second_order.y"}),
            "'y'", "missing")
    refused(pack(document, dict(arrays, **{"second_order.z": np.zeros(3)})), "unknown", "'z'")
    refused(pack(with_numbers(document, g=0.0),
                 {k: v for k, v in arrays.items() if k != "second_order.g"}), "'g'", "array")


def test_more_pairs_than_the_method_keeps(second_order):
    document, arrays = second_order["lbfgs"]
    changed = json.loads(json.dumps(document))
    changed["fields"]["optimizer_params"] = {"history": 2}
    refused(pack(changed, arrays), "does not fit")


def test_a_long_lbfgs_history_that_a_file_cannot_hold_is_refused_with_advice(tmp_path,
                                                                              monkeypatch):
    doc = trained_document(6, optimizer="lbfgs")
    rows, n = doc.trainer["second_order_state"]["s"].shape
    monkeypatch.setattr(container, "MAX_ARRAY_BYTES", (rows * n - 1) * 8)
    with pytest.raises(ValueError, match=f"history of {rows} pairs.*keep at most {rows - 1}"):
        files.save(tmp_path / "x.nnp", doc)
    assert not list(tmp_path.iterdir())


def test_newton_offers_no_more_weights_than_the_engine_takes(second_order):
    from engine.objective import MAX_HESSIAN_PARAMS
    from engine.second_order import NewtonMethod
    from playground import catalog

    (offered,) = [h for h in catalog.optimizer_hyperparams("newton") if h.name == "max_params"]
    assert offered.high == MAX_HESSIAN_PARAMS
    NewtonMethod(max_params=int(offered.high)).build(int(offered.high))
    with pytest.raises(ValueError, match="max_params"):
        NewtonMethod(max_params=int(offered.high) + 1)
    document, arrays = second_order["newton"]
    changed = json.loads(json.dumps(document))
    changed["fields"]["optimizer_params"] = {"max_params": int(offered.high) + 1}
    refused(pack(changed, arrays), "max_params")


def test_where_files_cannot_be_locked_temporaries_are_told_by_their_age(tmp_path, monkeypatch):
    monkeypatch.setattr(disk, "fcntl", None)
    old, fresh = tmp_path / ".x.nnp.abc123.tmp", tmp_path / ".x.nnp.def456.tmp"
    for p in (old, fresh):
        p.write_bytes(b"half a file")
    hours_ago = fresh.stat().st_mtime - 2 * disk.STALE_TEMPORARY_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    files.save(tmp_path / "x.nnp", trained_document(2))
    assert not old.exists() and fresh.exists()
    assert files.load(tmp_path / "x.nnp").step == 2
