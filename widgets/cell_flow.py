"""A layout of equal cells that flows onto as many rows as its width needs: every cell is as
wide as the widest item's size hint (so no item's text is cut), as many cells to a row as fit,
at most ``max_columns``; the cells share the row's spare width. Its height follows its width
(``heightForWidth``), so a narrow panel gets more rows instead of a wider minimum."""
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QLayout


class CellFlowLayout(QLayout):
    """Items in a grid of equal cells whose number of columns follows the layout's width."""

    def __init__(self, parent=None, max_columns: int = 5, spacing: int = 2):
        super().__init__(parent)
        if max_columns < 1:
            raise ValueError(f"max_columns must be at least 1, got {max_columns}")
        self.max_columns = int(max_columns)
        self._items = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    # ---- QLayout's item list ----------------------------------------------------------------
    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # ---- geometry ---------------------------------------------------------------------------
    def _cell(self) -> QSize:
        cell = QSize(0, 0)
        for item in self._items:
            cell = cell.expandedTo(item.sizeHint())
        return cell

    def columns(self, width: int) -> int:
        """How many cells fit a row ``width`` pixels wide (at least one)."""
        cell, gap = self._cell().width(), self.spacing()
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        fit = (inner + gap) // (cell + gap) if cell > 0 else self.max_columns
        return max(1, min(self.max_columns, fit, max(len(self._items), 1)))

    def _rows(self, columns: int) -> int:
        return -(-len(self._items) // columns)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = self._rows(self.columns(width))
        margins = self.contentsMargins()
        return (rows * self._cell().height() + max(rows - 1, 0) * self.spacing()
                + margins.top() + margins.bottom())

    def expandingDirections(self):
        return Qt.Orientation(0)

    def minimumSize(self) -> QSize:
        margins = self.contentsMargins()
        cell = self._cell()
        return QSize(cell.width() + margins.left() + margins.right(),
                     cell.height() + margins.top() + margins.bottom())

    def sizeHint(self) -> QSize:
        cell, gap = self._cell(), self.spacing()
        columns = self.columns(10 ** 6)
        margins = self.contentsMargins()
        return QSize(columns * cell.width() + (columns - 1) * gap + margins.left()
                     + margins.right(), self.heightForWidth(10 ** 6))

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        if not self._items:
            return
        inner = rect.marginsRemoved(self.contentsMargins())
        columns, gap, height = self.columns(rect.width()), self.spacing(), self._cell().height()
        width = max((inner.width() - (columns - 1) * gap) // columns, 1)
        for i, item in enumerate(self._items):
            row, column = divmod(i, columns)
            item.setGeometry(QRect(inner.x() + column * (width + gap),
                                   inner.y() + row * (height + gap), width, height))
