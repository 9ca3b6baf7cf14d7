"""What the tool windows (Compare runs, Search settings) share: a message line, sortable
number cells, and opening a result in the main window."""
from __future__ import annotations

from PySide6.QtWidgets import QTableWidgetItem


class NumberItem(QTableWidgetItem):
    """A table cell that sorts by its number (empty cells last)."""

    def __init__(self, value):
        text = "" if value is None else (f"{value:.4g}" if isinstance(value, float) else
                                         str(value))
        super().__init__(text)
        self.value = value

    def __lt__(self, other):
        a, b = self.value, getattr(other, "value", None)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        if a is None or b is None:
            return b is None and a is not None
        return str(a) < str(b)


class ToolWindowParts:
    """Mixed into a tool window that has ``self.message`` (a QLabel) and ``self.main_window``."""

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "hint")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def open_in_main_window(self, doc) -> bool:
        """Open ``doc`` (fresh weights) in the main window, after asking about unsaved work."""
        actions = self.main_window.file_actions
        if not actions.maybe_save():
            return False
        return actions.open_document(doc, None, doc.meta["title"])
