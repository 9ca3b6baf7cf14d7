"""File > Save as lesson...: write the open experiment as a lesson file, with its explanation.

``LessonEditor`` is the dialog: title, concept, what to look at, the formula (with a preview as
the lesson panel sets it), what to try next, and whether to keep the open lesson's Show me step.
``LessonSaver.save_as_lesson()`` runs it, asks where to save, and saves the experiment (settings,
weights, history, hidden panels) with the explanation in the file's ``lesson`` section through
the window's ``FileActions``; the lesson panel then shows it, and File > Open of the file shows it
again. ``run_editor`` and ``FileActions.ask_save_path`` are the dialogs tests replace.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QFrame, QLabel, QLineEdit, QPlainTextEdit, QSizePolicy,
                               QVBoxLayout, QWidget)

from playground import files
from playground.fields import PANELS
from widgets import theme
from widgets.export_actions import safe_stem
from widgets.lesson_panel import formula_font, formula_lines, show_me_summary
from widgets.panel_visibility import PANEL_TITLES

LESSON_FILTER = f"NN Playground lessons (*{files.EXTENSION});;All files (*)"


def _text_box(text: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(box.fontMetrics().lineSpacing() * lines + 16)
    return box


class LessonEditor(QDialog):
    """The explanation of a lesson, to be saved with the open experiment.

    lesson        : the open lesson's section (its texts are the starting point), or None
    hidden_panels : the experiment's hidden panels (shown: they are saved with the lesson)
    concepts      : concepts offered in the concept box (the shipped lessons')
    """

    def __init__(self, lesson: dict | None = None, hidden_panels=(), concepts=(),
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Save as lesson")
        lesson = lesson or {}
        self.show_me = dict(lesson.get("show_me") or {})
        self.title = QLineEdit(lesson.get("title", ""))
        self.title.setPlaceholderText("The heading of the lesson panel")
        self.concept = QComboBox()
        self.concept.setEditable(True)
        self.concept.addItems(list(dict.fromkeys(concepts)))
        self.concept.setCurrentText(lesson.get("concept", ""))
        self.concept.lineEdit().setPlaceholderText("The course topic it belongs to")
        self.look_at = _text_box(lesson.get("look_at", ""), 3)
        self.look_at.setPlaceholderText("What the class should look at")
        self.formula = _text_box(lesson.get("formula", ""), 2)
        typed = formula_font()          # (the interface font misplaces combining hats)
        typed.setPointSizeF(theme.font().pointSizeF())
        self.formula.setFont(typed)
        self.formula.setPlaceholderText("Unicode text, e.g. w \u2190 w \u2212 \u03b7 \u2202L/"
                                        "\u2202w ; a ';' or a new line starts a new line")
        self.preview = QLabel()
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.preview.setFont(formula_font())
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        card = QFrame()
        card.setObjectName("headerCard")
        QVBoxLayout(card).addWidget(self.preview)
        self.try_next = _text_box(lesson.get("try_next", ""), 3)
        self.try_next.setPlaceholderText("What to try next")
        self.keep_show_me = QCheckBox("Keep the Show me step")
        self.keep_show_me.setChecked(bool(self.show_me))
        self.keep_show_me.setEnabled(bool(self.show_me))
        self.keep_show_me.setToolTip(show_me_summary(self.show_me) if self.show_me else
                                     "Only a lesson that has one keeps its Show me step")
        hidden = [PANEL_TITLES[n] for n in PANELS if n in tuple(hidden_panels)]
        self.panels_note = QLabel(
            ("Hidden from the class: " + ", ".join(hidden) if hidden else
             "Every panel is shown") + " (View > Show to the class). Saved with the lesson.")
        self.panels_note.setWordWrap(True)
        self.panels_note.setProperty("role", "hint")

        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Concept", self.concept)
        form.addRow("What to look at", self.look_at)
        form.addRow("Formula", self.formula)
        form.addRow("Preview", card)
        form.addRow("What to try next", self.try_next)
        form.addRow("", self.keep_show_me)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.panels_note)
        layout.addWidget(self.buttons)
        self.resize(theme.px(640), theme.px(560))
        self.title.textChanged.connect(self._on_title_text_changed)
        self.formula.textChanged.connect(self._on_formula_text_changed)
        self._on_title_text_changed(self.title.text())
        self._on_formula_text_changed()

    def _on_title_text_changed(self, text: str) -> None:
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(text.strip()))
        save.setToolTip("" if text.strip() else "A lesson needs a title")

    def _on_formula_text_changed(self) -> None:
        self.preview.setText(formula_lines(self.formula.toPlainText()) or "\u2013")

    def lesson(self, name: str) -> dict:
        """The lesson section as typed, named ``name`` (the file's name)."""
        return {"name": name, "title": self.title.text().strip(),
                "concept": self.concept.currentText().strip(),
                "look_at": self.look_at.toPlainText().strip(),
                "formula": self.formula.toPlainText().strip(),
                "try_next": self.try_next.toPlainText().strip(),
                "show_me": dict(self.show_me) if self.keep_show_me.isChecked() else {}}


class LessonSaver(QObject):
    """File > Save as lesson... for a window with ``file_actions`` and ``experiment``."""

    def __init__(self, window, concepts=()):
        super().__init__(window)
        self.window = window
        self.concepts = tuple(concepts)
        self.action = QAction("Save as &lesson\u2026", window)
        self.action.setStatusTip("Save the experiment with an explanation, as a lesson file")
        self.action.setToolTip("Save the experiment, its hidden panels and an explanation "
                               "(what to look at, the formula, what to try next) as a lesson")
        self.action.triggered.connect(lambda checked=False: self.save_as_lesson())

    def run_editor(self, editor: LessonEditor) -> bool:
        """Show the dialog; True when it was accepted (tests replace this)."""
        return editor.exec() == QDialog.DialogCode.Accepted

    def save_as_lesson(self) -> bool:
        actions = self.window.file_actions
        editor = LessonEditor(actions.lesson, self.window.experiment.hidden_panels,
                              self.concepts, parent=self.window)
        try:
            if not self.run_editor(editor):
                return False
            here = actions.path
            stem = here.stem if here is not None else editor.title.text().strip()
            folder = here.parent if here is not None else Path.home()
            suggested = folder / f"{safe_stem(stem or 'lesson')}{files.EXTENSION}"
            path = actions.ask_save_path(str(suggested), LESSON_FILTER)
            if not path:
                return False
            path = files.with_extension(path)
            lesson = editor.lesson(path.stem)
        finally:
            editor.deleteLater()
        previous = actions.lesson
        actions.set_lesson(lesson)
        if not actions.save_to(path):
            actions.set_lesson(previous)        # (save_to said why; nothing was written)
            return False
        return True
