"""The image-network builder inside the main window: the centre shows it for an image
experiment, a layer edit is one step of Edit > Undo, and the session's live snapshots give the
cards their feature maps."""
from playground import presets
from playground.experiment import Experiment

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def edit_action(window, text: str):
    menu = next(a.menu() for a in window.menuBar().actions()
                if a.menu() is not None and a.text().replace("&", "") == "Edit")
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_in_the_window_an_image_layer_edit_is_one_undo_step(qtbot, make_window):
    """The window shows the stack in the centre for an image experiment; a layer inserted by
    its menu is one step of Edit > Undo, and undoing it puts the cards back."""
    w = make_window(Experiment(presets.load("lenet_digits").values))
    view = w.layer_stack
    qtbot.waitUntil(lambda: w.centre.currentWidget() is view, timeout=TIMEOUT)
    before = w.experiment.values()
    view.cards[2].insert.action("batchnorm").trigger()
    assert len(view.cards) == 7 and view.cards[3].kind.currentData() == "batchnorm"
    undo = edit_action(w, "Undo")
    assert undo.isEnabled()
    undo.trigger()
    assert w.experiment.values() == before
    assert [c.kind.currentData() for c in view.cards] == [
        "conv2d", "maxpool2d", "conv2d", "maxpool2d", "flatten", "dense"]
    assert not undo.isEnabled()                            # it was one step
    edit_action(w, "Redo").trigger()
    assert len(view.cards) == 7


def test_the_window_gives_the_cards_the_live_maps(qtbot, make_window):
    """The real session's snapshots reach the cards: the chosen test image's maps at every
    layer that gives maps (whether a card is wide enough to show them is the test above)."""
    w = make_window(Experiment(presets.load("lenet_digits").values), size=(1920, 1080))
    session = w.session
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.images is not None
                    and session.latest.generation == session.generation, timeout=TIMEOUT)
    cards = w.layer_stack.cards
    qtbot.waitUntil(lambda: cards[0].strip.count() == 16, timeout=TIMEOUT)
    assert cards[1].strip.count() == 16 and cards[3].strip.count() == 16
    assert cards[4].strip.count() == 0                              # flatten: no maps
