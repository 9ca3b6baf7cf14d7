"""Experiment files: round trips of every setting and of the training state, exact continuation
after save and load, migrations, and a clear error for every kind of bad file."""
import io
import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from files_helpers import npz_bytes, pack, trained_document, unpack

from playground import container, files
from playground.experiment import Experiment
from playground.fields import FIELDS, Layer
from playground.headless import HeadlessRun
from playground.history import COLUMNS

# A value other than the default for every field (each valid on its own with the defaults).
OTHER_VALUES = {
    "dataset": "moons", "n_classes": 5, "noise": 0.25, "n_points": 300, "train_ratio": 0.7,
    "data_seed": 12345, "features": ("x1", "x2", "x1^2", "sin x2"), "normalize": False,
    "layers": (Layer(5, "relu", "he_normal", 0.2), Layer(3, "elu", "glorot_normal", 0.0)),
    "output_activation": "tanh", "loss": "mse", "seed": 77, "output_init": "zeros",
    "init_scale": 0.5, "leaky_slope": 0.1, "optimizer": "rmsprop",
    "optimizer_params": {"rho": 0.8, "eps": 1e-6},
    "weight_decay": 0.02, "max_norm": 3.0,
    "learning_rate": 0.003, "schedule": "step",
    "schedule_params": {"factor": 0.25, "every_epochs": 7}, "batch_size": 17, "l1": 0.001,
    "l2": 0.002, "clip_norm": 2.5, "steps_per_frame": 7, "stop_at_epoch": 40,
    "stop_at_test_loss": 0.05, "discretize": True, "show_test": False, "log_loss": True,
    "hidden_panels": ("data", "curves"), "precision": "float32",
}


def roundtrip(doc: files.Document) -> files.Document:
    return files.loads(files.dumps(doc))


def assert_states_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            assert_states_equal(a[key], b[key])
        elif isinstance(a[key], np.ndarray):
            assert a[key].dtype == np.asarray(b[key]).dtype or a[key].dtype.kind == "f"
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert a[key] == b[key], key


def assert_histories_equal(a: dict, b: dict) -> None:
    assert list(a) == list(b) == list(COLUMNS)
    for name in COLUMNS:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


# ---- round trips --------------------------------------------------------------------------------
#: Settings of image data sets only: they round trip in test_files_v4.py.
IMAGE_ONLY = ("classes", "per_class", "augmentation")


def test_every_field_has_a_test_value():
    assert set(OTHER_VALUES) | set(IMAGE_ONLY) == {f.name for f in FIELDS}


@pytest.mark.parametrize("name", sorted(OTHER_VALUES))
def test_each_setting_round_trips(name):
    changes = {name: OTHER_VALUES[name]}
    if name in ("output_activation", "loss"):
        changes = {"output_activation": "tanh", "loss": "mse"}
    if name == "optimizer_params":
        changes["optimizer"] = "rmsprop"
    if name == "schedule_params":
        changes["schedule"] = "step"
    if name == "n_classes":
        changes["dataset"] = "blobs_k"
    values = Experiment(changes).values()
    assert values[name] != Experiment().values()[name] or name in ("output_activation",)
    loaded = roundtrip(files.Document(values))
    assert loaded.values == values
    assert loaded.trainer is None


def test_all_settings_at_once_round_trip_with_a_trained_network():
    doc = trained_document(30, **OTHER_VALUES)
    loaded = roundtrip(doc)
    assert loaded.values == doc.values
    assert_states_equal(loaded.trainer, doc.trainer)
    assert_histories_equal(loaded.history, doc.history)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "adadelta",
                                       "rmsprop", "adam", "newton", "lbfgs", "cg"])
def test_training_state_round_trips_for_every_optimizer(optimizer):
    doc = trained_document(6, optimizer=optimizer, layers=(Layer(3),))
    assert doc.step == 6
    loaded = roundtrip(doc)
    assert_states_equal(loaded.trainer, doc.trainer)
    assert_histories_equal(loaded.history, doc.history)


