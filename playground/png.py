"""PNG pictures without a GUI toolkit: an encoder, a small raster canvas and a 5x7 pixel font.

Headless runs write their pictures through this module, so they work on a server with no
display and no Qt graphics libraries. The canvas draws at ``scale`` times the final size and
averages blocks of pixels when it is saved, which smooths lines and circles.

    canvas = Canvas(640, 400, scale=3)
    canvas.polyline(xs, ys, "#1F2937", width=2)
    canvas.text(10, 10, "loss", "#1F2937")
    canvas.save("loss.png")
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

#: 5x7 glyphs: seven rows of five bits (bit 4 is the leftmost column), as hex bytes. Upper
#: case prints as lower case.
_GLYPHS = {k: tuple(bytes.fromhex(v)) for k, v in {
    '0': "0e11131519110e", '1': "040c040404040e", '2': "0e11010204081f", '3': "1f02040201110e",
    '4': "02060a121f0202", '5': "1f101e0101110e", '6': "0608101e11110e", '7': "1f010204080808",
    '8': "0e11110e11110e", '9': "0e11110f01020c", 'a': "00000e010f110f", 'b': "1010161911111e",
    'c': "00000e1010110e", 'd': "01010d1311110f", 'e': "00000e111f100e", 'f': "0609081c080808",
    'g': "000f11110f010e", 'h': "10101619111111", 'i': "04000c0404040e", 'j': "0200060202120c",
    'k': "10101214181412", 'l': "0c04040404040e", 'm': "00001a15151111", 'n': "00001619111111",
    'o': "00000e1111110e", 'p': "00001e111e1010", 'q': "00000d130f0101", 'r': "00001619101010",
    's': "00000e100e011e", 't': "08081c08080906", 'u': "0000111111130d", 'v': "00001111110a04",
    'w': "0000111115150a", 'x': "0000110a040a11", 'y': "000011110f010e", 'z': "00001f0204081f",
    '.': "00000000000c0c", ',': "000000000c0408", '-': "0000001f000000", '+': "0004041f040400",
    '(': "02040808080402", ')': "08040202020408", ':': "000c0c000c0c00", '/': "00010204081000",
    '=': "00001f001f0000", '%': "18190204081303", '_': "0000000000001f", ' ': "00000000000000",
}.items()}
GLYPH_W, GLYPH_H, GLYPH_ADVANCE = 5, 7, 6


def encode(rgb: np.ndarray) -> bytes:
    """PNG bytes of an 8-bit RGB image ``rgb`` uint8 (height, width, 3)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or 0 in rgb.shape:
        raise ValueError(f"rgb must have shape (height, width, 3), got {rgb.shape}")
    h, w, _ = rgb.shape
    raw = np.zeros((h, 1 + 3 * w), np.uint8)    # filter byte 0 (none) before each row
    raw[:, 1:] = rgb.reshape(h, 3 * w)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)   # 8 bit, truecolour
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b""))


