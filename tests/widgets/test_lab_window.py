"""The optimizer lab window: both directions between its views and the lab model."""
import json

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from engine.surfaces import SURFACES
from playground.lab import LabSetup, Racer, save_lab
from playground.lab_lessons import LAB_LESSONS
from widgets import lab_actions, theme
from widgets.controls import refusal_note
from widgets.lab_window import LabWindow


@pytest.fixture
def make_lab(qtbot):
    theme.apply(QApplication.instance())
    windows = []

    def make(setup=None):
        window = LabWindow(setup)
        qtbot.addWidget(window)
        window.resize(1280, 720)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def drawn(curve):
    x, _ = curve.getData()
    return 0 if x is None else len(x)


def test_a_new_lab_draws_ten_racers_and_reveals_them_step_by_step(make_lab):
    window = make_lab()
    lab = window.lab
    assert len(lab.setup.racers) == 10 and len(window.surface_view.curves) == 10
    assert all(drawn(c) == 1 for c in window.surface_view.curves)        # the start only
    lab.step(25)
    assert all(drawn(c) == 26 for c in window.surface_view.curves)
    x, y = window.surface_view.curves[0].getData()
    np.testing.assert_array_equal(np.c_[x, y], lab.paths[0].xy[:26])
    assert all(drawn(c) == 26 for c in window.loss_chart.curves)
    assert window.scrub.value() == 25 and "25 / 300" in window.step_label.text()
    assert all(r.label in window.legend.text() for r in lab.setup.racers)


def test_play_runs_a_timer_that_reveals_steps_and_pause_stops_it(make_lab, qtbot):
    window = make_lab()
    window.play_action.trigger()
    assert window.lab.running and window.timer.isActive() and window.play_action.text() == "Pause"
    window.play_action.trigger()
    assert not window.lab.running and not window.timer.isActive()
    shown = window.lab.shown
    window.lab.play()
    window.timer.stop()                        # the frames come from the test, not the clock
    window.timer.timeout.emit()
    window.timer.timeout.emit()
    assert window.lab.shown == shown + 2 * window.lab.steps_per_frame
    window.lab.pause()


def test_space_s_and_r_play_step_and_reset(make_lab, qtbot):
    window = make_lab()
    window.activateWindow()
    window.surface_view.setFocus()            # where a new lab window puts the keyboard focus
    qtbot.waitUntil(window.surface_view.hasFocus, timeout=30_000)   # a bound, not a target
    qtbot.keyClick(window.surface_view, Qt.Key.Key_Space)
    assert window.lab.running
    qtbot.keyClick(window.surface_view, Qt.Key.Key_Space)
    assert not window.lab.running
    shown = window.lab.shown
    qtbot.keyClick(window.surface_view, Qt.Key.Key_S)
    assert window.lab.shown == shown + 1
    qtbot.keyClick(window.surface_view, Qt.Key.Key_R)
    assert window.lab.shown == 0
    window.scrub.setValue(77)
    assert window.lab.shown == 77


def test_clicking_the_plot_moves_the_start(make_lab, qtbot):
    window = make_lab()
    view = window.surface_view
    vb = view.getPlotItem().getViewBox()
    target = vb.mapViewToScene(QPointF(0.5, 2.0))
    pos = view.mapFromScene(target)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    x, y = window.lab.setup.start
    assert x == pytest.approx(0.5, abs=0.05) and y == pytest.approx(2.0, abs=0.05)
    assert window.lab.paths[0].xy[0] == pytest.approx((x, y))
    assert window.panel.start.text() == f"({x:.3g}, {y:.3g})"


def test_a_racers_rate_is_edited_in_its_box_and_a_bad_one_is_refused(make_lab, qtbot):
    window = make_lab()
    panel = window.panel
    panel.racer_list.setCurrentRow(1)                    # Momentum
    box = panel.racer_boxes["learning_rate"]
    box.setValue(0.002)
    box.editingFinished.emit()
    assert window.lab.setup.racers[1].config["learning_rate"] == 0.002
    before = window.lab.setup
    box = panel.racer_boxes["momentum"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "1.5")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert window.lab.setup == before                      # refused, kept
    note = refusal_note(box)
    assert note is not None and "momentum" in note.text()
    assert panel.racer_boxes["momentum"].value() == 0.9   # the control shows the kept value


