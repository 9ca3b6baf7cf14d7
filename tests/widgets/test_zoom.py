"""Zoom: Ctrl+plus, Ctrl+minus and Ctrl+0 scale the whole interface (fonts, style sheet sizes,
plot axes, curve pens, markers, the network view) and come back exactly; the zoom is an app
setting (QSettings), not part of the experiment."""
import pytest
from PySide6.QtWidgets import QApplication, QWidget

from widgets import theme

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


#: the next test starts at 100%, light (tests/widgets/conftest.py)
pytestmark = pytest.mark.usefixtures("default_look")


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)


def measures(w):
    """What zooming must scale, read through the views' public parts."""
    axis = w.curves_panel.loss_plot.getAxis("left")
    return {"app_font": QApplication.font().pointSizeF(),
            "caption": w.boundary_view.caption.font().pointSizeF(),
            "tick_font": axis.style["tickFont"].pointSizeF(),
            "axis_width": axis.width(),
            "curve_pen": w.curves_panel.train_curve.pen.widthF(),
            "marker": w.boundary_view.train_points.opts["size"],
            "play_button": w.toolbar.play_button.minimumWidth(),
            "icon": w.present_button.iconSize().width()}


def key(qtbot, w, sequence: str):
    from PySide6.QtGui import QKeySequence
    combo = QKeySequence(sequence)[0]
    qtbot.keyClick(w, combo.key(), combo.keyboardModifiers())


def test_ctrl_plus_minus_and_zero_scale_everything_and_come_back(qtbot, make_window, settings):
    w = make_window()
    ready(qtbot, w)
    w.activateWindow()
    before = measures(w)
    key(qtbot, w, "Ctrl++")
    assert theme.look().zoom == 1.1
    key(qtbot, w, "Ctrl+=")                       # the plus key without Shift
    assert theme.look().zoom == 1.25
    qtbot.wait(50)
    zoomed = measures(w)
    for name, value in before.items():
        # markers grow as the square root (points as large as letters would hide each other)
        factor = 1.25 ** 0.5 if name == "marker" else 1.25
        assert zoomed[name] == pytest.approx(value * factor, rel=0.06, abs=1.0), name
        assert zoomed[name] > value, name
    key(qtbot, w, "Ctrl+-")
    assert theme.look().zoom == 1.1
    key(qtbot, w, "Ctrl+0")
    assert theme.look().zoom == 1.0
    qtbot.wait(50)
    assert measures(w) == before                  # exactly back: no drift


def test_zoom_is_an_app_setting_not_part_of_the_experiment(qtbot, make_window, settings):
    w = make_window()
    ready(qtbot, w)
    values = w.experiment.values()
    w.look_actions.set_zoom(1.5)
    assert w.experiment.values() == values
    assert not w.isWindowModified()
    assert float(settings.value("look/zoom")) == 1.5
    assert "not saved in the experiment" in w.look_actions.zoom_label.text()
    # a window opened later (the next start) comes back at that zoom
    w2 = make_window()
    assert w2.look_actions.zoom == 1.5 and theme.look().zoom == 1.5


def test_the_zoom_ends_at_its_steps(qtbot, make_window):
    w = make_window()
    for _ in range(20):
        w.look_actions.zoom_in.trigger()
    assert theme.look().zoom == theme.ZOOMS[-1]
    assert not w.look_actions.zoom_in.isEnabled()
    for _ in range(20):
        w.look_actions.zoom_out.trigger()
    assert theme.look().zoom == theme.ZOOMS[0]
    assert not w.look_actions.zoom_out.isEnabled()