def test_meta_round_trips_and_the_json_is_readable_with_plain_python(tmp_path):
    doc = trained_document(20)
    doc.meta = {"title": "Spirale für die Klasse", "description": "two lines\nof text"}
    path = files.save(tmp_path / "lesson.nnp", doc)
    with zipfile.ZipFile(path) as z:
        document = json.loads(z.read("experiment.json"))
        arrays = np.load(io.BytesIO(z.read("arrays.npz")), allow_pickle=False)
        assert document["format"] == "nn-playground-experiment"
        assert document["version"] == files.VERSION
        assert document["fields"]["learning_rate"] == doc.values["learning_rate"]
        assert document["run"]["step"] == 20
        np.testing.assert_array_equal(arrays["params"], doc.trainer["params"])
        np.testing.assert_array_equal(arrays["history.train_loss"],
                                      doc.history["train_loss"])
    assert files.load(path).meta == doc.meta


def test_save_refuses_nan_weights_before_touching_the_file(tmp_path):
    doc = trained_document(5)
    path = files.save(tmp_path / "x.nnp", doc)
    before = path.read_bytes()
    doc.trainer["params"][0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        files.save(path, doc)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.nnp"]


def test_save_keeps_the_file_permissions(tmp_path):
    path = files.save(tmp_path / "x.nnp", trained_document(2))
    path.chmod(0o600)
    files.save(path, trained_document(4))
    assert path.stat().st_mode & 0o777 == 0o600


# ---- exact continuation -------------------------------------------------------------------------
@pytest.mark.parametrize("changes", [
    {},
    {"optimizer": "momentum", "schedule": "step", "schedule_params": {"every_epochs": 2},
     "layers": (Layer(6, "relu", dropout=0.3), Layer(4, "tanh"))},
    {"dataset": "spiral_k", "n_classes": 3, "output_activation": "softmax",
     "loss": "softmax_ce", "optimizer": "adam", "weight_decay": 0.01, "batch_size": 7,
     "l1": 0.001, "l2": 0.01},
    {"dataset": "reg_gauss", "output_activation": "linear", "loss": "mse",
     "optimizer": "lbfgs", "layers": (Layer(4),)},
    {"optimizer": "cg", "layers": (Layer(3),)},
], ids=["adam", "momentum-dropout-step", "softmax-adamw-l1l2", "regression-lbfgs", "cg"])
def test_load_and_continue_is_bit_identical_to_never_stopping(tmp_path, changes):
    values = Experiment({"n_points": 80, "steps_per_frame": 9, **changes}).values()
    second_order = values["optimizer"] in ("lbfgs", "cg", "newton")
    # The window pauses between frames of steps_per_frame steps (one history row each), so the
    # first part ends on a frame boundary; the weights would match at any step.
    first, second = (9, 5) if second_order else (63, 83)

    straight = HeadlessRun(files.Document(values), resolution=2)
    straight.train(first + second)

    before = HeadlessRun(files.Document(values), resolution=2)
    before.train(first)
    path = files.save(tmp_path / "half.nnp", before.document())
    del before
    after = HeadlessRun(files.load(path), resolution=2)
    after.train(second)

    assert after.trainer.step_count == straight.trainer.step_count == first + second
    assert_states_equal(after.trainer.state_dict(), straight.trainer.state_dict())
    assert_histories_equal(after.history.as_dict(), straight.history.as_dict())


def test_weights_continue_bit_identically_from_any_step(tmp_path):
    values = Experiment({"n_points": 80, "layers": (Layer(5, "relu", dropout=0.2),)}).values()
    straight = HeadlessRun(files.Document(values), resolution=2)
    straight.train(100)
    for split in (1, 37, 41):
        before = HeadlessRun(files.Document(values), resolution=2)
        before.train(split)
        after = HeadlessRun(roundtrip(before.document()), resolution=2)
        after.train(100 - split)
        assert_states_equal(after.trainer.state_dict(), straight.trainer.state_dict())


def test_a_settings_only_document_starts_from_the_seed():
    values = Experiment({"n_points": 60}).values()
    a = HeadlessRun(roundtrip(files.Document(values)), resolution=2)
    b = HeadlessRun(files.Document(values), resolution=2)
    np.testing.assert_array_equal(a.trainer.params, b.trainer.params)
    assert len(a.history) == 1 and a.trainer.step_count == 0


# ---- migrations ---------------------------------------------------------------------------------
def test_older_versions_load_through_explicit_migrations(monkeypatch):
    data = files.dumps(trained_document(10))
    v = files.VERSION           # the file is of the current version: pretend v + 1 exists

    def migration(document, arrays):
        document = dict(document, version=v + 1)
        document["meta"] = dict(document["meta"], migrated=f"from {v}")
        return document, arrays

    monkeypatch.setattr(files, "VERSION", v + 1)
    monkeypatch.setattr(files, "MIGRATIONS", {v: migration})
    assert files.loads(data).meta["migrated"] == f"from {v}"


def test_a_version_without_a_migration_is_refused_by_name(monkeypatch):
    data = files.dumps(trained_document(3))
    v = files.VERSION
    monkeypatch.setattr(files, "VERSION", v + 2)
    monkeypatch.setattr(files, "MIGRATIONS", {v + 1: lambda d, a: (dict(d, version=v + 2), a)})
    with pytest.raises(files.FileFormatError, match=f"version {v} is too old"):
        files.loads(data)


# ---- bad files ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good():
    """(bytes, document json, arrays) of a small trained file."""
    data = files.dumps(trained_document(25))
    document, arrays = unpack(data)
    return data, document, arrays


def refused(data: bytes, *words: str) -> str:
    with pytest.raises(files.FileFormatError) as info:
        files.loads(data, "bad.nnp")
    message = str(info.value)
    assert message.startswith("bad.nnp: ")
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def changed(document: dict, path: tuple, value) -> dict:
    document = json.loads(json.dumps(document))
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


def test_the_good_file_loads(good):
    assert files.loads(good[0]).step == 25


def test_not_a_zip():
    refused(b"name,value\nlearning_rate,0.03\n", "not a zip")
    refused(b"", "not a zip")
    refused(b"\x89PNG\r\n\x1a\n" + bytes(100), "not a zip")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated(good, keep):
    refused(good[0][:int(len(good[0]) * keep)], "damaged")


def test_a_damaged_member_is_reported(good):
    data = bytearray(good[0])
    start = data.find(b"PK", 100)          # inside the compressed JSON or the NPZ
    data[start - 40:start - 20] = bytes(20)
    with pytest.raises(files.FileFormatError):
        files.loads(bytes(data))


@pytest.mark.parametrize("member", [files.DOCUMENT_NAME, files.ARRAYS_NAME])
def test_missing_member(good, member):
    document, arrays = good[1], good[2]
    refused(pack(document, arrays, members={member: None}), "has no", member)


def test_not_json(good):
    refused(pack(good[1], good[2], json_text="{'format': 'python dict'}"), "not valid JSON")
    refused(pack(good[1], good[2], json_text="[1, 2, 3]"), "JSON object")
    refused(pack(good[1], good[2], json_text='{"a": 1, "a": 2}'), "twice")
    refused(pack(good[1], good[2],
                 json_text=json.dumps(good[1]).replace('"l1": 0.0', '"l1": NaN')), "NaN")


@pytest.mark.parametrize("path,value,words", [
    (("format",), "keras", ("format", "keras")),
    (("format",), KeyError, ("format",)),
    (("version",), 99, ("newer version", "99")),
    (("version",), "1", ("version",)),
    (("version",), 0, ("version",)),
    (("fields",), KeyError, ("'fields'",)),
    (("run",), KeyError, ("'run'",)),
    (("history",), KeyError, ("'history'",)),
    (("fields",), [1, 2], ("'fields'", "must be an object")),
    (("fields", "learning_rate"), KeyError, ("learning_rate", "missing")),
    (("fields", "learning_rate"), "fast", ("learning_rate", "number")),
    (("fields", "learning_rate"), 1e9, ("learning_rate", "between")),
    (("fields", "normalize"), "yes", ("normalize", "true or false")),
    (("fields", "n_points"), 1_000_000_000, ("n_points",)),
    (("fields", "n_points"), 12.5, ("n_points", "whole number")),
    (("fields", "dataset"), "cifar100", ("dataset", "cifar100")),
    (("fields", "layers"), [{"units": 1_000_000_000, "activation": "tanh",
                             "init": "glorot_uniform", "dropout": 0.0}] * 2,
     ("layers", "neurons")),
    (("fields", "layers"), [{"units": 8}, {"units": 8}], ("layers", "activation")),
    (("fields", "layers"), [{"units": 8, "activation": "tanh", "init": "glorot_uniform",
                             "dropout": 0.0, "bias": 1}] * 2, ("layers", "bias")),
    (("fields", "layers"), "8,8", ("layers", "list")),
    (("fields", "features"), [], ("features",)),
    (("fields", "optimizer_params"), {"beta1": 2.0}, ("optimizer_params", "beta1")),
    (("fields", "batch_size"), 31, ("batch_size", "exceed the 30 training points")),
    (("fields", "loss"), "softmax_ce", ("softmax",)),
    (("fields", "warp_speed"), 9, ("unknown setting", "warp_speed")),
    (("extra",), {}, ("unknown section", "extra")),
    (("meta", "title"), 5, ("meta", "text")),
    (("run", "step"), -1, ("step",)),
    (("run", "step"), "many", ("step", "whole number")),
    (("run", "epoch"), 10**6, ("epoch",)),
    (("run", "position"), 10**6, ("position",)),
    (("run", "seed"), 2, ("seed",)),
    (("run", "n_params"), 7, ("params", "shape")),
    (("run", "second_order"), {"name": "lbfgs", "numbers": {}}, ("optimizer",)),
    (("run", "optimizer_steps"), KeyError, ("optimizer_steps",)),
    (("history", "rows"), 10**9, ("rows",)),
    (("history", "columns"), ["step", "loss"], ("history column", "loss", "unknown")),
    (("history", "columns"), ["step", "train_loss"], ("no", "epoch")),
    (("history", "columns"), "step", ("list of names",)),
])
def test_bad_json_fields(good, path, value, words):
    refused(pack(changed(good[1], path, value), good[2]), *words)


def test_weights_that_do_not_fit_the_architecture(good):
    document = changed(good[1], ("fields", "layers"),
                       [{"units": 3, "activation": "tanh", "init": "glorot_uniform",
                         "dropout": 0.0}])
    refused(pack(document, good[2]), "weights hold")


@pytest.mark.parametrize("name,make,words", [
    ("params", lambda a: a[:-1], ("params", "shape")),
    ("params", lambda a: a.reshape(1, -1), ("params", "shape")),
    ("params", lambda a: a.astype(np.float32), ("params", "float32")),
    ("params", lambda a: a.astype(np.int64), ("params", "int64")),
    ("params", lambda a: a.astype(">f8"), ("params", ">f8")),
    ("params", lambda a: np.where(np.arange(a.size) == 3, np.nan, a), ("params", "NaN", "3")),
    ("initial_params", lambda a: np.full_like(a, np.inf), ("initial_params", "infinite")),
    ("slots", lambda a: a[:1], ("slots", "shape")),
    ("history.step", lambda a: a[::-1].copy(), ("step", "never decrease")),
    ("history.step", lambda a: a + 1000, ("step", "past")),
    ("history.train_loss", lambda a: a[:-1], ("train_loss", "shape")),
])
def test_bad_arrays(good, name, make, words):
    arrays = dict(good[2])
    arrays[name] = make(arrays[name])
    refused(pack(good[1], arrays), *words)


def test_missing_and_unexpected_arrays(good):
    arrays = dict(good[2])
    del arrays["slots"]
    refused(pack(good[1], arrays), "slots", "missing")
    arrays = dict(good[2], surprise=np.zeros(3))
    refused(pack(good[1], arrays), "unexpected array", "surprise")


def test_manifest_must_match_the_arrays(good):
    document = changed(good[1], ("arrays", "params", "shape"), [3])
    refused(pack(document, good[2], update_manifest=False), "params", "lists it")


def test_object_arrays_are_never_unpickled(good, tmp_path):
    marker = tmp_path / "pwned"
    arrays = dict(good[2])
    arrays["params"] = np.array([Exploit(str(marker))], dtype=object)
    npz = npz_bytes(arrays, allow_pickle=True)
    refused(pack(good[1], good[2], npz=npz), "params", "object")
    assert not marker.exists()


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_absurd_array_sizes_are_refused_before_reading(good):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**10,)})
    arrays = {k: v for k, v in good[2].items() if k != "params"}
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as z:
        z.writestr("params.npy", np.lib.format.magic(1, 0) + header.getvalue()[8:] + bytes(64))
        for k, v in arrays.items():
            with z.open(k + ".npy", "w") as f:
                np.lib.format.write_array(f, v)
    refused(pack(good[1], good[2], npz=npz.getvalue()), "params", "MiB")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/tmp/evil", "..\\evil.npy",
                                  "sub/dir.json", "C:evil"])
