"""Undo and redo of every edit of the experiment and of every typed weight, on a QUndoStack.

``install(window)`` adds the Edit menu (Undo Ctrl+Z, Redo Ctrl+Shift+Z or Ctrl+Y, Undo history)
and returns the ``UndoHistory`` (also ``window.undo_history``). What one step is comes from
``playground.undo``: each ``Experiment.update`` call is one step, holding the whole state before
and after, and the values a dragged slider passes through merge into one step
(``QUndoCommand.id`` / ``mergeWith``).

Two session verbs pass through the history (the window's session only):

- ``set_param`` (a typed weight or bias) is recorded with the value it replaced, read from the
  latest snapshot;
- ``load_document`` (File > Open, New, an example, a lesson, the recovery file) is not a step:
  the opened document starts a new history, so the stack is cleared after it. Undo never puts
  back settings whose weights and curves it could not put back with them.

The keys work wherever the focus is, except in a text being typed (a number box whose text is
not its value's, a text field), where Ctrl+Z undoes the typing as usual.

Undoing a change that rebuilds the network (layers, data, seed) rebuilds it again from the
restored settings: the same initial weights as before the change, not the trained ones.
"""
import itertools
import math

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QAbstractSlider, QAbstractSpinBox, QApplication, QDialog, QLabel,
                               QMenu, QScrollBar, QUndoView, QVBoxLayout, QWidget)

from playground import undo as rules
from playground.experiment import InvalidValue

#: QUndoCommand.id of the steps that may merge (a slider drag's); -1 never merges.
DRAG_MERGE_ID = 1
REDO_KEYS = ("Ctrl+Shift+Z", "Ctrl+Y")
#: Steps kept (each holds two copies of the settings, a few kilobytes): the oldest go first.
UNDO_LIMIT = 1000


class ExperimentCommand(QUndoCommand):
    """One experiment edit (``playground.undo.Edit``), already applied when it is pushed."""

    def __init__(self, history: "UndoHistory", edit: rules.Edit):
        super().__init__(edit.text)
        self.history = history
        self.edit = edit
        self._applied = True          # push() calls redo(): the edit has happened already

    def id(self) -> int:
        return DRAG_MERGE_ID if self.edit.drag is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:      # noqa: N802 (Qt's name)
        if not isinstance(other, ExperimentCommand):
            return False
        edit = rules.merged(self.edit, other.edit)
        if edit is None:
            return False
        self.edit = edit
        self.setText(edit.text)
        self.setObsolete(rules.is_no_op(edit))     # dragged back to where it started
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self.history.apply(self.edit.after)

    def undo(self) -> None:
        self.history.apply(self.edit.before)


class WeightCommand(QUndoCommand):
    """One typed weight or bias (``playground.undo.WeightEdit``), already applied."""

    def __init__(self, history: "UndoHistory", edit: rules.WeightEdit):
        super().__init__(edit.text)
        self.history = history
        self.edit = edit
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self.history.put_weight(self.edit, self.edit.after)

    def undo(self) -> None:
        self.history.put_weight(self.edit, self.edit.before)


