"""Colours, fonts and colour maps shared by every view, so each class has one colour everywhere.

Class 0 is orange and class 1 blue, as are negative and positive values (weights, neuron maps,
the two-class boundary): the diverging map runs orange -> near white -> blue. The class colours
and markers (chosen for colour-vision deficiency) are read from ``playground/palette.py``.

The look of the window (``Look``: zoom, light or dark, presentation mode) is one application-wide
state here. Views read it when they draw, through ``font(delta)`` (point size times the zoom),
``px(n)``, ``line(width)``, ``marker(size)`` and ``color(role)``, and redraw on
``changes.look_changed``; ``set_look`` applies a new look to the application (its font, the style
sheet in that look's colours and sizes, pyqtgraph's defaults) and then emits that signal.
Whatever is built once and never reads the look (a widget's font, a pyqtgraph axis, a curve's pen)
follows too: ``widgets.zoom.restyle`` rescales and recolours it in place.
"""
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QObject, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from playground import palette

ASSETS = Path(__file__).resolve().parent.parent / "assets"

# The palette itself is plain data in playground/palette.py (headless pictures use it too).
CLASS_COLORS = palette.CLASS_COLORS
CLASS_MARKERS = palette.CLASS_MARKERS
NEGATIVE = palette.NEGATIVE
POSITIVE = palette.POSITIVE
NEUTRAL = "#F4F5F7"
INK = palette.INK
MUTED = palette.MUTED
GRID = palette.GRID
ACCENT = "#2F6FDE"
DANGER = "#C62828"
TRAIN_CURVE = palette.TRAIN_CURVE
TEST_CURVE = palette.TEST_CURVE
#: pyqtgraph's symbol for each marker name of the palette.
SYMBOLS = {"circle": "o", "square": "s", "triangle": "t1", "diamond": "d", "triangle_down": "t",
           "pentagon": "p", "hexagon": "h", "star": "star", "plus": "+", "cross": "x"}
#: A character that looks like each marker, for text legends.
MARKER_GLYPHS = {"circle": "\u25cf", "square": "\u25a0", "triangle": "\u25b2",
                 "diamond": "\u25c6", "triangle_down": "\u25bc", "pentagon": "\u2b1f",
                 "hexagon": "\u2b22", "star": "\u2605", "plus": "\u271a", "cross": "\u2716"}

BASE_POINT_SIZE = 11

#: Zoom steps (Ctrl+plus / Ctrl+minus walk them; Ctrl+0 is 1.0).
ZOOMS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
#: Presentation mode: zoom at least this, lines and markers this much thicker again.
PRESENTATION_ZOOM = 1.5
PRESENTATION_LINES = 1.3
PRESENTATION_MARKERS = 1.3
THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Look:
    """How the window looks: ``zoom`` (1.0 is 100%), ``dark``, ``presentation`` (thicker
    lines, larger markers, a high-contrast palette). An application setting, never part of an
    experiment."""
    zoom: float = 1.0
    dark: bool = False
    presentation: bool = False

    @property
    def line_scale(self) -> float:
        return self.zoom * (PRESENTATION_LINES if self.presentation else 1.0)

    @property
    def marker_scale(self) -> float:
        # As the square root of the zoom: a zoomed-in plot is not much larger (the panels
        # grow too), and points as large as its letters would cover one another.
        return self.zoom ** 0.5 * (PRESENTATION_MARKERS if self.presentation else 1.0)