def test_the_network_view_grows_with_the_zoom_and_still_fits(qtbot, make_window):
    w = make_window(size=(1920, 1080))
    ready(qtbot, w)
    canvas = w.network_view.canvas
    header = w.network_view.layer_headers[0]
    before = (header.height(),)
    w.look_actions.set_zoom(1.5)
    qtbot.waitUntil(lambda: header.height() > before[0], timeout=TIMEOUT)
    assert header.height() == pytest.approx(before[0] * 1.5, abs=6)
    # the column headers' controls are whole at the new size (none cut off at the bottom)
    for child in header.findChildren(QWidget):
        if child.isVisible():
            assert child.mapTo(header, child.rect().bottomRight()).y() < header.height()
    # and at 150% on 1920 x 1080 the whole network is seen without scrolling
    qtbot.wait(100)
    viewport = w.network_view.scroll.viewport()
    assert canvas.minimumWidth() <= viewport.width()
    assert canvas.geometry_().height <= viewport.height() + 1


def test_style_sheet_sizes_scale_with_the_zoom():
    app = QApplication.instance()
    theme.apply(app)
    at_100 = theme.stylesheet(theme.Look(zoom=1.0))
    at_200 = theme.stylesheet(theme.Look(zoom=2.0))
    assert "padding: 7px 16px" in at_100 and "padding: 14px 32px" in at_200
    assert "min-width: 48px" in at_100 and "min-width: 96px" in at_200
    # hairlines stay at least a pixel when zoomed out
    assert "1px solid" in theme.stylesheet(theme.Look(zoom=0.8))


def test_command_line_zoom_accepts_the_steps_and_refuses_others():
    import main
    parser = main.window_parser()
    assert parser.parse_args(["--zoom", "150"]).zoom == 150
    assert parser.parse_args(["--zoom", "200%"]).zoom == 200
    assert tuple(round(z * 100) for z in theme.ZOOMS) == main.ZOOM_PERCENTS
    with pytest.raises(SystemExit):
        parser.parse_args(["--zoom", "137"])


def test_a_settings_file_with_a_bad_zoom_opens_at_100(qtbot, make_window, settings):
    settings.setValue("look/zoom", "huge")
    settings.setValue("look/theme", "purple")
    w = make_window()
    assert w.look_actions.zoom == 1.0 and w.look_actions.theme_name == "system"
    assert theme.look().zoom == 1.0


def ink_height(widget) -> int:
    """Rows of ``widget``'s picture that hold dark ink (its text)."""
    image = widget.grab().toImage()
    rows = [y for y in range(image.height())
            if any(image.pixelColor(x, y).lightness() < 100 for x in range(image.width()))]
    return (rows[-1] - rows[0] + 1) if rows else 0


def test_text_is_drawn_larger_not_only_reported_larger(qtbot, make_window, settings):
    # Under the application's style sheet Qt may paint a widget's text in a font it kept from
    # before; the picture is what a class sees. Zoomed before it is first shown (as a window
    # opens at the remembered zoom) and after.
    w = make_window()
    ready(qtbot, w)
    before = ink_height(w.toolbar.epoch_label)
    settings.setValue("look/zoom", 2.0)
    w2 = make_window()
    ready(qtbot, w2)
    assert ink_height(w2.toolbar.epoch_label) == pytest.approx(2 * before, rel=0.15)
    w2.look_actions.set_zoom(1.0)
    qtbot.wait(50)
    assert ink_height(w2.toolbar.epoch_label) == before


def test_every_plot_axis_grows_by_the_zoom_once(qtbot, make_window):
    import pyqtgraph as pg
    w = make_window()
    ready(qtbot, w)

    def tick_sizes():
        sizes = {}
        for view in w.findChildren(pg.GraphicsView):
            for item in view.scene().items():
                if isinstance(item, pg.AxisItem) and item.isVisible():
                    font = item.style.get("tickFont") or item.font()
                    sizes[id(item)] = font.pointSizeF()
        return sizes

    before = tick_sizes()
    assert len(before) >= 5          # boundary, colour bar, curves, schedule chart
    w.look_actions.set_zoom(1.5)
    w.look_actions.enter_presentation(full_screen=False)     # a second change: no compounding
    after = tick_sizes()
    for key, size in before.items():
        assert after[key] == pytest.approx(size * 1.5), key
