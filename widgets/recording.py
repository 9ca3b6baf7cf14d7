"""Recording a movie of a view (or the whole window) while the run plays: File > Record a movie.

``Recorder`` grabs the chosen widget every 1/fps seconds on the GUI thread (a grab is a few
milliseconds) and hands each frame to a writer thread, which encodes it
(``playground.recording.MovieWriter``), so the window keeps drawing while the movie is made. A
progress dialog counts the frames and offers Cancel; a cancelled recording writes nothing.
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QProgressDialog, QSpinBox, QWidget)

from playground.recording import FPS_RANGE, MAX_SECONDS, TARGETS, MovieWriter, RecordingPlan

_DONE = object()


def frame_of(widget: QWidget) -> np.ndarray:
    """uint8 (height, width, 3): the widget as it is drawn now, at its device pixel size."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, :3 * w].reshape(h, w, 3).copy()


class Recorder(QObject):
    """Records ``plan.frames`` frames of ``widget``, one every ``plan.interval_ms``.

    Signals: ``progressed(frames grabbed)``, ``finished(path)`` when the movie is written,
    ``failed(message)`` when it could not be, ``cancelled()``."""

    progressed = Signal(int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    _written = Signal(object)         # from the writer thread: a path, or an error message

    def __init__(self, plan: RecordingPlan, widget: QWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.plan = plan
        self.widget = widget
        self.grabbed = 0
        self._writer = MovieWriter(plan)          # raises ValueError with a clear message
        self._frames: queue.Queue = queue.Queue(maxsize=64)
        self._stop = False
        self._thread = threading.Thread(target=self._encode, name="movie-writer", daemon=True)
        self._timer = QTimer(self)
        self._timer.setInterval(plan.interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._written.connect(self._on_written, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        self._thread.start()
        self._on_timer_timeout()                  # the first frame: the view as it is now
        if self.grabbed < self.plan.frames:
            self._timer.start()

    def cancel(self) -> None:
        """Stop now and write nothing."""
        if self._stop:
            return
        self._stop = True
        self._timer.stop()
        self._frames.put(_DONE)

    def _on_timer_timeout(self) -> None:
        if self._stop:
            return
        self._frames.put(frame_of(self.widget))
        self.grabbed += 1
        self.progressed.emit(self.grabbed)
        if self.grabbed >= self.plan.frames:
            self._timer.stop()
            self._frames.put(_DONE)

    def _encode(self) -> None:
        """The writer thread: encode until the end marker, then close or abort."""
        try:
            while True:
                frame = self._frames.get()
                if frame is _DONE:
                    break
                if not self._stop:
                    self._writer.add(frame)
            if self._stop:
                self._writer.abort()
                self._written.emit(None)
            else:
                self._written.emit(self._writer.close())
        except (OSError, ValueError, RuntimeError) as error:
            self._writer.abort()
            self._written.emit(f"The movie could not be written: {error}")

    def wait(self, timeout: float | None = None) -> None:
        """Block until the writer thread has finished (tests; the window never waits)."""
        self._thread.join(timeout)

    def _on_written(self, result) -> None:
        if result is None:
            self.cancelled.emit()
        elif isinstance(result, Path):
            self.finished.emit(str(result))
        else:
            self.failed.emit(str(result))


class RecordDialog(QDialog):
    """Asks what to record: the view, the length and the frame rate, the format."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Record a movie")
        form = QFormLayout(self)
        self.target = QComboBox()
        for key, label in TARGETS.items():
            self.target.addItem(label, key)
        self.target.setToolTip("The part of the window the movie shows")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.5, MAX_SECONDS)
        self.seconds.setValue(10.0)
        self.seconds.setSuffix(" s")
        self.seconds.setToolTip("How long the movie lasts; the run plays that long while it "
                                "is recorded")
        self.fps = QSpinBox()
        self.fps.setRange(*FPS_RANGE)
        self.fps.setValue(15)
        self.fps.setSuffix(" frames/s")
        self.fps.setToolTip("Frames per second, of the run and of the movie")
        self.format = QComboBox()
        self.format.addItem("Animated GIF (slides, web pages)", ".gif")
        self.format.addItem("MP4 video (smaller, H.264)", ".mp4")
        self.format.setToolTip("GIF plays everywhere; MP4 files are much smaller")
        form.addRow("View", self.target)
        form.addRow("Length", self.seconds)
        form.addRow("Frame rate", self.fps)
        form.addRow("Format", self.format)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record...")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def plan(self, path) -> RecordingPlan:
        path = Path(path)
        suffix = self.format.currentData()
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        return RecordingPlan(path, float(self.seconds.value()), int(self.fps.value()),
                             self.target.currentData())


class RecordingActions(QObject):
    """File > Record a movie...: the dialog, the recorder, its progress dialog."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.recorder: Recorder | None = None
        self.progress: QProgressDialog | None = None
        self.action = QAction("Record a &movie...", window)
        self.action.setToolTip("Record a GIF or MP4 of a view while the run plays, for slides")
        self.action.triggered.connect(self.ask)
        menu = window.file_menu
        menu.insertAction(menu.actions()[-1], self.action)    # above Quit
        menu.insertSeparator(menu.actions()[-1])

    def target_widget(self, name: str) -> QWidget:
        w = self.window
        return {"window": w, "network": w.network_view, "output": w.boundary_view,
                "curves": w.curves_panel}[name]

    def ask(self) -> None:
        dialog = RecordDialog(self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        suffix = dialog.format.currentData()
        name = (self.window.windowTitle().split(" - ")[0] or "movie").strip()
        path, _ = QFileDialog.getSaveFileName(self.window, "Record the movie to",
                                              f"{name}{suffix}",
                                              f"Movie (*{suffix})")
        if path:
            self.record(dialog.plan(path))

    def record(self, plan: RecordingPlan) -> Recorder | None:
        """Start recording ``plan`` (playing the run if it is paused); None when refused."""
        if self.recorder is not None:
            self.window.show_message("A movie is being recorded already.", error=True)
            return None
        try:
            recorder = Recorder(plan, self.target_widget(plan.target), self)
        except ValueError as error:
            self.window.show_message(str(error), error=True)
            return None
        self.recorder = recorder
        self.progress = QProgressDialog(f"Recording {plan.path.name}...", "Cancel", 0,
                                        plan.frames, self.window)
        self.progress.setWindowTitle("Recording")
        self.progress.setMinimumDuration(0)
        self.progress.setAutoReset(False)
        self.progress.setAutoClose(False)
        self.progress.setWindowModality(Qt.WindowModality.NonModal)
        self.progress.canceled.connect(recorder.cancel)
        recorder.progressed.connect(self._on_recorder_progressed)
        recorder.finished.connect(self._on_recorder_finished)
        recorder.failed.connect(self._on_recorder_failed)
        recorder.cancelled.connect(self._on_recorder_cancelled)
        if not self.window.session.running:
            self.window.session.play()
        recorder.start()
        return recorder

    def _on_recorder_progressed(self, frames: int) -> None:
        self.progress.setValue(frames)
        if frames >= self.recorder.plan.frames:
            self.progress.setLabelText(f"Finishing {self.recorder.plan.path.name}...")

    def _done(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
        self.progress = None
        self.recorder = None

    def _on_recorder_finished(self, path: str) -> None:
        frames = self.recorder.grabbed if self.recorder else 0
        self._done()
        self.window.show_message(f"Recorded {frames} frames to {path}.")

    def _on_recorder_failed(self, message: str) -> None:
        self._done()
        self.window.show_message(message, error=True)

    def _on_recorder_cancelled(self) -> None:
        self._done()
        self.window.show_message("Recording cancelled; nothing was written.")


def install(window) -> RecordingActions:
    window.recording_actions = RecordingActions(window)
    return window.recording_actions
