"""The optimizer lab in the main window: a "Tools > Optimizer lab" action, and ``open_lab`` for
whoever opens a lab on a given setup (the Lessons menu opens a lab lesson with it).

    self.lab_actions = lab_actions.install(self)       # in MainWindow, once its menus exist
    self.lab_actions.open_lesson(lesson)               # a Lesson whose ``lab`` is set
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from playground.lab import LabSetup
from widgets.lab_window import LabWindow
from widgets.tools_menu import tools_menu


class LabActions(QObject):
    """Opens lab windows for ``window`` and keeps them until they close."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.labs: list[LabWindow] = []
        self.menu = menu = tools_menu(window)
        self.action = QAction("Optimizer &lab\u2026", window)
        self.action.setShortcut(QKeySequence("Ctrl+L"))
        self.action.setToolTip("Race optimizers on 2-D loss surfaces")
        self.action.triggered.connect(lambda: self.open_lab())
        menu.addAction(self.action)

    def open_lesson(self, lesson) -> LabWindow | None:
        """Open the lab of a lab lesson (``playground.lesson_spec.Lesson`` with ``lab`` set),
        its explanation in the lab's first tab."""
        return self.open_lab(lesson.lab, title=lesson.title, lesson=lesson)

    def open_lab(self, setup=None, title: str = "", lesson=None) -> LabWindow | None:
        """Open a lab window on ``setup`` (a LabSetup, its dict as a lab lesson holds it, or
        None: ten racers on Rosenbrock). A bad dict is refused in the window's message line
        (returns None)."""
        if isinstance(setup, dict):
            try:
                setup = LabSetup.from_dict(setup)
            except ValueError as error:
                show = getattr(self.window, "show_message", None)
                if show is not None:
                    show(f"Cannot open the lab: {error}", error=True)
                return None
        lab = LabWindow(setup, parent=self.window, title=title, lesson=lesson)   # closes with it
        lab.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        lab.destroyed.connect(lambda _=None, w=lab: self._forget(w))
        self.labs.append(lab)
        lab.show()
        lab.raise_()
        return lab

    def _forget(self, lab) -> None:
        if lab in self.labs:
            self.labs.remove(lab)

    def close_all(self) -> None:
        for lab in list(self.labs):
            lab.close()


def install(window: QMainWindow) -> LabActions:
    """Add the lab to ``window``'s Tools menu (made when missing); returns the actions."""
    return LabActions(window)
