"""The pictures a headless run writes: the decision boundary with the data, and the loss curves.

They follow the window's look (``widgets/boundary_view.py``), with the one palette of
``playground/palette.py``: a colour and a marker shape per class, a soft diverging map behind
filled training points and outlined test points; a dark training curve and an orange test curve.
Drawn with ``playground.canvas`` (Pillow), no Qt. ``comparison_picture`` overlays the runs of a
comparison.
"""
from __future__ import annotations

import math

import numpy as np

from playground import curve_scale, palette
from playground.canvas import Canvas

CLASS_COLORS = palette.CLASS_COLORS
DIVERGING = palette.DIVERGING         # soft: boundary background
STRONG = palette.STRONG               # points of a regression set
INK, MUTED, GRID = palette.INK, palette.MUTED, palette.GRID
TRAIN_CURVE, TEST_CURVE = palette.TRAIN_CURVE, palette.TEST_CURVE


def _hex(c: str) -> np.ndarray:
    c = c.lstrip("#")
    return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], np.float32)


def diverging(values: np.ndarray, stops=DIVERGING) -> np.ndarray:
    """float32 (..., 3) colours for values in [0, 1] along the three-colour map ``stops``."""
    lo, mid, hi = (_hex(c) for c in stops)
    v = np.clip(np.nan_to_num(np.asarray(values, np.float64), nan=0.5), 0.0, 1.0)
    v = v.astype(np.float32)[..., None]
    return np.where(v < 0.5, lo + (mid - lo) * (v / 0.5), mid + (hi - mid) * ((v - 0.5) / 0.5))


def class_colors(labels: np.ndarray) -> np.ndarray:
    table = np.stack([_hex(c) for c in CLASS_COLORS])
    return table[np.asarray(labels, np.int64) % len(CLASS_COLORS)]


def boundary_colors(outputs: np.ndarray, task: str, discretize: bool,
                    target_range: tuple = (0.0, 1.0)) -> np.ndarray:
    """float32 (R, R, 3) picture of the network's outputs on the grid, rows from y_min.

    outputs : (R, R) probability of class 1 (binary), (R, R, K) class probabilities
              (multiclass) or (R, R) predicted value (regression)
    """
    if task == "multiclass":
        k = outputs.shape[-1]
        top = np.argmax(outputs, axis=-1)
        if discretize:
            strength = np.full(top.shape, 0.55, np.float32)
        else:
            conf = np.max(outputs, axis=-1)
            strength = 0.15 + 0.6 * np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0, 1)
        white = np.float32(250.0)     # paler than the window: the points must stand out
        return white + (class_colors(top) - white) * (0.65 * strength[..., None])
    if task == "binary":
        values = (outputs > 0.5) * 0.7 + 0.15 if discretize else outputs
        return diverging(values)
    lo, hi = target_range
    return diverging((outputs - lo) / max(hi - lo, 1e-12))


def boundary_picture(outputs: np.ndarray, data, discretize: bool = False,
                     show_test: bool = True, size: int = 480) -> Canvas:
    """The output view as a square picture: ``outputs`` on the grid of ``data`` (a
    pipeline.PreparedData) with its training points filled and test points outlined."""
    margin = 8
    canvas = Canvas(size + 2 * margin, size + 2 * margin)
    colors = boundary_colors(outputs, data.task, discretize, data.target_range)
    canvas.image_at(margin, margin, size, size, colors[::-1])     # row 0 on top is y_max
    x0, x1, y0, y1 = data.extent

    def place(points):
        px = margin + (points[:, 0] - x0) / (x1 - x0) * size
        py = margin + (y1 - points[:, 1]) / (y1 - y0) * size
        return px, py

    def groups(points, labels):
        """(xs, ys, colours, marker) per marker shape: one per class, circles for values."""
        px, py = place(points)
        if data.task == "regression":
            lo, hi = data.target_range
            yield px, py, diverging((labels - lo) / max(hi - lo, 1e-12), STRONG), "circle"
            return
        labels = np.asarray(labels, np.int64)
        for k in np.unique(labels):
            mine = labels == k
            yield px[mine], py[mine], class_colors(labels[mine]), palette.class_marker(k)

    if show_test and len(data.points_test):
        for px, py, colors, marker in groups(data.points_test, data.labels_test):
            canvas.markers(px, py, 4.8, marker, colors)
            canvas.markers(px, py, 3.0, marker, "#FFFFFF", alpha=0.8)
    for px, py, colors, marker in groups(data.points_train, data.labels_train):
        canvas.markers(px, py, 4.8, marker, "#FFFFFF")
        canvas.markers(px, py, 3.8, marker, colors)
    if data.task != "regression":
        class_legend(canvas, margin + 4, margin + size - 4, _n_classes(data))
    canvas.frame(margin, margin, size, size, GRID)
    return canvas


