"""Keyboard focus in the main window: the run keys work whenever no text is being typed.

A number box keeps focus after a click, and Qt then gives it every key first, so Space stopped
playing and pausing until the user clicked the canvas. ``FieldFocus`` watches the widget that has
the focus in one window:

- Enter or Escape in a field gives the focus back to the window (Escape first puts back the text
  the field had when it got the focus, so nothing typed is sent);
- Space reaches the play/pause shortcut unless text is being typed: a text field (line edit, text
  editor) keeps it, and so does a number box whose text is not its value's (typed, not yet
  entered).
  Check boxes, combo boxes, sliders and buttons do not swallow it.
- The letter keys of the run controls (S, E, R, N) act only when the focused widget would not
  use the key itself: a text field, a number box or a combo box (which jumps to the item that
  starts with the letter: E in the schedule combo chooses Exponential) keeps its letters.
"""
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox,
                               QLineEdit, QPlainTextEdit, QTextEdit, QWidget)

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
#: Widgets that use a typed letter themselves (edit it, or search their items by it).
LETTER_USERS = (QAbstractSpinBox, QComboBox, QLineEdit, QTextEdit, QPlainTextEdit,
                QAbstractItemView)


class FieldFocus(QObject):
    """Event filter on the focused widget of ``window`` (see the module docstring)."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self._watched: QWidget | None = None
        self._text_at_focus = ""
        QApplication.instance().focusChanged.connect(self._on_app_focus_changed)

    def _on_app_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:          # already deleted
                pass
            self._watched = None
        if new is not None and new.window() is self.window:
            new.installEventFilter(self)
            self._watched = new
            self._text_at_focus = _text(new)

    def eventFilter(self, obj, event) -> bool:         # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            # Not accepted and not delivered: the key goes to the window's Space shortcut.
            return not self._typing(obj)
        if kind == QEvent.Type.ShortcutOverride and _is_letter(event) \
                and uses_letters(obj):
            # Accepted: the key is delivered to the widget, no letter shortcut sees it.
            event.accept()
            return True
        if kind == QEvent.Type.KeyPress and _is_field(obj):
            if event.key() == Qt.Key.Key_Escape:
                _set_text(obj, self._text_at_focus)
                self._give_back()
                return True
            if event.key() in ENTER_KEYS:
                QTimer.singleShot(0, self._give_back)    # after the field has taken the value
        return False

    def _typing(self, widget: QWidget) -> bool:
        if isinstance(widget, QAbstractSpinBox):
            shown = _value_text(widget)
            return _text(widget) != (self._text_at_focus if shown is None else shown)
        if isinstance(widget, QLineEdit):
            return not widget.isReadOnly()
        if isinstance(widget, (QTextEdit, QPlainTextEdit)):
            return not widget.isReadOnly()
        return False

    def _give_back(self) -> None:
        focused = QApplication.focusWidget()
        if focused is not None and focused.window() is self.window and _is_field(focused):
            focused.clearFocus()
        self.window.setFocus(Qt.FocusReason.OtherFocusReason)


def uses_letters(widget) -> bool:
    """Whether ``widget`` uses a typed letter itself (a read-only text field does not)."""
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, LETTER_USERS)


def _is_letter(event) -> bool:
    shift = Qt.KeyboardModifier.ShiftModifier
    return Qt.Key.Key_A <= event.key() <= Qt.Key.Key_Z \
        and event.modifiers() & ~shift == Qt.KeyboardModifier.NoModifier


def _is_field(widget) -> bool:
    return isinstance(widget, (QAbstractSpinBox, QLineEdit))


def _text(widget) -> str:
    if isinstance(widget, QAbstractSpinBox):
        return widget.lineEdit().text()
    if isinstance(widget, QLineEdit):
        return widget.text()
    return ""


def _value_text(box: QAbstractSpinBox) -> str | None:
    """The text a number box shows for its current value (None for other spin boxes)."""
    if not hasattr(box, "textFromValue"):
        return None
    if box.specialValueText() and box.value() == box.minimum():
        return box.specialValueText()
    return box.prefix() + box.textFromValue(box.value()) + box.suffix()


def _set_text(widget, text: str) -> None:
    if isinstance(widget, QAbstractSpinBox):
        widget.lineEdit().setText(text)
    elif isinstance(widget, QLineEdit):
        widget.setText(text)
