"""The experiment's layer verbs on an image network (the builder's buttons): insert a layer of a
kind at a place, change a layer's kind or a setting, remove one. The engine's shape rules say
which layers fit; a refused change names the layer and why, and changes nothing. Shapes and
parameter counts are checked against hand-worked formulas, not against the code under test."""
import pytest

from playground import image_pipeline, presets
from playground.experiment import Experiment, InvalidValue, new_layer
from playground.fields import Layer
from playground.undo import EditRecorder, diff


@pytest.fixture
def lenet():
    """LeNet on the 8x8 digits: conv16 3x3 same, pool 2, conv32 3x3 same, pool 2, flatten,
    dense 64, softmax 10."""
    experiment = Experiment(presets.load("lenet_digits").values)
    emitted = []
    experiment.state_changed.connect(emitted.append)
    return experiment, emitted


def conv_params(filters, channels, k):
    return filters * channels * k * k + filters            # kernel plus one bias per filter


def shapes(experiment):
    return [row["shape_text"] for row in image_pipeline.layer_rows(experiment.values())]


def test_insert_a_conv_layer_between_two_layers(lenet):
    e, emitted = lenet
    before = e.layers
    e.insert_layer(2, "conv2d")                         # after the first pool (16x4x4 maps)
    assert e.layers[:2] == before[:2] and e.layers[3:] == before[2:]
    assert e.layers[2].kind == "conv2d" and e.layers[2].filters == 8
    assert e.layers[2].kernel_size == 3 and e.layers[2].padding == "same"
    assert emitted == ["layers"]
    rows = image_pipeline.layer_rows(e.values())
    assert rows[3]["shape_text"] == "8x4x4"             # same padding keeps the 4x4 map
    assert rows[3]["params"] == conv_params(8, 16, 3)
    assert rows[4]["params"] == conv_params(32, 8, 3)   # the next conv now sees 8 channels


def test_insert_at_the_end_and_at_the_start(lenet):
    e, _ = lenet
    e.insert_layer(0, Layer.batch_norm(0.2))
    assert e.layers[0] == Layer.batch_norm(0.2)
    assert shapes(e)[1] == "1x8x8"                      # batch norm keeps the shape
    n = len(e.layers)
    e.insert_layer(n, "dense")
    assert len(e.layers) == n + 1 and e.layers[-1].kind == "dense"
    with pytest.raises(InvalidValue, match="no place"):
        e.insert_layer(n + 5, "dense")


def test_dense_layer_before_flatten_is_refused_and_nothing_changes(lenet):
    e, emitted = lenet
    before = e.values()
    with pytest.raises(InvalidValue) as refusal:
        e.insert_layer(0, "dense")
    assert refusal.value.field == "layers"
    assert "Layer 1" in str(refusal.value) and "Flatten" in str(refusal.value)
    assert e.values() == before and emitted == []


def test_a_5x5_kernel_on_a_4x4_map_is_refused(lenet):
    """The issue's example: the second conv sees 4x4 maps; with valid padding a 5x5 kernel
    does not fit, and the refusal says so in the engine's words."""
    e, emitted = lenet
    e.set_layer(2, padding="valid")                     # a 3x3 kernel fits: 4 - 3 + 1 = 2
    assert shapes(e)[3] == "32x2x2"
    emitted.clear()
    before = e.values()
    with pytest.raises(InvalidValue) as refusal:
        e.set_layer(2, kernel_size=5)
    message = str(refusal.value)
    assert message.startswith("Layer 3 (")
    assert "5x5 kernel" in message and "4x4 map" in message
    assert e.values() == before and emitted == []


def test_change_a_layers_kind(lenet):
    e, emitted = lenet
    e.set_layer_kind(1, "avgpool2d")
    assert e.layers[1] == Layer.pool(2, average=True)
    assert shapes(e)[2] == "16x4x4"
    e.set_layer_kind(1, "conv2d")                       # the usual new conv: 8 3x3 same
    assert e.layers[1] == new_layer("conv2d")
    assert shapes(e)[2] == "8x8x8"
    emitted.clear()
    e.set_layer_kind(1, "conv2d")                       # the same kind: no change at all
    assert emitted == []


def test_a_new_kind_keeps_the_settings_both_kinds_have():
    conv = Layer.conv(4, 5, activation="elu", init="glorot_normal", dropout=0.3)
    dense = new_layer("dense", like=conv)
    assert (dense.activation, dense.init, dense.dropout) == ("elu", "glorot_normal", 0.3)
    assert dense.units == new_layer("dense").units
    assert new_layer("conv2d", like=dense).kernel_size == 3
    assert new_layer("batchnorm", like=conv) == Layer.batch_norm()


def test_kind_changes_that_do_not_fit_are_refused(lenet):
    e, emitted = lenet
    before = e.values()
    with pytest.raises(InvalidValue, match="conv2d"):
        e.set_layer_kind(0, "lstm")                     # the refusal lists the kinds
    with pytest.raises(InvalidValue, match="Layer 6"):
        e.set_layer_kind(5, "conv2d")                   # a conv on the flattened vector
    with pytest.raises(InvalidValue, match="Flatten"):
        e.set_layer_kind(4, "conv2d")                   # the dense layer then gets 8x2x2 maps
    assert e.values() == before and emitted == []


def test_remove_a_layer_and_the_shapes_follow(lenet):
    e, _ = lenet
    e.remove_layer(1)                                   # the first pool
    assert shapes(e)[:3] == ["1x8x8", "16x8x8", "32x8x8"]
    with pytest.raises(InvalidValue, match="Flatten"):
        e.remove_layer(3)                               # without flatten the dense gets maps


def test_an_image_layer_edit_is_one_undo_step_that_restores_everything(lenet):
    e, _ = lenet
    recorder = EditRecorder(e)
    edits = []
    e.state_changed.connect(lambda name: edits.append(recorder.record()))
    before = e.values()
    e.insert_layer(2, "batchnorm")
    steps = [edit for edit in edits if edit is not None]
    assert len(steps) == 1 and steps[0].fields == ("layers",)
    assert steps[0].text == "Add hidden layer 3"
    recorder.apply(steps[0].before)
    assert e.values() == before


def test_undo_texts_of_image_layer_edits(lenet):
    e, _ = lenet
    v = e.values()
    e.set_layer(2, kernel_size=5)
    assert diff(v, e.values()).text == "Layer 3: kernel size 3 \u2192 5"
    v = e.values()
    e.set_layer_kind(1, "avgpool2d")
    assert diff(v, e.values()).text == "Layer 2: average-pool layer"
    v = e.values()
    e.remove_layer(1)
    assert diff(v, e.values()).text == "Remove hidden layer 2"
