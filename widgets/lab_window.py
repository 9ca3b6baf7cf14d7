"""The optimizer lab window: contour plot with the racers' paths (left, large), the loss chart
under it, the settings panel on the right, and play / step / reset with a speed and a step
slider in the toolbar.

The model (``playground.lab.Lab``) races every path whole, ahead; playing only reveals more of
them: a QTimer at 60 frames a second calls ``lab.advance()`` and the views redraw slices."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QMainWindow, QSlider,
                               QSplitter, QToolBar, QVBoxLayout, QWidget)

from playground import lab as lab_model
from playground.checks import one_line
from widgets import theme
from widgets.controls import ValueLabel
from widgets.lab_loss_chart import LabLossChart
from widgets.lab_panel import LabLegend, LabPanel
from widgets.lab_surface_view import LabSurfaceView

FRAME_MS = 16                       # about 60 frames a second
SPEEDS = (1, 2, 5, 10, 20, 50)      # steps revealed per frame
PANEL_WIDTH = 340
WIDE_BOX = 1.6                      # a surface box this much wider than tall: chart below


class LabWindow(QMainWindow):
    """A lab on ``setup`` (a LabSetup; default: ten racers on Rosenbrock); ``lesson`` (a
    ``playground.lesson_spec.Lesson``) shows its explanation in a first tab."""

    def __init__(self, setup: lab_model.LabSetup | None = None, parent: QWidget | None = None,
                 title: str = "", lesson=None):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.setWindowTitle(f"Optimizer lab \u2013 {title}" if title else "Optimizer lab")
        self.lab = lab_model.Lab(setup)
        self.path: Path | None = None

        self.surface_view = LabSurfaceView(self.lab)
        self.loss_chart = LabLossChart(self.lab)
        self.panel = LabPanel(self.lab)
        self.panel.setMinimumWidth(PANEL_WIDTH)
        self.legend = LabLegend(self.lab)
        self.plots = QSplitter(Qt.Orientation.Horizontal)
        self.plots.addWidget(self.surface_view)
        self.plots.addWidget(self.loss_chart)
        self.plots.setStretchFactor(0, 3)
        self.plots.setStretchFactor(1, 2)
        self.plots.setChildrenCollapsible(False)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.plots, 1)
        column.addWidget(self.legend)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setChildrenCollapsible(False)
        self.setCentralWidget(split)

        self._build_toolbar()
        self._build_menu()
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.lab.advance)
        self.surface_view.start_clicked.connect(self._on_surface_view_start_clicked)
        self.panel.inspected_changed.connect(self.surface_view.set_inspected)
        self.lab.subscribe(self._on_lab_changed)
        self.lab.set_speed(2)
        if lesson is not None:
            self.panel.show_lesson(lesson)
        self._orient_plots()
        self._refresh_transport()
        self.resize(1280, 720)

    # ---- building ---------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Race")
        bar.setObjectName("labToolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.play_action = bar.addAction("Play")
        self.play_action.setToolTip("Play or pause the race (Space)")
        self.play_action.triggered.connect(self.lab.toggle_running)
        step = bar.addAction("Step")
        step.setToolTip("One step further (S)")
        step.triggered.connect(lambda: self.lab.step(1))
        reset = bar.addAction("Reset")
        reset.setToolTip("Back to the start (R)")
        reset.triggered.connect(self.lab.reset)
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed "))
        self.speed = QComboBox()
        for n in SPEEDS:
            self.speed.addItem(f"{n} step{'s' if n > 1 else ''} / frame", n)
        self.speed.setCurrentIndex(1)
        self.speed.setToolTip("Steps revealed per frame (60 frames a second)")
        self.speed.activated.connect(
            lambda _i: self.lab.set_speed(int(self.speed.currentData())))
        bar.addWidget(self.speed)
        bar.addSeparator()
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setMinimumWidth(160)
        self.scrub.setToolTip("Drag to any step of the race")
        self.scrub.valueChanged.connect(self._on_scrub_value_changed)
        bar.addWidget(self.scrub)
        self.step_label = ValueLabel(" Step 5000 / 5000")   # fixed size: no relayout a frame
        bar.addWidget(self.step_label)
        for key, verb in ((Qt.Key.Key_Space, self.lab.toggle_running),
                          (Qt.Key.Key_S, lambda: self.lab.step(1)),
                          (Qt.Key.Key_R, self.lab.reset)):
            QShortcut(QKeySequence(key), self).activated.connect(verb)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, keys, slot in (("&Open lab\u2026", QKeySequence.StandardKey.Open, self.open),
                                 ("&Save lab\u2026", QKeySequence.StandardKey.Save, self.save),
                                 ("&Close", QKeySequence.StandardKey.Close, self.close)):
            action = QAction(text, self)
            action.setShortcut(keys)
            action.triggered.connect(slot)
            menu.addAction(action)

    # ---- model -> view ----------------------------------------------------------------------
    def _on_lab_changed(self, what: str) -> None:
        if what == "setup":
            self._orient_plots()
        if what == "running":
            if self.lab.running:
                self.timer.start()
            else:
                self.timer.stop()
        self._refresh_transport()

    def _orient_plots(self) -> None:
        """The loss chart beside a squarish surface, under a wide one (the contour plot keeps
        x and y at one scale, so a wide box needs the window's width)."""
        x0, x1, y0, y1 = lab_model.surface_info(self.lab.setup.surface).box
        wide = (x1 - x0) > WIDE_BOX * (y1 - y0)
        orientation = Qt.Orientation.Vertical if wide else Qt.Orientation.Horizontal
        if self.plots.orientation() != orientation:
            self.plots.setOrientation(orientation)
            total = sum(self.plots.sizes()) or 1000
            self.plots.setSizes([int(total * 0.62), int(total * 0.38)] if wide
                                else [int(total * 0.6), int(total * 0.4)])

    def _refresh_transport(self) -> None:
        lab = self.lab
        self.play_action.setText("Pause" if lab.running else "Play")
        with QSignalBlocker(self.scrub):
            self.scrub.setRange(0, lab.setup.steps)
            self.scrub.setValue(lab.shown)
        self.step_label.setText(f" Step {lab.shown} / {lab.setup.steps}")

    # ---- view -> model ----------------------------------------------------------------------
    def _on_scrub_value_changed(self, value: int) -> None:
        self.lab.pause()
        self.lab.show(value)

    def _on_surface_view_start_clicked(self, x: float, y: float) -> None:
        try:
            self.lab.set_start(x, y)
        except ValueError as error:
            self.show_message(str(error))

    def show_message(self, text: str) -> None:
        """Say something in the status bar (refusals keep a copy here)."""
        self.statusBar().showMessage(one_line(text, 300), 8000)

    # ---- files ------------------------------------------------------------------------------
    def open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open lab", "",
                                              f"Optimizer lab (*{lab_model.LAB_SUFFIX})")
        if name:
            self.open_file(name)

    def open_file(self, path) -> bool:
        """Open the lab file at ``path``; on failure say why and keep the lab as it is."""
        try:
            setup = lab_model.load_lab(path)
        except ValueError as error:
            self.show_message(str(error))
            return False
        self.lab.pause()
        self.lab.set_setup(setup)
        self.path = Path(path)
        self.setWindowTitle(f"Optimizer lab \u2013 {self.path.name}")
        return True

    def save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save lab", str(self.path or ""),
                                              f"Optimizer lab (*{lab_model.LAB_SUFFIX})")
        if name:
            if not name.endswith(lab_model.LAB_SUFFIX):
                name += lab_model.LAB_SUFFIX
            self.save_file(name)

    def save_file(self, path) -> bool:
        try:
            lab_model.save_lab(path, self.lab.setup)
        except (ValueError, OSError) as error:
            self.show_message(f"Not saved: {error}")
            return False
        self.path = Path(path)
        self.setWindowTitle(f"Optimizer lab \u2013 {self.path.name}")
        self.show_message(f"Saved {self.path.name}")
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # The keys (Space, S, R) go to the plot rather than to a box that uses them itself
        self.surface_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.surface_view.setFocus()

    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.lab.pause()
        super().closeEvent(event)
