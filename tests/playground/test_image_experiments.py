"""Image experiments in the application model: data modality, layer description, validation,
files and headless training (playground.image_pipeline, pipeline, experiment, files)."""
import json
import zipfile

import numpy as np
import pytest

from playground import downloads, files, pipeline
from playground.experiment import Experiment, InvalidValue
from playground.fields import Layer
from playground.headless import HeadlessRun, run_to_folder
from playground.image_data import ImageData

SMALL = (Layer.conv(4, 3), Layer.pool(2), Layer.flatten())
LENET = (Layer.conv(16, 3), Layer.pool(2), Layer.conv(32, 3), Layer.pool(2), Layer.flatten(),
         Layer(64, "relu", "he_normal"))


def digits(**changes) -> dict:
    return Experiment({"dataset": "digits", "layers": SMALL, "train_ratio": 0.8,
                       "batch_size": 32, "steps_per_frame": 7, **changes}).values()


# ---- data modality ------------------------------------------------------------------------------
def test_digits_prepare_flattens_the_images_with_one_hot_targets_and_no_grids():
    from sklearn.datasets import load_digits
    d = pipeline.prepare(digits())
    assert d.modality == "images" and not d.supports_boundary
    assert d.input_shape == (1, 8, 8) and d.n_inputs == 64 and d.task == "multiclass"
    assert d.class_names == tuple("0123456789") and d.n_classes == 10
    assert len(d.X_train) + len(d.X_test) == 1797 and len(d.boundary_inputs) == 0
    # every network input row is one of sklearn's images / 16, in (row, column) order
    reference = {tuple((img / 16.0).astype(np.float32).ravel()): int(t)
                 for img, t in zip(load_digits().images, load_digits().target)}
    for X, Y in ((d.X_train, d.Y_train), (d.X_test, d.Y_test)):
        assert X.dtype == np.float64 and X.flags.c_contiguous
        assert np.all(Y.sum(axis=1) == 1) and set(np.unique(Y)) == {0.0, 1.0}
        for x, y in zip(X[::97], Y[::97]):
            assert reference[tuple(x.astype(np.float32))] == int(np.argmax(y))
    np.testing.assert_array_equal(d.images_train.reshape(len(d.X_train), -1), d.X_train)


def test_shapes_prepare_is_seeded_by_the_data_seed():
    v = Experiment({"dataset": "shapes", "n_points": 160, "layers": SMALL}).values()
    a, b = pipeline.prepare(v), pipeline.prepare(v)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert a.input_shape == (1, 20, 20) and a.n_classes == 8
    assert len(a.X_train) + len(a.X_test) == 160
    c = pipeline.prepare({**v, "data_seed": 1})
    assert not np.array_equal(a.X_train, c.X_train)


def test_mnist_is_read_from_the_cache_only(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))          # an empty download cache
    v = Experiment({"dataset": "mnist", "n_points": 300, "layers": SMALL}).values()
    with pytest.raises(ValueError, match="not downloaded"):
        pipeline.prepare(v)
    asked = []

    def cached(name, part, limit=None, download=False, **_):
        asked.append((name, part, limit, download))
        rng = np.random.default_rng(0)
        return ImageData(rng.random((limit, 1, 28, 28)), np.arange(limit) % 10,
                         tuple("0123456789"), "mnist", {"part": part, "limit": limit})

    monkeypatch.setattr(downloads, "downloaded_data", cached)
    d = pipeline.prepare(v)
    assert asked == [("mnist", "train", 300, False)]
    assert d.input_shape == (1, 28, 28) and len(d.X_train) + len(d.X_test) == 300
    assert d.X_train.shape[1] == 784 and d.n_classes == 10


def test_the_points_modality_keeps_its_boundary():
    d = pipeline.prepare(Experiment().values(), boundary_resolution=4, map_resolution=2)
    assert d.modality == "points" and d.supports_boundary and d.input_shape is None
    assert d.n_inputs == len(d.features) == d.boundary_inputs.shape[1]


