"""The lesson panel: the explanation of the lesson that is open, beside the views.

It shows a lesson file's ``lesson`` section (``file_sections.LESSON_KEYS``): the concept, the
title, what to look at, the formula (large, one part of a ``;``-separated formula a line), what
to try next, and a "Show me" button when the lesson has a Show me step. The button applies the
step's settings through the experiment's one verb (``experiment.update``: one undo step), starts
the run again from the same initial weights (``session.reset``) and plays (``session.play``).
``set_lesson(None)`` empties it (a plain experiment is open).
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QFrame, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from playground.experiment import InvalidValue
from playground.fields import FIELDS_BY_NAME
from widgets import theme

#: Point sizes above the application's of the title, the formula and the running text.
TITLE_DELTA = 5
FORMULA_DELTA = 6
TEXT_DELTA = 1
#: The formula's fonts, first found first: serif faces that place combining accents (the hat
#: of m̂, v̂) on their letter; DejaVu Sans, the usual interface font on Linux, draws them a
#: letter off.
FORMULA_FAMILIES = ("DejaVu Serif", "Cambria Math", "STIX Two Math", "Times New Roman")


def formula_font():
    """The font the formula is set in: FORMULA_DELTA points above the text, serif."""
    font = theme.font(FORMULA_DELTA)
    font.setFamilies(list(FORMULA_FAMILIES) + font.families())
    font.setStyleHint(QFont.StyleHint.Serif)
    return font


def formula_lines(formula: str) -> str:
    """The formula as the panel sets it: each part of a ``;``-separated formula on its own
    line (a long formula then wraps between its parts, not inside one); new lines stay."""
    parts = [part.strip() for part in re.split(r"[;\n]", formula)]
    return "\n".join(part for part in parts if part)


def show_me_summary(show_me: dict) -> str:
    """What the Show me step changes, in words: "Sets Layers, Data set, then plays"."""
    titles = [FIELDS_BY_NAME[name].title if name in FIELDS_BY_NAME else name
              for name in show_me]
    return (f"Sets {', '.join(titles)} and plays from the same initial weights; Undo "
            f"(Ctrl+Z) goes back.")


def _text_label(delta: float = TEXT_DELTA, bold: bool = False, role: str = "") -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)     # a teacher's file must not inject markup
    label.setWordWrap(True)
    label.setFont(theme.font(delta, bold))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # Wrap to the dock's width; never widen it.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    if role:
        label.setProperty("role", role)
    return label


class LessonPanel(QWidget):
    """The open lesson's explanation and its Show me button (see the module docstring)."""

    #: emitted after the Show me step was applied and the run started again
    shown = Signal()

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment, self.session = experiment, session
        self.lesson: dict | None = None

        self.concept = _text_label(0, role="section")
        self.title = _text_label(TITLE_DELTA, bold=True)
        self.look_heading = _text_label(0, role="section")
        self.look_heading.setText("WHAT TO LOOK AT")
        self.look_at = _text_label()
        self.formula_card = QFrame()
        self.formula_card.setObjectName("headerCard")
        self.formula = _text_label(FORMULA_DELTA)
        self.formula.setFont(formula_font())
        self.formula.setAccessibleName("Formula")
        card = QVBoxLayout(self.formula_card)
        card.setContentsMargins(12, 10, 12, 10)
        card.addWidget(self.formula)
        self.try_heading = _text_label(0, role="section")
        self.try_heading.setText("TRY NEXT")
        self.try_next = _text_label()
        self.show_me_button = QPushButton("\u25b6  Show me")
        self.show_me_button.setFont(theme.font(TEXT_DELTA, bold=True))
        self.show_me_button.clicked.connect(self.show_me)
        self.error = _text_label(0, role="error")
        self.error.hide()

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        for widget in (self.concept, self.title, self.look_heading, self.look_at,
                       self.formula_card, self.try_heading, self.try_next):
            layout.addWidget(widget)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        # The button stays in view below the text, however far that scrolls.
        foot = QVBoxLayout()
        foot.setContentsMargins(12, 6, 12, 10)
        foot.addWidget(self.error)
        foot.addWidget(self.show_me_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll, 1)
        outer.addLayout(foot)
        self.set_lesson(None)

    # ---- model -> view ----------------------------------------------------------------------
    def set_lesson(self, lesson: dict | None) -> None:
        """Show ``lesson`` (a file's lesson section) or, for None, nothing."""
        self.lesson = dict(lesson) if lesson else None
        lesson = self.lesson or {}
        self.concept.setText(str(lesson.get("concept", "")).upper())
        self.concept.setVisible(bool(lesson.get("concept")))
        self.title.setText(str(lesson.get("title", "")))
        for heading, label, key in ((self.look_heading, self.look_at, "look_at"),
                                    (self.try_heading, self.try_next, "try_next")):
            text = str(lesson.get(key, ""))
            label.setText(text)
            heading.setVisible(bool(text))
            label.setVisible(bool(text))
        formula = formula_lines(str(lesson.get("formula", "")))
        self.formula.setText(formula)
        self.formula_card.setVisible(bool(formula))
        show_me = lesson.get("show_me") or {}
        self.show_me_button.setVisible(bool(show_me))
        self.show_me_button.setToolTip(show_me_summary(show_me) if show_me else "")
        self.error.hide()

    # ---- intent -----------------------------------------------------------------------------
    def show_me(self) -> bool:
        """Apply the lesson's Show me settings, start again from the same initial weights and
        play. A setting the experiment refuses is said in the panel and nothing changes."""
        show_me = (self.lesson or {}).get("show_me") or {}
        if not show_me:
            return False
        try:
            self.experiment.update(dict(show_me))
        except InvalidValue as error:
            self.error.setText(f"Show me cannot be applied: {error}")
            self.error.show()
            return False
        self.error.hide()
        self.session.reset()
        self.session.play()
        self.shown.emit()
        return True
