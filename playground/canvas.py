"""PNG pictures without a GUI toolkit: a raster canvas drawn with Pillow.

Headless runs draw their pictures here, so they work on a server with no display and no Qt
graphics libraries. The canvas draws at ``scale`` times the final size and averages blocks of
pixels when it is saved, which smooths lines and circles; text uses Pillow's bundled scalable
font.

    canvas = Canvas(640, 400, scale=3)
    canvas.polyline(xs, ys, "#1F2937", width=2)
    canvas.text(10, 10, "loss", "#1F2937")
    canvas.save("loss.png")
"""
from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from playground.disk import write_atomically

#: Text of ``size`` 1 is this many final pixels high (cap height about 7 px, as the views'
#: small labels); ``size`` scales it.
FONT_PIXELS = 12


def rgb(color) -> np.ndarray:
    """'#RRGGBB' or an (r, g, b) triple as float32 (3,) in 0..255."""
    if isinstance(color, str):
        c = color.lstrip("#")
        return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], np.float32)
    return np.asarray(color, np.float32)[:3]


def _fill(color) -> tuple[int, int, int]:
    r, g, b = np.clip(np.rint(rgb(color)), 0, 255).astype(int)
    return int(r), int(g), int(b)


@functools.lru_cache(maxsize=16)
def _font(pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=pixels)


