"""The network drawn as columns of neuron maps joined by links; hover to read, click to edit.

Each link's colour is the sign of its weight (blue positive, orange negative) and its thickness
the size. Hovering a link shows the weight; clicking a link or a neuron's bias square opens a small
editor to type a new value; hovering a hidden neuron asks for its map in the large view.
"""
import time
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QColor, QDoubleValidator, QImage, QPainter, QPainterPath, QPen,
                           QPixmap)
from PySide6.QtWidgets import QLineEdit, QToolTip, QWidget

from widgets import network_geometry as geo
from widgets import theme

HOVER_DISTANCE = 5.0
LINK_FRAME_SECONDS = 0.05
_WHITE = np.array([255.0, 255.0, 255.0])
_POSITIVE = np.array(QColor(theme.POSITIVE).getRgb()[:3], dtype=float)
_NEGATIVE = np.array(QColor(theme.NEGATIVE).getRgb()[:3], dtype=float)
HINT = "Hover a neuron to see it large \u00b7 click a link or a bias square to edit it"


def map_images(maps: np.ndarray, scale: float | None = None) -> tuple[list[QImage], np.ndarray]:
    """QImages (y up) of maps (n, M, M) coloured by the diverging map over [-scale, scale].

    Returns the images and the pixel buffer they point into (keep both alive together).
    """
    if scale is None:
        scale = max(1.0, float(np.max(np.abs(maps))) if maps.size else 1.0)
    index = np.clip((maps / scale + 1.0) * 127.5, 0, 255).astype(np.uint8)
    rgb = np.ascontiguousarray(theme.TILE_LUT[index][:, ::-1, :, :])
    n, m = rgb.shape[0], rgb.shape[1]
    images = [QImage(rgb[k].data, m, m, 3 * m, QImage.Format.Format_RGB888) for k in range(n)]
    return images, rgb


def _link_path(start, end) -> QPainterPath:
    (x0, y0), (x1, y1) = start, end
    mx = (x0 + x1) / 2
    path = QPainterPath(QPointF(x0, y0))
    path.cubicTo(QPointF(mx, y0), QPointF(mx, y1), QPointF(x1, y1))
    return path


@lru_cache(maxsize=512)
def _pen(sign: int, level: int) -> QPen:
    """Opaque pen (pre-mixed with the white background: opaque strokes paint twice as fast)."""
    strength = 0.3 + 0.7 * level / 16
    rgb = _WHITE + ((_POSITIVE if sign > 0 else _NEGATIVE) - _WHITE) * strength
    color = QColor(*(int(v) for v in rgb))
    width = 0.6 + 6.0 * level / 16
    return QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)


def _link_pen(w: float) -> QPen:
    """Colour by sign, strength and width by size (|w| >= 2 is full), in 17 steps."""
    if not np.isfinite(w):
        return _pen(1, 0)
    return _pen(1 if w > 0 else -1, int(round(min(abs(w) / 2.0, 1.0) * 16)))