LEGEND_ENTRY = 26          # pixels per class in the picture's legend


def class_legend(canvas: Canvas, x: float, bottom: float, k: int) -> tuple[float, float]:
    """Each class's marker in its colour and its number (1..k), in a white box whose lower
    left corner is (x, bottom); returns the box's (width, height)."""
    w, h = 8 + k * LEGEND_ENTRY, 18
    canvas.rect(x, bottom - h, w, h, "#FFFFFF")
    canvas.frame(x, bottom - h, w, h, GRID)
    for c in range(k):
        cx = x + 10 + c * LEGEND_ENTRY
        canvas.markers([cx], [bottom - h / 2], 4.4, palette.class_marker(c),
                       palette.class_color(c))
        canvas.text(cx + 7, bottom - h / 2 - 3.5, str(c + 1), INK)
    return w, h


def _n_classes(data) -> int:
    k = getattr(data, "n_classes", 0) or 0
    labels = [np.asarray(v) for v in (data.labels_train, data.labels_test) if len(v)]
    seen = max((int(v.max()) + 1 for v in labels), default=2)
    return max(int(k), seen, 2)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round numbers (1, 2 or 5 times a power of ten apart) inside [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def tick_label(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{v:.6g}"


def _decimate(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """At most 2 * buckets points keeping each bucket's lowest and highest value (peaks)."""
    n = len(x)
    if n <= 2 * buckets:
        return x, y
    edges = np.linspace(0, n, buckets + 1).astype(int)
    xs, ys = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        seg = y[a:b]
        if not np.isfinite(seg).any():
            continue
        i, j = np.nanargmin(seg) + a, np.nanargmax(seg) + a
        for k in sorted((i, j)):
            xs.append(x[k])
            ys.append(y[k])
    return np.array(xs), np.array(ys)


def _loss_legend(canvas: Canvas, curves: list, log_scale: bool) -> None:
    """The loss picture's title, legend (a line and a name per curve), frame and step label."""
    left, right, top, bottom = LOSS_MARGINS
    width, height = canvas.width, canvas.height
    canvas.text(left, 10, "loss" + (" (log scale)" if log_scale else ""), INK, size=2)
    legend_x = width - right
    for name, _, color in reversed(curves):
        label = name.split("_")[0]
        legend_x -= Canvas.text_width(label, 2)
        canvas.text(legend_x, 12, label, color, size=2)
        legend_x -= 26
        canvas.line(legend_x + 2, 19, legend_x + 20, 19, color, width=2.5)
        legend_x -= 14
    canvas.frame(left, top, width - left - right, height - top - bottom, GRID)
    canvas.text(left + (width - left - right) / 2, height - 14, "step", MUTED, anchor="center",
                size=1)


#: The loss picture's margins around its plot, in pixels: left, right, top, bottom.
LOSS_MARGINS = (64, 16, 34, 40)
DASH = (6.0, 4.0)          # pixels drawn, pixels skipped along the divergence marker


def loss_picture(history: dict, log_scale: bool = False, width: int = 720,
                 height: int = 420, diverged_at: int | None = None) -> Canvas:
    """Training and test loss against the step, as the Curves panel draws them: the loss axis
    follows ``curve_scale.loss_range`` (after a divergence the blow-up is left out, the curve
    leaves through the top) and a dashed line labelled "diverged" marks ``diverged_at``.

    history : {"step": (n,), "train_loss": (n,), "test_loss": (n,), ...} float arrays
    diverged_at : the step at which the run diverged, or None
    """
    canvas = Canvas(width, height)
    left, right, top, bottom = LOSS_MARGINS
    pw, ph = width - left - right, height - top - bottom
    steps = np.asarray(history.get("step", ()), np.float64)
    curves = [(name, np.asarray(history.get(name, ()), np.float64), color)
              for name, color in (("train_loss", TRAIN_CURVE), ("test_loss", TEST_CURVE))]
    if log_scale:
        curves = [(n, np.where(v > 0, v, np.nan), c) for n, v, c in curves]
    finite = np.concatenate([v[np.isfinite(v)] for _, v, _ in curves] or [np.zeros(0)])
    if steps.size == 0 or finite.size == 0:
        _loss_legend(canvas, curves, log_scale)
        canvas.text(left + pw / 2, top + ph / 2, "no data yet", MUTED, anchor="center", size=2)
        return canvas
    x_lo, x_hi = float(steps.min()), float(max(steps.max(), steps.min() + 1))
    if diverged_at is not None:          # the marker stands clear of the frame
        x_hi = max(x_hi, x_lo + (float(diverged_at) - x_lo) * 1.03)
    y_lo, y_hi = curve_scale.loss_range(steps, curves[0][1], curves[1][1], diverged_at,
                                        log_scale)

    def sx(v):
        return left + (v - x_lo) / (x_hi - x_lo) * pw

    def sy(v):
        return top + ph - (v - y_lo) / (y_hi - y_lo) * ph

    decades = math.floor(y_hi) - math.ceil(y_lo) + 1
    y_ticks = ([float(e) for e in range(math.ceil(y_lo), math.floor(y_hi) + 1,
                                        max(1, math.ceil(decades / 8)))] if log_scale
               else nice_ticks(y_lo, y_hi))
    if log_scale and len(y_ticks) < 2:
        y_ticks = nice_ticks(y_lo, y_hi)
    for t in y_ticks:
        canvas.line(left, sy(t), left + pw, sy(t), GRID, width=1)
    for _, values, color in curves:
        with np.errstate(all="ignore"):
            y = np.log10(values) if log_scale else values
        xs, ys = _decimate(steps, y, pw)
        # off the scale: drawn into the margin (the curve leaves through the top), whose
        # overflow the title band below covers
        ys = np.clip(ys, y_lo - (y_hi - y_lo) * bottom / ph, y_hi + (y_hi - y_lo) * top / ph)
        canvas.polyline(sx(xs), sy(ys), color, width=2.0)
    canvas.rect(0, 0, width, top - 1, "#FFFFFF")
    canvas.rect(0, top + ph + 1, width, bottom, "#FFFFFF")
    _loss_legend(canvas, curves, log_scale)
    for t in y_ticks:
        y = sy(t)
        canvas.text(left - 6, y - 3.5, tick_label(10 ** t if log_scale else t), MUTED,
                    anchor="right")
    for t in nice_ticks(x_lo, x_hi, 6):
        x = sx(t)
        canvas.line(x, top + ph, x, top + ph + 4, MUTED, width=1)
        canvas.text(x, top + ph + 8, tick_label(t), MUTED, anchor="center")
    if diverged_at is not None:
        x = sx(float(diverged_at))
        for y0 in np.arange(top, top + ph, sum(DASH)):
            canvas.line(x, y0, x, min(y0 + DASH[0], top + ph), TEST_CURVE, width=1.5)
        canvas.text(x - 4, top + 6, "diverged", TEST_CURVE, anchor="right")
    return canvas


def comparison_picture(runs: list, column: str = "test_loss", log_scale: bool = False,
                       width: int = 900, height: int = 480) -> Canvas:
    """One curve per run of a comparison: ``column`` (a loss or accuracy) against the step,
    in the palette's colours, with a legend of the runs' names beside the plot.

    runs : [(name, history {"step": (n,), column: (n,), ...}), ...]
    """
    canvas = Canvas(width, height)
    legend_w = min(300, max(120, 36 + max((Canvas.text_width(n) for n, _ in runs), default=0)))
    left, right, top, bottom = LOSS_MARGINS[0], 16 + legend_w, LOSS_MARGINS[2], LOSS_MARGINS[3]
    pw, ph = width - left - right, height - top - bottom
    title = column.replace("_", " ") + (" (log scale)" if log_scale else "")
    canvas.text(left, 10, title, INK, size=2)
    curves = []
    for i, (name, history) in enumerate(runs):
        steps = np.asarray(history.get("step", ()), np.float64)
        values = np.asarray(history.get(column, ()), np.float64)
        if log_scale:
            with np.errstate(all="ignore"):
                values = np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)),
                                  np.nan)
        curves.append((name, steps, values, palette.class_color(i)))
    finite = [v[np.isfinite(v)] for _, _, v, _ in curves]
    finite = np.concatenate(finite) if finite else np.zeros(0)
    all_steps = np.concatenate([s for _, s, _, _ in curves]) if curves else np.zeros(0)
    canvas.frame(left, top, pw, ph, GRID)
    if finite.size == 0 or all_steps.size == 0:
        canvas.text(left + pw / 2, top + ph / 2, "no data yet", MUTED, anchor="center", size=2)
    else:
        x_lo, x_hi = float(all_steps.min()), float(max(all_steps.max(), all_steps.min() + 1))
        y_lo, y_hi = float(finite.min()), float(finite.max())
        if y_hi - y_lo < 1e-12:
            y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
        pad = 0.04 * (y_hi - y_lo)
        y_lo, y_hi = y_lo - pad, y_hi + pad

        def sx(v):
            return left + (v - x_lo) / (x_hi - x_lo) * pw

        def sy(v):
            return top + ph - (v - y_lo) / (y_hi - y_lo) * ph

        y_ticks = nice_ticks(y_lo, y_hi)
        for t in y_ticks:
            canvas.line(left, sy(t), left + pw, sy(t), GRID, width=1)
        for _, steps, values, color in curves:
            xs, ys = _decimate(steps, values, pw)
            canvas.polyline(sx(xs), sy(np.clip(ys, y_lo, y_hi)), color, width=2.0)
        for t in y_ticks:
            canvas.text(left - 6, sy(t) - 3.5, tick_label(10 ** t if log_scale else t), MUTED,
                        anchor="right")
        for t in nice_ticks(x_lo, x_hi, 6):
            canvas.line(sx(t), top + ph, sx(t), top + ph + 4, MUTED, width=1)
            canvas.text(sx(t), top + ph + 8, tick_label(t), MUTED, anchor="center")
    canvas.text(left + pw / 2, height - 14, "step", MUTED, anchor="center")
    x = width - right + 14
    for i, (name, _, _, color) in enumerate(curves):
        y = top + 4 + 18 * i
        if y > height - bottom:
            canvas.text(x, y, f"... {len(curves) - i} more", MUTED)
            break
        canvas.line(x, y + 3.5, x + 18, y + 3.5, color, width=3)
        if Canvas.text_width(name) > legend_w - 36:      # too long: cut, and say so
            while len(name) > 4 and Canvas.text_width(name + "...") > legend_w - 36:
                name = name[:-1]
            name += "..."
        canvas.text(x + 24, y, name, INK)
    return canvas