#: Each colour role of the interface: (light, dark, light high-contrast, dark high-contrast).
#: The light colour is the one written in assets/style.qss; the style sheet of another look
#: has each replaced by that look's colour. Class colours are not here: they stay the
#: colour-blind-safe palette (playground/palette.py) in every look.
ROLES = {
    "panel":          ("#FFFFFF", "#1E242C", "#FFFFFF", "#000000"),
    "window":         ("#EEF1F5", "#14181D", "#E6E9EE", "#0B0D10"),
    "ink":            ("#1F2937", "#E6EAF0", "#000000", "#FFFFFF"),
    "ink2":           ("#4B5563", "#C0C7D2", "#111827", "#F3F4F6"),
    "muted":          ("#6B7280", "#A3ACB9", "#374151", "#D6DBE3"),
    "faint":          ("#9CA3AF", "#7C8594", "#4B5563", "#B6BDC8"),
    "title":          ("#E3E8EF", "#2A313B", "#D5DBE4", "#262C35"),
    "border":         ("#D9DEE5", "#3A424D", "#6B7280", "#8A93A0"),
    "input_border":   ("#CBD2DB", "#4A5361", "#4B5563", "#A3ACB9"),
    "round_border":   ("#D1D5DB", "#4B5462", "#4B5563", "#A3ACB9"),
    "grid":           ("#E5E7EB", "#333B46", "#C4CAD3", "#4B5563"),
    "hover":          ("#EEF2F7", "#2C3440", "#E3E8EF", "#2C3440"),
    "hover2":         ("#F3F6FA", "#29303A", "#EEF2F7", "#29303A"),
    "disabled_bg":    ("#F3F4F6", "#252B33", "#E5E7EB", "#1A1E24"),
    "card":           ("#F8FAFC", "#232A33", "#FFFFFF", "#0B0D10"),
    "accent":         ("#2F6FDE", "#5B8DEF", "#1F5FD0", "#6F9CF2"),
    "accent_pressed": ("#245DC2", "#4A7EE0", "#174CB0", "#5B8DEF"),
    "selected":       ("#EAF1FD", "#22344F", "#DCE7FB", "#22344F"),
    "selected_border": ("#C7D7F5", "#35507A", "#7FA3E8", "#5B8DEF"),
    "info_text":      ("#1E3A8A", "#BBD0FA", "#0B1F66", "#D6E3FC"),
    "error_bg":       ("#FDECEA", "#3B1F1F", "#FDECEA", "#3B1F1F"),
    "error_border":   ("#F5C2C0", "#7A3A38", "#C62828", "#F28B82"),
    "error_banner":   ("#8A1C1C", "#F5B5B0", "#6B0F0F", "#FFD2CE"),
    "error_text":     ("#B91C1C", "#F28B82", "#8A1010", "#FFB3AC"),
    "refusal_text":   ("#9A3412", "#F6B97A", "#7A2608", "#FFD29E"),
    "refusal_bg":     ("#FFF4E5", "#3A2A17", "#FFF4E5", "#3A2A17"),
    "refusal_border": ("#F6C48B", "#8A5A25", "#C2410C", "#F6B97A"),
    "test_curve":     ("#E8590C", "#F28E2B", "#D9480F", "#FF9F43"),
    "groove_disabled": ("#BFC7D3", "#4A5361", "#9CA3AF", "#4A5361"),
}


def palette_of(look: "Look") -> dict[str, str]:
    """Role -> '#RRGGBB' in ``look``."""
    column = (2 if look.presentation else 0) + (1 if look.dark else 0)
    return {role: colors[column] for role, colors in ROLES.items()}


class LookChanges(QObject):
    """``look_changed(old, new)`` fires after ``set_look`` has applied a new look."""
    look_changed = Signal(object, object)


#: The one source of look changes the views subscribe to (``changes.look_changed``).
changes = LookChanges()
_look = Look()
_colors = palette_of(_look)


def look() -> Look:
    """The look in use."""
    return _look


def color(role: str) -> str:
    """'#RRGGBB' of a colour role (a key of ``ROLES``) in the look in use."""
    return _colors[role]


def recolor(light: str) -> str:
    """The colour that the light colour ``light`` ('#RRGGBB', one of ``ROLES``' light colours)
    is in the look in use; any other colour (a class colour) is itself."""
    role = _LIGHT_ROLE.get(light.upper())
    return _colors[role] if role else light


_LIGHT_ROLE = {colors[0]: role for role, colors in ROLES.items()}


def px(n: float) -> int:
    """``n`` pixels at 100% zoom, at the zoom in use."""
    return int(round(n * _look.zoom))


def line(width: float) -> float:
    """A line ``width`` pixels wide at 100%, as drawn now (zoom, thicker when presenting)."""
    return width * _look.line_scale


def marker(size: float) -> float:
    """A marker ``size`` pixels across at 100%, as drawn now."""
    return size * _look.marker_scale


