"""Lessons in the main window: the Lessons menu, the lesson panel's dock and File > Save as lesson.

    self.lesson_menu = lesson_menu.install(self)     # in MainWindow, after FileActions

The Lessons menu has one submenu per concept (``playground.lessons.by_concept``: the course's
order), one entry per lesson. An experiment lesson opens like an example, untitled, through the
window's ``FileActions`` (asking about unsaved changes first); a lab lesson opens the optimizer
lab on its race (``widgets.lab_actions``). Whatever document opens, ``FileActions.lesson_changed``
says whether it is a lesson, and the Lesson dock (tabbed with Data and Training, brought to the
front) shows its explanation or goes away: File > Open of a lesson file shows its panel too.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from playground import files, lessons
from widgets import theme
from widgets.lesson_editor import LessonSaver
from widgets.lesson_panel import LessonPanel

#: The lesson column's share of the window's width when a lesson opens, and its most pixels at
#: 100% zoom (it only ever grows: a column the user made wider stays so).
LESSON_SHARE = 0.25
LESSON_WIDTH = 440
LESSON_LEAST = 320
OUTPUT_LEAST = 396


class LessonMenu(QObject):
    """The Lessons menu, the lesson dock and Save as lesson of one main window."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.panel = LessonPanel(window.experiment, window.session)
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("lessonDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable |
                              QDockWidget.DockWidgetFeature.DockWidgetFloatable |
                              QDockWidget.DockWidgetFeature.DockWidgetClosable)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        beside = getattr(window, "data_dock", None)
        if isinstance(beside, QDockWidget):
            window.tabifyDockWidget(beside, self.dock)
        self.dock.hide()
        self.dock.toggleViewAction().setText("Lesson panel")
        self.dock.toggleViewAction().setEnabled(False)
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)

        self.menu = QMenu("&Lessons", window)
        self.menu.setToolTipsVisible(True)
        self.menu.addAction(self.dock.toggleViewAction())
        self.menu.addSeparator()
        self.actions: dict[str, QAction] = {}
        for concept, group in lessons.by_concept():
            sub = self.menu.addMenu(concept)
            sub.setToolTipsVisible(True)
            for lesson in group:
                action = QAction(lesson.title, window)
                action.setData(lesson.name)
                action.setToolTip(lesson.look_at)
                action.setStatusTip(lesson.look_at)
                action.triggered.connect(lambda checked=False, n=lesson.name: self.open(n))
                sub.addAction(action)
                self.actions[lesson.name] = action
        self._insert_menu()

        self.saver = LessonSaver(window, [c for c, _ in lessons.by_concept()])
        self._insert_save_action()
        view = getattr(window, "view_menu", None)
        if isinstance(view, QMenu):
            view.addAction(self.dock.toggleViewAction())
        window.file_actions.lesson_changed.connect(self._on_file_actions_lesson_changed)
        # A new zoom lays the docks out again (the window does it after a turn of the event
        # loop): the lesson's column is widened after that.
        theme.changes.look_changed.connect(self._on_theme_look_changed)
        self._on_file_actions_lesson_changed(window.file_actions.lesson)

    # ---- building ---------------------------------------------------------------------------
    def _insert_menu(self) -> None:
        """After View (before Tools or Help when they are there), else at the end."""
        bar = self.window.menuBar()
        before = next((a for a in bar.actions() if a.menu() is not None and
                       a.text().replace("&", "") in ("Tools", "Help")), None)
        if before is None:
            bar.addMenu(self.menu)
        else:
            bar.insertMenu(before, self.menu)

    def _insert_save_action(self) -> None:
        actions = self.window.file_actions
        menu = actions.menu
        items = menu.actions()
        after = getattr(actions, "save_as_action", None)
        if after in items and items.index(after) + 1 < len(items):
            menu.insertAction(items[items.index(after) + 1], self.saver.action)
        else:
            menu.addAction(self.saver.action)

    # ---- intent -----------------------------------------------------------------------------
    def open(self, name: str) -> bool:
        """Open lesson ``name``: an experiment lesson in this window (after asking about unsaved
        changes), a lab lesson in a lab window."""
        lesson = lessons.LESSONS_BY_NAME[name]
        if lesson.is_lab:
            return self._lab_actions().open_lesson(lesson) is not None
        actions = self.window.file_actions
        if not actions.maybe_save():
            return False
        try:
            doc = lessons.load(name)
        except (files.FileFormatError, KeyError, ValueError) as error:
            actions.show_error("Cannot open the lesson", str(error))
            return False
        return actions.open_document(doc, None, f"{lesson.title} (lesson)")

    def _lab_actions(self):
        """The window's optimizer-lab actions (installed here when the window has none)."""
        existing = getattr(self.window, "lab_actions", None)
        if existing is None:
            from widgets import lab_actions
            existing = self.window.lab_actions = lab_actions.install(self.window)
        return existing

    # ---- model -> view ----------------------------------------------------------------------
    def _on_file_actions_lesson_changed(self, lesson) -> None:
        self.panel.set_lesson(lesson)
        self.dock.toggleViewAction().setEnabled(lesson is not None)
        if lesson is None:
            self.dock.hide()
            return
        self.dock.show()
        self._bring_to_front()
        # (a dock tabbed in while the window is not shown yet is raised once it is)
        QTimer.singleShot(0, self, self._bring_to_front)

    def _bring_to_front(self) -> None:
        # QWidget.raise_ does nothing to a widget already last among its siblings, and a dock
        # is raised in its tab group only when it moves there: lower it first.
        if self.panel.lesson is not None and not self.dock.isHidden():
            self.dock.lower()
            self.dock.raise_()
            # after the window has laid its docks out (its first show proportions them)
            QTimer.singleShot(0, self, self._widen)

    def _widen(self) -> None:
        """Give the lesson's column LESSON_SHARE of the window (at most LESSON_WIDTH at 100%):
        from the centre as far as the network keeps its least width, then from the output
        column down to OUTPUT_LEAST; from the centre in any case up to LESSON_LEAST."""
        w = self.window
        if not w.isVisible() or self.dock.isFloating():
            return
        need = min(int(LESSON_SHARE * w.width()), theme.px(LESSON_WIDTH)) - self.dock.width()
        if need <= 0:
            return
        output = getattr(w, "output_dock", None)
        output = output if isinstance(output, QDockWidget) and output.isVisible() and \
            not output.isFloating() else None
        canvas = getattr(getattr(w, "network_view", None), "canvas", None)
        least = canvas.minimumWidth() + 24 if canvas is not None else 0
        centre = w.width() - self.dock.width() - (output.width() if output else 0)
        # The lesson keeps LESSON_LEAST even where the network then scrolls sideways.
        from_centre = max(0, min(need, max(centre - least,
                                           theme.px(LESSON_LEAST) - self.dock.width())))
        if output is None:
            w.resizeDocks([self.dock], [self.dock.width() + from_centre],
                          Qt.Orientation.Horizontal)
            return
        from_output = max(0, min(need - from_centre, output.width() - theme.px(OUTPUT_LEAST)))
        # (narrow the output first, so that the centre keeps its width)
        width = self.dock.width() + from_centre + from_output
        if from_output:
            w.resizeDocks([output], [output.width() - from_output], Qt.Orientation.Horizontal)
        w.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)

    def _on_theme_look_changed(self, old, new) -> None:
        if old.zoom != new.zoom and self.panel.lesson is not None:
            QTimer.singleShot(0, self, lambda: QTimer.singleShot(0, self, self._widen))

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        # A remembered layout may bring the dock back with no lesson open: nothing to show.
        if visible and self.panel.lesson is None:
            QTimer.singleShot(0, self.dock, self.dock.hide)


def install(window: QMainWindow) -> LessonMenu:
    """Add the Lessons menu, the lesson dock and File > Save as lesson to ``window`` (which has
    ``experiment``, ``session`` and ``file_actions``); returns them."""
    return LessonMenu(window)
