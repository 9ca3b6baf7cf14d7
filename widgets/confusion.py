"""The confusion matrix of the test set, with each class's accuracy beside it.

``ConfusionMatrixView.set_matrix(counts (K, K), class_names)``: cell [t, p] holds how many test
images of true class t (rows, "true class") were predicted as p (columns, "predicted class"),
coloured by its share of the row (white 0 \u2192 dark blue 1), so a good network has a dark
diagonal whatever the class sizes. Right of each row, a bar in the class colour gives that class's
accuracy; above, the overall accuracy. The maths is ``playground.image_views``.
"""
import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground import image_views as iv
from widgets import theme

HIGH = "#1E3A8A"          # a whole row in one cell (share 1)
INK_ON_LIGHT = "#1F2937"  # counts on pale cells, in every look (the cells stay pale when dark)
BAR_WIDTH = 90            # px at 100%: the accuracy bars
MAX_CELL = 72             # px at 100%


def share_color(share: float) -> QColor:
    """White (share 0) to dark blue (share 1)."""
    hi = QColor(HIGH)
    t = float(np.clip(share, 0.0, 1.0)) ** 0.8
    mix = [round(255 + (c - 255) * t) for c in hi.getRgb()[:3]]
    return QColor(*mix)


class ConfusionMatrixView(QWidget):
    """Counts per (true, predicted) class pair, row shares as colour, per-class accuracy."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._counts = np.zeros((0, 0), dtype=np.int64)
        self._shares = np.zeros((0, 0))
        self._accuracy = np.zeros(0)
        self._names: list[str] = []
        self._geometry = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    # ---- data in ---------------------------------------------------------------------------
    def set_matrix(self, counts, class_names) -> None:
        """Show counts (K, K) (rows true class, columns predicted class) of the K classes
        named ``class_names``."""
        counts = np.asarray(counts)
        names = [str(c) for c in class_names]
        if counts.ndim != 2 or counts.shape != (len(names), len(names)):
            raise ValueError(f"counts must be (K, K) for the {len(names)} class names, got "
                             f"shape {counts.shape}")
        self._counts = counts.astype(np.int64)
        self._shares = iv.row_normalised(counts)
        self._accuracy = iv.per_class_accuracy(counts)
        if names != self._names:
            self._names = names
        self.update()

    # ---- what it shows, in words -----------------------------------------------------------
    def overall_text(self) -> str:
        if self._counts.size == 0:
            return "No test images classified yet"
        total = int(self._counts.sum())
        right = int(np.trace(self._counts))
        return (f"Test accuracy {iv.percent(iv.overall_accuracy(self._counts))} "
                f"({right} of {total} right)")

    def class_accuracy_text(self, k: int) -> str:
        return iv.percent(float(self._accuracy[k]))

    def cell_text(self, t: int, p: int) -> str:
        return str(int(self._counts[t, p]))

    def cell_tip(self, t: int, p: int) -> str:
        n, row = int(self._counts[t, p]), int(self._counts[t].sum())
        what = "right" if t == p else f"taken for {self._names[p]}"
        return (f"{n} of the {row} test images of {self._names[t]} {what} "
                f"({iv.percent(self._shares[t, p])} of the row)")

    # ---- geometry --------------------------------------------------------------------------
    def _fonts(self, cell: float) -> tuple[QFont, QFont]:
        label = theme.font(-1)
        count = QFont(label)
        count.setPointSizeF(max(6.0, min(label.pointSizeF(), cell * 0.3)))
        return label, count

    def _layout(self) -> dict:
        key = (self.width(), self.height(), tuple(self._names), theme.look())
        if self._geometry is None or self._geometry[0] != key:
            self._geometry = (key, self._work_out_layout())
        return self._geometry[1]

    def _work_out_layout(self) -> dict:
        k = len(self._names)
        label_font = theme.font(-1)
        fm = QFontMetrics(label_font)
        title_h = QFontMetrics(theme.font(0, bold=True)).height()
        margin = theme.px(6)
        names_w = max((fm.horizontalAdvance(n) for n in self._names), default=0) + theme.px(8)
        top = margin + title_h + theme.px(6) + fm.height() + theme.px(2)
        left = margin + fm.height() + theme.px(4) + names_w          # "true class" + names
        bar_w = theme.px(BAR_WIDTH) + fm.horizontalAdvance("100.0%") + theme.px(12)
        avail_w = self.width() - left - bar_w - margin
        # column names under the matrix: straight if they fit the cell, else rotated
        bottom_straight = fm.height() + theme.px(4) + fm.height() + margin
        cell = min(avail_w / max(k, 1), (self.height() - top - bottom_straight) / max(k, 1),
                   theme.px(MAX_CELL))
        widest = max((fm.horizontalAdvance(n) for n in self._names), default=0)
        rotated = widest > cell - theme.px(4)
        if rotated:
            below = int(widest * 0.75) + theme.px(6)
            cell = min(cell, (self.height() - top - below - fm.height() - margin) / max(k, 1))
        cell = max(int(cell), theme.px(8))
        return {"k": k, "cell": cell, "top": top, "left": left, "rotated": rotated,
                "bar_x": left + k * cell + theme.px(12), "margin": margin, "fm": fm,
                "title_h": title_h}

    def cell_rect(self, t: int, p: int) -> QRect:
        """Where cell [t, p] is drawn, in this widget's coordinates."""
        g = self._layout()
        return QRect(g["left"] + p * g["cell"], g["top"] + t * g["cell"], g["cell"], g["cell"])

    def bar_rect(self, t: int) -> QRect:
        """The accuracy bar of class t at its full length (100%)."""
        g = self._layout()
        c = g["cell"]
        h = max(4, min(int(c * 0.5), theme.px(18)))
        return QRect(g["bar_x"], g["top"] + t * c + (c - h) // 2, theme.px(BAR_WIDTH), h)

    def sizeHint(self) -> QSize:
        return QSize(theme.px(420), theme.px(320))

    def minimumSizeHint(self) -> QSize:
        return QSize(theme.px(220), theme.px(160))

    # ---- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        ink, muted = QColor(theme.color("ink")), QColor(theme.color("muted"))
        g = self._layout()
        k, cell, top, left, fm = g["k"], g["cell"], g["top"], g["left"], g["fm"]
        painter.setFont(theme.font(0, bold=True))
        painter.setPen(ink)
        painter.drawText(QRect(g["margin"], g["margin"], self.width(), g["title_h"]),
                         Qt.AlignmentFlag.AlignLeft, self.overall_text())
        if k == 0:
            painter.end()
            return
        label_font, count_font = self._fonts(cell)
        # cells
        painter.setFont(count_font)
        for t in range(k):
            for p in range(k):
                rect = self.cell_rect(t, p)
                share = self._shares[t, p]
                painter.fillRect(rect, share_color(share))
                n = int(self._counts[t, p])
                if n:
                    painter.setPen(QColor("#FFFFFF") if share > 0.45 else QColor(INK_ON_LIGHT))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(n))
        painter.setPen(QColor(theme.color("border")))
        painter.drawRect(QRect(left, top, k * cell, k * cell).adjusted(0, 0, -1, -1))
        painter.setPen(QColor(theme.color("ink")))
        for t in range(k):        # the diagonal outlined: where the right answers are
            painter.drawRect(self.cell_rect(t, t).adjusted(0, 0, -1, -1))
        # row names and the "true class" title
        painter.setFont(label_font)
        painter.setPen(ink)
        names_right = left - theme.px(4)
        for t, name in enumerate(self._names):
            painter.drawText(QRect(0, top + t * cell, names_right, cell),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        painter.setPen(muted)
        painter.save()
        painter.translate(g["margin"], top + k * cell / 2)
        painter.rotate(-90)
        painter.drawText(QRect(-k * cell // 2, 0, k * cell, fm.height()),
                         Qt.AlignmentFlag.AlignCenter, "true class")
        painter.restore()
        # column names and the "predicted class" title
        painter.setPen(ink)
        y = top + k * cell + theme.px(3)
        if g["rotated"]:
            low = y
            for p, name in enumerate(self._names):
                painter.save()
                painter.translate(left + p * cell + cell / 2 + fm.ascent() / 3, y)
                painter.rotate(45)
                painter.drawText(QPoint(0, 0), name)
                painter.restore()
                low = max(low, y + int(fm.horizontalAdvance(name) * 0.71) + fm.height() // 2)
            y = low + theme.px(2)
        else:
            for p, name in enumerate(self._names):
                painter.drawText(QRect(left + p * cell, y, cell, fm.height()),
                                 Qt.AlignmentFlag.AlignHCenter, name)
            y += fm.height()
        painter.setPen(muted)
        painter.drawText(QRect(left, y, k * cell, fm.height()), Qt.AlignmentFlag.AlignHCenter,
                         "predicted class")
        # per-class accuracy
        painter.drawText(QRect(g["bar_x"], top - fm.height() - theme.px(2),
                               self.width() - g["bar_x"], fm.height()),
                         Qt.AlignmentFlag.AlignLeft, "accuracy per class")
        for t in range(k):
            full = self.bar_rect(t)
            painter.fillRect(full, QColor(theme.color("grid")))
            acc = self._accuracy[t]
            if np.isfinite(acc):
                painter.fillRect(QRect(full.left(), full.top(), round(full.width() * acc),
                                       full.height()), theme.class_color(t))
            painter.setPen(ink)
            painter.drawText(QRect(full.right() + theme.px(6), top + t * cell,
                                   self.width(), cell),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self.class_accuracy_text(t))
        painter.end()

    def _cell_at(self, pos: QPoint):
        g = self._layout()
        for t in range(g["k"]):
            for p in range(g["k"]):
                if self.cell_rect(t, p).contains(pos):
                    return t, p
        return None

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            at = self._cell_at(event.pos())
            if at is not None:
                QToolTip.showText(event.globalPos(), self.cell_tip(*at), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def _on_theme_look_changed(self, old, new) -> None:
        self.update()
