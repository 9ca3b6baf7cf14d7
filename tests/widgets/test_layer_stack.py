"""The image-network builder: one card per layer with the engine's output shape and parameter
count, layers inserted, changed and removed by clicks and typing, refusals explained in the
card that was used with nothing changed, and model changes (an undo, another file) shown; the
shared leaky slope and initializer scale on the cards whose layer uses them, and a short
description on a narrow card."""
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from playground import presets
from playground.experiment import Experiment
from playground.fields import Layer
from playground.undo import EditRecorder
from widgets import theme
from widgets.layer_card import short_description
from widgets.layer_stack import LayerStackView

LEFT = Qt.MouseButton.LeftButton


def conv_params(filters, channels, k):
    return filters * channels * k * k + filters


@pytest.fixture
def view(qtbot):
    """A shown LayerStackView on the LeNet digits preset (conv16, pool, conv32, pool,
    flatten, dense 64, softmax 10 on 1x8x8 images). The view reads no session."""
    theme.apply(QApplication.instance())
    experiment = Experiment(presets.load("lenet_digits").values)
    stack = LayerStackView(experiment, session=None)
    qtbot.addWidget(stack)
    stack.resize(640, 900)
    stack.show()
    qtbot.waitExposed(stack)
    return stack


def choose(combo, key) -> None:
    """Pick ``key`` in a combo box as a user does (activated fires, not just a new index)."""
    combo.setCurrentIndex(combo.findData(key))
    combo.activated.emit(combo.currentIndex())


