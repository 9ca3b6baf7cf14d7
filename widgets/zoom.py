"""Rescale and recolour, in place, what a view built once in the look of its day and never reads
the look again: widgets' own fonts, pyqtgraph plots (background, axes with their tick fonts, tick
lengths, widths and colours, curve pens, lines, text items).

``Restyle(root)`` is what the main window hands ``theme.set_look``: it notes the widgets' own
font sizes before the application's font and style sheet change (which resets them), and
afterwards sets them and the plots in the new look. So a view needs no code of its own for any of
this. What a view draws itself
reads the look when it draws (``theme.font``, ``theme.line``, ``theme.marker``, ``theme.color``)
and redraws on ``theme.changes.look_changed``; its scatter points are its own (``restyle`` leaves
``ScatterPlotItem`` alone).

Each item's size and colour at 100% in the light look are kept on the item
(``QGraphicsItem.setData`` under ``BASE_KEY``) the first time it is restyled, so zooming in and out never drifts.
"""
import re

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QAbstractButton, QGraphicsItem, QLabel, QToolBar, QWidget

from widgets import theme
from widgets.curve_items import LineItem

#: QGraphicsItem.data key of the item's base (100%, light) sizes and colours.
BASE_KEY = 0x4E4E50
#: Dynamic property holding a widget's own font size at 100%.
FONT_PROPERTY = "nnp_base_point_size"
#: Dynamic properties: a button's or toolbar's icon size at 100%; a widget's own style sheet
#: and a label's rich text as written (light) and as last recoloured.
ICON_PROPERTY = "nnp_base_icon_size"
SHEET_PROPERTY = "nnp_style_sheet"
TEXT_PROPERTY = "nnp_rich_text"
HEIGHTS_PROPERTY = "nnp_base_heights"
QWIDGETSIZE_MAX = (1 << 24) - 1
#: Qt's own dynamic property: the font a widget had when the style sheet first styled it.
SHEET_FONT = "_q_styleSheetWidgetFont"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")


def light_color(name: str, look: theme.Look) -> str:
    """The light colour of ``name`` as drawn in ``look`` (the colour itself when it is not
    one of the look's role colours: a class colour)."""
    name = name.upper()
    for role, value in theme.palette_of(look).items():
        if value.upper() == name:
            return theme.ROLES[role][0]
    return name


class Restyle:
    """Brings every widget font and pyqtgraph item under ``root`` from one look to another:
    ``noted = restyle.note()`` before the application changes, ``restyle(noted, old, new)``
    after (``theme.set_look`` does both)."""

    def __init__(self, root: QWidget):
        self.root = root

    def note(self) -> list[tuple[QWidget, QFont]]:
        """The widgets with a font of their own, and that font."""
        return [(w, QFont(w.font())) for w in [self.root, *self.root.findChildren(QWidget)]
                if w.testAttribute(Qt.WidgetAttribute.WA_SetFont)]

    def __call__(self, noted, old: theme.Look, new: theme.Look) -> None:
        for widget, font in noted:
            _scale_font(widget, font, old, new)
        for widget in [self.root, *self.root.findChildren(QWidget)]:
            if isinstance(widget, (QAbstractButton, QToolBar)) and old.zoom != new.zoom:
                _scale_icon(widget, old, new)
            if widget.styleSheet():
                _recolor_sheet(widget)
            if isinstance(widget, QLabel) and "color:" in widget.text():
                _recolor_label(widget)
        for view in self.root.findChildren(pg.GraphicsView):
            view.setBackground(theme.color("panel"))
            if old.zoom != new.zoom:
                _scale_heights(view, old, new)
            for item in view.scene().items():
                _restyle_item(item, old, new)


