"""The main window: default experiment, play and pause by mouse and Space, live views,
divergence message, layout memory, closing mid-training, events served while training and a
screenshot."""
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from playground.fields import Layer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots" / "tmp"
TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def wait_step(qtbot, window, step):
    qtbot.waitUntil(lambda: window.session.latest is not None
                    and window.session.latest.generation == window.session.generation
                    and window.session.latest.step >= step, timeout=TIMEOUT)
    return window.session.latest


def test_play_button_trains_and_views_change(qtbot, make_window):
    w = make_window(n_points=200)
    first = wait_step(qtbot, w, 0)
    boundary_before = w.boundary_view.image.image.copy()
    qtbot.mouseClick(w.toolbar.play_button, Qt.MouseButton.LeftButton)
    assert w.session.running and w.toolbar.play_button.isChecked()
    s = wait_step(qtbot, w, 300)
    qtbot.mouseClick(w.toolbar.play_button, Qt.MouseButton.LeftButton)
    assert not w.session.running and not w.toolbar.play_button.isChecked()
    qtbot.waitUntil(lambda: w.curves_panel.train_curve.xData is not None
                    and len(w.curves_panel.train_curve.xData) >= 2, timeout=TIMEOUT)
    assert not np.array_equal(w.boundary_view.image.image, boundary_before)
    assert s.train_loss < first.train_loss
    assert w.status.fields["step"].text().startswith("Step:")
    assert w.curves_panel.readout["train_loss"].text() not in ("", "\u2013")


def test_space_toggles_training(qtbot, make_window):
    w = make_window()
    wait_step(qtbot, w, 0)
    w.activateWindow()
    w.network_view.setFocus()
    qtbot.keyClick(w.network_view, Qt.Key.Key_Space)
    assert w.session.running
    qtbot.keyClick(w.network_view, Qt.Key.Key_Space)
    assert not w.session.running


def test_keys_step_run_an_epoch_reset_and_reseed(qtbot, make_window):
    w = make_window()
    initial = wait_step(qtbot, w, 0).params.copy()
    w.activateWindow()
    w.network_view.setFocus()
    qtbot.keyClick(w.network_view, Qt.Key.Key_S)
    assert wait_step(qtbot, w, 1).step == 1
    qtbot.keyClick(w.network_view, Qt.Key.Key_E)
    assert wait_step(qtbot, w, 2).epoch == 1
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT):
        qtbot.keyClick(w.network_view, Qt.Key.Key_R)
    assert w.session.latest.step == 0
    np.testing.assert_array_equal(w.session.latest.params, initial)
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT):
        qtbot.keyClick(w.network_view, Qt.Key.Key_N)
    assert not np.array_equal(w.session.latest.params, initial)
    # a focused number field keeps its keys: typing 1e-3 in it runs no epoch
    spin = w.toolbar.stop_loss
    spin.setFocus()
    step = w.session.latest.step
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "1e-3 s")
    qtbot.wait(100)
    assert w.session.latest.step == step and not w.session.running
    assert spin.lineEdit().text().startswith("1e-3")


def test_step_button_advances_one_step_and_reset_restores_weights(qtbot, make_window):
    w = make_window()
    initial = wait_step(qtbot, w, 0).params.copy()
    qtbot.mouseClick(w.toolbar.step_button, Qt.MouseButton.LeftButton)
    assert wait_step(qtbot, w, 1).step == 1
    qtbot.mouseClick(w.toolbar.epoch_button, Qt.MouseButton.LeftButton)
    s = wait_step(qtbot, w, 2)
    assert s.epoch == 1
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT):
        qtbot.mouseClick(w.toolbar.reset_button, Qt.MouseButton.LeftButton)
    assert w.session.latest.step == 0
    np.testing.assert_array_equal(w.session.latest.params, initial)


def test_divergent_learning_rate_pauses_with_a_message(qtbot, make_window):
    w = make_window(dataset="reg_plane", optimizer="sgd", learning_rate=10.0, n_points=100,
                    layers=(Layer(8, "relu"), Layer(8, "relu")))
    wait_step(qtbot, w, 0)
    with qtbot.waitSignal(w.session.paused, timeout=TIMEOUT):
        qtbot.mouseClick(w.toolbar.play_button, Qt.MouseButton.LeftButton)
    assert not w.session.running and not w.toolbar.play_button.isChecked()
    assert w.banner.isVisible()
    assert "learning rate" in w.banner.text.text()
    w.grab().save(str(SCREENSHOTS / "diverged.png")) if SCREENSHOTS.is_dir() else None
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT):
        qtbot.mouseClick(w.banner.action, Qt.MouseButton.LeftButton)
    assert not w.banner.isVisible() and w.session.latest.step == 0


def test_closing_mid_training_stops_the_worker(qtbot, make_window):
    w = make_window(steps_per_frame=2000)
    wait_step(qtbot, w, 0)
    w.session.play()
    wait_step(qtbot, w, 1)
    w.close()
    # the worker thread has ended: the run can no longer be read from it
    assert w.session.run_state() is None and not w.session.running


