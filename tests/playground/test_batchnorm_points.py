"""Batch normalization in 2-D point networks: which layers an experiment accepts, the engine
network the pipeline builds, the weight layers the views and typed values use, training,
save/open with the running statistics, reset and the session's snapshots."""
import numpy as np
import pytest

from engine.layers import BatchNorm, LayerSpec
from playground import dense_columns, files, pipeline
from playground.experiment import Experiment, InvalidValue
from playground.fields import Layer
from playground.headless import HeadlessRun

BN = Layer.batch_norm
DEEP = (Layer(6, "sigmoid"), BN(), Layer(5, "sigmoid"), BN(0.3), Layer(4, "tanh"))
TIMEOUT = 30_000


def spec_of(values):
    data = pipeline.prepare(values, 2, 2)
    return pipeline.network_spec(values, data.n_inputs, 1)


# ---- which layers an experiment accepts ----------------------------------------------------
def test_a_batch_norm_may_follow_each_dense_layer():
    e = Experiment({"dataset": "xor", "layers": DEEP})
    assert [layer.kind for layer in e.layers] == ["dense", "batchnorm", "dense", "batchnorm",
                                                  "dense"]
    assert e.layers[3].momentum == 0.3


@pytest.mark.parametrize("layers, words", [
    ((BN(), Layer(4)), "Layer 1 is a batch-norm layer with no layer before it"),
    ((Layer(4), BN(), BN()), "Layer 3 is a batch-norm layer after a batch-norm layer"),
    ((Layer(4), BN(0.0)), "Layer 2: the batch-norm momentum must be above 0 and at most 1"),
    ((Layer(4), BN(1.5)), "not 1.5"),
])
def test_a_misplaced_batch_norm_is_refused_and_nothing_changes(layers, words):
    e = Experiment({"dataset": "xor", "layers": DEEP})
    with pytest.raises(InvalidValue, match=words) as refused:
        e.set("layers", layers)
    assert refused.value.field == "layers"
    assert e.layers == DEEP


def test_a_momentum_of_one_is_accepted_the_running_statistics_are_the_last_batchs():
    Experiment({"dataset": "xor", "layers": (Layer(4), BN(1.0))})


def test_other_image_kinds_are_still_refused_on_points():
    with pytest.raises(InvalidValue, match="needs an image data set"):
        Experiment({"dataset": "xor", "layers": (Layer(4), Layer.pool(2))})


def test_changing_the_points_keeps_the_batch_norms():
    e = Experiment({"dataset": "xor", "layers": DEEP})
    e.set("dataset", "circle")
    e.set("noise", 0.2)
    assert e.layers == DEEP


def test_a_point_network_keeps_each_dense_layer_with_the_batch_norm_after_it():
    layers = (Layer.conv(4), BN(), Layer.flatten(), Layer(8), BN(0.2), Layer(3))
    assert dense_columns.kept(layers) == (Layer(8), BN(0.2), Layer(3))


def test_sixteen_dense_layers_each_with_batch_norm_fit_the_limit():
    layers = (Layer(2, "sigmoid"), BN()) * 16
    assert len(Experiment({"dataset": "xor", "layers": layers}).layers) == 32
    with pytest.raises(InvalidValue, match="At most 16 hidden layers"):
        Experiment({"dataset": "xor", "layers": layers + (Layer(2),)})


# ---- the builder's columns and its edits --------------------------------------------------
def test_columns_pair_each_dense_layer_with_its_batch_norm():
    assert dense_columns.columns(DEEP) == [(0, 1), (2, 3), (4, None)]
    assert dense_columns.columns(()) == []


def test_turning_batch_norm_on_and_off_inserts_and_removes_one_layer():
    on = dense_columns.with_batch_norm(DEEP, 2, True)
    assert on == DEEP + (BN(),)
    assert dense_columns.with_batch_norm(on, 2, True) == on
    off = dense_columns.with_batch_norm(DEEP, 1, False)
    assert off == (Layer(6, "sigmoid"), BN(), Layer(5, "sigmoid"), Layer(4, "tanh"))
    assert dense_columns.with_momentum(DEEP, 0, 0.05)[1] == BN(0.05)
    with pytest.raises(ValueError, match="hidden layer 3 has no batch norm"):
        dense_columns.with_momentum(DEEP, 2, 0.05)


