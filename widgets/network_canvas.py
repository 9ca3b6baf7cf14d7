"""The network drawn as columns of neuron maps joined by links; hover to read, click to edit.

Each link's colour is the sign of its weight (blue positive, orange negative) and its thickness
the size, relative to the other weights of its layer now (the footer says each layer's scale).
Hovering a link shows the weight; clicking a link or a neuron's bias square opens a small editor
to type a new value; hovering a hidden neuron asks for its map in the large view.

Painting is layered for speed: a background pixmap holds what changes rarely (links, tile frames,
labels) and is redrawn only when a link's drawn colour or width changes. A frame repaints only the
tiles and the bias squares: it blits every neuron map as a ready-made 32-bit image at its on-screen
size (opaque: nothing under a tile needs painting), the background under the translucent bias
squares alone, and the biases.

Hit-testing, the tooltips and the value editor are ``widgets.network_pointer.CanvasPointer``,
mixed into ``NetworkCanvas``.
"""
import math
import time
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QPainter,
    QPen,
    QPixmap,
    QRegion,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)

from widgets import network_geometry as geo
from widgets import theme
from widgets.network_links import LinkLayer
from widgets.network_pointer import CanvasPointer
from widgets.neuron_tiles import ColumnColours, TileColumn

LINK_FRAME_SECONDS = 0.05     # links are redrawn at most this often (and only when they change)
LINK_SLICE_SECONDS = 0.004    # in slices of this long, between which events are handled
LINK_REST = 3.0               # after a redraw that took t seconds, none for LINK_REST * t
FRAME_COLOR = "#9CA3AF"
NORM_COLOR = "#7C3AED"        # the batch-norm band (a colour no link or tile uses)
NORM_WIDTH = 13               # the band's width, pixels (at zoom 1)
NORM_GAP = 3                  # between the tiles and the band
HINT = "Hover a neuron to see it large \u00b7 click a link or a bias square to edit it"


_WHITE_PEN = QPen(QColor("#FFFFFF"), 1)


@lru_cache(maxsize=512)
def _bias_brush(value: float) -> QBrush:
    """Blue for a positive bias, orange for a negative one, more opaque the larger (|b| >= 1
    is opaque); faint when not finite."""
    color = QColor(theme.POSITIVE if value > 0 else theme.NEGATIVE)
    color.setAlphaF(0.35 + 0.65 * min(abs(value), 1.0) if math.isfinite(value) else 0.2)
    return QBrush(color)


def readable_width(header: QWidget) -> int:
    """The least width at which every label, combo box and spin box of a column header shows
    its text whole (with the chrome its style draws: arrows, frames)."""
    need = geo.MIN_COLUMN_WIDTH // 2
    for label in header.findChildren(QLabel):
        if label.text() and not label.isHidden():
            need = max(need, label.fontMetrics().horizontalAdvance(label.text()) + 4)
    for box in header.findChildren(QComboBox):
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, box)
        chrome = box.width() - field.width()
        need = max(need, box.fontMetrics().horizontalAdvance(box.currentText()) + chrome + 1)
    for box in header.findChildren(QAbstractSpinBox):
        chrome = box.width() - box.lineEdit().width()
        need = max(need, box.fontMetrics().horizontalAdvance(box.text()) + chrome + 1)
    for check in header.findChildren(QCheckBox):
        row = check.sizeHint().width()
        beside = [w for w in header.findChildren(QAbstractSpinBox)
                  if not w.isHidden() and abs(w.y() - check.y()) < check.height()]
        need = max(need, row + sum(w.width() + 2 for w in beside))
    return need