class NetworkCanvas(QWidget):
    """Paints the network; the view puts its column header widgets on top of it."""

    neuron_hovered = Signal(object)   # (hidden layer, unit) or None

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setMouseTracking(True)
        self.setMinimumHeight(geo.HEADER_HEIGHT + 160)
        self._units: list[int] = []
        self._widths: list[float] | None = None
        self._repaint_pending = False
        self._geometry: geo.Geometry | None = None
        self._headers: list[QWidget] = []
        self._images: list[list[QImage]] = []
        self._buffers: list[np.ndarray] = []
        self._weights: list = []
        self._links: list[tuple[np.ndarray, np.ndarray]] = []
        self._paths: list[list[QPainterPath]] = []
        self._path_cache: list[list[QPainterPath]] = []
        self._paths_valid = False
        self._links_dirty = True
        self._links_drawn = 0.0
        self._link_pixmap: QPixmap | None = None
        self._link_timer = QTimer(self)
        self._link_timer.setSingleShot(True)
        self._link_timer.timeout.connect(self.update)
        self._hover = None
        self._focus = None
        self._edit_target = None
        self._column_labels: list[list[str]] = []
        self.editor = QLineEdit(self)
        self.editor.setValidator(QDoubleValidator(-1e6, 1e6, 8, self.editor))
        self.editor.setFixedWidth(120)
        self.editor.hide()
        self.editor.returnPressed.connect(self._on_editor_return_pressed)
        self.editor.editingFinished.connect(self.editor.hide)

    # ---- structure and data ----------------------------------------------------------------
    def set_structure(self, units: list[int], headers: list[QWidget],
                      labels: list[list[str]], widths: list[float] | None = None) -> None:
        """Columns of ``units`` neurons, each with a header widget, per-tile labels and a least
        width."""
        self._units = list(units)
        self._widths = widths
        self._headers = headers
        self._column_labels = labels
        for header in headers:
            header.setParent(self)
            header.show()
        self._images = [[] for _ in units]
        self._buffers = [np.empty(0) for _ in units]
        self._weights = []
        self._links = []
        self._paths_valid = False
        self._hover = None
        self._relayout()

    def set_snapshot(self, snapshot) -> None:
        """Recolour every tile and link from a snapshot (and the session's input maps)."""
        if not self._units:
            return
        data = self.session.data
        columns = [data.feature_maps] + list(snapshot.neuron_maps)
        if data.task == "regression":
            columns.append(snapshot.output_map)
        else:
            columns.append(np.clip(snapshot.output_map * 2.0 - 1.0, -1.0, 1.0))
        for c, maps in enumerate(columns[:len(self._units)]):
            if len(maps) == self._units[c]:
                scale = 1.0 if c == len(columns) - 1 and data.task != "regression" else None
                self._images[c], self._buffers[c] = map_images(maps, scale)
        self._weights = self.session.layer_params(snapshot.params)
        self._update_links()
        # Paint on the next turn of the event loop, on its own: the plots paint in another turn,
        # so input events and timers get in between the two instead of waiting for both.
        if not self._repaint_pending:
            self._repaint_pending = True
            QTimer.singleShot(0, self._repaint_now)

    def _repaint_now(self) -> None:
        self._repaint_pending = False
        if self.isVisible():
            self.repaint()

    def set_focus(self, key) -> None:
        self._focus = key
        self.update()

    # ---- geometry ---------------------------------------------------------------------------
    def geometry_(self) -> geo.Geometry | None:
        return self._geometry

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        if not self._units:
            return
        height = self.parentWidget().height() if self.parentWidget() else self.height()
        self._geometry = geo.layout(self._units, max(height, geo.HEADER_HEIGHT + 160),
                                    self._widths)
        self.setMinimumWidth(int(self._geometry.width))
        self.setMinimumHeight(int(max(self._geometry.height, geo.HEADER_HEIGHT + 160)))
        for header, col in zip(self._headers, self._geometry.columns):
            header.setGeometry(int(col.x), 4, int(col.width), geo.HEADER_HEIGHT - 8)
        self._paths_valid = False
        self._update_links()
        self.update()

    def _update_links(self) -> None:
        """Which links to draw, their curves (for hit tests) and paths (for painting). Paths
        are kept while the same links are shown; only large layers change their shown set."""
        g = self._geometry
        old = self._links
        self._links, self._paths = [], []
        self._links_dirty = True
        if g is None or len(self._weights) != len(g.columns) - 1:
            return
        for l, (W, _) in enumerate(self._weights):
            pairs = geo.shown_links(W)
            left, right = g.columns[l], g.columns[l + 1]
            if W.shape != (len(left.tiles), len(right.tiles)):
                self._links, self._paths = [], []
                return
            if self._paths_valid and l < len(old) and np.array_equal(old[l][0], pairs):
                self._links.append(old[l])
                self._paths.append(self._path_cache[l])
                continue
            curves = np.array([geo.link_curve(left.right_anchor(i), right.left_anchor(j))
                               for i, j in pairs]).reshape(len(pairs), geo.LINK_SAMPLES, 2)
            self._links.append((pairs, curves))
            self._paths.append([_link_path(c[0], c[-1]) for c in curves])
        self._path_cache = self._paths
        self._paths_valid = True

    # ---- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        g = self._geometry
        if g is None:
            return
        painter.drawPixmap(0, 0, self._link_layer())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_hovered_link(painter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for c, col in enumerate(g.columns):
            self._paint_column(painter, c, col)
        painter.setPen(QColor(theme.MUTED))
        painter.setFont(theme.font(-1.5))
        painter.drawText(QRectF(geo.MARGIN, self.height() - 24, self.width(), 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, HINT)

    def _link_layer(self) -> QPixmap:
        """The links drawn into a pixmap, redrawn at most LINK_FRAME_SECONDS apart while the
        weights keep changing (thick antialiased curves are the costliest thing to paint)."""
        now = time.perf_counter()
        ratio = self.devicePixelRatioF()
        size = QSize(int(self.width() * ratio), int(self.height() * ratio))
        stale = self._link_pixmap is None or self._link_pixmap.size() != size
        if not stale and (not self._links_dirty or now - self._links_drawn < LINK_FRAME_SECONDS):
            if self._links_dirty and not self._link_timer.isActive():
                self._link_timer.start(int(LINK_FRAME_SECONDS * 1000))
            return self._link_pixmap
        if stale:
            self._link_pixmap = QPixmap(size)
            self._link_pixmap.setDevicePixelRatio(ratio)
        self._link_pixmap.fill(QColor("#FFFFFF"))
        painter = QPainter(self._link_pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for l, paths in enumerate(self._paths):
            W = self._weights[l][0]
            pairs = self._links[l][0]
            for k, (i, j) in enumerate(pairs):
                painter.setPen(_link_pen(float(W[i, j])))
                painter.drawPath(paths[k])
        painter.end()
        self._links_dirty = False
        self._links_drawn = now
        return self._link_pixmap

    def _paint_hovered_link(self, painter: QPainter) -> None:
        if not (self._hover and self._hover[0] == "link") or not self._paths:
            return
        l, i, j = self._hover[1:]
        pairs = self._links[l][0]
        hits = np.flatnonzero((pairs[:, 0] == i) & (pairs[:, 1] == j))
        if len(hits):
            width = _link_pen(self.value_of(self._hover)).widthF() + 2.5
            painter.setPen(QPen(QColor(theme.INK), width, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap))
            painter.drawPath(self._paths[l][int(hits[0])])

    def _paint_column(self, painter: QPainter, c: int, col: geo.Column) -> None:
        images = self._images[c]
        labels = self._column_labels[c] if c < len(self._column_labels) else []
        for u, (x, y) in enumerate(col.tiles):
            rect = QRectF(x, y, col.tile, col.tile)
            if u < len(images):
                painter.drawImage(rect, images[u])
            else:
                painter.fillRect(rect, QColor(theme.NEUTRAL))
            focused = self._focus == (c - 1, u) and 0 < c < len(self._units) - 1
            painter.setPen(QPen(QColor(theme.ACCENT if focused else "#9CA3AF"),
                                3.0 if focused else 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            if c > 0 and self._weights and col.tile >= 16:
                self._paint_bias(painter, c, u)
            if u < len(labels) and col.tile >= 20:
                painter.setPen(QColor(theme.INK))
                painter.setFont(theme.font(0))
                painter.drawText(QRectF(col.x, y, x - col.x - 6, col.tile),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 labels[u])

    def _paint_bias(self, painter: QPainter, c: int, u: int) -> None:
        b = self._weights[c - 1][1]
        if u >= len(b):
            return
        value = float(b[u])
        bx, by, w, h = self._geometry.bias_rect(c, u)
        color = QColor(theme.POSITIVE if value > 0 else theme.NEGATIVE)
        color.setAlphaF(0.35 + 0.65 * min(abs(value), 1.0) if np.isfinite(value) else 0.2)
        hovered = self._hover == ("bias", c, u)
        painter.setPen(QPen(QColor(theme.INK if hovered else "#FFFFFF"), 2 if hovered else 1))
        painter.setBrush(color)
        painter.drawRect(QRectF(bx, by, w, h))

    # ---- hover and click --------------------------------------------------------------------
    def hit(self, x: float, y: float):
        """What is under (x, y): ("tile", c, u), ("bias", c, u), ("link", l, i, j) or None."""
        g = self._geometry
        if g is None:
            return None
        bias = g.bias_at(x, y) if self._weights else None
        if bias is not None:
            return ("bias",) + bias
        tile = g.tile_at(x, y)
        if tile is not None:
            return ("tile",) + tile
        best, best_d = None, HOVER_DISTANCE
        for l, (pairs, curves) in enumerate(self._links):
            k, d = geo.nearest_segment(curves, x, y)
            if d < best_d:
                best, best_d = ("link", l, int(pairs[k][0]), int(pairs[k][1])), d
        return best

    def value_of(self, target) -> float:
        kind, a, b = target[0], target[1], target[2]
        if kind == "bias":
            return float(self._weights[a - 1][1][b])
        return float(self._weights[a][0][b, target[3]])

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        hit = self.hit(pos.x(), pos.y())
        if hit != self._hover:
            self._hover = hit
            self.update()
            key = (hit[1] - 1, hit[2]) if hit and hit[0] == "tile" and \
                0 < hit[1] < len(self._units) - 1 else None
            self.neuron_hovered.emit(key)
        if hit and hit[0] in ("link", "bias") and self._weights:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(hit), self)
        elif not hit:
            QToolTip.hideText()

    def describe(self, target) -> str:
        value = self.value_of(target)
        if target[0] == "bias":
            return f"Bias {theme.number(value)}\nClick to type a new value"
        return (f"Weight {theme.number(value)}\n{self._endpoint(target[1], target[2])} \u2192 "
                f"{self._endpoint(target[1] + 1, target[3])}\nClick to type a new value")

    def _endpoint(self, c: int, u: int) -> str:
        labels = self._column_labels[c] if c < len(self._column_labels) else []
        if c == 0 and u < len(labels):
            return labels[u]
        if c == len(self._units) - 1:
            return "output" if self._units[c] == 1 else f"output {u + 1}"
        return f"layer {c} neuron {u + 1}"

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._hover = None
            self.neuron_hovered.emit(None)
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        pos = event.position()
        hit = self.hit(pos.x(), pos.y())
        if hit and hit[0] in ("link", "bias") and self._weights:
            self.open_editor(hit, pos)
        else:
            self.editor.hide()
        super().mousePressEvent(event)

    def open_editor(self, target, pos: QPointF) -> None:
        self._edit_target = target
        self.editor.setText(f"{self.value_of(target):.6g}")
        self.editor.move(int(min(pos.x(), self.width() - self.editor.width())), int(pos.y()) + 8)
        self.editor.show()
        self.editor.raise_()
        self.editor.setFocus()
        self.editor.selectAll()

    def _on_editor_return_pressed(self) -> None:
        target = self._edit_target
        try:
            value = float(self.editor.text())
        except ValueError:
            return
        self.editor.hide()
        if target is None:
            return
        if target[0] == "bias":
            self.session.set_param(target[1] - 1, None, target[2], value)
        else:
            self.session.set_param(target[1], target[2], target[3], value)
