"""Draw a digit or a shape with the mouse and watch the network's answer change while drawing.

- ``DrawingCanvas``: a square sheet drawn on with a thick round brush; ``drawing_changed(strokes)``
  (float32 (CANVAS, CANVAS), ink 1 on 0) while drawing, at most every ``RATE_MS``, and at once
  when the button is released or the sheet cleared.
- ``ClassProbabilitiesChart``: a bar per class in its colour with its probability, the
  likeliest in bold.
- ``DrawingPanel``: both, plus what the network sees (the drawing preprocessed like the training
  images by ``playground.image_views.preprocess_drawing``), calling ``classify(image (C, H, W))
  -> probabilities (K,)``, the hook the window supplies (``set_classifier``).
"""
import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout,
                               QWidget)

from playground import image_views as iv
from widgets import theme
from widgets.feature_maps import image_pixels
from widgets.filter_grid import TileMosaic

CANVAS = 280          # pixels of the drawn sheet (ten times MNIST's 28)
BRUSH = 0.085         # brush diameter as a fraction of the sheet (MNIST strokes: 2-3 of 28)
RATE_MS = 50          # at most 20 drawing_changed a second while drawing


class DrawingCanvas(QWidget):
    """A square sheet to draw on with the mouse (thick round brush); ``clear()`` wipes it."""

    drawing_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._sheet = QImage(CANVAS, CANVAS, QImage.Format.Format_Grayscale8)
        self._sheet.fill(255)
        self._last: QPointF | None = None
        self._empty = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RATE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Draw here with the mouse (hold the left button)")

    # ---- the drawing -----------------------------------------------------------------------
    def strokes(self) -> np.ndarray:
        """float32 (CANVAS, CANVAS): the ink drawn, 1 full ink, 0 paper."""
        bits = self._sheet.constBits()
        gray = np.frombuffer(bits, dtype=np.uint8).reshape(CANVAS, self._sheet.bytesPerLine())
        return (1.0 - gray[:, :CANVAS].astype(np.float32) / np.float32(255.0))

    def is_empty(self) -> bool:
        return self._empty

    def clear(self) -> None:
        self._sheet.fill(255)
        self._empty = True
        self._timer.stop()
        self.update()
        self.drawing_changed.emit(self.strokes())

    def sheet_rect(self) -> QRect:
        """Where the sheet is drawn: the largest centred square."""
        side = min(self.width(), self.height())
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _to_sheet(self, pos: QPointF) -> QPointF:
        r = self.sheet_rect()
        scale = CANVAS / max(r.width(), 1)
        return QPointF((pos.x() - r.left()) * scale, (pos.y() - r.top()) * scale)

    def _paint_stroke(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self._sheet)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(QColor(0, 0, 0), BRUSH * CANVAS, Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if a == b:
            painter.drawPoint(a)
        else:
            painter.drawLine(a, b)
        painter.end()
        self._empty = False
        self.update()
        if not self._timer.isActive():
            self._timer.start()

    # ---- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = self._to_sheet(event.position())
            self._paint_stroke(self._last, self._last)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            here = self._to_sheet(event.position())
            self._paint_stroke(self._last, here)
            self._last = here
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._last is not None:
            self._last = None
            self._timer.stop()
            self.drawing_changed.emit(self.strokes())
        super().mouseReleaseEvent(event)

    def _on_timer_timeout(self) -> None:
        self.drawing_changed.emit(self.strokes())

    # ---- painting --------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(theme.px(240), theme.px(240))

    def minimumSizeHint(self) -> QSize:
        return QSize(theme.px(120), theme.px(120))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        rect = self.sheet_rect()
        painter.drawImage(QRectF(rect), self._sheet)
        painter.setPen(QColor(theme.color("border")))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        if self._empty:
            painter.setPen(QColor(theme.color("faint")))
            painter.setFont(theme.font(1))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "draw here")
        painter.end()


