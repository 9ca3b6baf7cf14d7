"""A gallery of misclassified test images: each thumbnail captioned "true \u2192 predicted (p%)".

``MisclassifiedGallery.set_items(images, true, predicted, confidence, class_names)`` shows the
items in the order given (``playground.image_views.misclassified`` orders them, the most
confident mistake first); clicking one emits ``sample_chosen(index)``, the item's index into the
test set when ``indices`` were given, else its position.
"""
import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from playground import image_views as iv
from widgets import theme
from widgets.tile_pointer import TilePointer
from widgets.feature_maps import image_pixels

THUMB = 72          # px at 100%
CELL_WIDTH = 132    # px at 100%: room for "triangle \u2192 square (87%)" in two lines
MAX_ITEMS = 120     # more would not help anyone; the count says how many there are


class GalleryGrid(TilePointer, QWidget):
    """The thumbnails, wrapping by width; its height follows the number of rows."""

    item_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._images: list[QImage] = []
        self._buffers: list[np.ndarray] = []
        self._lines: list[tuple[str, str]] = []
        self._colors: list[tuple[QColor, QColor]] = []
        self._tips: list[str] = []
        self._selected = -1
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    def set_items(self, pixels: np.ndarray, lines: list, colors: list, tips: list) -> None:
        """Thumbnails of RGB32 pixels (n, h, w), two caption lines, (true, predicted) class
        colours and a tooltip each."""
        self._buffers = np.ascontiguousarray(pixels, dtype=np.uint32)
        n, h, w = self._buffers.shape
        self._images = [QImage(self._buffers[i].data, w, h, 4 * w, QImage.Format.Format_RGB32)
                        for i in range(n)]
        self._lines, self._colors, self._tips = lines, colors, tips
        self._selected = -1
        self._fit()
        self.update()

    def set_selected(self, i: int) -> None:
        self._selected = i
        self.update()

    def count(self) -> int:
        return len(self._images)

    def _cell(self) -> tuple[int, int, int]:
        fm = QFontMetrics(theme.font(-1))
        cols = max(1, self.width() // theme.px(CELL_WIDTH))
        width = max(theme.px(CELL_WIDTH), self.width() // cols)
        height = theme.px(THUMB) + 2 * fm.height() + theme.px(12)
        return width, height, cols

    def _fit(self) -> None:
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        fm = QFontMetrics(theme.font(-1))
        cols = max(1, width // theme.px(CELL_WIDTH))
        height = theme.px(THUMB) + 2 * fm.height() + theme.px(12)
        return -(-len(self._images) // cols) * height

    def item_rect(self, i: int) -> QRect:
        """The thumbnail of item i, in this widget's coordinates."""
        width, height, cols = self._cell()
        r, c = divmod(i, cols)
        side = theme.px(THUMB)
        return QRect(c * width + (width - side) // 2, r * height + theme.px(4), side, side)

    def sizeHint(self) -> QSize:
        width = max(self.width(), theme.px(CELL_WIDTH) * 3)
        return QSize(width, self.heightForWidth(width))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        font = theme.font(-1)
        painter.setFont(font)
        fm = QFontMetrics(font)
        width, height, cols = self._cell()
        visible = event.rect()
        for i, image in enumerate(self._images):
            rect = self.item_rect(i)
            cell = QRect(rect.left() - (width - rect.width()) // 2, rect.top(), width, height)
            if not cell.intersects(visible):
                continue
            painter.drawImage(QRectF(rect), image)
            true_c, pred_c = self._colors[i]
            # a stripe in each class's colour: the true class left, the predicted right
            stripe = max(3, theme.px(4))
            half = rect.width() // 2
            painter.fillRect(QRect(rect.left(), rect.bottom() + 1, half, stripe), true_c)
            painter.fillRect(QRect(rect.left() + half, rect.bottom() + 1,
                                   rect.width() - half, stripe), pred_c)
            pen = QPen(QColor(theme.color("accent" if i == self._selected else "border")))
            pen.setWidth(max(2, theme.px(3)) if i == self._selected else 1)
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(-1, -1, 0, 0))
            painter.setPen(QColor(theme.color("ink")))
            y = rect.bottom() + stripe + theme.px(3)
            for line in self._lines[i]:
                text = fm.elidedText(line, Qt.TextElideMode.ElideRight, width - theme.px(4))
                painter.drawText(QRect(cell.left(), y, width, fm.height()),
                                 Qt.AlignmentFlag.AlignHCenter, text)
                y += fm.height()
        painter.end()

    # ---- pointer (tile_pointer.TilePointer) ------------------------------------------------
    def _tile_rects(self):
        return (self.item_rect(i) for i in range(len(self._images)))

    def _tile_tip(self, i: int) -> str:
        return self._tips[i]

    def _on_tile_pressed(self, i: int) -> None:
        self.set_selected(i)
        self.item_clicked.emit(i)

    def _on_theme_look_changed(self, old, new) -> None:
        self._fit()
        self.update()


class MisclassifiedGallery(QWidget):
    """Thumbnails of the misclassified test images; click one to study it."""

    sample_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._indices = np.zeros(0, dtype=np.int64)
        self._captions: list[str] = []
        self._key = None
        self._chosen = -1          # the test image last clicked: stays outlined while listed
        self.title = QLabel("Mistakes")
        self.title.setProperty("role", "section")
        self.summary = QLabel("No test images classified yet")
        self.summary.setProperty("role", "hint")
        self.summary.setWordWrap(True)
        self.grid = GalleryGrid()
        self.grid.item_clicked.connect(self._on_grid_item_clicked)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(6), theme.px(4), theme.px(6), theme.px(4))
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll, 1)

    def set_items(self, images, true, predicted, confidence, class_names, indices=None,
                  total: int | None = None, value_range=None) -> None:
        """Show mistakes: images (n, C, H, W), true and predicted (n,) class indices,
        confidence (n,) the predicted class's probability; ``indices`` (n,) their places in
        the test set (what ``sample_chosen`` emits); ``total``: how many test images there
        are (for the summary); ``value_range``: the data's (lo, hi)."""
        images = np.asarray(images)
        true, predicted = np.asarray(true).ravel(), np.asarray(predicted).ravel()
        confidence = np.asarray(confidence, dtype=np.float64).ravel()
        n = len(images)
        if images.ndim != 4 or not (len(true) == len(predicted) == len(confidence) == n):
            raise ValueError(f"images (n, C, H, W), true, predicted and confidence (n,) must "
                             f"agree, got {images.shape}, {true.shape}, {predicted.shape}, "
                             f"{confidence.shape}")
        names = [str(c) for c in class_names]
        indices = (np.arange(n) if indices is None else np.asarray(indices)).astype(np.int64)
        # The same mistakes, as sure to the percent, as last time: nothing to redraw.
        key = (indices.tobytes(), true.tobytes(), predicted.tobytes(),
               np.rint(100 * confidence).tobytes(), tuple(names), total, images.shape,
               float(images[:MAX_ITEMS].sum(dtype=np.float64)), value_range)
        if key == self._key:
            return
        self._key = key
        self._indices = indices
        if value_range is None and n:
            value_range = (min(0.0, float(images.min())), float(images.max()))
        shown = min(n, MAX_ITEMS)
        lines, colors, tips, self._captions = [], [], [], []
        if shown == 0:
            pixels = np.zeros((0, 1, 1), dtype=np.uint32)
        elif images.shape[1] == 3:
            pixels = np.concatenate([image_pixels(images[i], value_range) for i in range(shown)])
        else:
            pixels = image_pixels(images[:shown].mean(axis=1), value_range, stacked=True)
        for i in range(shown):
            t, p, conf = int(true[i]), int(predicted[i]), float(confidence[i])
            lines.append((f"{names[t]} \u2192 {names[p]}", f"({100.0 * conf:.0f}%)"))
            self._captions.append(iv.caption(names[t], names[p], conf))
            colors.append((theme.class_color(t), theme.class_color(p)))
            tips.append(f"Test image {self._indices[i]}: a {names[t]}, taken for a {names[p]} "
                        f"with probability {100.0 * conf:.1f}%\nClick to see its feature maps")
        self.grid.set_items(pixels, lines, colors, tips)
        still = np.flatnonzero(indices[:shown] == self._chosen)
        self.grid.set_selected(int(still[0]) if still.size else -1)
        of = f" of {total} test images" if total is not None else ""
        if n == 0:
            self.summary.setText(f"No mistakes{of}" if total else "No mistakes")
        else:
            more = f" (the {shown} most confident shown)" if shown < n else ""
            self.summary.setText(f"{n} misclassified{of}, the most confident first{more}. "
                                 f"Stripe: true class colour | predicted class colour")

    def caption(self, i: int) -> str:
        """Item i's caption, "true \u2192 predicted (p%)"."""
        return self._captions[i]

    def count(self) -> int:
        """How many thumbnails are shown."""
        return self.grid.count()

    def _on_grid_item_clicked(self, i: int) -> None:
        self._chosen = int(self._indices[i])
        self.sample_chosen.emit(self._chosen)