def test_adding_a_column_copies_the_last_with_its_batch_norm_and_removing_takes_both():
    layers = DEEP[:4]
    grown = dense_columns.with_column_added(layers)
    assert grown == layers + (Layer(5, "sigmoid"), BN(0.3))
    assert dense_columns.with_last_column_removed(grown) == layers
    assert dense_columns.with_last_column_removed(layers) == DEEP[:2]
    assert dense_columns.with_column_added(()) == (Layer(),)


# ---- the engine network ------------------------------------------------------------------------
def test_the_pipeline_builds_one_engine_layer_per_experiment_layer():
    spec = spec_of(Experiment({"dataset": "xor", "layers": DEEP}).values())
    assert [type(h) for h in spec.hidden] == [LayerSpec, BatchNorm, LayerSpec, BatchNorm,
                                              LayerSpec]
    assert [h.momentum for h in spec.hidden if h.kind == "batchnorm"] == [0.1, 0.3]
    # batch norm normalizes the dense layer's activations: it has no activation of its own
    assert spec.hidden[0].activation == "sigmoid" and spec.hidden[1].activation == "linear"
    # gamma and beta per neuron: 2x6 + 2x5 more parameters than the plain network
    plain = spec_of(Experiment({"dataset": "xor", "layers": DEEP[::2][:1] + (DEEP[2], DEEP[4])})
                    .values())
    assert spec.n_params == plain.n_params + 2 * 6 + 2 * 5
    assert spec.n_buffers == 2 * 6 + 2 * 5


def test_weight_views_are_the_dense_layers_only_as_views_into_the_parameters():
    spec = spec_of(Experiment({"dataset": "xor", "layers": DEEP}).values())
    params = np.arange(spec.n_params, dtype=np.float64)
    views = dense_columns.weight_views(spec, params)
    assert [(W.shape, b.shape) for W, b in views] == [((2, 6), (6,)), ((6, 5), (5,)),
                                                      ((5, 4), (4,)), ((4, 1), (1,))]
    named = spec.named_views(params)
    # the second dense layer's kernel comes after the first batch norm's gamma and beta
    np.testing.assert_array_equal(views[1][0], named[2]["kernel"])
    assert views[1][0][0, 0] == named[1]["beta"][-1] + 1
    views[2][1][0] = -7.0             # a view: writing it writes the parameter vector
    assert named[4]["bias"][0] == -7.0


def test_a_dense_network_keeps_its_own_views():
    spec = spec_of(Experiment({"dataset": "xor", "layers": (Layer(3), Layer(2))}).values())
    params = np.arange(spec.n_params, dtype=np.float64)
    for (W, b), (W2, b2) in zip(dense_columns.weight_views(spec, params), spec.views(params)):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


# ---- training, files and reset ---------------------------------------------------------------
def run_of(**changes):
    values = Experiment({"dataset": "xor", "noise": 0.0, "layers": DEEP, "optimizer": "sgd",
                         "learning_rate": 0.1, **changes}).values()
    return HeadlessRun(files.Document(values), resolution=2)


def test_training_moves_the_running_statistics_and_reset_restores_them():
    r = run_of()
    start = r.trainer.buffers.copy()
    # running mean 0 and running variance 1 per neuron of each normalized layer
    np.testing.assert_array_equal(start, np.concatenate([np.zeros(6), np.ones(6),
                                                         np.zeros(5), np.ones(5)]))
    r.train(50)
    assert not np.array_equal(r.trainer.buffers, start)
    r.trainer.reset()
    np.testing.assert_array_equal(r.trainer.buffers, start)


def test_save_and_open_continue_bit_identically_with_the_running_statistics(tmp_path):
    whole, part = run_of(), run_of()
    whole.train(120)
    part.train(70)
    files.save(tmp_path / "bn.nnp", part.document())
    doc = files.load(tmp_path / "bn.nnp")
    assert doc.values["layers"] == DEEP
    reopened = HeadlessRun(doc, resolution=2)
    np.testing.assert_array_equal(reopened.trainer.buffers, part.trainer.buffers)
    reopened.train(50)
    np.testing.assert_array_equal(reopened.trainer.params, whole.trainer.params)
    np.testing.assert_array_equal(reopened.trainer.buffers, whole.trainer.buffers)


