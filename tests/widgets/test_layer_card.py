"""A layer card's title (the engine's description of its layer) reads whole words at the
window sizes people use: the whole text, else its short form, else the short form's first
words (the settings below show the rest); never a word cut with "\u2026" on the LeNet presets."""
import pytest
from PySide6.QtWidgets import QApplication

from playground import presets
from playground.experiment import Experiment
from widgets import theme
from widgets.card_frame import ElidedLabel


@pytest.mark.parametrize("preset", ["lenet_digits", "lenet_shapes"])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_every_card_title_of_the_lenet_presets_reads_whole_words(make_window, qtbot, preset,
                                                                 size):
    w = make_window(Experiment(presets.load(preset).values), size=size)
    cards = w.layer_stack.cards
    qtbot.waitUntil(lambda: all(c.description.width() > 0 for c in cards))
    assert len(cards) == 6
    for card in cards:
        label = card.description
        shown = label.shown_text()
        assert "\u2026" not in shown, (label.text(), shown, label.width())
        whole, short = label.text().split(), label.short.split()
        assert shown.split() == whole or shown.split() == short[:len(shown.split())]
        assert len(shown.split()) >= 2 or len(short) == 1, shown
    conv2 = cards[2].description                    # the filters and kernel at least
    assert conv2.text().startswith("Conv ")
    assert " ".join(conv2.short.split()[:2]) in conv2.shown_text()


def test_a_title_drops_its_last_words_before_cutting_one(qtbot):
    theme.apply(QApplication.instance())
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.setText("Conv 32 3x3 same relu")
    label.short = "32 3x3 same relu"
    width = label.fontMetrics().horizontalAdvance
    assert label.shown_text(width("Conv 32 3x3 same relu")) == "Conv 32 3x3 same relu"
    assert label.shown_text(width("32 3x3 same relu")) == "32 3x3 same relu"
    assert label.shown_text(width("32 3x3 same relu") - 1) == "32 3x3 same"
    assert label.shown_text(width("32 3x3 sam")) == "32 3x3"
    assert label.shown_text(width("32 3x")) == "32"
    label.short = ""
    assert label.shown_text(width("Conv 32 3x3")).endswith("\u2026")