def test_panel_arrangement_is_remembered(qtbot, make_window, settings):
    w = make_window()
    w.removeDockWidget(w.curves_dock)
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, w.curves_dock)
    w.curves_dock.show()
    assert w.dockWidgetArea(w.curves_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    w.close()
    again = make_window()
    assert again.dockWidgetArea(again.curves_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    again.reset_layout()
    assert again.dockWidgetArea(again.curves_dock) == Qt.DockWidgetArea.RightDockWidgetArea


def test_gui_events_are_processed_while_training_at_full_speed(qtbot, make_window):
    """The GUI thread keeps serving timers and clicks while the worker trains at full speed.
    How late events come depends on the machine and its load: benchmarks/bench_latency.py
    measures and prints that; this test checks only that they come at all."""
    w = make_window(steps_per_frame=10_000)
    wait_step(qtbot, w, 0)
    w.session.play()
    start = wait_step(qtbot, w, 1).step
    ticks = []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks.append(w.session.latest.step))
    probe.start()
    qtbot.waitUntil(lambda: len(ticks) >= 20 and ticks[-1] > start, timeout=TIMEOUT)
    probe.stop()
    assert w.session.running                      # the timer ran while training went on
    qtbot.mouseClick(w.toolbar.play_button, Qt.MouseButton.LeftButton)
    assert not w.session.running and not w.toolbar.play_button.isChecked()


def test_screenshot_of_the_default_window(qtbot, make_window, tmp_path):
    w = make_window()
    w.session.step(1500)
    wait_step(qtbot, w, 1500)
    qtbot.wait(50)
    image = w.grab()
    assert (image.width(), image.height()) == (1280, 720)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in (tmp_path / "default.png", SCREENSHOTS / "default_window.png"):
        assert image.save(str(path), "PNG") and path.stat().st_size > 10_000


def test_command_line_screenshot(tmp_path):
    import main
    from PySide6.QtWidgets import QApplication
    path = tmp_path / "shot.png"
    assert main.main(["--screenshot", str(path), "--steps", "50", "--size", "1024x640"]) == 0
    from PySide6.QtGui import QImage
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1024, 640)
    assert QApplication.instance() is not None
    with pytest.raises(SystemExit):
        main.main(["--size", "big"])


def test_speed_control_shows_what_keeps_sixty_frames_a_second(qtbot, make_window):
    import dataclasses
    w = make_window(layers=(Layer(64, "tanh"), Layer(64, "tanh")))   # far from 10,000 a frame
    wait_step(qtbot, w, 0)
    speed = w.toolbar.speed
    assert "keep 60 frames" not in speed.toolTip()            # nothing measured yet
    assert "views alone" not in speed.toolTip()
    w.session.step(1000)
    wait_step(qtbot, w, 1000)
    w.session.step(1000)                                      # the first snapshot is not timed
    fit = wait_step(qtbot, w, 2000).steps_per_frame_at_60
    # measured: how many steps depends on the machine and its load (1 when drawing a frame
    # alone takes a 60th of a second), so the tooltip says one of two things
    assert fit >= 1
    if fit > 1:
        shown = int(speed.toolTip().split("About ")[1].split(" steps")[0].replace(",", ""))
        assert 0.9 * fit <= shown <= fit                      # rounded to two digits
    else:
        assert "views alone" in speed.toolTip()
    # the rest with given figures, the same on every machine
    speed.slider.setFocus()

    def show(figure):
        w.session.snapshot_ready.emit(dataclasses.replace(w.session.latest,
                                                          steps_per_frame_at_60=figure))
    show(2_847)
    assert "About 2,800 steps a frame keep 60 frames" in speed.toolTip()
    qtbot.keyClick(speed.slider, Qt.Key.Key_Home)             # the slowest speed
    assert w.experiment.steps_per_frame == 1
    assert "color" not in speed.label.styleSheet()
    qtbot.keyClick(speed.slider, Qt.Key.Key_End)              # beyond it: said in orange
    assert w.experiment.steps_per_frame == 10_000
    assert "color" in speed.label.styleSheet()
    show(1)                        # no speed is to blame for the frame rate: none is marked
    assert "views alone" in speed.toolTip() and "keep 60 frames" not in speed.toolTip()
    assert "color" not in speed.label.styleSheet()


def test_command_line_screenshot_of_a_run_that_diverges_is_taken_where_it_stopped(tmp_path,
                                                                                  capsys):
    """A run that diverges pauses short of --steps: the screenshot shows it there instead of
    waiting for steps that never come."""
    import main
    from playground import files
    from playground.experiment import Experiment
    values = dict(Experiment().values(), output_activation="linear", loss="mse",
                  optimizer="sgd", learning_rate=1.0)
    source = files.save(tmp_path / "diverges.nnp", files.Document(Experiment(values).values()))
    shot = tmp_path / "shot.png"
    assert main.main([str(source), "--screenshot", str(shot), "--steps", "100000"]) == 0
    out, err = capsys.readouterr()
    assert "Timed out" not in err and shot.exists()
    step = int(out.rsplit("step ", 1)[1].rstrip(")\n").replace(",", ""))
    assert 0 < step < 100_000