def system_is_dark() -> bool:
    """Whether the system asks for a dark colour scheme (QStyleHints.colorScheme)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    if QGuiApplication.instance() is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def dark_for(theme_name: str) -> bool:
    """Whether the theme setting ``theme_name`` (one of ``THEMES``) means dark now."""
    return theme_name == "dark" or (theme_name == "system" and system_is_dark())


def nearest_zoom(zoom: float) -> float:
    return min(ZOOMS, key=lambda z: abs(z - zoom))


def zoom_step(zoom: float, steps: int) -> float:
    """The zoom ``steps`` steps of ``ZOOMS`` from ``zoom`` (clamped at the ends)."""
    i = ZOOMS.index(nearest_zoom(zoom)) + steps
    return ZOOMS[min(max(i, 0), len(ZOOMS) - 1)]


def set_look(new: Look, app: QApplication | None = None, restyle=None) -> None:
    """Make ``new`` the look in use: the application's font and style sheet, pyqtgraph's
    defaults for plots made from now on; ``restyle(old, new)``, when given, is the window
    rescaling what was built once (``widgets.zoom.Restyle``: it is called once before the
    application changes, to note what it finds, and once after); then
    ``changes.look_changed(old, new)`` for the views to redraw what they draw. Nothing happens
    when the look is unchanged."""
    global _look, _colors
    old = _look
    if new == old:
        return
    noted = restyle.note() if restyle is not None else None
    _look, _colors = new, palette_of(new)
    _apply_to_app(app or QApplication.instance())
    if restyle is not None:
        restyle(noted, old, new)
    changes.look_changed.emit(old, new)


def _apply_to_app(app) -> None:
    configure_pyqtgraph()
    if app is None:
        return
    f = QFont(app.font())
    f.setPointSizeF(BASE_POINT_SIZE * _look.zoom)
    app.setFont(f)
    app.setPalette(qt_palette())
    app.setStyleSheet(stylesheet())


def qt_palette() -> QPalette:
    """The Qt palette of the look in use, for whatever the style sheet does not colour (menus,
    scroll areas, check boxes, item views)."""
    p = QPalette()
    c = {role: QColor(value) for role, value in _colors.items()}
    R = QPalette.ColorRole
    for role, name in ((R.Window, "window"), (R.WindowText, "ink"), (R.Base, "panel"),
                       (R.AlternateBase, "card"), (R.Text, "ink"), (R.Button, "panel"),
                       (R.ButtonText, "ink"), (R.BrightText, "panel"),
                       (R.ToolTipBase, "ink"), (R.ToolTipText, "panel"),
                       (R.PlaceholderText, "faint"), (R.Highlight, "accent"),
                       (R.HighlightedText, "panel"), (R.Link, "accent"), (R.Mid, "border"),
                       (R.Midlight, "hover"), (R.Dark, "input_border"), (R.Light, "panel"),
                       (R.Shadow, "faint")):
        p.setColor(role, c[name])
    if _look.dark:          # check boxes and fields a shade above the panels, so they show
        p.setColor(R.Base, c["title"])
    G = QPalette.ColorGroup.Disabled
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G, role, c["faint"])
    return p

#: Diverging map for boundaries and neuron maps (soft ends so data points stand out on it).
DIVERGING = pg.ColorMap(np.array([0.0, 0.5, 1.0]), [QColor(c) for c in palette.DIVERGING])
DIVERGING_LUT = DIVERGING.getLookupTable(0.0, 1.0, 256, alpha=False)
#: Colour strength of the neuron maps rises as |value| ** TILE_GAMMA: small activations are
#: already tinted (a ReLU ramp shows where the unit is active, not only its far corner).
TILE_GAMMA = 0.6


def _tile_lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8: orange (lowest) -> near white (middle) -> blue (highest)."""
    t = np.linspace(-1.0, 1.0, n)
    strength = np.abs(t) ** TILE_GAMMA
    white = np.array(QColor("#FAFAFA").getRgb()[:3], dtype=float)
    ends = np.where(t[:, None] < 0, np.array(QColor(NEGATIVE).getRgb()[:3], dtype=float),
                    np.array(QColor(POSITIVE).getRgb()[:3], dtype=float))
    return np.round(white + (ends - white) * strength[:, None]).astype(np.uint8)


#: Stronger map for the neuron maps (small tiles need more contrast than the boundary).
TILE_LUT = _tile_lut()
TILE = pg.ColorMap(np.linspace(0.0, 1.0, len(TILE_LUT)), TILE_LUT)