def _scale_font(widget: QWidget, font: QFont, old: theme.Look, new: theme.Look) -> None:
    """Set ``widget``'s ``font`` (its own, in look ``old``) at ``new``'s zoom."""
    now = font.pointSizeF()
    if now <= 0:
        return                                  # a pixel-sized font: not ours
    base = widget.property(FONT_PROPERTY)
    # A font set since the last change (a view that sets its font itself, at the zoom then
    # in use) is the base of its new size.
    if base is None or abs(base * old.zoom - now) > 0.05:
        base = now / old.zoom
    widget.setProperty(FONT_PROPERTY, base)
    scaled = QFont(font)
    scaled.setPointSizeF(base * new.zoom)
    widget.setFont(scaled)
    # Under the application's style sheet Qt draws a widget's text in the font it kept when
    # the sheet first styled it (this property), not in its font now: give it the new one.
    if widget.property(SHEET_FONT) is not None:
        widget.setProperty(SHEET_FONT, scaled)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _scale_heights(view: QWidget, old: theme.Look, new: theme.Look) -> None:
    """A plot's least and greatest heights (a chart made 120 to 150 pixels tall) at the zoom:
    its axes' text grows, and the data must keep its room."""
    now = (view.minimumHeight(), view.maximumHeight())
    base = view.property(HEIGHTS_PROPERTY)
    if not base or tuple(round(v * old.zoom) if v < QWIDGETSIZE_MAX else v
                         for v in base) != now:
        base = tuple(v / old.zoom if v < QWIDGETSIZE_MAX else v for v in now)
        view.setProperty(HEIGHTS_PROPERTY, base)
    low, high = (round(v * new.zoom) if v < QWIDGETSIZE_MAX else v for v in base)
    view.setMinimumHeight(low)
    view.setMaximumHeight(max(high, low))


def _scale_icon(widget, old: theme.Look, new: theme.Look) -> None:
    size = widget.iconSize()
    base = widget.property(ICON_PROPERTY)
    if not isinstance(base, QSize) or base * old.zoom != size:
        base = QSize(round(size.width() / old.zoom), round(size.height() / old.zoom))
        widget.setProperty(ICON_PROPERTY, base)
    widget.setIconSize(QSize(round(base.width() * new.zoom), round(base.height() * new.zoom)))


def recolored(text: str) -> str:
    """``text`` (a style sheet, or rich text, written in the light look's colours) with each
    of those colours as the look in use has it."""
    return _HEX.sub(lambda m: theme.recolor(m.group(0)), text)


def _recolor_sheet(widget: QWidget) -> None:
    """A widget's own style sheet (``color: #1F2937;``) in the look's colours."""
    sheet, (base, done) = widget.styleSheet(), widget.property(SHEET_PROPERTY) or ("", "")
    if sheet != done:
        base = sheet                    # set by its view since: in the light look's colours
    done = recolored(base)
    widget.setProperty(SHEET_PROPERTY, (base, done))
    if done != sheet:
        widget.setStyleSheet(done)


def _recolor_label(label: QLabel) -> None:
    """A rich-text label's colours (``<b style="color: #1F2937">``) in the look's."""
    text, (base, done) = label.text(), label.property(TEXT_PROPERTY) or ("", "")
    if text != done:
        base = text
    done = recolored(base)
    label.setProperty(TEXT_PROPERTY, (base, done))
    if done != text:
        label.setText(done)


def _base(item, make):
    # (QGraphicsItem's own data store: pyqtgraph items override setData for their points)
    base = QGraphicsItem.data(item, BASE_KEY)
    if not isinstance(base, dict):
        base = make()
        QGraphicsItem.setData(item, BASE_KEY, base)
    return base


def _pen(pen: QPen, base: dict, key: str, look: theme.Look) -> QPen:
    """``pen`` with the base width and colour ``base[key]`` as drawn in ``look``."""
    width, color = base[key]
    pen = QPen(pen)
    color = QColor(theme.recolor(color)) if color else pen.color()
    color.setAlpha(pen.color().alpha())
    pen.setColor(color)
    if width > 0:                               # 0 is a cosmetic one-pixel pen
        pen.setWidthF(width * look.line_scale)
    return pen


