"""File > Record a movie: the window's views recorded while the run plays, end to end."""
import imageio.v3 as iio
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from playground.recording import RecordingPlan
from widgets import recording


def test_the_file_menu_offers_recording(make_window):
    window = make_window()
    texts = [a.text() for a in window.file_menu.actions()]
    assert "Record a &movie..." in texts and texts.index("Record a &movie...") < texts.index("&Quit")


def test_recording_the_boundary_plays_the_run_and_writes_every_frame(make_window, qtbot, tmp_path):
    window = make_window()
    actions = window.recording_actions
    plan = RecordingPlan(tmp_path / "boundary.gif", seconds=0.4, fps=10, target="output")
    with qtbot.waitSignal(window.session.running_changed, timeout=10_000):
        recorder = actions.record(plan)
    assert recorder is not None and window.session.running
    with qtbot.waitSignal(recorder.finished, timeout=60_000) as blocker:
        pass
    assert blocker.args == [str(plan.path)]
    movie = iio.imread(plan.path, index=None)
    view = window.boundary_view
    ratio = view.devicePixelRatioF()
    # four frames of 100 ms: the GIF writer merges a frame identical to the one before into
    # it (its duration grows), so the movie lasts 400 ms in at most four pictures
    durations = [iio.immeta(plan.path, index=i)["duration"] for i in range(movie.shape[0])]
    assert sum(durations) == 400 and 1 <= movie.shape[0] <= 4
    # the movie has the view's size (the window may still settle its docks by a few pixels)
    assert movie.shape[2] == round(view.width() * ratio)
    assert abs(movie.shape[1] - view.height() * ratio) <= 0.1 * view.height() * ratio
    assert movie.std() > 5                            # a picture, not a blank frame
    assert actions.recorder is None and "Recorded 4 frames" in window.status.currentMessage()


def test_a_cancelled_recording_writes_nothing(make_window, qtbot, tmp_path):
    window = make_window()
    actions = window.recording_actions
    plan = RecordingPlan(tmp_path / "window.mp4", seconds=60, fps=5, target="window")
    recorder = actions.record(plan)
    qtbot.waitUntil(lambda: recorder.grabbed >= 2, timeout=20_000)
    with qtbot.waitSignal(recorder.cancelled, timeout=20_000):
        qtbot.mouseClick(actions.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    assert list(tmp_path.glob("*.mp4")) == [] and not list(tmp_path.glob(".window*"))
    assert window.status.currentMessage().startswith("Recording cancelled")


def test_a_frame_is_the_widget_as_drawn(make_window):
    window = make_window()
    frame = recording.frame_of(window.curves_panel)
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[0] >= window.curves_panel.height()


def test_the_dialog_makes_the_plan_it_shows(qtbot, tmp_path):
    dialog = recording.RecordDialog()
    qtbot.addWidget(dialog)
    dialog.target.setCurrentIndex(dialog.target.findData("network"))
    dialog.seconds.setValue(3.0)
    dialog.fps.setValue(20)
    dialog.format.setCurrentIndex(dialog.format.findData(".mp4"))
    plan = dialog.plan(tmp_path / "talk")
    assert (plan.path.name, plan.seconds, plan.fps, plan.target, plan.frames) == \
        ("talk.mp4", 3.0, 20, "network", 60)