class UndoHistory(QObject):
    """The window's undo stack, fed by the experiment's changes and the typed weights."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.experiment = window.experiment
        self.session = window.session
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(UNDO_LIMIT)
        self.recorder = rules.EditRecorder(self.experiment, self._drag_key)
        self._drag: tuple | None = None          # (slider, key) while a slider is held
        self._drag_keys = itertools.count(1)
        self._history_window: QDialog | None = None
        # The session says when a weight is typed and when a document loads (whoever asked:
        # FileActions, the canvas, a lesson), so the history sees every one.
        self._loading = None
        self._putting = False
        self.session.param_typed.connect(self._on_session_param_typed)
        self.session.document_loading.connect(self._on_session_document_loading)
        self.session.document_loaded.connect(self._on_session_document_loaded)
        self.experiment.state_changed.connect(self._on_experiment_state_changed)
        self._build_actions()
        # A number box keeps the focus after its arrows are clicked, and its text field would
        # take Ctrl+Z for its own text: while nothing is typed in it, the keys undo the edit.
        self._watched: QWidget | None = None
        QApplication.instance().focusChanged.connect(self._on_app_focus_changed)

    # ---- the Edit menu ------------------------------------------------------------------------
    def _build_actions(self) -> None:
        w = self.window
        self.undo_action = self.stack.createUndoAction(w, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setStatusTip("Take back the last change of the settings or weights")
        self.redo_action = self.stack.createRedoAction(w, "&Redo")
        self.redo_action.setShortcuts([QKeySequence(k) for k in REDO_KEYS])
        self.redo_action.setStatusTip("Do again the change you took back")
        self.history_action = QAction("Undo &History\u2026", w)
        self.history_action.setStatusTip("Every change since the experiment was opened: "
                                         "click one to go back to it")
        self.history_action.triggered.connect(self.show_history)
        self.menu = QMenu("&Edit", w)
        for action in (self.undo_action, self.redo_action):
            self.menu.addAction(action)
            w.addAction(action)          # the keys work with the menu bar hidden too
        self.menu.addSeparator()
        self.menu.addAction(self.history_action)
        bar = w.menuBar()
        view_menu = getattr(w, "view_menu", None)
        if isinstance(view_menu, QMenu):
            bar.insertMenu(view_menu.menuAction(), self.menu)
        else:
            bar.addMenu(self.menu)

    def show_history(self) -> QDialog:
        """The undo history in a small window beside the main one (not modal)."""
        if self._history_window is None:
            dialog = QDialog(self.window)
            dialog.setWindowTitle("Undo history")
            layout = QVBoxLayout(dialog)
            hint = QLabel("Click a line to go back to that point; Ctrl+Z and Ctrl+Shift+Z "
                          "step through it.")
            hint.setWordWrap(True)
            view = QUndoView(self.stack)
            view.setEmptyLabel("As opened")
            view.setToolTip("Every change since the experiment was opened, oldest first")
            layout.addWidget(hint)
            layout.addWidget(view, 1)
            dialog.resize(380, 440)
            self._history_window = dialog
        self._history_window.show()
        self._history_window.raise_()
        return self._history_window

    # ---- the keys in a number box ------------------------------------------------------------
    def _on_app_focus_changed(self, old, new) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:              # already deleted
                pass
            self._watched = None
        if isinstance(new, QAbstractSpinBox) and new.window() is self.window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched, event) -> bool:        # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(
                watched, QAbstractSpinBox) and not typing_in(watched) and (
                event.matches(QKeySequence.StandardKey.Undo) or
                any(QKeySequence(event.keyCombination()) == QKeySequence(k)
                    for k in REDO_KEYS)):
            return True      # neither accepted nor delivered: the window's shortcut takes it
        return False

    # ---- recording ----------------------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        edit = self.recorder.record()
        if edit is not None:
            self.stack.push(ExperimentCommand(self, edit))

    def _drag_key(self):
        """The current slider drag's key, None when no slider of the window is held down."""
        held = next((s for s in self.window.findChildren(QAbstractSlider)
                     if s.isSliderDown() and not isinstance(s, QScrollBar)), None)
        if held is None:
            self._end_drag()
            return None
        if self._drag is None or self._drag[0] is not held:
            self._end_drag()
            self._drag = (held, next(self._drag_keys))
            held.sliderReleased.connect(self._end_drag)
        return self._drag[1]

    def _end_drag(self) -> None:
        if self._drag is None:
            return
        slider, self._drag = self._drag[0], None
        try:
            slider.sliderReleased.disconnect(self._end_drag)
        except (RuntimeError, TypeError):       # already gone
            pass

    def _on_session_param_typed(self, layer: int, row, col: int, before: float,
                                after: float) -> None:
        """A typed weight or bias: one step, unless undo itself is putting a value back."""
        if self._putting or not math.isfinite(before) or before == after:
            return
        self.stack.push(WeightCommand(self, rules.WeightEdit(
            layer, row, col, before, after, self._structure())))

    def _on_session_document_loading(self) -> None:
        self._loading = self.recorder.paused()
        self._loading.__enter__()

    def _on_session_document_loaded(self, opened: bool) -> None:
        """The changes of a load are not edits; an opened document starts a new history."""
        if self._loading is not None:
            self._loading.__exit__(None, None, None)
            self._loading = None
        if opened:
            self._end_drag()
            self.stack.clear()

    # ---- applying -----------------------------------------------------------------------------
    def apply(self, values: dict) -> None:
        try:
            self.recorder.apply(values)
        except InvalidValue as error:        # cannot happen for a state that was valid
            self._say(f"Cannot undo this change: {error}")

    def put_weight(self, edit: rules.WeightEdit, value: float) -> None:
        if self._structure() != edit.structure:
            self._say("That weight belongs to a network of another shape; it was not changed.")
            return
        self._putting = True            # undo/redo of a weight is not a new step
        try:
            self.session.set_param(edit.layer, edit.row, edit.col, value)
        finally:
            self._putting = False

    def _structure(self) -> tuple:
        spec = self.session.spec
        if spec is None:
            return ()
        return rules.network_structure(spec.n_inputs, (h.units for h in spec.hidden
                                                       if h.kind == "dense"), spec.n_outputs)

    def _say(self, text: str) -> None:
        show = getattr(self.window, "show_message", None)
        if callable(show):
            show(text)


def typing_in(box: QAbstractSpinBox) -> bool:
    """Whether the box shows text that is not its value's (typed, not yet entered)."""
    if not hasattr(box, "textFromValue"):
        return True
    if box.specialValueText() and box.value() == box.minimum():
        shown = box.specialValueText()
    else:
        shown = box.prefix() + box.textFromValue(box.value()) + box.suffix()
    return box.lineEdit().text() != shown


def install(window: QWidget) -> UndoHistory:
    """Give ``window`` (with ``experiment``, ``session``, ``menuBar()``) undo and redo."""
    history = UndoHistory(window)
    window.undo_history = history
    return history
