"""playground.transfer: a new experiment from the layers of a saved one. Copied layers keep
their settings and trained weights, the others start from the new seed, the output layer is new
for other classes; frozen layers stay as copied; the result opens through the file path."""
import numpy as np
import pytest

from engine.trainer import initial_parameters
from playground import files, pipeline, transfer
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun

LAYERS = (Layer.conv(4, 3), Layer.batch_norm(), Layer.pool(2), Layer.flatten(),
          Layer(12, "relu"))
TARGET = {"classes": (5, 6, 7), "per_class": 10, "seed": 9}


@pytest.fixture(scope="module")
def source() -> files.Document:
    values = Experiment({"dataset": "digits", "layers": LAYERS, "classes": (0, 1, 2),
                         "batch_size": 16, "steps_per_frame": 10}).values()
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(40)
    doc = run.document()
    doc.meta = {"title": "digits 0-2"}
    return doc


def spec_of(values):
    data = pipeline.prepare(values)
    return pipeline.network_spec(values, data.n_inputs, data.n_classes)


def test_copied_layers_carry_their_weights_and_the_rest_start_from_the_new_seed(source):
    doc = transfer.transfer(source, TARGET, copy=(0, 1), freeze=(0,), copied_lr_scale=0.2)
    spec = spec_of(doc.values)
    new, old = spec.layer_slices(), spec_of(source.values).layer_slices()
    fresh = initial_parameters(spec, 9)
    params = doc.trainer["params"]
    for i in (0, 1):
        np.testing.assert_array_equal(params[slice(*new[i])],
                                      source.trainer["params"][slice(*old[i])])
    for i in (4, 5):                        # the dense layer and the new 3-class output layer
        np.testing.assert_array_equal(params[slice(*new[i])], fresh[slice(*new[i])])
    np.testing.assert_array_equal(doc.trainer["initial_params"], params)   # Reset comes back
    # batch norm's running statistics come with it
    np.testing.assert_array_equal(doc.trainer["buffers"], source.trainer["buffers"])
    layers = doc.values["layers"]
    assert layers[0].frozen and layers[1].lr_scale == 0.2 and layers[4].lr_scale == 1.0
    assert doc.values["classes"] == (5, 6, 7) and doc.step == 0
    assert "digits 0-2" in doc.title


def test_the_new_experiment_opens_through_a_file_and_its_frozen_layer_stays(source, tmp_path):
    doc = transfer.transfer(source, TARGET, copy=(0, 1), freeze=(0,))
    files.save(tmp_path / "t.nnp", doc)
    run = HeadlessRun(files.load(tmp_path / "t.nnp"), resolution=2)
    np.testing.assert_array_equal(run.trainer.params, doc.trainer["params"])
    a, b = run.spec.layer_slices()[0]
    before = run.trainer.params[a:b].copy()
    run.train(20)
    np.testing.assert_array_equal(run.trainer.params[a:b], before)
    assert run.trainer.step_count == 20


def test_the_output_layer_is_copied_only_for_the_same_classes(source):
    same = transfer.transfer(source, {"seed": 5}, copy=range(6))
    np.testing.assert_array_equal(same.trainer["params"], source.trainer["params"])
    with pytest.raises(ValueError, match="other classes"):
        transfer.transfer(source, TARGET, copy=(0, 5))


@pytest.mark.parametrize("kwargs, words", [
    ({"freeze": (2,)}, "no weights to freeze"),
    ({"copy": (9,)}, "no layer 10"),
    ({"freeze": (5,)}, "must train"),
])
def test_impossible_transfers_say_why(source, kwargs, words):
    with pytest.raises(ValueError, match=words):
        transfer.transfer(source, TARGET, **kwargs)


def test_a_network_without_trained_weights_cannot_be_a_source():
    with pytest.raises(ValueError, match="no trained network"):
        transfer.transfer(files.Document(Experiment().values()), {}, copy=(0,))


def test_layer_rows_list_every_layer_and_the_output(source):
    rows = transfer.layer_rows(source)
    assert [r["label"] for r in rows] == ["conv 4 3x3 relu", "batch-norm", "max-pool 2",
                                          "flatten", "dense 12 relu", "output 3 softmax"]
    assert [r["params"] > 0 for r in rows] == [True, True, False, False, True, True]
    assert rows[-1]["output"]


def test_fine_tune_freezes_and_scales_layers_of_running_values():
    values = Experiment({"dataset": "digits", "layers": LAYERS}).values()
    tuned = transfer.fine_tune(values, freeze=(0, 2), lr_scales={4: 0.5})
    layers = tuned["layers"]
    assert layers[0].frozen and not layers[2].frozen       # a pooling layer has no weights
    assert layers[4].lr_scale == 0.5
    Experiment(tuned)                                        # valid settings


def test_typed_class_numbers():
    assert transfer.parse_classes("5-9") == (5, 6, 7, 8, 9)
    assert transfer.parse_classes(" 1, 3;4 ") == (1, 3, 4) and transfer.parse_classes("") == ()
    with pytest.raises(ValueError, match="not a class number"):
        transfer.parse_classes("five")