def decode_size(data: bytes) -> tuple[int, int]:
    """(width, height) from PNG bytes (checks the signature)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def rgb(color) -> np.ndarray:
    """'#RRGGBB' or an (r, g, b) triple as float32 (3,) in 0..255."""
    if isinstance(color, str):
        c = color.lstrip("#")
        return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], np.float32)
    return np.asarray(color, np.float32)[:3]


class Canvas:
    """An RGB raster drawn at ``scale`` times its final size (coordinates are final pixels)."""

    def __init__(self, width: int, height: int, background="#FFFFFF", scale: int = 3):
        self.width, self.height, self.scale = int(width), int(height), int(scale)
        self.pixels = np.empty((self.height * scale, self.width * scale, 3), np.float32)
        self.pixels[:] = rgb(background)

    # ---- output ------------------------------------------------------------------------------
    def image(self) -> np.ndarray:
        """uint8 (height, width, 3): the drawing averaged down to its final size."""
        s = self.scale
        small = self.pixels.reshape(self.height, s, self.width, s, 3).mean(axis=(1, 3))
        return np.clip(np.rint(small), 0, 255).astype(np.uint8)

    def png(self) -> bytes:
        return encode(self.image())

    def save(self, path) -> None:
        with open(path, "wb") as f:
            f.write(self.png())

    # ---- drawing -------------------------------------------------------------------------------
    def image_at(self, x: float, y: float, w: float, h: float, colors: np.ndarray) -> None:
        """Paint ``colors`` float (rows, cols, 3), row 0 at the top, into the box (x, y, w, h)
        with nearest-neighbour sampling."""
        x0, y0, x1, y1 = self._box(x, y, w, h)
        if x1 <= x0 or y1 <= y0:
            return
        rows, cols = colors.shape[:2]
        ri = ((np.arange(y0, y1) - y0 + 0.5) * rows / (y1 - y0)).astype(int).clip(0, rows - 1)
        ci = ((np.arange(x0, x1) - x0 + 0.5) * cols / (x1 - x0)).astype(int).clip(0, cols - 1)
        self.pixels[y0:y1, x0:x1] = colors[ri[:, None], ci[None, :]]

    def rect(self, x: float, y: float, w: float, h: float, color) -> None:
        x0, y0, x1, y1 = self._box(x, y, w, h)
        self.pixels[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = rgb(color)

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
        xs = np.asarray(xs, np.float64) * self.scale
        ys = np.asarray(ys, np.float64) * self.scale
        if xs.size == 0:
            return
        colors = np.broadcast_to(rgb(color) if isinstance(color, str) or np.ndim(color) == 1
                                 else np.asarray(color, np.float32), (xs.size, 3))
        r = radius * self.scale
        k = int(np.ceil(r * 1.25))
        dy, dx = np.mgrid[-k:k + 1, -k:k + 1]
        inside = marker_mask(shape, dx / r, dy / r)
        dx, dy = dx[inside], dy[inside]
        px = (np.rint(xs)[:, None] + dx[None, :]).astype(np.int64).ravel()
        py = (np.rint(ys)[:, None] + dy[None, :]).astype(np.int64).ravel()
        c = np.repeat(colors, dx.size, axis=0)
        keep = (px >= 0) & (py >= 0) & (px < self.pixels.shape[1]) & (py < self.pixels.shape[0])
        px, py, c = px[keep], py[keep], c[keep]
        if alpha >= 1.0:
            self.pixels[py, px] = c
        else:
            self.pixels[py, px] = (1 - alpha) * self.pixels[py, px] + alpha * c

    def polyline(self, xs, ys, color, width: float = 1.5) -> None:
        """A line through the points (xs, ys); NaN values break it into pieces."""
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        ok = np.isfinite(xs) & np.isfinite(ys)
        step = 0.5 / self.scale
        for piece in _runs(ok):
            x, y = xs[piece], ys[piece]
            if x.size == 1:
                self.discs(x, y, width / 2, color)
                continue
            seg = np.hypot(np.diff(x), np.diff(y))
            t = np.concatenate([[0.0], np.cumsum(seg)])
            samples = np.arange(0.0, t[-1] + step, step) if t[-1] > 0 else np.zeros(1)
            self.discs(np.interp(samples, t, x), np.interp(samples, t, y), width / 2, color)

    def line(self, x0: float, y0: float, x1: float, y1: float, color, width: float = 1.0) -> None:
        self.polyline([x0, x1], [y0, y1], color, width)

    def text(self, x: float, y: float, text: str, color, size: int = 1, anchor: str = "left",
             vertical: bool = False) -> None:
        """``text`` in the 5x7 font, ``size`` final pixels per font pixel; (x, y) is the top
        left (anchor "left"), top centre ("center") or top right ("right") corner. Vertical
        text reads bottom to top and (x, y) is then its centre."""
        glyphs = [_GLYPHS.get(ch, _GLYPHS.get(ch.lower(), _GLYPHS["_"])) for ch in text]
        if not glyphs:
            return
        bits = np.zeros((GLYPH_H, GLYPH_ADVANCE * len(glyphs)), bool)
        for i, rows in enumerate(glyphs):
            for r, row in enumerate(rows):
                for c in range(GLYPH_W):
                    bits[r, i * GLYPH_ADVANCE + c] = bool(row >> (GLYPH_W - 1 - c) & 1)
        bits = bits[:, :-1]
        if vertical:
            bits = np.rot90(bits)
            x, y = x - bits.shape[1] * size / 2, y - bits.shape[0] * size / 2
        elif anchor == "center":
            x -= bits.shape[1] * size / 2
        elif anchor == "right":
            x -= bits.shape[1] * size
        s = self.scale * size
        big = np.repeat(np.repeat(bits, s, axis=0), s, axis=1)
        x0, y0 = int(round(x * self.scale)), int(round(y * self.scale))
        h, w = big.shape
        ys0, xs0 = max(y0, 0), max(x0, 0)
        ys1, xs1 = min(y0 + h, self.pixels.shape[0]), min(x0 + w, self.pixels.shape[1])
        if ys1 <= ys0 or xs1 <= xs0:
            return
        mask = big[ys0 - y0:ys1 - y0, xs0 - x0:xs1 - x0]
        region = self.pixels[ys0:ys1, xs0:xs1]
        region[mask] = rgb(color)

    @staticmethod
    def text_width(text: str, size: int = 1) -> int:
        return max(0, len(text) * GLYPH_ADVANCE - 1) * size

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
