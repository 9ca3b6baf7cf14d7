"""Colours, fonts and colour maps shared by every view, so each class has one colour everywhere.

Class 0 is orange and class 1 blue, as are negative and positive values (weights, neuron maps,
the two-class boundary): the diverging map runs orange -> near white -> blue. The class colours
and markers (chosen for colour-vision deficiency) are read from ``playground/palette.py``.
"""
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QIcon
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


def icon(name: str) -> QIcon:
    return QIcon(str(ASSETS / "icons" / f"{name}.svg"))


def font(delta: float = 0, bold: bool = False) -> QFont:
    f = QFont(QApplication.font())
    f.setPointSizeF(BASE_POINT_SIZE + delta)
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
    """Global pyqtgraph options: row-major images, antialiasing, light background, no OpenGL."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w",
                        foreground=INK, useOpenGL=False)


def apply(app: QApplication) -> None:
    """Font and stylesheet for the whole application."""
    configure_pyqtgraph()
    f = QFont("DejaVu Sans") if "DejaVu Sans" in _families() else QFont(app.font())
    f.setPointSizeF(BASE_POINT_SIZE)
    app.setFont(f)
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(icon("app"))


def stylesheet() -> str:
    """assets/style.qss with ``@ICONS@`` replaced by the icon folder (url()s in a stylesheet
    set from a string resolve against the working directory otherwise)."""
    text = (ASSETS / "style.qss").read_text(encoding="utf-8")
    return text.replace("@ICONS@", (ASSETS / "icons").as_posix())


def _families() -> list[str]:
    from PySide6.QtGui import QFontDatabase
    return QFontDatabase.families()
