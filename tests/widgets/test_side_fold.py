"""Zoomed in too far for the left column (200% on a 1920 x 1080 projector, or a 960 x 540 logical
screen under QT_SCALE_FACTOR=2), the Data, Training and Lesson panels fold away so that the
network, the boundary and the curves are seen whole; they come back when there is room, when the
user shows one, or when folding is switched off. The experiment's hidden panels are untouched."""
import pytest

from widgets.side_fold import FOLD_KEY, should_fold

TIMEOUT = 30_000     # ms: a bound on waits on a busy machine, never a target


#: the next test starts at 100%, light (tests/widgets/conftest.py)
pytestmark = pytest.mark.usefixtures("default_look")


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)


def network_scrolls(w) -> bool:
    return w.network_view.scroll.horizontalScrollBar().maximum() > 0


def test_the_rule_folds_only_when_crowded_and_zoomed_presenting_or_small():
    # crowded: 1920 - 540 - 790 = 590 px for a network that needs 700
    assert should_fold(1920, 540, 790, 700, zoom=2.0, presenting=False)
    assert should_fold(1920, 540, 790, 700, zoom=1.0, presenting=True)
    assert not should_fold(1920, 540, 790, 700, zoom=1.25, presenting=False)   # a desk: scroll
    assert not should_fold(1920, 540, 790, 500, zoom=2.0, presenting=True)     # it fits
    assert should_fold(960, 270, 396, 528, zoom=1.0, presenting=False)         # a small screen


def test_at_200_percent_on_1920x1080_the_network_boundary_and_curves_fit(qtbot, make_window):
    w = make_window(size=(1920, 1080))
    ready(qtbot, w)
    assert w.data_dock.isVisible() and not w.side_fold.is_folded
    w.look_actions.set_zoom(2.0)
    qtbot.waitUntil(lambda: w.side_fold.is_folded, timeout=TIMEOUT)
    assert not w.data_dock.isVisible() and not w.training_dock.isVisible()
    assert w.experiment.hidden_panels == ()            # folding is not hiding from the class
    assert "folded away" in w.banner.text.text() and w.banner.isVisible()   # said once
    qtbot.waitUntil(lambda: not network_scrolls(w), timeout=TIMEOUT)
    assert w.output_dock.isVisible() and w.curves_dock.isVisible()
    # back at 100% the column comes back by itself
    w.look_actions.set_zoom(1.0)
    qtbot.waitUntil(lambda: w.data_dock.isVisible(), timeout=TIMEOUT)
    assert not w.side_fold.is_folded
    qtbot.waitUntil(lambda: not w.data_dock.visibleRegion().isEmpty(), timeout=TIMEOUT)


def test_showing_a_folded_panel_by_hand_unfolds_until_the_zoom_changes(qtbot, make_window):
    w = make_window(size=(1920, 1080))
    ready(qtbot, w)
    w.look_actions.set_zoom(2.0)
    qtbot.waitUntil(lambda: w.side_fold.is_folded, timeout=TIMEOUT)
    w.data_dock.toggleViewAction().trigger()           # View > Data
    qtbot.waitUntil(lambda: w.data_dock.isVisible(), timeout=TIMEOUT)
    assert w.training_dock.isVisible() or w.data_dock.isVisible()
    w.resize(1900, 1070)                               # a resize does not fold it again
    qtbot.wait(400)
    assert w.data_dock.isVisible() and not w.side_fold.is_folded
    w.look_actions.set_zoom(2.5)                       # a new zoom decides afresh
    qtbot.waitUntil(lambda: w.side_fold.is_folded, timeout=TIMEOUT)


def test_switching_folding_off_brings_the_panels_back_and_is_remembered(qtbot, make_window,
                                                                       settings):
    w = make_window(size=(1920, 1080))
    ready(qtbot, w)
    w.look_actions.set_zoom(2.0)
    qtbot.waitUntil(lambda: w.side_fold.is_folded, timeout=TIMEOUT)
    w.side_fold.action.trigger()                       # View > Fold the side panels to fit
    assert w.data_dock.isVisible() and not w.side_fold.is_folded
    assert str(settings.value(FOLD_KEY)) == "false"
    w.look_actions.set_zoom(2.5)
    qtbot.wait(400)
    assert w.data_dock.isVisible() and not w.side_fold.is_folded
    assert w.side_fold.action in w.view_menu.actions()


def test_a_960x540_screen_holds_the_window_with_the_losses_in_the_status_bar(qtbot,
                                                                          make_window):
    # QT_SCALE_FACTOR=2 on a 1920 x 1080 screen: 960 x 540 logical pixels at 100%
    w = make_window(size=(1280, 720))
    ready(qtbot, w)
    hint = w.minimumSizeHint()
    assert hint.width() <= 960 and hint.height() <= 540
    w.resize(960, 540)
    qtbot.waitUntil(lambda: w.side_fold.is_folded, timeout=TIMEOUT)
    assert (w.width(), w.height()) == (960, 540)
    fields = w.status.fields
    qtbot.waitUntil(lambda: fields["train_loss"].isVisible(), timeout=TIMEOUT)
    assert fields["test_loss"].isVisible()
    shown = [label for label in fields.values() if label.isVisible()]
    right = max(label.geometry().right() for label in shown)
    assert right <= w.status.width()                   # every number shown is whole
    w.resize(1280, 720)                                # room again: everything comes back
    qtbot.waitUntil(lambda: w.data_dock.isVisible() and fields["rate"].isVisible(),
                    timeout=TIMEOUT)