# ---- layers and validation ----------------------------------------------------------------------
def test_lenet_network_has_the_hand_worked_shapes_and_parameter_count():
    v = digits(layers=LENET)
    spec = pipeline.network_spec(v, 64, 10)
    assert spec.shapes() == [(1, 8, 8), (16, 8, 8), (16, 4, 4), (32, 4, 4), (32, 2, 2),
                             (128, 1, 1), (64, 1, 1), (10, 1, 1)]
    # conv 16x1x3x3 + 16, conv 32x16x3x3 + 32, dense 128x64 + 64, output 64x10 + 10
    assert spec.n_params == 160 + 4640 + 8256 + 650
    assert spec.output_activation == "softmax" and spec.loss == "softmax_ce"


def test_layer_rows_give_each_layers_shape_and_parameter_count():
    from playground.image_pipeline import layer_rows
    rows = layer_rows(digits(layers=LENET))
    assert [r["shape_text"] for r in rows] == ["1x8x8", "16x8x8", "16x4x4", "32x4x4", "32x2x2",
                                               "128", "64", "10"]
    assert [r["params"] for r in rows] == [0, 160, 0, 4640, 0, 0, 8256, 650]
    assert rows[1]["label"].startswith("Conv 16 3x3") and rows[-1]["label"] == "Output 10 softmax"


def test_a_kernel_that_does_not_fit_names_the_layer_and_the_map():
    layers = (Layer.conv(8, 3, padding="valid"), Layer.pool(2), Layer.conv(8, 5, padding="valid"),
              Layer.flatten())
    with pytest.raises(InvalidValue) as error:
        Experiment({"dataset": "digits", "layers": layers})
    message = str(error.value)
    assert error.value.field == "layers" and "\n" not in message
    assert message.startswith("Layer 3") and "5x5 kernel" in message and "3x3 map" in message


@pytest.mark.parametrize("layers, words", [
    ((Layer.conv(8, 3),), ("Flatten",)),                             # maps into the output
    ((Layer.conv(8, 4),), ("odd kernel",)),                          # 'same' needs odd k
    ((Layer.conv(8, 3, padding="full"), Layer.flatten()), ("padding",)),
    ((Layer.conv(8, 3, activation="nope"), Layer.flatten()), ("activation",)),
    ((Layer.flatten(), Layer.pool(2)), ("Layer 2",)),                # pooling a vector
])
def test_bad_image_layers_get_one_line(layers, words):
    with pytest.raises(InvalidValue) as error:
        Experiment({"dataset": "digits", "layers": layers})
    assert error.value.field == "layers" and "\n" not in str(error.value)
    for w in words:
        assert w in str(error.value)


def test_image_layers_on_points_are_refused_and_a_change_of_data_set_adapts_the_layers():
    with pytest.raises(InvalidValue, match="needs an image data set"):
        Experiment({"layers": (Layer.conv(8),)})
    e = Experiment()
    e.set("dataset", "digits")                        # dense layers get a Flatten in front
    assert [l.kind for l in e.layers] == ["flatten", "dense", "dense"]
    assert e.n_classes == 10 and e.n_outputs == 10 and e.loss == "softmax_ce"
    e.set("layers", SMALL)
    e.set("dataset", "circle")                        # points keep the dense layers only
    assert e.layers == () and e.task == "binary"


def test_batch_norm_and_average_pool_layers_train():
    layers = (Layer.conv(4, 3), Layer.batch_norm(0.2), Layer.pool(2, average=True),
              Layer.flatten(), Layer(8, "relu", "he_normal", 0.1))
    run = HeadlessRun(files.Document(digits(layers=layers)), resolution=2)
    first = run.history.last("train_loss")
    run.train(30)
    assert run.history.last("train_loss") < first and not run.diverged
    assert "buffers" in run.trainer.state_dict()


# ---- files ------------------------------------------------------------------------------------
def test_dense_layers_are_stored_as_before_and_image_layers_with_their_kind(tmp_path):
    assert files.to_json(Layer(8, "tanh")) == {"units": 8, "activation": "tanh",
                                               "init": "glorot_uniform", "dropout": 0.0}
    assert files.to_json(Layer.conv(6, 5, 2, "valid")) == {
        "kind": "conv2d", "filters": 6, "kernel_size": 5, "stride": 2, "padding": "valid",
        "activation": "relu", "init": "he_uniform", "dropout": 0.0}
    assert files.to_json(Layer.pool(3, average=True)) == {"kind": "avgpool2d", "size": 3}
    assert files.to_json(Layer.batch_norm(0.3)) == {"kind": "batchnorm", "momentum": 0.3}
    v = digits(layers=LENET)
    path = files.save(tmp_path / "lenet.nnp", files.Document(v))
    assert files.load(path).values == v