class NetworkCanvas(CanvasPointer, QWidget):
    """Paints the network; the view puts its column header widgets on top of it."""

    neuron_hovered = Signal(object)   # (hidden layer, unit) or None

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setMouseTracking(True)
        # Every pixel is painted from the background pixmap: Qt need not clear behind it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumHeight(geo.HEADER_HEIGHT + 160)
        self._units: list[int] = []
        self._widths: list[float] | None = None
        self._colours: list[ColumnColours] = []
        self._repaint_pending = False
        self._pending = None                 # the snapshot that came while hidden
        self._geometry: geo.Geometry | None = None
        self._headers: list[QWidget] = []
        self._tiles: list[TileColumn] = []
        self._weights: list = []
        self.links = LinkLayer()
        self._background: QPixmap | None = None
        self._back: QPixmap | None = None           # the links being redrawn
        self._back_painter: QPainter | None = None
        self._links_started = self._links_ended = 0.0
        self._background_timer = QTimer(self)
        self._background_timer.setSingleShot(True)
        self._background_timer.timeout.connect(self._on_background_timer_timeout)
        self._hover = None
        self._focus = None
        self._edit_target = None
        self._column_labels: list[list[str]] = []
        self._map_layers: list[int] = []
        self._norms: list[float | None] = []
        self._column_names: list[str] = []
        self._tile_region = QRegion()         # what a frame repaints: tiles and bias squares
        self._bias_region = QRegion()         # of it, what needs the background beneath
        self._bias_rects: list[list[QRectF]] = []
        self.editor = QLineEdit(self)
        self.editor.setFixedWidth(120)
        self.editor.hide()
        self.editor.returnPressed.connect(self._on_editor_return_pressed)
        self.editor.editingFinished.connect(self._on_editor_editing_finished)
        self._refused = False             # the model refused the typed text: keep the editor
        # A new zoom or theme: lay out again once the headers have their new fonts.
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    def _on_theme_look_changed(self, old, new) -> None:
        QTimer.singleShot(0, self, self._relayout)

    @property
    def _links(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per layer, the (k, 2) (row, col) pairs of the drawn links and their (k, S, 2) curves."""
        return self.links.links

    # ---- structure and data ----------------------------------------------------------------
    def set_structure(self, units: list[int], headers: list[QWidget], labels: list[list[str]],
                      widths: list[float] | None = None,
                      colours: list[ColumnColours] | None = None,
                      names: list[str] | None = None, map_layers: list[int] | None = None,
                      norms: list[float | None] | None = None) -> None:
        """Columns of ``units`` neurons, each with a header widget, per-tile labels, a least
        width, how its maps are coloured and a name for tooltips. ``map_layers``: for each
        hidden column, which of the snapshot's hidden layers (``neuron_maps``, the hovered
        neuron's key) it shows (default: one column each); ``norms``: for each hidden column,
        the momentum of the batch norm after it, None where there is none (drawn as a "BN"
        band where its links leave)."""
        self._units = list(units)
        hidden = max(len(units) - 2, 0)
        self._map_layers = list(map_layers) if map_layers is not None else list(range(hidden))
        self._norms = list(norms) if norms is not None else [None] * hidden
        self._widths = widths
        self._headers = headers
        self._column_labels = labels
        self._colours = list(colours) if colours else [ColumnColours()] * len(units)
        self._column_names = list(names) if names else [""] * len(units)
        for header in headers:
            header.setParent(self)
            header.show()
        self._tiles = [TileColumn(c) for c in self._colours]
        self._weights = []
        self.links.clear()
        self._hover = None
        self._relayout()

    def set_snapshot(self, snapshot) -> None:
        """Recolour every tile and link from a snapshot (and the session's input maps); a
        hidden canvas keeps the snapshot for when it shows."""
        if not self.isVisible():
            self._pending = snapshot
            return
        self._pending = None
        if not self._units or self._geometry is None:
            return
        hidden = snapshot.neuron_maps
        columns = ([self.session.data.feature_maps] +
                   [hidden[l] if l < len(hidden) else () for l in self._map_layers] +
                   [snapshot.output_map])
        ratio = self.devicePixelRatioF()
        for c, maps in enumerate(columns[:len(self._units)]):
            if len(maps) == self._units[c]:
                self._tiles[c].set_maps(maps, self._geometry.columns[c].tile, ratio)
        self._weights = self.session.layer_params(snapshot.params)
        self.links.set_weights(self._weights, self._geometry)
        self._redraw_links_when_due()
        # Paint on the next turn of the event loop, on its own: the plots paint in another turn,
        # so input events and timers get in between the two instead of waiting for both.
        if not self._repaint_pending:
            self._repaint_pending = True
            QTimer.singleShot(0, self._repaint_now)

    def _repaint_now(self) -> None:
        self._repaint_pending = False
        if self.isVisible():           # the links are redrawn apart: only the tiles change
            self.repaint(self._tile_region)

    def _frame_regions(self) -> tuple[QRegion, QRegion]:
        """What a frame repaints (every tile and bias square) and, of it, the bias squares with
        their outlines: translucent, they are drawn over the background."""
        tiles, biases = QRegion(), QRegion()
        for col in self._geometry.columns:
            side = math.ceil(col.tile)
            for x, y in col.tiles:
                tiles += QRect(int(x), int(y), side, side)
        for rects in self._bias_rects[1:]:
            for rect in rects:
                biases += rect.adjusted(-2, -2, 2, 2).toAlignedRect()
        return tiles + biases, biases

    def set_focus(self, key) -> None:
        self._focus = key
        self.update()

    # ---- geometry ---------------------------------------------------------------------------
    def geometry_(self) -> geo.Geometry | None:
        return self._geometry

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _label_widths(self) -> list[float]:
        """Pixels each column's tile labels need (drawn in theme.font(0)), 0 where none."""
        metrics = QFontMetrics(theme.font(0))
        return [max((metrics.horizontalAdvance(t) for t in labels), default=0) + 2
                if labels else 0 for labels in
                (self._column_labels + [[]] * len(self._units))[:len(self._units)]]

    def _relayout(self) -> None:
        if not self._units:
            return
        zoom = theme.look().zoom
        least = geo.header_height(zoom) + 160
        height = max(self.parentWidget().height() if self.parentWidget() else self.height(),
                     least)
        for header in self._headers:       # boxes sized to their text in the current font
            fit = getattr(header, "fit_to_font", None)
            if fit is not None:
                fit()
        self._geometry = geo.layout(self._units, height, self._widths, self.width(),
                                    self._label_widths(),
                                    [readable_width(h) for h in self._headers], zoom=zoom)
        self.setMinimumWidth(int(self._geometry.width))
        # Taller than the view only when even the smallest tiles overflow it (then it scrolls);
        # otherwise the tiles shrink with the view, whichever way it is resized.
        self.setMinimumHeight(int(self._geometry.height) if self._geometry.height > height + 1
                              else least)
        for header, col in zip(self._headers, self._geometry.columns):
            header.setGeometry(int(col.x), 4, int(col.width), geo.header_height(zoom) - 8)
        ratio = self.devicePixelRatioF()
        for tiles, col in zip(self._tiles, self._geometry.columns):
            tiles.resize(col.tile, ratio)
        self._bias_rects = [[QRectF(*self._geometry.bias_rect(c, u))
                             for u in range(len(col.tiles))]
                            for c, col in enumerate(self._geometry.columns)]
        self._tile_region, self._bias_region = self._frame_regions()
        self.links.cancel()
        self.links.set_weights(self._weights, self._geometry)
        self._background = None
        self.update()

    # ---- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        g = self._geometry
        if g is None:
            painter.fillRect(self.rect(), QColor(theme.color("panel")))
            return
        background = self._background_layer()
        ratio = background.devicePixelRatio()
        region = event.region()
        if (region - self._tile_region).isEmpty():
            # A frame: each tile covers its square with opaque pixels, so only the bias
            # squares need the background under them.
            region &= self._bias_region
        for rect in region:              # copy only what is repainted (a clipped full-size
            source = QRectF(rect.x() * ratio, rect.y() * ratio,    # blit costs ten times more)
                            rect.width() * ratio, rect.height() * ratio)
            painter.drawPixmap(QRectF(rect), background, source)
        if self._hover and self._hover[0] == "link":
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_hovered_link(painter)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for c, col in enumerate(g.columns):
            self._tiles[c].draw(painter, col.tiles)
            if c > 0 and self._weights and col.tile >= 16:
                self._paint_biases(painter, c)
        self._paint_focus(painter)

    def _background_layer(self) -> QPixmap:
        """White, the links, the tile frames and the labels: drawn here at once only when the
        canvas changed size; otherwise redrawn in slices by ``_continue_links``."""
        ratio = self.devicePixelRatioF()
        size = QSize(int(self.width() * ratio), int(self.height() * ratio))
        if self._background is None or self._background.size() != size:
            self.links.cancel()
            self._background = self._new_background()
            painter = QPainter(self._background)
            self.links.paint(painter)
            self._paint_static(painter)
            painter.end()
            self._links_started = time.perf_counter()
        return self._background

    def _new_background(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(QSize(int(self.width() * ratio), int(self.height() * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QColor(theme.color("panel")))
        return pixmap

    def _redraw_links_when_due(self) -> None:
        """Start redrawing the links in the background when one of them looks different, at
        most every LINK_FRAME_SECONDS (longer for costly networks)."""
        if not self.links.dirty or self.links.drawing or self._background is None or \
                not self.isVisible():
            return
        wait = max(self._links_started + LINK_FRAME_SECONDS,
                   self._links_ended + LINK_REST * self.links.cost) - time.perf_counter()
        if wait > 0:
            if not self._background_timer.isActive():
                self._background_timer.start(max(1, int(wait * 1000) + 1))
            return
        self._links_started = time.perf_counter()
        self._back = self._new_background()
        self._back_painter = QPainter(self._back)
        self.links.start(self._back_painter)
        QTimer.singleShot(0, self._continue_links)

    def _continue_links(self) -> None:
        """Draw links for a few milliseconds; when all are drawn, show them."""
        if not self.links.drawing:          # cancelled: the geometry changed
            if self._back_painter is not None:
                self._back_painter.end()
            self._back = self._back_painter = None
            return
        if not self.links.proceed(LINK_SLICE_SECONDS):
            QTimer.singleShot(0, self._continue_links)
            return
        self._links_ended = time.perf_counter()
        self._paint_static(self._back_painter)
        self._back_painter.end()
        self._background, self._back, self._back_painter = self._back, None, None
        top = geo.header_height(theme.look().zoom)
        self.update(QRect(0, top, self.width(), self.height() - top))
        self._redraw_links_when_due()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending is not None:
            self.set_snapshot(self._pending)

    def hideEvent(self, event) -> None:
        """A hidden canvas draws nothing: drop a redraw in progress (it restarts when shown)."""
        self.links.cancel()
        if self._back_painter is not None:
            self._back_painter.end()
        self._back = self._back_painter = None
        super().hideEvent(event)

    def _on_background_timer_timeout(self) -> None:
        self._redraw_links_when_due()

    def _paint_static(self, painter: QPainter) -> None:
        """Tile frames, input labels and the hint line."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(theme.recolor(FRAME_COLOR)), 1.0))
        for col in self._geometry.columns:
            t = col.tile
            for x, y in col.tiles:
                painter.drawRect(QRectF(x - 1, y - 1, t + 1, t + 1))
        painter.setPen(QColor(theme.color("ink")))
        painter.setFont(theme.font(0))
        for text, rect in self.label_rects():
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             text)
        self._paint_norms(painter)
        painter.setPen(QColor(theme.color("ink")))
        painter.setPen(QColor(theme.color("muted")))
        painter.setFont(theme.font(-1.5))
        for line, text in ((2, self.links.legend()), (1, HINT)):
            row = theme.px(18)
            painter.drawText(QRectF(geo.MARGIN, self.height() - 4 - row * line, self.width(), row),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def norm_rects(self) -> list[tuple[int, QRectF]]:
        """(column, rectangle) of each batch-norm band: a narrow strip just right of the
        column's tiles, where its activations leave for the next layer, as tall as the
        tiles."""
        g, out = self._geometry, []
        if g is None:
            return out
        width = theme.px(NORM_WIDTH)
        for i, momentum in enumerate(self._norms):
            c = i + 1
            if momentum is None or c >= len(g.columns) - 1 or not len(g.columns[c].tiles):
                continue
            col = g.columns[c]
            top = float(col.tiles[:, 1].min())
            bottom = float(col.tiles[:, 1].max()) + col.tile
            out.append((c, QRectF(col.right_edge + NORM_GAP, top, width, bottom - top)))
        return out

    def _paint_norms(self, painter: QPainter) -> None:
        """Each batch-norm band: a filled strip with "BN" written up it."""
        color = QColor(theme.recolor(NORM_COLOR))
        fill = QColor(color)
        fill.setAlphaF(0.18)
        painter.setFont(theme.font(-2, bold=True))
        for _, rect in self.norm_rects():
            painter.setPen(QPen(color, 1.0))
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 3, 3)
            painter.save()
            painter.translate(rect.center())
            painter.rotate(-90)
            painter.drawText(QRectF(-rect.height() / 2, -rect.width() / 2, rect.height(),
                                    rect.width()), Qt.AlignmentFlag.AlignCenter, "BN")
            painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def label_rects(self) -> list[tuple[str, QRectF]]:
        """Each drawn tile label (the input features') and the box it is drawn in, right
        aligned against its tile (labels of tiles under 20 pixels are not drawn)."""
        rects = []
        for c, col in enumerate(self._geometry.columns if self._geometry else ()):
            labels = self._column_labels[c] if c < len(self._column_labels) else []
            if col.tile < 20:
                continue
            for u, (x, y) in enumerate(col.tiles[:len(labels)].tolist()):
                left = max(0.0, col.x - geo.MARGIN)
                rects.append((labels[u], QRectF(left, y, x - geo.LABEL_GAP - left, col.tile)))
        return rects

    def link_legend(self) -> str:
        """What the footer says about link widths: each layer's full-width |w|."""
        return self.links.legend()

    def _paint_hovered_link(self, painter: QPainter) -> None:
        path = self.links.path_of(*self._hover[1:])
        if path is not None:
            width = self.links.pen_for(self._hover[1], self.value_of(self._hover)).widthF() \
                + theme.line(2.5)
            painter.setPen(QPen(QColor(theme.color("ink")), width, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap))
            painter.drawPath(path)

    def _paint_focus(self, painter: QPainter) -> None:
        hovered = self._hover[1:] if self._hover and self._hover[0] == "tile" else None
        focused = None
        if self._focus is not None and self._focus[0] in self._map_layers:
            focused = (self._map_layers.index(self._focus[0]) + 1, self._focus[1])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for key, color, width in ((hovered, theme.color("ink"), theme.line(2.0)),
                                  (focused, theme.ACCENT, theme.line(3.0))):
            if key is None or key[0] >= len(self._geometry.columns):
                continue
            col = self._geometry.columns[key[0]]
            if key[1] < len(col.tiles):
                x, y = col.tiles[key[1]]
                painter.setPen(QPen(QColor(color), width))
                painter.drawRect(QRectF(x - 1, y - 1, col.tile + 1, col.tile + 1))

    def _paint_biases(self, painter: QPainter, c: int) -> None:
        """Column c's bias squares: colour by sign, opacity by size."""
        b = self._weights[c - 1][1]
        rects = self._bias_rects[c]
        painter.setPen(_WHITE_PEN)
        for value, rect in zip(b.tolist(), rects):
            painter.setBrush(_bias_brush(round(value, 2)))
            painter.drawRect(rect)
        if self._hover and self._hover[0] == "bias" and self._hover[1] == c and \
                self._hover[2] < len(rects):
            painter.setPen(QPen(QColor(theme.color("ink")), theme.line(2.0)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rects[self._hover[2]])