def read_png(data: bytes) -> np.ndarray:
    """uint8 (height, width, 3) pixels of PNG bytes (any PNG Pillow reads)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


class Canvas:
    """An RGB raster drawn at ``scale`` times its final size (coordinates are final pixels)."""

    def __init__(self, width: int, height: int, background="#FFFFFF", scale: int = 3):
        self.width, self.height, self.scale = int(width), int(height), int(scale)
        if self.width < 1 or self.height < 1 or self.scale < 1:
            raise ValueError(f"a canvas needs a positive size, got {width}x{height} x{scale}")
        self._image = Image.new("RGB", (self.width * self.scale, self.height * self.scale),
                                _fill(background))
        self._draw = ImageDraw.Draw(self._image)

    # ---- output ------------------------------------------------------------------------------
    def image(self) -> np.ndarray:
        """uint8 (height, width, 3): the drawing averaged down to its final size."""
        small = self._image.resize((self.width, self.height), Image.Resampling.BOX)
        return np.asarray(small)

    def png(self) -> bytes:
        out = io.BytesIO()
        Image.fromarray(self.image()).save(out, format="PNG", optimize=False)
        return out.getvalue()

    def save(self, path) -> None:
        write_atomically(path, self.png())

    # ---- drawing -------------------------------------------------------------------------------
    def image_at(self, x: float, y: float, w: float, h: float, colors: np.ndarray) -> None:
        """Paint ``colors`` float (rows, cols, 3), row 0 at the top, into the box (x, y, w, h)
        with nearest-neighbour sampling."""
        x0, y0, x1, y1 = self._box(x, y, w, h)
        if x1 <= x0 or y1 <= y0:
            return
        tile = Image.fromarray(np.clip(np.rint(colors), 0, 255).astype(np.uint8)[..., :3])
        self._image.paste(tile.resize((x1 - x0, y1 - y0), Image.Resampling.NEAREST), (x0, y0))

    def rect(self, x: float, y: float, w: float, h: float, color) -> None:
        x0, y0, x1, y1 = self._box(x, y, w, h)
        if x1 > x0 and y1 > y0:
            self._draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=_fill(color))

    def frame(self, x: float, y: float, w: float, h: float, color, width: float = 1.0) -> None:
        self.rect(x, y, w, width, color)
        self.rect(x, y + h - width, w, width, color)
        self.rect(x, y, width, h, color)
        self.rect(x + w - width, y, width, h, color)

    def discs(self, xs, ys, radius: float, color, alpha: float = 1.0) -> None:
        """Filled circles of ``radius`` (final pixels) at points (xs, ys); ``color`` one colour
        or float (n, 3) per point."""
        self.markers(xs, ys, radius, "circle", color, alpha)

    def markers(self, xs, ys, radius: float, shape: str, color, alpha: float = 1.0) -> None:
        """Filled markers of ``shape`` (a name in ``MARKER_SHAPES``) about ``radius`` final
        pixels in size at points (xs, ys); ``color`` one colour or float (n, 3) per point."""
        if shape not in MARKER_SHAPES:
            raise ValueError(f"unknown marker {shape!r}; known: {', '.join(MARKER_SHAPES)}")
        xs = np.asarray(xs, np.float64).ravel() * self.scale
        ys = np.asarray(ys, np.float64).ravel() * self.scale
        if xs.size == 0:
            return
        one = isinstance(color, str) or np.ndim(color) == 1
        colors = [_fill(color)] * xs.size if one else [_fill(c) for c in np.asarray(color)]
        target, draw = self._image, self._draw
        if alpha < 1.0:
            target = Image.new("RGBA", self._image.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(target)
        r = radius * self.scale
        outline = MARKER_SHAPES[shape]
        for x, y, c in zip(xs, ys, colors):
            if outline is None:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=c)
            else:
                draw.polygon([(x + r * px, y + r * py) for px, py in outline], fill=c)
        if alpha < 1.0:
            a = np.asarray(target)[..., 3].astype(np.float32) * float(alpha)
            target.putalpha(Image.fromarray(np.rint(a).astype(np.uint8)))
            self._image.paste(target, (0, 0), target)

    def polyline(self, xs, ys, color, width: float = 1.5) -> None:
        """A line through the points (xs, ys); NaN values break it into pieces."""
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        ok = np.isfinite(xs) & np.isfinite(ys)
        s = self.scale
        w = max(1, int(round(width * s)))
        for piece in _runs(ok):
            x, y = xs[piece] * s, ys[piece] * s
            if x.size == 1:
                self.discs(x / s, y / s, width / 2, color)
                continue
            self._draw.line(list(zip(x.tolist(), y.tolist())), fill=_fill(color), width=w,
                            joint="curve")
            for ex, ey in ((x[0], y[0]), (x[-1], y[-1])):     # round caps
                self._draw.ellipse((ex - w / 2, ey - w / 2, ex + w / 2, ey + w / 2),
                                   fill=_fill(color))

    def line(self, x0: float, y0: float, x1: float, y1: float, color, width: float = 1.0) -> None:
        self.polyline([x0, x1], [y0, y1], color, width)

    def text(self, x: float, y: float, text: str, color, size: int = 1, anchor: str = "left",
             vertical: bool = False) -> None:
        """``text`` about 7 * ``size`` final pixels high (capitals); (x, y) is the top left
        (anchor "left"), top centre ("center") or top right ("right") corner. Vertical text
        reads bottom to top and (x, y) is then its centre."""
        if not text:
            return
        s = self.scale
        font = _font(int(round(FONT_PIXELS * size * s)))
        middle = (y + 3.5 * size) * s        # the middle of the capitals
        if vertical:
            box = font.getbbox(text, anchor="lm")
            w, h = box[2] - box[0] + 2, box[3] - box[1] + 2
            strip = Image.new("L", (w, h), 0)
            ImageDraw.Draw(strip).text((1 - box[0], 1 - box[1]), text, fill=255, font=font,
                                       anchor="lm")
            strip = strip.rotate(90, expand=True)
            at = (int(round(x * s - strip.width / 2)), int(round(y * s - strip.height / 2)))
            ink = Image.new("RGB", strip.size, _fill(color))
            self._image.paste(ink, at, strip)
            return
        px = x * s
        horizontal = {"left": "l", "center": "m", "right": "r"}[anchor]
        self._draw.text((px, middle), text, fill=_fill(color), font=font,
                        anchor=horizontal + "m")

    @staticmethod
    def text_width(text: str, size: int = 1) -> float:
        """The width of ``text`` in final pixels, as ``text`` draws it."""
        return _font(FONT_PIXELS * size * 4).getlength(text) / 4

    def _box(self, x, y, w, h):
        s = self.scale
        return (int(round(x * s)), int(round(y * s)), int(round((x + w) * s)),
                int(round((y + h) * s)))


def _regular(n: int, turn: float = 0.0, size: float = 1.0) -> np.ndarray:
    """(n, 2) corners of a regular n-gon of circumradius ``size``, the first at the top
    (turned by ``turn`` radians); y grows downwards as on the canvas."""
    a = turn - np.pi / 2 + 2 * np.pi * np.arange(n) / n
    return size * np.column_stack([np.cos(a), np.sin(a)])


def _star(points: int = 5, inner: float = 0.45) -> np.ndarray:
    outer = _regular(points)
    inside = _regular(points, np.pi / points, inner)
    return np.stack([outer, inside], axis=1).reshape(-1, 2)


_ARM = 0.36
_PLUS = np.array([(-_ARM, -1), (_ARM, -1), (_ARM, -_ARM), (1, -_ARM), (1, _ARM), (_ARM, _ARM),
                  (_ARM, 1), (-_ARM, 1), (-_ARM, _ARM), (-1, _ARM), (-1, -_ARM),
                  (-_ARM, -_ARM)], float)
_ROT45 = np.array([[1, -1], [1, 1]]) / np.sqrt(2)
#: Marker outlines (corners, in units of the marker's radius; y down), by name.
MARKER_SHAPES = {
    "circle": None,
    "square": np.array([(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)]),
    "triangle": _regular(3, size=1.15) + np.array([0.0, 0.2]),
    "diamond": _regular(4, size=1.15),
    "triangle_down": _regular(3, np.pi, 1.15) - np.array([0.0, 0.2]),
    "pentagon": _regular(5, size=1.05),
    "hexagon": _regular(6, size=1.0),
    "star": _star() * 1.2,
    "plus": _PLUS * 1.05,
    "cross": _PLUS @ _ROT45.T * 1.15,
}


def marker_mask(shape: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Boolean mask of the points (x, y) (in units of the marker's radius, y down) that lie
    inside marker ``shape`` (even-odd rule)."""
    if shape not in MARKER_SHAPES:
        raise ValueError(f"unknown marker {shape!r}; known: {', '.join(MARKER_SHAPES)}")
    poly = MARKER_SHAPES[shape]
    if poly is None:
        return x ** 2 + y ** 2 <= 1.0
    inside = np.zeros(np.shape(x), bool)
    for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0)):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < at)
    return inside


def _runs(mask: np.ndarray) -> list[slice]:
    """Slices of the runs of True in a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [slice(a, b) for a, b in zip(starts, ends)]
