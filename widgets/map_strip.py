"""A layer card's live thumbnails: the first feature maps of the chosen test image at that
layer (or the image itself on the input card), small, in two rows, coloured as the Maps view
colours them (each map over its own largest |value|, white zero). Shown only on cards wide
enough to keep their settings in full; the Output dock's Maps tab is the large view."""
import numpy as np
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground import image_views as iv
from widgets import theme
from widgets.feature_maps import image_pixels
from widgets.filter_grid import DIVERGING_LUT32

SIDE = 26             # px at 100%: one thumbnail
GAP = 3
ROWS = 2
MAX_MAPS = 16


class MapStrip(QWidget):
    """Up to MAX_MAPS thumbnails (RGB32 pixels (n, h, w)) in ROWS rows."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._images: list[QImage] = []
        self._pixels = None                    # kept alive: the QImages point into it
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def count(self) -> int:
        return len(self._images)

    def set_maps(self, maps: np.ndarray | None, what: str = "") -> None:
        """``maps`` (C, H, W) feature maps (None: none to show)."""
        if maps is None or maps.ndim != 3 or maps.shape[1] * maps.shape[2] <= 1:
            self._set_pixels(None)
            return
        shown = maps[:MAX_MAPS]
        self._set_pixels(DIVERGING_LUT32.take(iv.map_indices(shown)))
        self.setToolTip(f"{what}: the first {len(shown)} of {len(maps)} feature maps of the "
                        f"chosen test image (white 0, blue positive, orange negative; each "
                        f"map over its own largest |value|). The Maps tab shows them large."
                        if len(shown) < len(maps) else
                        f"{what}: the {len(maps)} feature maps of the chosen test image "
                        f"(white 0, blue positive, orange negative). The Maps tab shows them "
                        f"large.")

    def set_image(self, image: np.ndarray | None) -> None:
        """``image`` (C, H, W): the chosen test image, on the input card."""
        if image is None:
            self._set_pixels(None)
            return
        self._set_pixels(image_pixels(image))
        self.setToolTip("The chosen test image (choose another in the Maps tab)")

    def _set_pixels(self, pixels: np.ndarray | None) -> None:
        if pixels is None:
            self._pixels, self._images = None, []
        else:
            self._pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
            n, h, w = self._pixels.shape
            self._images = [QImage(self._pixels[i].data, w, h, 4 * w,
                                   QImage.Format.Format_RGB32) for i in range(n)]
        self.updateGeometry()
        self.update()

    def _grid(self) -> tuple[int, int, int]:
        """(rows, columns, side in px): a single image is drawn as tall as the two rows."""
        n, side, gap = len(self._images), theme.px(SIDE), theme.px(GAP)
        if n == 1:
            return 1, 1, ROWS * (side + gap) - gap
        return ROWS, -(-n // ROWS), side

    def sizeHint(self) -> QSize:                            # noqa: N802 (Qt's name)
        if not self._images:
            return QSize(0, 0)
        rows, cols, side = self._grid()
        gap = theme.px(GAP)
        return QSize(cols * (side + gap) - gap, rows * (side + gap) - gap)

    def minimumSizeHint(self) -> QSize:                     # noqa: N802
        return self.sizeHint()

    def paintEvent(self, event) -> None:                    # noqa: N802
        if not self._images:
            return
        painter = QPainter(self)
        rows, cols, side = self._grid()
        gap = theme.px(GAP)
        painter.setPen(QPen(QColor(theme.color("border")), 1))
        for i, image in enumerate(self._images):
            r, c = divmod(i, cols)
            rect = QRect(c * (side + gap), r * (side + gap), side, side)
            painter.drawImage(rect, image)      # nearest-neighbour: no smoothing is set
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()