def _rewrite_layers(path, layers):
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    doc = json.loads(parts[files.DOCUMENT_NAME])
    doc["fields"]["layers"] = layers
    parts[files.DOCUMENT_NAME] = json.dumps(doc).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)


@pytest.mark.parametrize("layers, words", [
    ([{"kind": "conv2d", "kernel_size": 3}], "has no 'filters'"),
    ([{"kind": "warp"}], "Unknown layer kind"),
    ([{"kind": "flatten", "units": 3}], "flatten layer has no setting 'units'"),
])
def test_a_file_with_a_bad_image_layer_says_so(tmp_path, layers, words):
    path = files.save(tmp_path / "x.nnp", files.Document(digits()))
    _rewrite_layers(path, layers)
    with pytest.raises(files.FileFormatError, match=words):
        files.load(path)


# ---- headless training --------------------------------------------------------------------------
def _trained(values, steps):
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(steps)
    return run


def test_same_seed_same_run_and_save_open_continues_bit_identically(tmp_path):
    v = digits(layers=(Layer.conv(4, 3), Layer.batch_norm(), Layer.pool(2), Layer.flatten()))
    straight = _trained(v, 60)
    again = _trained(v, 60)
    np.testing.assert_array_equal(straight.trainer.params, again.trainer.params)
    half = _trained(v, 25)
    path = files.save(tmp_path / "half.nnp", half.document())
    resumed = HeadlessRun(files.load(path), resolution=2)
    resumed.train(35)
    np.testing.assert_array_equal(straight.trainer.params, resumed.trainer.params)
    np.testing.assert_array_equal(straight.trainer.buffers, resumed.trainer.buffers)
    for column in ("step", "train_loss", "test_loss", "test_accuracy"):
        assert straight.history.last(column) == resumed.history.last(column), column


def test_run_to_folder_writes_no_boundary_for_images(tmp_path):
    outcome = run_to_folder(files.Document(digits()), tmp_path, "small", steps=20)
    assert set(outcome.files) == {"experiment", "history", "loss"}
    assert outcome.test_accuracy is not None and outcome.steps == 20
    assert files.load(outcome.files["experiment"]).step == 20


# ---- the window opens image experiments ----------------------------------------------------------
def test_the_session_opens_an_image_experiment(qtbot, make_session):
    experiment, session = make_session()
    messages, loaded = [], []
    session.failed.connect(messages.append)
    session.document_loaded.connect(loaded.append)
    session.load_document(digits())
    assert messages == [] and loaded == [True]
    assert experiment.values() == digits() and session.modality == "images"


def test_batch_norm_statistics_of_the_wrong_size_are_refused(tmp_path):
    v = digits(layers=(Layer.conv(4, 3), Layer.batch_norm(), Layer.pool(2), Layer.flatten()))
    doc = _trained(v, 3).document()
    assert len(doc.trainer["buffers"]) == 8          # running mean and variance of 4 channels
    files.save(tmp_path / "ok.nnp", doc)
    np.testing.assert_array_equal(files.load(tmp_path / "ok.nnp").trainer["buffers"],
                                  doc.trainer["buffers"])
    bad = dict(doc.trainer, buffers=np.zeros(5))
    files.save(tmp_path / "bad.nnp", files.Document(doc.values, bad, doc.history))
    with pytest.raises(files.FileFormatError, match="does not fit"):
        files.load(tmp_path / "bad.nnp")


def test_the_command_line_opens_an_image_experiment_in_the_window(capsys):
    from playground import cli
    document, path, code = cli.document_for_window("lenet_digits")
    assert code == cli.EXIT_OK and path is None and document.values["dataset"] == "digits"
    assert capsys.readouterr().err == ""