class ClassProbabilitiesChart(QWidget):
    """One horizontal bar per class: its name, its probability as a bar and a number."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._p = np.zeros(0)
        self._names: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    def set_probabilities(self, probabilities, class_names) -> None:
        p = np.asarray(probabilities, dtype=np.float64).ravel()
        names = [str(c) for c in class_names]
        if len(p) != len(names):
            raise ValueError(f"{len(p)} probabilities for {len(names)} classes")
        self._p, self._names = p, names
        self.update()

    def clear(self) -> None:
        self._p = np.zeros(len(self._names))
        self.update()

    def probabilities(self) -> np.ndarray:
        return self._p.copy()

    def _font(self, bold: bool = False):
        """The label font, smaller when the rows are too low for it."""
        f = theme.font(0, bold=bold)
        k = max(len(self._names), 1)
        fits = (self.height() // k - theme.px(2)) / max(QFontMetrics(f).height(), 1)
        if fits < 1.0:
            f.setPointSizeF(max(6.0, f.pointSizeF() * fits))
        return f

    def _rows(self) -> tuple[int, int, int, int]:
        fm = QFontMetrics(self._font(bold=True))
        names_w = max((fm.horizontalAdvance(n) for n in self._names), default=0) + theme.px(8)
        number_w = fm.horizontalAdvance("100%") + theme.px(8)
        k = max(len(self._names), 1)
        row = min(max(fm.height(), self.height() // k), theme.px(40))
        return names_w, number_w, row, max(self.width() - names_w - number_w, theme.px(20))

    def bar_rect(self, k: int) -> QRect:
        """Class k's bar, as long as its probability (full length at 1)."""
        names_w, number_w, row, width = self._rows()
        h = max(4, int(row * 0.6))
        p = float(self._p[k]) if k < len(self._p) and np.isfinite(self._p[k]) else 0.0
        return QRect(names_w, k * row + (row - h) // 2, round(width * np.clip(p, 0, 1)), h)

    def sizeHint(self) -> QSize:
        return QSize(theme.px(260), theme.px(220))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        names_w, number_w, row, width = self._rows()
        top = int(np.argmax(self._p)) if len(self._p) and self._p.max() > 0 else -1
        ink = QColor(theme.color("ink"))
        for k, name in enumerate(self._names):
            painter.setFont(self._font(bold=k == top))
            painter.setPen(ink)
            painter.drawText(QRect(0, k * row, names_w - theme.px(6), row),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            bar = self.bar_rect(k)
            painter.fillRect(QRect(bar.left(), bar.top(), width, bar.height()),
                             QColor(theme.color("grid")))
            painter.fillRect(bar, theme.class_color(k))
            p = float(self._p[k]) if k < len(self._p) else 0.0
            painter.drawText(QRect(names_w + width + theme.px(6), k * row, number_w, row),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"{100.0 * p:.0f}%")
        painter.end()

    def _on_theme_look_changed(self, old, new) -> None:
        self.update()


class DrawingPanel(QWidget):
    """The canvas, what the network sees, and its class probabilities.

    ``set_classifier(classify, class_names, style)``: ``classify(image (C, H, W)) ->
    probabilities (K,)`` for an image of ``style`` (``playground.image_views.DrawingStyle``,
    e.g. ``DrawingStyle.like(training_images)``).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._classify = None
        self._names: list[str] = []
        self.drawing_style = iv.DrawingStyle()
        self.canvas = DrawingCanvas()
        self.canvas.drawing_changed.connect(self._on_canvas_drawing_changed)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the sheet and draw again")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.seen_title = QLabel("what the network sees")
        self.seen_title.setProperty("role", "hint")
        self.seen_title.setWordWrap(True)
        self.seen = TileMosaic()
        self.seen.setFixedSize(theme.px(56), theme.px(56))
        self.seen.setToolTip("Your drawing as the network gets it: cropped, scaled and centred "
                             "by its centre of mass, like the training images")
        self.chart = ClassProbabilitiesChart()
        self.message = QLabel("Draw a digit or a shape; the bars show the network's answer")
        self.message.setProperty("role", "hint")
        self.message.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addStretch(1)
        left.addLayout(row)
        seen = QHBoxLayout()
        seen.addWidget(self.seen)
        seen.addWidget(self.seen_title, 1)
        right = QVBoxLayout()
        right.addWidget(self.chart, 1)
        right.addLayout(seen)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(theme.px(6), theme.px(4), theme.px(6), theme.px(4))
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self._show_seen(self.canvas.strokes())

    def set_classifier(self, classify, class_names, style: iv.DrawingStyle | None = None) -> None:
        """The network's answer for a drawing, its classes and its training images' style
        (None: keep the style)."""
        self._classify = classify
        self._names = [str(c) for c in class_names]
        if style is not None:
            self.drawing_style = style
        self.chart.set_probabilities(np.zeros(len(self._names)), self._names)
        self._on_canvas_drawing_changed(self.canvas.strokes())

    def network_image(self) -> np.ndarray:
        """The drawing as the network gets it, (C, H, W) in the training images' values."""
        return iv.preprocess_drawing(self.canvas.strokes(), self.drawing_style)

    def _show_seen(self, strokes: np.ndarray) -> np.ndarray:
        image = iv.preprocess_drawing(strokes, self.drawing_style)
        style = self.drawing_style
        self.seen.set_tiles(image_pixels(image, (style.background, style.ink)))
        return image

    def _on_canvas_drawing_changed(self, strokes) -> None:
        image = self._show_seen(strokes)
        if self.canvas.is_empty() or self._classify is None:
            self.chart.clear()
            self.message.setText("Draw a digit or a shape; the bars show the network's answer"
                                 if self._classify is not None else
                                 "No network to ask yet: train an image classifier first")
            return
        try:
            p = np.asarray(self._classify(image), dtype=np.float64).ravel()
        except Exception as error:          # the network's failure must not lose the drawing
            self.chart.clear()
            self.message.setText(f"The network could not classify the drawing: {error}")
            return
        if len(p) != len(self._names) or not np.all(np.isfinite(p)):
            self.chart.clear()
            self.message.setText(f"The network gave {len(p)} answers for {len(self._names)} "
                                 f"classes" if len(p) != len(self._names) else
                                 "The network's answer is not a number (NaN): it has diverged")
            return
        self.chart.set_probabilities(p, self._names)
        top = int(np.argmax(p))
        self.message.setText(f"The network says {self._names[top]} ({100.0 * p[top]:.0f}%)")