def _pen_base(pen: QPen, old: theme.Look) -> tuple[float, str]:
    return (pen.widthF() / old.line_scale, light_color(pen.color().name(), old))


def _font_base(font: QFont, old: theme.Look) -> float:
    return font.pointSizeF() / old.zoom


def _scaled_font(font: QFont, base: float, look: theme.Look) -> QFont:
    font = QFont(font)
    if base > 0:
        font.setPointSizeF(base * look.zoom)
    return font


def _restyle_item(item, old: theme.Look, new: theme.Look) -> None:
    if isinstance(item, pg.AxisItem):
        _restyle_axis(item, old, new)
    elif isinstance(item, pg.PlotDataItem):
        pen = item.opts.get("pen")
        if isinstance(pen, QPen):
            base = _base(item, lambda: {"pen": _pen_base(pen, old)})
            item.setPen(_pen(pen, base, "pen", new))
    elif isinstance(item, pg.PlotCurveItem) and not isinstance(item.parentItem(),
                                                               pg.PlotDataItem):
        pen = pg.mkPen(item.opts["pen"])
        base = _base(item, lambda: {"pen": _pen_base(pen, old)})
        item.setPen(_pen(pen, base, "pen", new))
    elif isinstance(item, LineItem):
        base = _base(item, lambda: {"pen": _pen_base(item.pen, old)})
        item.pen = _pen(item.pen, base, "pen", new)
        item.prepareGeometryChange()
        item.update()
    elif isinstance(item, pg.InfiniteLine):
        base = _base(item, lambda: {"pen": _pen_base(item.pen, old)})
        item.setPen(_pen(item.pen, base, "pen", new))
    elif isinstance(item, pg.TextItem):
        font = item.textItem.font()
        base = _base(item, lambda: {"font": _font_base(font, old),
                                    "color": light_color(item.color.name(), old),
                                    "fill": light_color(item.fill.color().name(), old),
                                    "border": _pen_base(item.border, old)})
        item.setFont(_scaled_font(font, base["font"], new))
        item.setColor(theme.recolor(base["color"]))
        # its box: a hover readout's white card becomes the look's panel colour
        fill = QColor(theme.recolor(base["fill"]))
        fill.setAlpha(item.fill.color().alpha())
        item.fill = QBrush(fill, item.fill.style())
        item.border = _pen(item.border, base, "border", new)
        item.update()


def _restyle_axis(axis: pg.AxisItem, old: theme.Look, new: theme.Look) -> None:
    tick_font = axis.style.get("tickFont")
    # An axis without a tick font of its own draws in the application's, already at the new
    # zoom here.
    tick_base = _font_base(tick_font, old) if tick_font is not None else \
        QFont(axis.font()).pointSizeF() / new.zoom
    tick_font = tick_font or QFont(axis.font())

    def make():
        return {"tick_font": tick_base,
                "label_font": _font_base(axis.label.font(), old),
                "tick_length": axis.style.get("tickLength", 5) / old.zoom,
                "width": (axis.fixedWidth or 0) / old.zoom,
                "height": (axis.fixedHeight or 0) / old.zoom,
                "pen": _pen_base(axis.pen(), old),
                "text": _pen_base(axis.textPen(), old)}
    base = _base(axis, make)
    axis.setPen(_pen(axis.pen(), base, "pen", new))
    axis.setTextPen(_pen(axis.textPen(), base, "text", new))
    axis.label.setFont(_scaled_font(axis.label.font(), base["label_font"], new))
    axis.setStyle(tickFont=_scaled_font(tick_font, base["tick_font"], new),
                  tickLength=int(round(base["tick_length"] * new.zoom)))
    if base["width"]:
        axis.setWidth(int(round(base["width"] * new.zoom)))
    if base["height"]:
        axis.setHeight(int(round(base["height"] * new.zoom)))
    axis.picture = None
    axis.update()
