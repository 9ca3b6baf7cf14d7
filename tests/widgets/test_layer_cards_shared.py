"""Layer cards as the dense columns' headers: the leaky-ReLU slope beside a leaky activation and
the scale beside an initializer that takes one, each the experiment's own field (one undo step);
the card's description is readable when narrow (a short form, the whole one in the tooltip)."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from playground import presets
from playground.experiment import Experiment
from playground.undo import EditRecorder
from widgets import theme
from widgets.layer_card import short_description
from widgets.layer_stack import LayerStackView


@pytest.fixture
def view(qtbot):
    """A shown LayerStackView of the LeNet digits preset (conv, pool, conv, pool, flatten,
    dense 64); it reads no session."""
    theme.apply(QApplication.instance())
    stack = LayerStackView(Experiment(presets.load("lenet_digits").values), session=None)
    qtbot.addWidget(stack)
    stack.resize(640, 900)
    stack.show()
    qtbot.waitExposed(stack)
    return stack


def choose(combo, key) -> None:
    combo.setCurrentIndex(combo.findData(key))
    combo.activated.emit(combo.currentIndex())


def type_into(qtbot, box, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


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
