"""Presentation mode: F11 or the toolbar's Present button goes full screen, larger, with thicker
lines, larger markers and a high-contrast palette; F11 or Escape leaves it and gives back the
window, its layout and its zoom."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from widgets import theme

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


#: the next test starts at 100%, light (tests/widgets/conftest.py)
pytestmark = pytest.mark.usefixtures("default_look")


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two '#RRGGBB' colours."""
    def luminance(hex_color):
        channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def layout(w):
    """The window's size, each dock's place and whether it is shown, and the sizes of the docks
    on screen (a tab behind another has no size to compare)."""
    docks = sorted(w.findChildren(QDockWidget), key=lambda d: d.objectName())
    return (w.size().toTuple(), [(d.isHidden(), w.dockWidgetArea(d)) for d in docks],
            [d.size().toTuple() for d in docks if not d.visibleRegion().isEmpty()])


def test_f11_presents_and_escape_gives_everything_back(qtbot, make_window):
    w = make_window()
    ready(qtbot, w)
    w.look_actions.set_zoom(1.1)
    qtbot.wait(400)                    # (the docks take their shares at the new zoom)
    w.activateWindow()
    pen_before = w.curves_panel.train_curve.pen.widthF()
    marker_before = w.boundary_view.train_points.opts["size"]
    layout_before = layout(w)
    qtbot.keyClick(w, Qt.Key.Key_F11)
    assert w.look_actions.presenting and w.look_actions.present.isChecked()
    qtbot.waitUntil(w.isFullScreen, timeout=TIMEOUT)
    look = theme.look()
    assert look.presentation and look.zoom == theme.PRESENTATION_ZOOM      # at least 150%
    assert w.curves_panel.train_curve.pen.widthF() > pen_before * 1.5
    assert w.boundary_view.train_points.opts["size"] > marker_before
    assert theme.color("ink") == "#000000"                                # high contrast
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not w.look_actions.presenting and not w.look_actions.present.isChecked()
    qtbot.waitUntil(lambda: not w.isFullScreen(), timeout=TIMEOUT)
    assert theme.look() == theme.Look(zoom=1.1)
    assert w.curves_panel.train_curve.pen.widthF() == pytest.approx(pen_before)
    assert w.boundary_view.train_points.opts["size"] == pytest.approx(marker_before)
    qtbot.wait(400)
    assert layout(w) == layout_before


def test_the_present_button_toggles_and_f11_leaves(qtbot, make_window):
    w = make_window()
    ready(qtbot, w)
    qtbot.mouseClick(w.present_button, Qt.MouseButton.LeftButton)
    assert w.look_actions.presenting and w.present_button.isChecked()
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_F11)
    assert not w.look_actions.presenting and not w.present_button.isChecked()
    assert theme.look() == theme.Look()


def test_a_larger_zoom_is_kept_when_presenting_and_not_remembered(qtbot, make_window,
                                                                  settings):
    w = make_window()
    w.look_actions.set_zoom(2.0)
    w.look_actions.enter_presentation()
    assert theme.look().zoom == 2.0
    w.look_actions.zoom_in.trigger()                 # zooming while presenting...
    assert theme.look().zoom == 2.5
    w.look_actions.leave_presentation()
    assert theme.look().zoom == 2.0                   # ...is given back, never remembered
    assert float(settings.value("look/zoom")) == 2.0


def test_escape_outside_presentation_is_left_to_the_fields(qtbot, make_window):
    w = make_window()
    assert not w.look_actions.escape.isEnabled()
    w.look_actions.enter_presentation()
    assert w.look_actions.escape.isEnabled()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_presentation_palettes_are_high_contrast(dark):
    normal = theme.palette_of(theme.Look(dark=dark))
    high = theme.palette_of(theme.Look(dark=dark, presentation=True))
    for text in ("ink", "muted", "ink2"):
        for ground in ("panel", "window"):
            assert contrast(high[text], high[ground]) >= 7.0, (text, ground)   # WCAG AAA
            assert contrast(high[text], high[ground]) >= contrast(normal[text],
                                                                  normal[ground])
    assert contrast(high["border"], high["panel"]) >= 3.0     # frames seen from afar
