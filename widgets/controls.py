"""Small reusable controls: a slider over a list of values, a spin box that steps on a log ladder,
and the helper every panel uses to send a value to the experiment and show why it was refused."""
import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolTip,
    QWidget,
)

from playground.experiment import InvalidValue


def send(experiment, name: str, value, anchor: QWidget | None = None) -> bool:
    """experiment.set(name, value); on refusal show the reason by the control and return False."""
    try:
        experiment.set(name, value)
        return True
    except InvalidValue as error:
        show_refusal(anchor, str(error))
        return False


def show_refusal(anchor: QWidget | None, message: str) -> None:
    if anchor is not None and anchor.isVisible():
        QToolTip.showText(anchor.mapToGlobal(anchor.rect().bottomLeft()), message, anchor)
    window = anchor.window() if anchor is not None else None
    if window is not None and hasattr(window, "show_message"):
        window.show_message(message)


def section_label(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setProperty("role", "section")
    return label


def hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


class ValueLabel(QLabel):
    """A label for a number that changes every frame, at a fixed size made for ``widest``; a
    longer text (a diverged loss, 2.06e+176) is drawn in a smaller font instead of widening it.

    A label whose size may change asks every layout up to the window to redo itself at each
    new text (and the window then repaints the dock separators); a fixed-size one does not.
    """

    def __init__(self, widest: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._widest = widest
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        self.setFixedSize(metrics.horizontalAdvance(self._widest) + 6 + margins.left() +
                          margins.right(), metrics.height() + 2 + margins.top() +
                          margins.bottom())

    def paintEvent(self, event) -> None:
        text = self.text()
        room = self.contentsRect().width() - 2
        needed = self.fontMetrics().horizontalAdvance(text)
        if needed <= room:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        font = QFont(self.font())
        font.setPointSizeF(max(1.0, font.pointSizeF() * room / needed))
        painter.setFont(font)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), text)


class ValueSlider(QWidget):
    """A horizontal slider over an ordered list of values, its current value written beside it.

    ``value_chosen(value)`` fires when the user moves it; ``set_value`` (from the model) does not
    fire. A value between two ladder entries shows at the nearest one.
    """

    value_chosen = Signal(object)

    def __init__(self, values, fmt=str, parent: QWidget | None = None):
        super().__init__(parent)
        self._fmt = fmt
        self._values = list(values)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(90)
        self.label = QLabel()
        self.label.setProperty("role", "value")
        self.label.setMinimumWidth(52)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.setRange(0, len(self._values) - 1)
        self.slider.valueChanged.connect(self._on_slider_value_changed)

    def set_values(self, values) -> None:
        current = self.value()
        self._values = list(values)
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, len(self._values) - 1)
        self.set_value(current)

    def values(self) -> list:
        return list(self._values)

    def value(self):
        return self._values[self.slider.value()]

    def set_value(self, value) -> None:
        index = min(range(len(self._values)), key=lambda i: abs(self._values[i] - value))
        with QSignalBlocker(self.slider):
            self.slider.setValue(index)
        self.label.setText(self._fmt(value))

    def _on_slider_value_changed(self, index: int) -> None:
        value = self._values[index]
        self.label.setText(self._fmt(value))
        self.value_chosen.emit(value)


LADDER = (1.0, 2.0, 3.0, 5.0)


class LogSpinBox(QDoubleSpinBox):
    """A spin box for rates: arrows step along 1, 2, 3, 5 x 10^k; typing accepts any value."""

    def __init__(self, low: float, high: float, parent: QWidget | None = None,
                 allow_zero: bool = False):
        super().__init__(parent)
        self._allow_zero = allow_zero
        self.setDecimals(8)
        self.setRange(0.0 if allow_zero else low, high)
        self._low = low
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        if allow_zero:
            self.setSpecialValueText("off")

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return 0.0 if text.strip() == "off" else self.value()

    def validate(self, text, pos):
        from PySide6.QtGui import QValidator
        stripped = text.strip()
        if stripped in ("", "off", ".", "-") or stripped.endswith(("e", "e-", "E", "E-")):
            return QValidator.State.Intermediate, text, pos
        try:
            v = float(stripped)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        ok = self.minimum() <= v <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = _ladder_step(value, 1 if steps > 0 else -1, self._low, self._allow_zero)
        self.setValue(min(max(value, self.minimum()), self.maximum()))
        self.editingFinished.emit()


def _ladder_step(value: float, direction: int, low: float, allow_zero: bool) -> float:
    if value <= 0:
        return low if direction > 0 else 0.0
    exponent = math.floor(math.log10(value) + 1e-9)
    ladder = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in LADDER]
    if direction > 0:
        return next(v for v in ladder if v > value * (1 + 1e-9))
    below = [v for v in ladder if v < value * (1 - 1e-9)]
    nxt = below[-1]
    return 0.0 if allow_zero and nxt < low * (1 - 1e-9) else max(nxt, low)
