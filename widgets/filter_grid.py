"""A conv layer's filters as a grid of small pictures, and the tile mosaic the image views share.

``FilterGridView.set_filters(W)`` shows filters W (O, C, k, k): one tile per filter, for a layer
with several input channels the chosen channel (``set_channel``). Each filter is scaled by its own
largest |weight| (``playground.image_views.normalise_filters``) on a diverging map: orange
negative, white zero, blue positive. A colour bar under the grid gives the range. Called at
frame rate with filters of the same shape, it recolours the pixels in place.

``TileMosaic`` draws n RGB32 tiles with a label over each, as large as its room allows (or at a
fixed size, wrapping, for rows of feature maps); ``tile_clicked(i)`` when one is clicked.
"""
import numpy as np
from PySide6.QtCore import QRect, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from playground import image_views as iv
from playground import palette
from widgets import theme
from widgets.tile_pointer import TilePointer


def _diverging_lut32() -> np.ndarray:
    """(DIVERGING_STEPS,) RGB32: orange -> near white (exactly at MID_INDEX) -> blue, linear."""
    low, mid, high = (np.array(QColor(c).getRgb()[:3], dtype=np.float64) for c in palette.STRONG)
    t = np.linspace(-1.0, 1.0, iv.DIVERGING_STEPS)[:, None]
    rgb = np.where(t < 0, mid + (low - mid) * -t, mid + (high - mid) * t)
    return theme.lut32(np.round(rgb).astype(np.uint8))


#: Filters and feature maps: index iv.MID_INDEX (value 0) is the middle colour.
DIVERGING_LUT32 = _diverging_lut32()
#: Images: level 0 (background) white, level 255 (full ink) near black, as on paper.
GRAY_LUT32 = theme.lut32(np.repeat(np.linspace(255, 24, 256).round().astype(np.uint8)[:, None],
                                   3, axis=1))
GAP = 6              # px between tiles at 100%
MAX_TILE = 180       # px: one or two filters do not fill a whole panel