def test_the_model_fills_the_controls(make_lab):
    window = make_lab()
    window.lab.change(noise_std=0.5, steps=120, clip=2.0,
                      schedule={"name": "exponential", "k": 0.01})
    panel = window.panel
    assert panel.noise.value() == 0.5 and panel.steps.value() == 120
    assert panel.clip.value() == 2.0 and panel.schedule_box.currentData() == "exponential"
    assert panel.schedule_boxes["k"].value() == pytest.approx(0.01)
    assert window.scrub.maximum() == 120


def test_the_noise_slider_and_steps_box_change_the_race(make_lab):
    window = make_lab(LabSetup.default("beale", racers=("sgd", "adam")))
    panel = window.panel
    exact = window.lab.paths[0].xy.copy()
    index = panel.noise.values().index(0.5)
    panel.noise.slider.setValue(index)
    assert window.lab.setup.noise_std == 0.5
    assert not np.array_equal(window.lab.paths[0].xy, exact)     # noisy gradients now
    panel.steps.setValue(80)
    panel.steps.editingFinished.emit()
    assert window.lab.setup.steps == 80 and window.lab.paths[0].xy.shape == (81, 2)


def test_hiding_a_racer_hides_its_path_and_curve(make_lab):
    window = make_lab()
    item = window.panel.racer_list.item(2)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert not window.lab.setup.racers[2].visible
    assert not window.surface_view.curves[2].isVisible()
    assert not window.loss_chart.curves[2].isVisible()
    assert "<s>Nesterov</s>" in window.legend.text()


def test_another_surface_redraws_contours_and_the_saddle_has_no_log_scale(make_lab):
    window = make_lab()
    assert window.loss_chart.getPlotItem().getAxis("left").logMode
    rosenbrock_levels = window.surface_view.levels
    box = window.panel.surface_box
    box.setCurrentIndex(box.findData("saddle"))
    box.activated.emit(box.currentIndex())
    assert window.lab.setup.surface == "saddle"
    assert window.lab.setup.start == SURFACES["saddle"].start
    levels = window.surface_view.levels
    assert len(levels) > 5 and not np.array_equal(levels, rosenbrock_levels)
    assert np.allclose(np.diff(levels), levels[1] - levels[0])     # evenly spaced: no minimum
    assert window.surface_view.backdrop.boundingRect().width() == pytest.approx(4.0, rel=0.02)
    assert not window.loss_chart.getPlotItem().getAxis("left").logMode
    assert window.panel.formula.text() == "f = x^2 - y^2"


def test_surface_parameters_and_adding_removing_racers(make_lab):
    window = make_lab(LabSetup.default("valley", racers=("sgd", "momentum")))
    panel = window.panel
    kappa = panel.surface_boxes["condition_number"]
    kappa.setValue(100.0)
    kappa.editingFinished.emit()
    assert window.lab.setup.surface_params["condition_number"] == 100.0
    panel.add_box.setCurrentIndex(panel.add_box.findData("lbfgs"))
    panel.add_box.activated.emit(panel.add_box.currentIndex())
    assert [r.optimizer for r in window.lab.setup.racers] == ["sgd", "momentum", "lbfgs"]
    assert len(window.surface_view.curves) == 3 and panel.racer_list.count() == 3
    assert "learning_rate" not in panel.racer_boxes and "history" in panel.racer_boxes
    panel.racer_list.setCurrentRow(0)
    panel.remove.click()
    assert [r.optimizer for r in window.lab.setup.racers] == ["momentum", "lbfgs"]


def test_step_by_step_shows_arrows_and_numbers_of_the_chosen_racer(make_lab):
    window = make_lab(LabSetup.default("valley", racers=("sgd", "adam")))
    window.lab.step(5)
    panel = window.panel
    panel.tabs.setCurrentIndex(2)                          # the Steps tab
    panel.inspect_box.setCurrentIndex(2)                   # Adam
    panel.inspect_box.activated.emit(2)
    arrows = window.surface_view.arrows
    assert all(arrows[k].line.isVisible() for k in ("gradient", "moment", "cache", "step"))
    look = window.lab.inspect(1)
    x, y = arrows["step"].line.getData()
    np.testing.assert_allclose([x[1] - x[0], y[1] - y[0]], look.step)
    gx, gy = arrows["gradient"].line.getData()
    direction = np.array([gx[1] - gx[0], gy[1] - gy[0]])
    assert np.dot(direction, -look.gradient) > 0.99 * np.linalg.norm(direction) * \
        np.linalg.norm(look.gradient)                      # drawn along -grad f
    text = panel.readout.text()
    assert f"{look.gradient[0]:+.3g}" in text and "m</td>" in text and "step 6 of" in text
    window.lab.step(1)
    assert "step 7 of" in panel.readout.text()
    panel.tabs.setCurrentIndex(0)                          # hidden: not rewritten a frame...
    window.lab.step(1)
    assert "step 7 of" in panel.readout.text()
    panel.tabs.setCurrentIndex(2)                          # ...until it shows again
    assert "step 8 of" in panel.readout.text()
    panel.inspect_box.setCurrentIndex(0)
    panel.inspect_box.activated.emit(0)
    assert not arrows["step"].line.isVisible()


