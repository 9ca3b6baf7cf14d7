"""Small reusable controls: a slider over a list of values, number boxes whose arrows stay in the
field's range while any typed number reaches the model, the compact choices and boxes of the
network's column headers and layer cards (``widgets.header_controls``), and the one mechanism
every panel uses to send a value to the experiment and say, next to the control, why it was
refused; and the scrolling body of the side panels (``scrolling_body``)."""
import math

from PySide6.QtCore import QPoint, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QValidator
from PySide6.QtWidgets import (
    QBoxLayout,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.experiment import InvalidValue

BODY_MIN_WIDTH = 262     # px: the least width of a side panel's contents (Data, Training)


# ---- refusals ---------------------------------------------------------------------------------
class RefusalNote(QLabel):
    """Why a value was refused, in the warning style, under (or beside) the control that was
    used. It stays until the next accepted edit of one of its controls."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "refusal")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._floating_under: QWidget | None = None    # set for a note with no layout room
        self.hide()


def attach_note(note: RefusalNote, *controls: QWidget) -> RefusalNote:
    """Let ``note`` (placed by the panel) speak for ``controls``; returns ``note``."""
    for control in controls:
        control.refusal_note = note
    return note


def refusal_note(control: QWidget) -> RefusalNote | None:
    """The note that speaks for ``control``, or None before its first refusal."""
    return getattr(control, "refusal_note", None)


def send(experiment, name: str, value, anchor: QWidget | None = None) -> bool:
    """experiment.set(name, value); on refusal say why by ``anchor`` and return False.

    An accepted value that changes the experiment clears ``anchor``'s note; re-sending the
    current value (a field losing focus) leaves it, so the reason stays until a real edit."""
    before = experiment.get(name)
    try:
        experiment.set(name, value)
    except InvalidValue as error:
        show_refusal(anchor, str(error))
        return False
    if experiment.get(name) != before:
        clear_refusal(anchor)
    return True


def attempt(anchor: QWidget | None, verb, *args, **kwargs) -> bool:
    """Call an experiment verb (``add_layer``, ``set_layer``...); on InvalidValue say why by
    ``anchor`` and return False, on success clear ``anchor``'s note and return True."""
    try:
        verb(*args, **kwargs)
    except InvalidValue as error:
        show_refusal(anchor, str(error))
        return False
    clear_refusal(anchor)
    return True


def show_refusal(anchor: QWidget | None, message: str) -> None:
    """Show ``message`` in ``anchor``'s note, placing one under it on its first refusal (in the
    layout that holds it when there is room, else floating just below it); the note stays
    until the next accepted edit."""
    if anchor is None:
        return
    note = refusal_note(anchor)
    if note is None:
        note = attach_note(_placed_note(anchor), anchor)
    note.setText(message)
    note.setToolTip(message)
    under = note._floating_under
    if under is not None:
        parent = note.parentWidget()
        note.setFixedWidth(min(max(under.width(), 150), max(parent.width(), 1)))
        note.adjustSize()
        corner = under.mapTo(parent, QPoint(0, under.height() + 2))
        note.move(max(0, min(corner.x(), parent.width() - note.width())), corner.y())
        note.raise_()
    note.show()
    window = anchor.window()
    if hasattr(window, "show_message"):
        window.show_message(message)          # the status bar keeps a copy for a while


def clear_refusal(anchor: QWidget | None) -> None:
    note = refusal_note(anchor) if anchor is not None else None
    if note is not None:
        note.hide()
        note.clear()


def _placed_note(anchor: QWidget) -> RefusalNote:
    note = RefusalNote()
    if not _insert_below(anchor, note):
        # A control placed by hand (a column header on the network canvas): the note floats
        # under it, on the first ancestor that is not laid out (so it is not clipped small).
        parent = anchor.parentWidget()
        while parent is not None and parent.layout() is not None and not parent.isWindow():
            parent = parent.parentWidget()
        note.setParent(parent or anchor.window())
        note._floating_under = anchor
        anchor.destroyed.connect(note.deleteLater)
    return note


def _insert_below(anchor: QWidget, note: QWidget) -> bool:
    """Put ``note`` in a layout under ``anchor``: the next form row, the next place in a
    vertical box, the cell below in a grid (or a new last row); a horizontal row passes the
    question to the layout around it. False when no layout holds ``anchor``, or when the
    widget whose layout would take the note cannot grow (it is placed by hand)."""
    child = anchor
    while child.parentWidget() is not None and child.parentWidget().layout() is not None:
        path = _layout_path(child.parentWidget().layout(), child)
        if not path or not _can_grow(child.parentWidget()):
            return False
        for layout, index in reversed(path):
            if isinstance(layout, QFormLayout):
                row, _ = layout.getItemPosition(index)
                layout.insertRow(row + 1, note)
                return True
            if isinstance(layout, QBoxLayout) and layout.direction() in (
                    QBoxLayout.Direction.TopToBottom, QBoxLayout.Direction.Down):
                layout.insertWidget(index + 1, note)
                return True
            if isinstance(layout, QGridLayout):
                row, col, rows, cols = layout.getItemPosition(index)
                if all(layout.itemAtPosition(row + rows, c) is None
                       for c in range(col, col + cols)):
                    layout.addWidget(note, row + rows, col, 1, cols)
                else:
                    layout.addWidget(note, layout.rowCount(), 0, 1, layout.columnCount())
                return True
        child = child.parentWidget()
    return False


def _can_grow(widget: QWidget) -> bool:
    """True when every widget from ``widget`` up to its dock, scroll area or window is sized
    by a layout, so a note added inside makes room for itself."""
    while not widget.isWindow():
        parent = widget.parentWidget()
        if parent is None or isinstance(parent, (QDockWidget, QMainWindow)):
            return True
        holder = parent.parentWidget()
        if isinstance(holder, QScrollArea) and holder.widget() is widget:
            return True                      # parent is the scroll area's viewport
        if parent.layout() is None or not _layout_path(parent.layout(), widget):
            return False
        widget = parent
    return True


def _layout_path(layout: QLayout, widget: QWidget) -> list:
    """[(layout, index)] from ``layout`` down to the one holding ``widget``; [] if none does."""
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is widget:
            return [(layout, i)]
        inner = item.layout()
        if inner is not None:
            path = _layout_path(inner, widget)
            if path:
                return [(layout, i)] + path
    return []


def section_label(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setProperty("role", "section")
    return label


def hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def scrolling_body(panel: QWidget, body: QWidget) -> QScrollArea:
    """Fill ``panel`` with ``body`` (at least ``BODY_MIN_WIDTH`` wide) in a scroll area that
    scrolls up and down only, edge to edge; returns the scroll area."""
    body.setMinimumWidth(BODY_MIN_WIDTH)
    scroll = QScrollArea()
    scroll.setWidget(body)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return scroll


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
#: How far a typed number may go before the box itself stops it: far beyond any field's range,
#: so an out-of-range value reaches the model, which refuses it and says why.
TYPED_LIMIT = 1e12


class _OpenRange:
    """Shared by the number boxes: the arrows stay in the declared [low, high] while typing
    accepts any number (the model checks it); ``zero_text`` ("off", "never") stands for 0."""

    _low, _high, _zero_text = -math.inf, math.inf, ""     # until _open_range (Qt calls first)

    def _open_range(self, low: float, high: float, zero_text: str = "") -> None:
        self._low, self._high, self._zero_text = low, high, zero_text
        self.setKeyboardTracking(False)
        self._show_value()

    def setSpecialValueText(self, text: str) -> None:   # noqa: N802 (Qt's name)
        """What 0 shows as (Qt's special value text would sit at the typed-value limit)."""
        self._zero_text = text
        self._show_value()

    def _show_value(self) -> None:
        """Write the current value again (Qt wrote it before the zero text was known)."""
        self.lineEdit().setText(self.prefix() + self.textFromValue(self.value()) + self.suffix())

    def declared_range(self) -> tuple[float, float]:
        return self._low, self._high

    def stepEnabled(self):                               # noqa: N802
        flags = QSpinBox.StepEnabledFlag.StepNone
        if self.value() < self._high:
            flags |= QSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self._low:
            flags |= QSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def _zero_or(self, text: str):
        return 0 if self._zero_text and self._bare(text).strip() == self._zero_text else None

    def _bare(self, text: str) -> str:
        """``text`` without the box's prefix and suffix ("Dropout 0.5" -> "0.5")."""
        prefix, suffix = self.prefix(), self.suffix()
        if prefix and text.startswith(prefix):
            text = text[len(prefix):]
        if suffix and text.endswith(suffix):
            text = text[:-len(suffix)]
        return text

    def _typed_state(self, text: str, parse, limit: float = TYPED_LIMIT) -> QValidator.State:
        text = self._bare(text)
        stripped = text.strip()
        if stripped != text:
            return QValidator.State.Invalid                 # a number has no spaces
        if self._zero_or(stripped) is not None:
            return QValidator.State.Acceptable
        if stripped in ("", ".", "-", "+") or stripped.endswith(("e", "e-", "E", "E-", "e+")) \
                or (self._zero_text and self._zero_text.startswith(stripped)):
            return QValidator.State.Intermediate
        try:
            v = parse(stripped)
        except ValueError:
            return QValidator.State.Invalid
        return QValidator.State.Acceptable if math.isfinite(v) and abs(v) <= limit \
            else QValidator.State.Intermediate


class IntBox(_OpenRange, QSpinBox):
    """A whole-number box: arrows within [low, high], typed numbers sent as they are."""

    LIMIT = 2**31 - 1          # a Qt spin box holds a 32-bit int

    def __init__(self, low: int, high: int, parent: QWidget | None = None, zero_text: str = ""):
        super().__init__(parent)
        self.setRange(-self.LIMIT, self.LIMIT)
        self._open_range(int(low), int(high), zero_text)

    def textFromValue(self, value: int) -> str:          # noqa: N802
        return self._zero_text if value == 0 and self._zero_text else str(value)

    def valueFromText(self, text: str) -> int:           # noqa: N802
        zero = self._zero_or(text)
        if zero is not None:
            return zero
        try:
            return int(self._bare(text).strip())
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        return self._typed_state(text, int, self.LIMIT), text, pos

    def stepBy(self, steps: int) -> None:                # noqa: N802
        self.setValue(min(max(self.value() + steps * self.singleStep(), self._low), self._high))
        self.editingFinished.emit()


class DecimalBox(_OpenRange, QDoubleSpinBox):
    """A number box with even steps (``step``): arrows within [low, high], typed numbers sent
    as they are."""

    def __init__(self, low: float, high: float, step: float = 0.01, decimals: int = 4,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setSingleStep(step)
        self.setRange(-TYPED_LIMIT, TYPED_LIMIT)
        self._open_range(low, high)

    def validate(self, text, pos):
        return self._typed_state(text, float), text, pos

    def valueFromText(self, text: str) -> float:         # noqa: N802
        try:
            return float(self._bare(text).strip())
        except ValueError:
            return self.value()

    def stepBy(self, steps: int) -> None:                # noqa: N802
        self.setValue(min(max(self.value() + steps * self.singleStep(), self._low), self._high))
        self.editingFinished.emit()


class LogSpinBox(_OpenRange, QDoubleSpinBox):
    """A spin box for rates: arrows step along 1, 2, 3, 5 x 10^k within [low, high] (and down
    to 0, shown as "off", with ``allow_zero``); typing accepts any number, for the model to
    accept or refuse."""

    def __init__(self, low: float, high: float, parent: QWidget | None = None,
                 allow_zero: bool = False):
        super().__init__(parent)
        self._allow_zero = allow_zero
        self.setDecimals(8)
        self.setRange(-TYPED_LIMIT, TYPED_LIMIT)
        self._open_range(0.0 if allow_zero else low, high, "off" if allow_zero else "")
        self._ladder_low = low
        self.setAccelerated(True)

    def textFromValue(self, value: float) -> str:        # noqa: N802
        return self._zero_text if value == 0 and self._zero_text else f"{value:.6g}"

    def valueFromText(self, text: str) -> float:         # noqa: N802
        zero = self._zero_or(text)
        if zero is not None:
            return 0.0
        try:
            return float(self._bare(text).strip())
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        return self._typed_state(text, float), text, pos

    def stepBy(self, steps: int) -> None:                # noqa: N802
        value = self.value()
        for _ in range(abs(steps)):
            value = _ladder_step(value, 1 if steps > 0 else -1, self._ladder_low,
                                 self._allow_zero)
        self.setValue(min(max(value, self._low), self._high))
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