class TileMosaic(TilePointer, QWidget):
    """Tiles (n, h, w) of RGB32 pixels drawn with nearest-neighbour scaling, a label over each.

    Fit mode (``side=None``): tiles as large as the widget allows. Fixed mode: tiles ``side``
    pixels wide, wrapping into as many rows as the width needs (the height follows).
    """

    tile_clicked = Signal(int)

    def __init__(self, side: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._side = side
        self._pixels = np.zeros((0, 1, 1), dtype=np.uint32)
        self._image: QImage | None = None
        self._labels: list[str] = []
        self._short: list[str] | None = None
        self._tips: list[str] = []
        self._rects: list[QRect] = []
        self._selected = -1
        self.setMouseTracking(False)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
                             if side is None else QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(side is not None)
        self.setSizePolicy(policy)
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    # ---- data in ---------------------------------------------------------------------------
    def set_tiles(self, pixels: np.ndarray, labels=None, tips=None, short_labels=None) -> None:
        """Show RGB32 tiles (n, h, w) uint32 with a label (and a tooltip) per tile;
        ``short_labels`` are drawn instead where a label is wider than its tile. Tiles of the
        shape already shown are copied into the same buffer (no new image)."""
        self._short = list(short_labels) if short_labels is not None else None
        pixels = np.asarray(pixels, dtype=np.uint32)
        if pixels.shape != self._pixels.shape:
            n, h, w = pixels.shape
            self._pixels = np.zeros(pixels.shape, dtype=np.uint32)
            self._image = (QImage(self._pixels.data, w, n * h, 4 * w, QImage.Format.Format_RGB32)
                           if n else None)
            np.copyto(self._pixels, pixels)
            self._labels = list(labels or [""] * n)
            self._tips = list(tips or [""] * n)
            self._layout()
            self.updateGeometry()
        else:
            np.copyto(self._pixels, pixels)
            self._labels = list(labels or self._labels)
            self._tips = list(tips or self._tips)
        self.update()

    def set_side(self, side: int) -> None:
        """Fixed-size tiles ``side`` px wide (fixed mode)."""
        if side != self._side:
            self._side = side
            self._layout()
            self.updateGeometry()
            self.update()

    def set_selected(self, index: int) -> None:
        """Outline tile ``index`` (-1: none)."""
        self._selected = index
        self.update()

    def count(self) -> int:
        return len(self._pixels)

    def tile_rect(self, index: int) -> QRect:
        """Where tile ``index``'s picture is drawn, in this widget's coordinates."""
        return QRect(self._rects[index])

    def shown_labels(self) -> list[str]:
        """The labels as drawn: the short ones where a long one is wider than its tile."""
        if self._short is not None and self._rects:
            room = self._rects[0].width() + theme.px(GAP)
            fm = QFontMetrics(theme.font(-1))
            if max(fm.horizontalAdvance(t) for t in self._labels) > room:
                return list(self._short)
        return list(self._labels)

    # ---- layout and painting ---------------------------------------------------------------
    def _label_height(self) -> int:
        return QFontMetrics(theme.font(-1)).height() if any(self._labels) else 0

    def _layout(self) -> None:
        n = len(self._pixels)
        self._rects = []
        if n == 0:
            return
        h, w = self._pixels.shape[1:]
        aspect = h / w
        gap, label_h = theme.px(GAP), self._label_height()
        if self._side is None:
            rows, cols, side = iv.grid_shape(n, self.width(), self.height(), aspect, label_h, gap)
            side = int(min(side, theme.px(MAX_TILE)))
        else:
            side = theme.px(self._side)
            cols = max(1, (self.width() + gap) // (side + gap))
            rows = -(-n // cols)
        side = max(side, 1)
        tile_h = max(1, round(side * aspect))
        used_w = cols * side + (cols - 1) * gap
        used_h = rows * (tile_h + label_h + gap) - gap
        x0 = max(0, (self.width() - used_w) // 2) if self._side is None else 0
        y0 = max(0, (self.height() - used_h) // 2) if self._side is None else 0
        for i in range(n):
            r, c = divmod(i, cols)
            x = x0 + c * (side + gap)
            y = y0 + r * (tile_h + label_h + gap) + label_h
            self._rects.append(QRect(x, y, side, tile_h))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._layout()

    def hasHeightForWidth(self) -> bool:
        return self._side is not None

    def heightForWidth(self, width: int) -> int:
        """Fixed mode: the height that ``width`` needs for all the tiles."""
        n = len(self._pixels)
        if self._side is None or n == 0:
            return super().heightForWidth(width)
        h, w = self._pixels.shape[1:]
        gap, side = theme.px(GAP), theme.px(self._side)
        cols = max(1, (width + gap) // (side + gap))
        return -(-n // cols) * (round(side * h / w) + self._label_height() + gap)

    def sizeHint(self) -> QSize:
        if self._side is not None:
            width = max(self.width(), theme.px(240))
            return QSize(width, self.heightForWidth(width))
        return QSize(theme.px(240), theme.px(160))

    def minimumSizeHint(self) -> QSize:
        return QSize(theme.px(60), theme.px(40))

    def paintEvent(self, event) -> None:
        if self._image is None:
            return
        painter = QPainter(self)
        h, w = self._pixels.shape[1:]
        painter.setFont(theme.font(-1))
        ink = QColor(theme.color("ink2"))
        frame = QPen(QColor(theme.color("border")))
        frame.setWidth(1)
        label_h = self._label_height()
        labels = self.shown_labels()
        for i, rect in enumerate(self._rects):
            painter.drawImage(QRectF(rect), self._image, QRectF(0, i * h, w, h))
            painter.setPen(frame)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            if label_h:
                painter.setPen(ink)
                box = QRect(rect.left() - theme.px(GAP) // 2, rect.top() - label_h,
                            rect.width() + theme.px(GAP), label_h)
                text = QFontMetrics(painter.font()).elidedText(
                    labels[i], Qt.TextElideMode.ElideRight, box.width())
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        if 0 <= self._selected < len(self._rects):
            pen = QPen(QColor(theme.color("accent")))
            pen.setWidth(max(2, theme.px(3)))
            painter.setPen(pen)
            painter.drawRect(self._rects[self._selected].adjusted(-2, -2, 1, 1))
        painter.end()

    # ---- pointer (tile_pointer.TilePointer) ------------------------------------------------
    def _tile_rects(self) -> list[QRect]:
        return self._rects

    def _tile_tip(self, i: int) -> str:
        return self._tips[i]

    def _on_tile_pressed(self, i: int) -> None:
        self.tile_clicked.emit(i)

    def _on_theme_look_changed(self, old, new) -> None:
        self._layout()
        self.update()


class DivergingBar(QWidget):
    """A horizontal colour bar of the diverging map with its end values and 0 under it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._ends = ("\u22121", "0", "+1")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        theme.changes.look_changed.connect(self._on_theme_look_changed)
        self._fit()

    def set_ends(self, low: str, high: str) -> None:
        self._ends = (low, "0", high)
        self.update()

    def ends(self) -> tuple[str, str, str]:
        return self._ends

    def _fit(self) -> None:
        self.setFixedHeight(theme.px(12) + QFontMetrics(theme.font(-1)).height() + theme.px(4))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        width = min(self.width(), theme.px(320))
        x0 = (self.width() - width) // 2
        bar = QRect(x0, 0, width, theme.px(12))
        gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
        for pos, c in zip((0.0, 0.5, 1.0), palette.STRONG):
            gradient.setColorAt(pos, QColor(c))
        painter.fillRect(bar, gradient)
        painter.setPen(QColor(theme.color("border")))
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        painter.setPen(QColor(theme.color("ink2")))
        painter.setFont(theme.font(-1))
        text = QRect(x0, bar.bottom() + theme.px(2), width, self.height() - bar.height())
        low, mid, high = self._ends
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, low)
        painter.drawText(text, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, mid)
        painter.drawText(text, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, high)
        painter.end()

    def _on_theme_look_changed(self, old, new) -> None:
        self._fit()
        self.update()


class FilterGridView(QWidget):
    """A conv layer's filters (O, C, k, k) as a grid of k x k pictures, one per filter.

    ``set_filters(W, title="conv 1")`` at any rate; ``set_channel(c)`` (or the spin box, shown
    when C > 1) chooses the input channel a deeper layer's filters are shown for;
    ``channel_changed(c)`` when it changes.
    """

    channel_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._weights: np.ndarray | None = None
        self._peaks = np.zeros(0)
        self.title = QLabel("Filters")
        self.title.setProperty("role", "section")
        self.channel_label = QLabel("input channel")
        self.channel_label.setProperty("role", "hint")
        self.channel = QSpinBox()
        self.channel.setRange(1, 1)
        self.channel.setToolTip("Filters of a deeper layer have one k\u00d7k picture per input "
                                "channel: choose which channel's pictures to show")
        self.channel.valueChanged.connect(self._on_channel_value_changed)
        self.mosaic = TileMosaic()
        self.bar = DivergingBar()
        self.legend = QLabel("")
        self.legend.setProperty("role", "hint")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.legend.setWordWrap(True)
        self.empty = QLabel("No filters yet: add a conv layer to the network")
        self.empty.setProperty("role", "hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.channel_label)
        header.addWidget(self.channel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(6), theme.px(4), theme.px(6), theme.px(4))
        layout.addLayout(header)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.mosaic, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.legend)
        self._show_empty(True)

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        for w in (self.mosaic, self.bar, self.legend):
            w.setVisible(not empty)
        self.channel_label.setVisible(False if empty else self.channel.maximum() > 1)
        self.channel.setVisible(self.channel_label.isVisibleTo(self))

    def set_filters(self, weights: np.ndarray, title: str = "Filters") -> None:
        """Show filters ``weights`` (O, C, k, k) (a copy is kept; the caller may reuse its
        array)."""
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 4 or w.shape[0] == 0:
            raise ValueError(f"filters must be a non-empty (O, C, k, k) array, got shape "
                             f"{w.shape}")
        self._weights = w.copy()
        self._peaks = iv.filter_peaks(w)
        self.title.setText(title)
        channels = w.shape[1]
        if self.channel.maximum() != channels:
            with QSignalBlocker(self.channel):
                self.channel.setRange(1, channels)
        self._show_empty(False)
        self._draw()

    def set_channel(self, channel: int) -> None:
        """Show the filters' pictures for input channel ``channel`` (0-based)."""
        self.channel.setValue(channel + 1)

    def current_channel(self) -> int:
        return self.channel.value() - 1

    def clear(self) -> None:
        self._weights = None
        self._show_empty(True)

    def _on_channel_value_changed(self, value: int) -> None:
        if self._weights is not None:
            self._draw()
        self.channel_changed.emit(value - 1)

    def _draw(self) -> None:
        w = self._weights
        o, c, kh, kw = w.shape
        ch = min(self.current_channel(), c - 1)
        index = iv.diverging_indices(iv.normalise_filters(w)[:, ch])
        pixels = DIVERGING_LUT32.take(index)
        # Each filter's own peak beside its number, where every label has the room.
        labels = [f"{i + 1}  \u00b1{p:.2g}" for i, p in enumerate(self._peaks)]
        where = f", input channel {ch + 1}" if c > 1 else ""
        tips = [f"Filter {i + 1}{where}: {kh}\u00d7{kw} weights, orange \u2212{p:.3g} "
                f"\u2192 white 0 \u2192 blue +{p:.3g}" for i, p in enumerate(self._peaks)]
        self.mosaic.set_tiles(pixels, labels, tips, [f"{i + 1}" for i in range(o)])
        peak = float(self._peaks.max(initial=0.0))
        self.bar.set_ends("\u2212 largest |w|", "+ largest |w|")
        self.legend.setText(f"{o} filters {kh}\u00d7{kw}{where}; each scaled to its own "
                            f"largest |w| (largest of all {peak:.3g})")