def test_path_traversal_names_in_the_file(good, name):
    refused(pack(good[1], good[2], members={name: b"x"}), "unsafe name")


@pytest.mark.parametrize("name", ["../params.npy", "/abs.npy"])
def test_path_traversal_names_in_the_npz(good, name):
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as z:
        for k, v in good[2].items():
            with z.open(k + ".npy", "w") as f:
                np.lib.format.write_array(f, v)
        z.writestr(name, b"x")
    refused(pack(good[1], good[2], npz=npz.getvalue()), "unsafe name")


def test_unexpected_and_repeated_members(good):
    refused(pack(good[1], good[2], members={"readme.txt": b"hi"}), "unexpected member")
    data = pack(good[1], good[2])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
        with pytest.warns(UserWarning):
            z.writestr(files.DOCUMENT_NAME, src.read(files.DOCUMENT_NAME))
    refused(out.getvalue(), "twice")


def test_an_oversized_json_member_is_refused(good):
    big = json.dumps(changed(good[1], ("meta", "title"), "x" * (container.MAX_JSON_BYTES + 1)))
    refused(pack(good[1], good[2], json_text=big), "experiment.json", "bytes")


def test_load_names_missing_files_and_folders(tmp_path):
    with pytest.raises(files.FileFormatError, match="does not exist"):
        files.load(tmp_path / "nothing.nnp")
    with pytest.raises(files.FileFormatError, match="folder"):
        files.load(tmp_path)