def lut32(rgb: np.ndarray) -> np.ndarray:
    """(256,) uint32 0xFFRRGGBB pixels (QImage.Format_RGB32, blitted without conversion) of an
    (256, 3) uint8 lookup table."""
    rgb = np.asarray(rgb, dtype=np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


TILE_LUT32 = lut32(TILE_LUT)
DIVERGING_LUT32 = lut32(DIVERGING_LUT)


def class_ramp(k: int, n: int = 256) -> np.ndarray:
    """(n, 3) uint8 ramp from near white (probability 0) to class k's colour (probability 1)."""
    top = np.array(class_color(k).getRgb()[:3], dtype=np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    return np.round(250.0 + (top - 250.0) * t).astype(np.uint8)


def class_ramp_lut32(k: int) -> np.ndarray:
    return lut32(class_ramp(k))


def class_steps(k: int) -> pg.ColorMap:
    """A colour map in k equal steps, step c in class c's colour (a colour bar for classes)."""
    pos = np.repeat(np.arange(k + 1) / k, 2)[1:-1]
    colors = [class_color(c) for c in range(k) for _ in (0, 1)]
    return pg.ColorMap(pos, colors)


def number(value) -> str:
    """A loss or weight for display: 4 decimals, or 3 significant digits when large or tiny."""
    if value is None:
        return "\u2013"
    if not np.isfinite(value):
        return "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if value != 0 and not 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    return f"{value:.4f}"


def class_color(k: int) -> QColor:
    return QColor(CLASS_COLORS[int(k) % len(CLASS_COLORS)])


def class_symbol(k: int) -> str:
    """pyqtgraph symbol of class k's marker."""
    return SYMBOLS[palette.class_marker(k)]


def class_glyph(k: int) -> str:
    """A text character shaped like class k's marker."""
    return MARKER_GLYPHS[palette.class_marker(k)]


def class_rgb() -> np.ndarray:
    """(K, 3) float32 RGB of the class colours, for drawing several-class boundaries."""
    return np.array([QColor(c).getRgb()[:3] for c in CLASS_COLORS], dtype=np.float32)


class _IconEngine(QIconEngine):
    """An icon of assets/icons drawn in the look in use: its ink (the light look's ink colour in
    the SVG) becomes the look's ink, faint when disabled; other colours stay (the white of
    the play button's glyph, the accent blue)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.svg = (ASSETS / "icons" / f"{name}.svg").read_text(encoding="utf-8")

    def paint(self, painter, rect, mode, state) -> None:
        ink = color("faint" if mode == QIcon.Mode.Disabled else "ink")
        svg = self.svg.replace(ROLES["ink"][0], ink)
        QSvgRenderer(QByteArray(svg.encode("utf-8"))).render(painter, QRectF(rect))

    def pixmap(self, size, mode, state) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> "QIconEngine":
        return _IconEngine(self.name)


def icon(name: str) -> QIcon:
    """The icon assets/icons/NAME.svg, drawn in the look in use whenever it is painted."""
    return QIcon(_IconEngine(name))


def font(delta: float = 0, bold: bool = False) -> QFont:
    """The application's font ``delta`` points larger than the base size at 100%, at the zoom
    in use."""
    f = QFont(QApplication.font())
    f.setPointSizeF((BASE_POINT_SIZE + delta) * _look.zoom)
    f.setBold(bold)
    return f


def cache_axes(plot) -> None:
    """Paint a plot's axes from a cached pixmap: they rarely change, while the data under them
    changes every frame (replaying their text costs more than drawing the data)."""
    from PySide6.QtWidgets import QGraphicsItem
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options: row-major images, antialiasing, the look's background and
    ink, no OpenGL."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True,
                        background=color("panel"), foreground=color("ink"), useOpenGL=False)


def apply(app: QApplication) -> None:
    """Font and stylesheet for the whole application, in the default look (100%, light; the
    main window then applies the user's look from its settings)."""
    global _look, _colors
    _look, _colors = Look(), palette_of(Look())
    f = QFont("DejaVu Sans") if "DejaVu Sans" in _families() else QFont(app.font())
    f.setPointSizeF(BASE_POINT_SIZE)
    app.setFont(f)
    app.setStyle("Fusion")
    _apply_to_app(app)
    app.setWindowIcon(icon("app"))


def stylesheet(for_look: Look | None = None) -> str:
    """assets/style.qss in ``for_look`` (default: the look in use): each light colour of
    ``ROLES`` replaced by the look's, each size in px multiplied by its zoom, and ``@ICONS@``
    replaced by the icon folder (url()s in a stylesheet set from a string resolve against the
    working directory otherwise)."""
    for_look = for_look or _look
    colors = palette_of(for_look)
    text = (ASSETS / "style.qss").read_text(encoding="utf-8")
    if for_look.zoom > 1.0:
        text += ZOOMED_RULES
    text = _HEX.sub(lambda m: colors.get(_LIGHT_ROLE.get(m.group(0).upper(), ""), m.group(0)),
                    text)
    text = _PX.sub(lambda m: f"{_scaled_px(float(m.group(1)), for_look.zoom)}px", text)
    return text.replace("@ICONS@", (ASSETS / "icons").as_posix())


#: Style rules for a zoom above 100% only. A slider is as tall as its groove and clips the
#: handle's rim, which shows little at 100% (where the panels are fitted to the pixel) and
#: much when zoomed in.
ZOOMED_RULES = "\nQSlider:horizontal { min-height: 20px; }\n"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
_PX = re.compile(r"(-?\d+(?:\.\d+)?)px")


def _scaled_px(n: float, zoom: float) -> int:
    """A style sheet length at ``zoom``: borders of 1 or 2 px stay at least as thick."""
    scaled = int(round(n * zoom))
    return scaled if n <= 0 else max(scaled, 1)


def _families() -> list[str]:
    from PySide6.QtGui import QFontDatabase
    return QFontDatabase.families()
