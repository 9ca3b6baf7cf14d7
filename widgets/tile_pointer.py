"""The pointer of a widget that paints its own tiles (the filter mosaics, the misclassified
gallery): which tile is under the mouse, a left click on one, and each tile's tooltip."""
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QToolTip


class TilePointer:
    """Mixed into a QWidget (before it) that paints tiles itself: a left click on a tile, and
    each tile's tooltip. The widget gives ``_tile_rects()`` (where each tile is drawn, in order),
    ``_tile_tip(i)`` (tile i's tooltip, "" for none) and ``_on_tile_pressed(i)``."""

    def _tile_at(self, pos: QPoint) -> int:
        """The index of the tile at ``pos``; -1 where there is none."""
        for i, rect in enumerate(self._tile_rects()):
            if rect.contains(pos):
                return i
        return -1

    def mousePressEvent(self, event) -> None:   # noqa: N802 (Qt's name)
        i = self._tile_at(event.position().toPoint())
        if i >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self._on_tile_pressed(i)
        super().mousePressEvent(event)

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            i = self._tile_at(event.pos())
            tip = self._tile_tip(i) if i >= 0 else ""
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
