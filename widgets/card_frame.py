"""The frame every card of the image-network builder shares (``widgets.layer_card`` fills it
in for the input, each layer and the output): a badge, a title row whose description gives way
first when the row is narrow (``ElidedLabel``), the output shape in large type and the parameter
count, the settings grid, live thumbnails of the layer's feature maps on a wide card, and a note
for refusals."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from widgets import theme
from widgets.controls import RefusalNote
from widgets.map_strip import MapStrip

#: Cards at least this wide (px at 100%) show their layer's feature maps beside the settings.
WIDE_CARD = 820
#: Cards narrower than this (px at 100%) write "params": the description keeps more room.
NARROW_CARD = 580


def _number_text(n: int, short: bool = False) -> str:
    """"1,234 parameters", or "1,234 params" on a narrow card (its tooltip says it whole)."""
    return f"{n:,} param{'s' if n != 1 else ''}" if short else \
        f"{n:,} parameter{'s' if n != 1 else ''}"


class ElidedLabel(QLabel):
    """A one-line label that gives way first when its row is narrow: its text then ends in
    "\u2026" (the whole text stays in ``text()``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(theme.px(40))

    #: the shorter text shown when the whole one does not fit ("" : elide the whole one)
    short = ""

    def shown_text(self, width: int | None = None) -> str:
        """What is drawn in ``width`` pixels (the label's own by default): the text, else its
        short form, else the short form's first words that fit (a card's settings show the
        last ones: "32 3x3 same relu" -> "32 3x3 same"), else the first word cut with
        "\u2026"."""
        width = self.contentsRect().width() if width is None else width
        metrics = self.fontMetrics()
        text = self.text()
        if metrics.horizontalAdvance(text) <= width or not self.short:
            return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        words = self.short.split()
        for n in range(len(words), 1, -1):
            if metrics.horizontalAdvance(" ".join(words[:n])) <= width:
                return " ".join(words[:n])
        return metrics.elidedText(words[0] if words else "", Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, event) -> None:                  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        text = self.shown_text(rect.width())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         text)


class Card(QFrame):
    """The frame every card shares: a badge, a title (or kind menu), the engine's description,
    the output shape in large type and the parameter count, and a note for refusals."""

    def __init__(self, badge: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("headerCard")
        self.badge = QLabel(badge)
        self.badge.setProperty("role", "value")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setMinimumWidth(theme.px(22))
        self.description = ElidedLabel()
        self.description.setProperty("role", "hint")
        self.shape = QLabel()
        self.shape.setFont(theme.font(2, bold=True))
        self.shape.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.params = QLabel()
        self.params.setProperty("role", "hint")
        self.params.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.head = QHBoxLayout()
        self.head.setSpacing(theme.px(8))
        self.head.addWidget(self.badge)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(theme.px(6))
        self.grid.setVerticalSpacing(theme.px(4))
        self.note = RefusalNote()
        #: live thumbnails of this layer's feature maps, on cards wide enough for them
        self.strip = MapStrip()
        self.strip.hide()
        self._shape = None                  # the (C, H, W) this card's layer gives
        self._params = 0                    # and its number of parameters
        body = QHBoxLayout()
        body.setSpacing(theme.px(12))
        body.addLayout(self.grid, 1)
        body.addWidget(self.strip, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(10), theme.px(6), theme.px(10), theme.px(6))
        layout.setSpacing(theme.px(4))
        layout.addLayout(self.head)
        layout.addLayout(body)
        layout.addWidget(self.note)

    def finish_head(self, *trailing: QWidget) -> None:
        """Description, stretch, shape and parameters, then ``trailing`` buttons."""
        self.head.addWidget(self.description, 1)
        self.head.addWidget(self.params)
        self.head.addWidget(self.shape)
        for w in trailing:
            self.head.addWidget(w)

    def show_maps(self, maps, what: str = "") -> None:
        """This layer's feature maps (C, H, W) for the chosen test image, None for none; maps
        of another shape (a snapshot from before the last edit) are not shown."""
        fits = maps is not None and self._shape is not None and \
            tuple(maps.shape) == tuple(self._shape)
        self.strip.set_maps(maps if fits else None, what)
        self._show_strip()

    def strip_room(self) -> int:
        """The width the thumbnails take beside the settings (0 when not shown)."""
        return self.strip.sizeHint().width() + theme.px(12) if self.strip.isVisibleTo(self) \
            else 0

    def _show_strip(self, width: int | None = None) -> None:
        wide = (self.width() if width is None else width) >= theme.px(WIDE_CARD)
        self.strip.setVisible(wide and self.strip.count() > 0)

    def resizeEvent(self, event) -> None:                 # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._show_strip(event.size().width())
        self._show_params(event.size().width())

    def _show_params(self, width: int | None = None) -> None:
        narrow = (self.width() if width is None else width) < theme.px(NARROW_CARD)
        self.params.setText(_number_text(self._params, narrow) if self._params else "")

    def show_row(self, row: dict | None) -> None:
        self._shape = row["shape"] if row is not None else None
        if row is None:
            self.shape.setText("")
            self._params = 0
            self.params.setText("")
            return
        self.shape.setText(row["shape_text"])
        c, h, w = row["shape"]
        self.shape.setToolTip(f"Output: {c} numbers" if h == w == 1 else
                              f"Output: {c} map{'s' if c != 1 else ''} of {h}x{w}")
        self._params = row["params"]
        self._show_params()
        self.params.setToolTip(f"{_number_text(row['params'])}: trainable numbers in this "
                               f"layer" if row["params"] else "")
        # the whole description is always in the tooltip (the card may show a short form)
        self.description.setToolTip(f"{row['label']}\n{row['formula']}" if row["formula"]
                                    else row["label"])

    def clear_note(self) -> None:
        self.note.hide()
        self.note.clear()