def type_into(qtbot, box, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_cards_show_each_layers_output_shape_and_parameters(view):
    assert [c.kind.currentData() for c in view.cards] == [
        "conv2d", "maxpool2d", "conv2d", "maxpool2d", "flatten", "dense"]
    assert view.input_card.shape.text() == "1x8x8"
    assert [c.shape.text() for c in view.cards] == [
        "16x8x8", "16x4x4", "32x4x4", "32x2x2", "128", "64"]
    assert view.output_card.shape.text() == "10"
    expected = [conv_params(16, 1, 3), 0, conv_params(32, 16, 3), 0, 0, 128 * 64 + 64]
    assert [c.params.text() for c in view.cards] == [
        f"{n:,} parameters" if n else "" for n in expected]
    output = 64 * 10 + 10
    assert view.output_card.params.text() == f"{output} parameters"
    assert view.summary.text() == f"6 layers \u00b7 {sum(expected) + output:,} parameters"


def test_each_card_shows_the_settings_of_its_kind(view):
    conv, pool, flatten, dense = (view.cards[i] for i in (0, 1, 4, 5))
    visible = lambda card: {n for n, c in card.controls.items() if c.isVisible()}  # noqa: E731
    assert {"filters", "kernel_size", "stride", "padding", "activation", "init",
            "dropout"} <= visible(conv)
    assert visible(pool) == {"size"}
    assert visible(flatten) == set()
    assert {"units", "activation", "init", "dropout"} <= visible(dense)
    assert conv.controls["filters"].value() == 16
    assert dense.controls["units"].value() == 64


def test_the_issues_example_a_5x5_kernel_on_a_4x4_map(qtbot, view):
    """The second conv sees 4x4 maps. With valid padding a 5x5 kernel does not fit: the card
    says why under its settings, the experiment and the box keep 3x3."""
    e, card = view.experiment, view.cards[2]
    choose(card.controls["padding"], "valid")
    assert e.layers[2].padding == "valid" and card.shape.text() == "32x2x2"
    before = e.values()
    type_into(qtbot, card.controls["kernel_size"], "5")
    assert e.values() == before
    assert card.note.isVisible()
    assert "5x5 kernel" in card.note.text() and "4x4 map" in card.note.text()
    assert card.controls["kernel_size"].value() == 3
    assert card.shape.text() == "32x2x2"
    # the next accepted edit of the card clears its note
    type_into(qtbot, card.controls["filters"], "12")
    assert e.layers[2].filters == 12 and not card.note.isVisible()
    assert card.params.text() == f"{conv_params(12, 16, 3):,} parameters"


def test_insert_a_layer_after_a_chosen_one(qtbot, view):
    e = view.experiment
    insert = view.cards[0].insert
    qtbot.mouseClick(insert.button, LEFT)
    qtbot.waitUntil(insert.menu.isVisible)
    insert.action("batchnorm").trigger()
    insert.menu.close()
    assert [l.kind for l in e.layers][:3] == ["conv2d", "batchnorm", "maxpool2d"]
    assert len(view.cards) == 7
    card = view.cards[1]
    assert card.kind.currentData() == "batchnorm" and card.badge.text() == "2"
    assert card.shape.text() == "16x8x8" and card.params.text() == f"{2 * 16} parameters"
    assert card.controls["momentum"].isVisible()
    assert view.cards[2].kind.currentData() == "maxpool2d" and view.cards[2].badge.text() == "3"


def test_a_dense_layer_on_maps_is_refused_where_it_was_asked_for(view):
    e = view.experiment
    before = e.values()
    view.input_card.insert.action("dense").trigger()
    assert e.values() == before and len(view.cards) == 6
    note = view.input_card.note
    assert note.isVisible() and "Flatten" in note.text() and note.text().startswith("Layer 1")


def test_change_a_layers_kind_by_its_menu(view):
    e, card = view.experiment, view.cards[1]
    choose(card.kind, "avgpool2d")
    assert e.layers[1] == Layer.pool(2, average=True)
    assert card.description.text() == "Average pool 2x2"
    # flatten -> conv leaves the dense layer on maps: refused, the menu shows flatten again
    flatten = view.cards[4]
    before = e.values()
    choose(flatten.kind, "conv2d")
    assert e.values() == before
    assert flatten.kind.currentData() == "flatten"
    assert flatten.note.isVisible() and "Flatten" in flatten.note.text()


def test_remove_layers_by_their_minus_button(qtbot, view):
    e = view.experiment
    qtbot.mouseClick(view.cards[1].remove, LEFT)          # the first pool
    assert [l.kind for l in e.layers] == ["conv2d", "conv2d", "maxpool2d", "flatten", "dense"]
    assert [c.shape.text() for c in view.cards][:2] == ["16x8x8", "32x8x8"]
    assert len(view.cards) == 5
    flatten = view.cards[3]
    qtbot.mouseClick(flatten.remove, LEFT)                 # the dense layer would get maps
    assert len(e.layers) == 5 and flatten.note.isVisible()


def test_model_changes_show_in_the_cards(view):
    """Model -> widget: an undo (or a file opened) puts other layers in; the cards follow."""
    e = view.experiment
    recorder = EditRecorder(e)
    steps = []
    e.state_changed.connect(lambda name: steps.append(recorder.record()))
    choose(view.cards[0].controls["activation"], "tanh")
    edits = [s for s in steps if s is not None]
    assert len(edits) == 1 and edits[0].text == "Layer 1: activation ReLU \u2192 Tanh"
    recorder.apply(edits[0].before)                        # what Edit > Undo does
    assert view.cards[0].controls["activation"].currentData() == "relu"
    e.set("layers", (Layer.conv(4, 5, padding="valid"), Layer.flatten(), Layer(10, "relu")))
    assert len(view.cards) == 3
    assert view.cards[0].controls["filters"].value() == 4
    assert view.cards[0].controls["kernel_size"].value() == 5
    assert [c.shape.text() for c in view.cards] == ["4x4x4", "64", "10"]
    assert view.summary.text().startswith("3 layers")


def test_a_2d_point_experiment_shows_no_cards(view):
    e = view.experiment
    e.set("dataset", "spiral")
    assert view.cards == [] and view.hint.isVisible()
    assert not view.input_card.isVisible() and view.summary.text() == ""


@pytest.mark.skipif("frozen" not in Layer.__dataclass_fields__,
                    reason="Layer.frozen and lr_scale are not in playground.fields yet")
def test_freeze_a_layer_and_give_it_its_own_learning_rate(qtbot, view):
    e, conv, pool = view.experiment, view.cards[0], view.cards[1]
    assert not pool.controls["frozen"].isVisible()         # nothing to freeze in a pool
    qtbot.mouseClick(conv.controls["frozen"], LEFT)
    assert e.layers[0].frozen is True
    type_into(qtbot, conv.controls["lr_scale"], "0.1")
    assert e.layers[0].lr_scale == pytest.approx(0.1)
    e.set_layer(0, frozen=False)
    assert not conv.controls["frozen"].isChecked()


def fake_snapshot(maps_shapes, image_shape=(1, 8, 8)):
    """What set_snapshot reads of a snapshot: images.sample_image and images.feature_maps."""
    rng = np.random.default_rng(0)
    maps = tuple((f"layer {i + 1}", rng.standard_normal(s).astype(np.float32))
                 for i, s in enumerate(maps_shapes))
    return SimpleNamespace(images=SimpleNamespace(
        sample_image=rng.random(image_shape).astype(np.float32), feature_maps=maps))


def test_wide_cards_show_their_layers_feature_maps(qtbot, view):
    view.resize(1300, 900)
    qtbot.waitUntil(lambda: view.cards[0].width() >= 1000)
    view.set_snapshot(fake_snapshot([(16, 8, 8), (16, 4, 4), (32, 4, 4), (32, 2, 2)]))
    strips = [c.strip for c in view.cards]
    assert [s.isVisible() for s in strips] == [True, True, True, True, False, False]
    assert [s.count() for s in strips[:4]] == [16, 16, 16, 16]     # at most 16 of 32
    assert view.input_card.strip.isVisible() and view.input_card.strip.count() == 1
    # a snapshot from before an edit: the maps of the layers whose shape changed are not shown
    view.experiment.set_layer(0, filters=4)
    assert [s.count() for s in strips[:4]] == [0, 0, 16, 16]
    # a narrow card keeps its room for the settings
    view.resize(640, 900)
    qtbot.waitUntil(lambda: view.cards[0].width() < 700)
    assert not any(s.isVisible() for s in strips)


def test_a_2d_snapshot_has_no_maps(view):
    view.resize(1300, 900)
    view.set_snapshot(SimpleNamespace(images=None))
    assert not any(c.strip.isVisible() for c in view.cards)


# ---- the shared slope and scale, as the dense headers have; the short description ----------
def edits_of(experiment):
    recorder = EditRecorder(experiment)
    steps = []
    experiment.state_changed.connect(lambda name: steps.append(recorder.record()))
    return recorder, steps


def test_a_leaky_activation_shows_the_shared_slope_and_typing_sets_it_in_one_step(view, qtbot):
    e, card = view.experiment, view.cards[0]
    slope = card.controls["leaky_slope"]
    assert not slope.isVisible() and "leaky_slope" not in card.shown_settings(e.layers[0])
    choose(card.controls["activation"], "leaky_relu")
    assert e.layers[0].activation == "leaky_relu"
    slope = view.cards[0].controls["leaky_slope"]
    assert slope.isVisible() and view.cards[0].labels["leaky_slope"].text() == "Slope"
    assert slope.value() == pytest.approx(e.leaky_slope)
    recorder, steps = edits_of(e)
    type_into(qtbot, slope, "0.2")
    assert e.leaky_slope == pytest.approx(0.2)
    assert len([s for s in steps if s is not None]) == 1              # one undo step
    recorder.apply(next(s for s in steps if s is not None).before)    # Edit > Undo
    assert view.cards[0].controls["leaky_slope"].value() == pytest.approx(e.leaky_slope)
    assert e.leaky_slope != pytest.approx(0.2)
    assert not view.cards[2].controls["leaky_slope"].isVisible()      # conv 2 is still ReLU


def test_an_initializer_with_a_scale_shows_it_and_a_refused_scale_is_explained(view, qtbot):
    e = view.experiment
    card = view.cards[5]                                             # the dense layer
    assert e.layers[5].kind == "dense" and not card.controls["init_scale"].isVisible()
    choose(card.controls["init"], "random_normal")
    scale = view.cards[5].controls["init_scale"]
    assert scale.isVisible() and scale.value() == pytest.approx(e.init_scale)
    assert "init_scale" not in view.cards[1].shown_settings(e.layers[1])    # a pool: no init
    before = e.init_scale
    type_into(qtbot, scale, "-1")
    assert e.init_scale == before                                    # refused, nothing changed
    assert view.cards[5].note.isVisible() and view.cards[5].note.text()
    type_into(qtbot, scale, "0.5")
    assert e.init_scale == pytest.approx(0.5)


def test_a_narrow_card_shows_the_short_description_and_the_whole_one_in_its_tooltip(view):
    card = view.cards[0]
    label = card.description
    assert label.text() == "Conv 16 3x3 same relu"
    assert label.toolTip().startswith("Conv 16 3x3 same relu")
    assert label.shown_text(label.fontMetrics().horizontalAdvance(label.text()) + 2) == \
        "Conv 16 3x3 same relu"
    narrow = label.fontMetrics().horizontalAdvance("16 3x3 same relu") + 2
    assert label.shown_text(narrow) == "16 3x3 same relu"
    assert short_description("Max pool 2x2") == "2x2"
    assert short_description("Flatten") == "Flatten"


def test_the_output_card_shows_the_scale_of_an_initializer_that_takes_one(view, qtbot):
    e, card = view.experiment, view.output_card
    assert not card.scale.isVisible()
    choose(card.init, "random_uniform")
    assert e.output_init == "random_uniform"
    assert card.scale.isVisible() and card.scale.value() == pytest.approx(e.init_scale)
    type_into(qtbot, card.scale, "0.3")
    assert e.init_scale == pytest.approx(0.3)
    choose(card.init, "glorot_uniform")
    assert not card.scale.isVisible()
