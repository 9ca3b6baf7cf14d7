"""The settings the course needs, through the experiment: output initializer, small-random
scale, leaky-ReLU slope, weight decay and max-norm. Each is declared once, saved in files,
passed to the trainer and applied live or by a rebuild; files written before they existed
open with the numbers they had.

``data/adamw_v1.nnp`` and ``data/course_settings_v1_losses.json`` were written by the code of
commit 1e41669 (format version 1, before these settings existed): an AdamW run saved after 30
steps, the batch losses of its next 40 steps, and every 25th batch loss of the first 200 steps of
five shipped presets. The losses are float.hex strings: equality is bit for bit.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from engine.trainer import Trainer
from playground import files, pipeline, presets
from playground.experiment import Experiment, InvalidValue
from playground.fields import FIELDS_BY_NAME, Layer
from playground.headless import HeadlessRun

DATA = Path(__file__).parent / "data"
RECORDED = json.loads((DATA / "course_settings_v1_losses.json").read_text())
NEW_FIELDS = ("output_init", "init_scale", "leaky_slope", "weight_decay", "max_norm")


def hexes(losses):
    return [float(x).hex() for x in losses]


def run_of(**changes) -> HeadlessRun:
    values = Experiment({"n_points": 100, "steps_per_frame": 10, **changes}).values()
    return HeadlessRun(files.Document(values), resolution=2)


# ---- old files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["default", "spiral", "moons", "xor", "reg_gauss"])
def test_a_shipped_preset_trains_bit_identically_to_before(name):
    doc = presets.load(name)
    assert {n: doc.values[n] for n in NEW_FIELDS} == {n: FIELDS_BY_NAME[n].default
                                                      for n in NEW_FIELDS}
    run = HeadlessRun(doc, resolution=2)
    assert hexes(run.trainer.run(200).losses[::25]) == RECORDED[name]


def test_an_old_adamw_file_opens_as_adam_with_its_weight_decay_and_continues_bit_identically():
    doc = files.load(DATA / "adamw_v1.nnp")
    assert doc.values["optimizer"] == "adam" and doc.values["weight_decay"] == 0.05
    assert doc.values["optimizer_params"] == {} and doc.step == 30
    run = HeadlessRun(doc, resolution=2)
    assert hexes(run.trainer.run(40).losses) == RECORDED["adamw_v1"]


def test_an_old_adamw_file_without_a_decay_takes_adamws_default():
    document = {"format": files.FORMAT, "version": 1,
                "fields": {"optimizer": "adamw", "optimizer_params": {"beta1": 0.8}}}
    migrated, _ = files.migrate(document, {})
    fields = migrated["fields"]
    assert migrated["version"] == files.VERSION
    assert (fields["optimizer"], fields["optimizer_params"], fields["weight_decay"]) == \
        ("adam", {"beta1": 0.8}, 0.01)
    assert (fields["output_init"], fields["init_scale"], fields["leaky_slope"],
            fields["max_norm"]) == ("glorot_uniform", 0.01, 0.01, 0.0)


# ---- declared once, saved, validated --------------------------------------------------------------
def test_the_fields_are_declared_with_defaults_that_change_nothing():
    f = FIELDS_BY_NAME
    assert (f["output_init"].default, f["output_init"].effect) == ("glorot_uniform", "network")
    assert "zeros" in f["output_init"].allowed()
    assert (f["init_scale"].default, f["init_scale"].low, f["init_scale"].high) == \
        (0.01, 1e-4, 10.0)
    assert (f["leaky_slope"].default, f["leaky_slope"].effect) == (0.01, "network")
    assert (f["weight_decay"].default, f["weight_decay"].effect) == (0.0, "live")
    assert (f["max_norm"].default, f["max_norm"].effect) == (0.0, "live")
    for name in NEW_FIELDS:
        assert f[name].doc and f[name].label


@pytest.mark.parametrize("name, value, words", [
    ("init_scale", 0.0, "between"), ("init_scale", 20.0, "between"),
    ("leaky_slope", -0.1, "between"), ("weight_decay", 2.0, "between"),
    ("max_norm", -1.0, "between"), ("output_init", "orthogonal", "unknown"),
    ("weight_decay", "0.1", "number"),
])
def test_bad_values_are_refused_with_a_message_and_lose_nothing(name, value, words):
    e = Experiment()
    before = e.values()
    with pytest.raises(InvalidValue, match=words):
        e.set(name, value)
    assert e.values() == before


def test_the_new_settings_round_trip_through_a_file_and_continue_bit_identically(tmp_path):
    changes = dict(output_init="random_uniform", init_scale=0.3, leaky_slope=0.1,
                   weight_decay=0.02, max_norm=1.5, optimizer="momentum",
                   layers=(Layer(5, "leaky_relu", "random_normal"), Layer(4, "tanh")))
    run = run_of(**changes)
    run.train(30)
    path = files.save(tmp_path / "course.nnp", run.document())
    loaded = files.load(path)
    for name, value in changes.items():
        assert loaded.values[name] == value, name
    again = HeadlessRun(loaded, resolution=2)
    np.testing.assert_array_equal(again.trainer.run(25).losses, run.trainer.run(25).losses)
    np.testing.assert_array_equal(again.trainer.params, run.trainer.params)


# ---- what each setting does to the network ------------------------------------------------------
def test_the_output_initializer_and_the_scale_reach_the_network():
    run = run_of(output_init="zeros", layers=(Layer(200, "tanh", "random_normal"),),
                 init_scale=0.5)
    (W1, b1), (W2, b2) = run.spec.views(run.trainer.params)
    assert not W2.any() and not b2.any()
    assert abs(W1.std() / 0.5 - 1) < 5 * np.sqrt(0.5 / W1.size)
    uniform = run_of(output_init="random_uniform", init_scale=0.2, layers=(Layer(256),))
    W_out = uniform.spec.views(uniform.trainer.params)[-1][0]       # 256 x 1
    assert np.abs(W_out).max() <= 0.2
    assert abs(W_out.std() / (0.2 / np.sqrt(3)) - 1) < 5 * np.sqrt(0.5 / W_out.size)
    # the scale leaves calibrated initializers alone
    a, b = run_of(init_scale=0.5), run_of()
    np.testing.assert_array_equal(a.trainer.params, b.trainer.params)


def test_all_zeros_in_every_layer_keeps_the_hidden_units_of_a_layer_identical():
    """The course's pitfall: with every layer zero, all units of a layer get the same
    gradient, so training never tells them apart."""
    run = run_of(dataset="circle", optimizer="sgd", learning_rate=0.3, output_init="zeros",
                 layers=(Layer(5, "tanh", "zeros"), Layer(4, "tanh", "zeros")))
    run.train(200)
    for W, b in run.spec.views(run.trainer.params)[:-1]:
        assert np.all(W == W[:, :1]) and np.all(b == b[0])
    assert run.trainer.params.any()                  # it did train (the output bias moved)


def test_the_leaky_slope_reaches_the_layers_that_use_leaky_relu():
    run = run_of(leaky_slope=0.1, layers=(Layer(3, "leaky_relu"), Layer(3, "tanh")))
    assert [h.param for h in run.spec.hidden] == [0.1, 0.0]
    Z = -np.ones((4, 2))
    hidden, _ = run.trainer.activations(Z)
    (W, b) = run.spec.views(run.trainer.params)[0]
    z = Z @ W + b
    np.testing.assert_allclose(hidden[0], np.where(z > 0, z, 0.1 * z), rtol=1e-15)


def test_weight_decay_and_max_norm_reach_the_trainer():
    config = pipeline.train_config(Experiment({"weight_decay": 0.03, "max_norm": 2.0}).values())
    assert (config.weight_decay, config.max_norm) == (0.03, 2.0)


TIMEOUT = 30_000


def test_a_live_weight_decay_change_changes_the_next_steps(qtbot, make_session):
    """Through the experiment and the worker: 20 steps, then weight decay set while the network
    is open; the next 5 steps equal a trainer given the same change, not one without it."""
    experiment, session = make_session(n_points=100, optimizer="sgd", learning_rate=0.1,
                                       layers=(Layer(4, "tanh"),))
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 20):
        session.step(20)
    generation = session.generation
    experiment.set("weight_decay", 0.5)
    experiment.set("max_norm", 0.9)
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 25) as blocker:
        session.step(5)
    assert session.generation == generation          # live: the network was not rebuilt
    got = np.asarray(blocker.args[0].params, np.float64)

    def reference(values_now):
        values = dict(experiment.values(), weight_decay=0.0, max_norm=0.0)
        tr = Trainer(session.spec, pipeline.train_config(values), session.data.X_train,
                     session.data.Y_train, seed=values["seed"])
        tr.run(20)
        tr.set_config(pipeline.train_config(values_now))
        tr.run(5)
        return tr.params

    with_change = reference(experiment.values())
    without = reference(dict(experiment.values(), weight_decay=0.0, max_norm=0.0))
    np.testing.assert_allclose(got, with_change, rtol=1e-6, atol=1e-7)
    assert np.abs(got - without).max() > 1e-3


def test_a_version_2_file_opens_with_every_panel_shown():
    """Version 3 added the panels a teacher hides; a file written before showed them all and
    opens that way, its other settings unchanged."""
    doc = files.load(DATA / "adamw_v1.nnp")     # version 1 -> 2 -> 3
    assert doc.values["hidden_panels"] == ()
    document = {"format": files.FORMAT, "version": 2, "fields": {"optimizer": "sgd"}}
    migrated, _ = files.migrate(document, {})
    assert migrated["version"] == files.VERSION
    assert {k: v for k, v in migrated["fields"].items()
            if k in ("hidden_panels", "optimizer")} == {"hidden_panels": [], "optimizer": "sgd"}
