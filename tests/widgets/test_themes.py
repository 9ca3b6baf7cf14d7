"""Themes: light and dark, following the system by default, switchable in View > Theme (an app
setting); the widgets, the plots (background, axes, text, curves) and the network view follow;
the class colours stay the colour-blind-safe palette."""
import re

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from playground import palette
from widgets import theme

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


#: the next test starts at 100%, light (tests/widgets/conftest.py)
pytestmark = pytest.mark.usefixtures("default_look")


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)


def luminance(hex_color: str) -> float:
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def menu_action(menu, text):
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def test_dark_from_the_view_menu_reaches_widgets_plots_and_the_network(qtbot, make_window,
                                                                       settings):
    w = make_window()
    ready(qtbot, w)
    menu_action(w.look_actions.theme_menu, "Dark").trigger()
    qtbot.wait(50)
    assert theme.look().dark and settings.value("look/theme") == "dark"
    assert not w.isWindowModified()                        # not part of the experiment
    window = QApplication.palette().color(QPalette.ColorRole.Window).name().upper()
    assert luminance(window) < 0.05                        # a dark window...
    text = w.boundary_view.caption.palette().color(QPalette.ColorRole.WindowText).name()
    assert contrast(text.upper(), window) >= 7.0           # ...with light text on it
    # plots: background, axes and their text, the train curve
    graphics = w.curves_panel.graphics
    assert graphics.backgroundBrush().color().name().upper() == theme.color("panel")
    axis = w.curves_panel.loss_plot.getAxis("left")
    assert axis.pen().color().name().upper() == theme.color("ink")
    assert axis.textPen().color().name().upper() == theme.color("ink")
    assert contrast(w.curves_panel.train_curve.pen.color().name().upper(),
                    theme.color("panel")) >= 7.0
    # the network canvas paints on the dark panel colour
    canvas = w.network_view.canvas
    picture = canvas.grab().toImage()
    corner = picture.pixelColor(2, picture.height() // 2).name().upper()
    assert corner == theme.color("panel")
    # and back to light
    menu_action(w.look_actions.theme_menu, "Light").trigger()
    assert axis.pen().color().name().upper() == theme.ROLES["ink"][0]
    assert graphics.backgroundBrush().color().name().upper() == "#FFFFFF"


def test_the_default_follows_the_system(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(theme, "system_is_dark", lambda: True)
    w = make_window()
    assert w.look_actions.theme_name == "system"
    assert menu_action(w.look_actions.theme_menu, "Follow the system").isChecked()
    assert theme.look().dark
    monkeypatch.setattr(theme, "system_is_dark", lambda: False)
    w.look_actions.set_theme("system")
    assert not theme.look().dark


def test_class_colours_are_the_palette_in_every_look(qtbot, make_window):
    w = make_window()
    ready(qtbot, w)
    for look in (theme.Look(dark=True), theme.Look(presentation=True),
                 theme.Look(dark=True, presentation=True)):
        w.look_actions.theme_name = "dark" if look.dark else "light"
        w.look_actions.presenting = look.presentation
        w.look_actions.apply()
        assert [theme.class_color(k).name().upper() for k in range(10)] == \
            [c.upper() for c in palette.CLASS_COLORS]
        brushes = w.boundary_view.train_points.data["brush"]
        assert {b.color().name().upper() for b in brushes} <= \
            {c.upper() for c in palette.CLASS_COLORS}


def test_every_colour_of_the_style_sheet_has_a_dark_counterpart():
    sheet = (theme.ASSETS / "style.qss").read_text(encoding="utf-8")
    light = {c.upper() for c in re.findall(r"#[0-9A-Fa-f]{6}\b", sheet)}
    known = {colors[0] for colors in theme.ROLES.values()}
    assert light <= known, sorted(light - known)
    dark = theme.stylesheet(theme.Look(dark=True))
    assert not {c.upper() for c in re.findall(r"#[0-9A-Fa-f]{6}\b", dark)} & \
        (light - {colors[1] for colors in theme.ROLES.values()})


@pytest.mark.parametrize("look", [theme.Look(), theme.Look(dark=True)], ids=["light", "dark"])
def test_text_is_legible_in_both_themes(look):
    colors = theme.palette_of(look)
    for text, grounds in (("ink", ("panel", "window", "title", "card")),
                          ("ink2", ("panel", "window", "title", "card")),
                          ("muted", ("panel", "card"))):       # (hints sit on the panels)
        for ground in grounds:
            assert contrast(colors[text], colors[ground]) >= 4.5, (text, ground)   # WCAG AA
    for text, ground in (("error_text", "panel"), ("refusal_text", "refusal_bg"),
                         ("info_text", "selected"), ("error_banner", "error_bg")):
        assert contrast(colors[text], colors[ground]) >= 4.5, (text, ground)