def test_save_and_open_a_lab_file(make_lab, tmp_path):
    window = make_lab(LabSetup.default("beale", racers=("adam", "rmsprop"), noise_std=0.1))
    path = tmp_path / "mine.nnlab"
    assert window.save_file(path)
    other = make_lab()
    assert other.open_file(path)
    assert other.lab.setup == window.lab.setup and "mine.nnlab" in other.windowTitle()
    bad = tmp_path / "bad.nnlab"
    bad.write_text(json.dumps({"format": "nn-playground-lab", "version": 1, "lab": {}}))
    kept = other.lab.setup
    assert not other.open_file(bad)
    assert other.lab.setup == kept and "bad.nnlab" in other.statusBar().currentMessage()


def test_tools_menu_opens_the_lab_and_lab_lessons(qtbot):
    theme.apply(QApplication.instance())
    main = QMainWindow()
    qtbot.addWidget(main)
    actions = lab_actions.install(main)
    tools = [a for a in main.menuBar().actions() if a.text() == "&Tools"]
    assert tools and actions.action in tools[0].menu().actions()
    actions.action.trigger()
    assert len(actions.labs) == 1 and actions.labs[0].isVisible()
    lesson = LAB_LESSONS[0]
    lab = actions.open_lesson(lesson)
    assert lab.lab.setup == LabSetup.from_dict(lesson.lab) and lesson.title in lab.windowTitle()
    tabs = lab.panel.tabs
    assert tabs.tabText(tabs.currentIndex()) == "Lesson"
    text = lab.panel.lesson_text.text()
    assert lesson.title in text and "Try next" in text and "ρv" in text
    plain = actions.open_lab(lesson.lab)
    assert [plain.panel.tabs.tabText(i) for i in range(plain.panel.tabs.count())] == \
        ["Surface", "Racers", "Steps"]
    assert actions.open_lab({"surface": "nowhere"}) is None
    actions.close_all()
    qtbot.waitUntil(lambda: not actions.labs)


def test_a_saved_file_opens_through_the_window(make_lab, tmp_path):
    setup = LabSetup.default("himmelblau", racers=("sgd",), steps=50)
    save_lab(tmp_path / "h.nnlab", setup)
    window = make_lab()
    window.open_file(tmp_path / "h.nnlab")
    assert window.lab.setup.surface == "himmelblau" and window.scrub.maximum() == 50


def test_the_main_window_opens_the_lab_from_its_tools_menu(make_window):
    window = make_window()
    tools = [a.menu() for a in window.menuBar().actions()
             if a.menu() is not None and a.text().replace("&", "") == "Tools"]
    assert len(tools) == 1
    lab_action = [a for a in tools[0].actions() if "Optimizer lab" in a.text().replace("&", "")]
    assert len(lab_action) == 1
    lab_action[0].trigger()
    labs = [w for w in QApplication.topLevelWidgets() if isinstance(w, LabWindow)
            and w.isVisible()]
    assert labs and labs[-1].lab.setup.surface == "rosenbrock"
    labs[-1].close()


def test_the_shading_is_light_where_the_loss_is_low(make_lab):
    hidden = Racer("sgd", {"learning_rate": 0.001}, "SGD", visible=False)
    window = make_lab(LabSetup(surface="rosenbrock", racers=(hidden,)))
    view = window.surface_view
    QApplication.processEvents()
    image = view.grab().toImage()
    vb = view.getPlotItem().getViewBox()

    def lightness(x, y):
        pos = view.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        return image.pixelColor(pos.x(), pos.y()).lightness()

    # the valley floor y = x^2 against the point mirrored across the box's middle (y = 1)
    assert lightness(0.5, 0.25) > lightness(0.5, 1.75) + 10          # f = 0.25 and f = 225
    assert lightness(-1.5, 2.25) > lightness(-1.5, -0.25) + 10       # f = 6.25 and f = 631
