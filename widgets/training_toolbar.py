"""The toolbar: reset, play/pause, one step, one epoch, new seed, speed and stop conditions."""
from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.fields import FIELDS_BY_NAME, MAX_STEPS_PER_FRAME
from playground.tips import CONTROL_TIPS
from widgets import theme
from widgets.controls import (IntBox, LogSpinBox, RefusalNote, ValueLabel, ValueSlider,
                              attach_note, send)

SPEED_LADDER = tuple(v for v in (1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                     if v <= MAX_STEPS_PER_FRAME)


def tool_button(icon_name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(theme.icon(icon_name))
    button.setIconSize(QSize(22, 22))
    button.setText(text)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def labelled(title: str, control: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    label = QLabel(title)
    label.setProperty("role", "hint")
    layout.addWidget(label)
    layout.addWidget(control)
    return box


class TrainingToolbar(QToolBar):
    """Run controls. Buttons call session verbs; speed and stops are experiment fields."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__("Training", parent)
        self.setObjectName("trainingToolbar")
        self.setMovable(False)
        self.experiment = experiment
        self.session = session
        self.reset_button = tool_button("reset", "Reset", CONTROL_TIPS["reset"])
        self.play_button = QToolButton()
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.play_button.setIconSize(QSize(28, 28))
        self.play_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.step_button = tool_button("step", "Step", CONTROL_TIPS["step"])
        self.epoch_button = tool_button("epoch", "Epoch", CONTROL_TIPS["epoch"])
        self.reseed_button = tool_button("reseed", "New seed", CONTROL_TIPS["reseed"])
        self.epoch_label = ValueLabel("000,000")
        self.epoch_label.setFont(theme.font(9, bold=True))
        self.epoch_label.setText("0")
        self.speed = ValueSlider(SPEED_LADDER, lambda v: f"{int(v)}")
        self.speed.setMinimumWidth(120)
        self.speed.setMaximumWidth(210)
        self._fit = 0          # steps per frame that keep 60 frames a second, as measured
        self._show_speed_fit()
        self.stop_epoch = IntBox(0, int(FIELDS_BY_NAME["stop_at_epoch"].high), zero_text="never")
        self.stop_epoch.setMinimumWidth(96)
        self.stop_epoch.setToolTip(FIELDS_BY_NAME["stop_at_epoch"].doc)
        self.stop_loss = LogSpinBox(1e-4, FIELDS_BY_NAME["stop_at_test_loss"].high,
                                    allow_zero=True)
        self.stop_loss.setSpecialValueText("never")
        self.stop_loss.setMinimumWidth(96)
        self.stop_loss.setToolTip(FIELDS_BY_NAME["stop_at_test_loss"].doc)

        self.addWidget(self.reset_button)
        self.addWidget(self.play_button)
        self.addWidget(self.step_button)
        self.addWidget(self.epoch_button)
        self.addWidget(self.reseed_button)
        self.addSeparator()
        self.addWidget(labelled("Epoch", self.epoch_label))
        self.addSeparator()
        self.addWidget(labelled("Steps per frame", self.speed))
        self.addWidget(labelled("Stop at epoch", self.stop_epoch))
        self.addWidget(labelled("Stop at test loss", self.stop_loss))
        # A refused speed or stop condition is explained beside the stop controls (a toolbar
        # has no room under them); the holder stays, so showing the note moves nothing.
        self.refusal = RefusalNote()
        self.refusal.setFont(theme.font(-2))     # three short lines fit the toolbar's height
        self.refusal.setMinimumWidth(170)
        self.refusal.setMaximumWidth(420)
        holder = QWidget()
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(holder)
        row.setContentsMargins(10, 0, 0, 0)
        row.addWidget(self.refusal)
        row.addStretch(1)
        self.addWidget(holder)
        attach_note(self.refusal, self.speed, self.stop_epoch, self.stop_loss)

        self.reset_button.clicked.connect(session.reset)
        self.play_button.clicked.connect(lambda: session.toggle_running())
        self.step_button.clicked.connect(lambda: session.step(1))
        self.epoch_button.clicked.connect(session.run_epoch)
        self.reseed_button.clicked.connect(session.reinitialize)
        self.speed.value_chosen.connect(lambda v: send(experiment, "steps_per_frame", int(v),
                                                       self.speed))
        self.stop_epoch.valueChanged.connect(
            lambda v: self._send_or_restore("stop_at_epoch", int(v), self.stop_epoch))
        self.stop_loss.editingFinished.connect(
            lambda: self._send_or_restore("stop_at_test_loss", float(self.stop_loss.value()),
                                          self.stop_loss))
        session.running_changed.connect(self._on_session_running_changed)
        session.snapshot_ready.connect(self.set_snapshot)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        self._on_session_running_changed(session.running)
        for name in ("steps_per_frame", "stop_at_epoch", "stop_at_test_loss"):
            self._on_experiment_state_changed(name)

    def _send_or_restore(self, name: str, value, box) -> None:
        """Send a typed value; a refused one is explained and the box shows the model's."""
        if not send(self.experiment, name, value, box):
            self._on_experiment_state_changed(name)

    def set_snapshot(self, snapshot) -> None:
        self.epoch_label.setText(f"{snapshot.epoch:,}")
        fit = _two_digits(snapshot.steps_per_frame_at_60)
        if fit != self._fit:
            self._fit = fit
            self._show_speed_fit()

    def _show_speed_fit(self) -> None:
        """Say how fast the engine can go on this network at 60 frames a second; a speed
        beyond that shows in orange (training is faster still, but frames come less often).

        A measured figure of 1 means drawing one frame alone takes about a 60th of a second
        (a slower machine, a busy one, a large network): then no speed is to blame for the
        frame rate, and none is marked."""
        tip = "Training steps between two frames."
        if self._fit > 1:
            tip += (f" About {self._fit:,} steps a frame keep 60 frames a second on this "
                    f"network; above that, training goes faster but the views update less "
                    f"often.")
        elif self._fit == 1:
            tip += (" Drawing the views alone takes about a 60th of a second a frame on this "
                    "network and machine, whatever the speed.")
        beyond = self._fit > 1 and self.experiment.steps_per_frame > self._fit
        self.speed.setToolTip(tip)
        self.speed.label.setToolTip(tip)
        self.speed.label.setStyleSheet(f"color: {theme.TEST_CURVE};" if beyond else "")

    def _on_session_running_changed(self, running: bool) -> None:
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(running)
        self.play_button.setIcon(theme.icon("pause" if running else "play"))
        self.play_button.setToolTip(CONTROL_TIPS["pause" if running else "play"])

    def _on_experiment_state_changed(self, name: str) -> None:
        e = self.experiment
        if name == "steps_per_frame":
            self.speed.set_value(e.steps_per_frame)
            self._show_speed_fit()
        elif name == "stop_at_epoch":
            with QSignalBlocker(self.stop_epoch):
                self.stop_epoch.setValue(e.stop_at_epoch)
        elif name == "stop_at_test_loss":
            with QSignalBlocker(self.stop_loss):
                self.stop_loss.setValue(e.stop_at_test_loss)


def _two_digits(n: int) -> int:
    """``n`` rounded down to two significant digits (2,847 -> 2,800): a measured figure that
    would otherwise change at every frame."""
    if n < 100:
        return n
    unit = 10 ** (len(str(n)) - 2)
    return n // unit * unit
