"""The Tools menu: the windows that work on the open experiment from outside it (compare runs,
search settings). Each tool window is made on first use and kept."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu


def tools_menu(window) -> QMenu:
    """The window's Tools menu (made when missing), so every tool adds itself to one menu."""
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == "Tools":
            return action.menu()
    return window.menuBar().addMenu("&Tools")


class ToolWindows(QObject):
    """Tools > Compare runs... and Tools > Search settings... They close (stopping their
    worker processes) when the main window closes."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.compare_window = None
        self.search_window = None
        menu = tools_menu(window)
        self.compare_action = QAction("&Compare runs...", window)
        self.compare_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.compare_action.setToolTip("Train variants of this experiment side by side and "
                                       "overlay their curves")
        self.compare_action.triggered.connect(self.show_compare)
        menu.addAction(self.compare_action)
        self.search_action = QAction("&Search settings...", window)
        self.search_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.search_action.setToolTip("Let Optuna search the settings that train this "
                                      "experiment best")
        self.search_action.triggered.connect(self.show_search)
        menu.addAction(self.search_action)
        window.installEventFilter(self)

    def show_compare(self):
        from widgets.compare_window import CompareWindow
        if self.compare_window is None:
            self.compare_window = CompareWindow(self.window, self.window)
        self.compare_window.show()
        self.compare_window.raise_()
        return self.compare_window

    def show_search(self):
        from widgets.search_window import SearchWindow
        if self.search_window is None:
            self.search_window = SearchWindow(self.window, self.window)
        self.search_window.show()
        self.search_window.raise_()
        return self.search_window

    def close_all(self) -> None:
        """Close the tool windows (stopping what they run)."""
        for w in (self.compare_window, self.search_window):
            if w is not None:
                w.close()

    def eventFilter(self, watched, event) -> bool:
        # other filters may still refuse the close (unsaved changes): look once it is decided
        if watched is self.window and event.type() == QEvent.Type.Close:
            QTimer.singleShot(0, self._after_close)
        return False

    def _after_close(self) -> None:
        if not self.window.isVisible():
            self.close_all()


def install(window) -> ToolWindows:
    window.tool_windows = ToolWindows(window)
    return window.tool_windows