def test_with_extension():
    assert files.with_extension("a/b").name == "b.nnp"
    assert files.with_extension("a/b.NNP").name == "b.NNP"
    assert files.with_extension("b.json").name == "b.json.nnp"


def test_save_and_open_remove_temporaries_of_killed_saves_but_not_of_saves_in_progress(
        tmp_path):
    import fcntl
    left, busy = tmp_path / ".x.nnp.abc123.tmp", tmp_path / ".x.nnp.def456.tmp"
    other = tmp_path / ".y.nnp.abc123.tmp"
    for p in (left, busy, other):
        p.write_bytes(b"half a file")
    with open(busy, "rb") as held:                 # a save in progress holds its lock
        fcntl.flock(held, fcntl.LOCK_EX)
        files.save(tmp_path / "x.nnp", trained_document(2))
        assert not left.exists()
        assert busy.exists() and other.exists()     # in use, or not ours
        left.write_bytes(b"killed again")
        files.load(tmp_path / "x.nnp")
        assert not left.exists() and busy.exists()
    files.load(tmp_path / "x.nnp")                  # the save holding it was killed
    assert not busy.exists() and other.exists()


def test_history_columns_are_declared_and_a_file_without_a_later_column_opens(tmp_path,
                                                                            monkeypatch):
    """A file stores its history columns by name: one written before a column was declared
    opens with that column empty; an undeclared or missing step column is refused."""
    from playground import history
    doc = HeadlessRun(files.Document(Experiment().values()), resolution=2)
    doc.train(40)
    saved = doc.document()
    # a file from before "learning_rate" existed: declare a version without it and save
    older = {k: v for k, v in history.DECLARED.items() if k != "learning_rate"}
    monkeypatch.setattr(history, "DECLARED", older)
    monkeypatch.setattr(history, "COLUMNS", tuple(older))
    data = files.dumps(saved)
    monkeypatch.undo()
    opened = files.loads(data)
    assert np.isnan(opened.history["learning_rate"]).all()
    np.testing.assert_array_equal(opened.history["train_loss"], saved.history["train_loss"])
    # a column this version does not know is refused by name
    newer = dict(history.DECLARED, grad_norm=history.Column("grad_norm", "Gradient norm"))
    monkeypatch.setattr(history, "DECLARED", newer)
    monkeypatch.setattr(history, "COLUMNS", tuple(newer))
    data = files.dumps(replace(saved, history={**saved.history,
                                               "grad_norm": saved.history["step"] * 0}))
    monkeypatch.undo()
    with pytest.raises(files.FileFormatError, match="history column 'grad_norm' is unknown"):
        files.loads(data)
