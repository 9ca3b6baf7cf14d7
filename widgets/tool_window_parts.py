"""What the tool windows (Compare runs, Search settings) share: a message line, sortable
number cells, the results table, the window's layout and poll timer, and opening a result in the
main window."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QVBoxLayout


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

    def results_table(self, columns: int, tip: str) -> QTableWidget:
        """A sortable, read-only table of results, a row per result, opened by double-click
        (``self.open_selected``)."""
        table = QTableWidget(0, columns)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSortingEnabled(True)
        table.verticalHeader().setVisible(False)
        table.setToolTip(tip)
        table.itemDoubleClicked.connect(lambda item: self.open_selected())
        return table

    def selected_row(self) -> int | None:
        """The table row selected, or None."""
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        return rows[0].row() if rows else None

    def lay_out(self, form, buttons, results, poll_ms: int) -> None:
        """The settings form, the start/cancel row, the message line and the results below,
        and the timer that polls the running work every ``poll_ms`` (``self.timer``)."""
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(results, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self._on_timer_timeout)

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