def test_the_file_stores_a_batch_norm_as_its_kind_and_momentum(tmp_path):
    import json
    import zipfile
    path = files.save(tmp_path / "bn.nnp", run_of().document())
    with zipfile.ZipFile(path) as z:
        layers = json.loads(z.read("experiment.json"))["fields"]["layers"]
    assert layers[1] == {"kind": "batchnorm", "momentum": 0.1}
    assert layers[0] == {"units": 6, "activation": "sigmoid", "init": "glorot_uniform",
                         "dropout": 0.0}


# ---- the session ------------------------------------------------------------------------------
def test_session_snapshots_draw_dense_layers_and_typed_weights_reach_them(qtbot, make_session):
    _, session = make_session(dataset="xor", n_points=100, layers=DEEP)
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    first = session.latest
    assert [W.shape for W, _ in session.layer_params()] == [(2, 6), (6, 5), (5, 4), (4, 1)]
    # one map per experiment layer: a batch norm's maps are its normalized activations
    assert [m.shape[0] for m in first.neuron_maps] == [6, 6, 5, 5, 4]
    named = session.spec.named_views(np.arange(session.spec.n_params, dtype=np.float64))
    assert session.param_index(1, 2, 3) == int(named[2]["kernel"][2, 3])
    assert session.param_index(3, None, 0) == int(named[5]["bias"][0])
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT) as got:
        session.set_param(1, 2, 3, 0.75)
    W = session.layer_params(got.args[0].params)[1][0]
    assert W[2, 3] == 0.75
    changed = np.flatnonzero(got.args[0].params != first.params)
    assert changed.tolist() == [int(named[2]["kernel"][2, 3])]


def next_snapshot(qtbot, session, action, check=lambda s: True):
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=check) as blocker:
        action()
    return blocker.args[0]


def test_session_reset_and_reopening_keep_the_running_statistics(qtbot, make_session):
    values = dict(dataset="xor", n_points=100, layers=DEEP, optimizer="sgd",
                  learning_rate=0.1, steps_per_frame=10)
    experiment, a = make_session(**values)
    qtbot.waitUntil(lambda: a.latest is not None, timeout=TIMEOUT)
    initial = a.latest.params.copy(), a.latest.buffers.copy()
    trained = next_snapshot(qtbot, a, lambda: a.step(40), lambda s: s.step == 40)
    assert not np.array_equal(trained.buffers, initial[1])
    saved = a.run_state()
    np.testing.assert_array_equal(saved["trainer"]["buffers"], trained.buffers)
    # another session opens the run and goes on exactly as this one
    _, b = make_session(dataset="circle", n_points=60)
    qtbot.waitUntil(lambda: b.latest is not None, timeout=TIMEOUT)
    opened = next_snapshot(qtbot, b, lambda: b.load_document(experiment.values(),
                                                             saved["trainer"],
                                                             saved["history"]),
                           lambda s: s.generation == b.generation)
    np.testing.assert_array_equal(opened.buffers, trained.buffers)
    later = [next_snapshot(qtbot, s, lambda s=s: s.step(30), lambda snap: snap.step == 70)
             for s in (a, b)]
    np.testing.assert_array_equal(later[0].params, later[1].params)
    np.testing.assert_array_equal(later[0].buffers, later[1].buffers)
    # reset: the initial weights and running statistics, bit for bit
    back = next_snapshot(qtbot, a, a.reset, lambda s: s.step == 0)
    np.testing.assert_array_equal(back.params, initial[0])
    np.testing.assert_array_equal(back.buffers, initial[1])


def test_undo_steps_say_which_layer_got_or_lost_its_batch_norm():
    from playground.undo import diff
    v = Experiment({"dataset": "xor", "layers": (Layer(4), Layer(3))}).values()
    on = {**v, "layers": dense_columns.with_batch_norm(v["layers"], 0, True)}
    assert diff(v, on).text == "Layer 1: batch norm on"
    assert diff(on, v).text == "Layer 1: batch norm off"
    faster = {**on, "layers": dense_columns.with_momentum(on["layers"], 0, 0.3)}
    assert diff(on, faster).text == "Layer 1: batch-norm momentum 0.1 \u2192 0.3"
    grown = {**faster, "layers": dense_columns.with_column_added(faster["layers"])}
    assert diff(faster, grown).text == "Add hidden layer 3"
    normed = {**on, "layers": dense_columns.with_batch_norm(on["layers"], 1, True)}
    grown = {**normed, "layers": dense_columns.with_column_added(normed["layers"])}
    assert diff(normed, grown).text == "Add hidden layer 3"
    assert diff(grown, normed).text == "Remove hidden layer 3"
