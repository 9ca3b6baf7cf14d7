"""Pictures of the data sets for the Data panel's thumbnails: 2-D points drawn with each class's
marker and colour, and four images of an image set (a set whose download is missing shows a
grey square with a down arrow)."""
from functools import lru_cache

import numpy as np
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from playground import image_pipeline, pipeline
from widgets import theme

#: Thumbnail side and the side of a point's marker on it, in pixels; a panel with height to
#: spare (a 1920 x 1080 window) draws larger thumbnails, up to THUMB_MAX.
THUMB = 34
THUMB_MAX = 64
THUMB_MARKER = 3.4


def dataset_thumbnail(name: str, size: int = THUMB) -> QPixmap:
    """A small picture of data set ``name`` (``size`` pixels square): see ``points_picture``."""
    points, labels, task = pipeline.preview(name)
    # markers grow more slowly than the picture: larger ones would cover each other
    return points_picture(points, labels, task, size, THUMB_MARKER * (size / THUMB) ** 0.5)


def points_picture(points: np.ndarray, labels: np.ndarray, task: str, size: int,
                   marker: float) -> QPixmap:
    """A ``size`` x ``size`` picture of ``points`` (n, 2), x to the right and y up, scaled to
    fit with a marker's width to spare at each edge; each point is drawn ``marker`` pixels wide
    with its class's marker and colour (``labels`` (n,), the boundary view's markers), or for
    regression (``task``) as a circle in the colour of its value."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#FFFFFF"))
    lo, hi = points.min(axis=0), points.max(axis=0)
    scale = (size - 2 * marker) / max(float(np.max(hi - lo)), 1e-9)
    centre = (lo + hi) / 2
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    if task == "regression":
        span = max(float(labels.max() - labels.min()), 1e-9)
        colors = [theme.DIVERGING.map((v - labels.min()) / span, mode="qcolor") for v in labels]
        shapes = [Symbols[theme.SYMBOLS["circle"]]] * len(labels)
    else:
        colors = [theme.class_color(int(k)) for k in labels]
        shapes = [Symbols[theme.class_symbol(int(k))] for k in labels]
    for (x, y), color, shape in zip(points, colors, shapes):
        painter.setBrush(color)
        painter.save()
        painter.translate(size / 2 + (x - centre[0]) * scale, size / 2 - (y - centre[1]) * scale)
        painter.scale(marker, marker)
        painter.drawPath(shape)
        painter.restore()
    painter.end()
    return pixmap


def image_available(name: str) -> bool:
    """True when image set ``name`` can be used here (a downloaded set: its files are in the
    download cache; nothing is fetched from the window)."""
    return image_pipeline.unavailable(name) is None


def unavailable_text(name: str) -> str:
    """Why downloaded set ``name`` cannot be chosen, and how to get it."""
    return f"{image_pipeline.unavailable(name)}."


@lru_cache(maxsize=None)
def _sample_images(name: str) -> np.ndarray | None:
    """Four images of image set ``name``, of different classes where it has them: float
    (4, H, W) in [0, 1] (ink 1); None when the set is not available."""
    from playground import image_data
    if name == "digits":
        data = image_data.digits_data()
    elif name == "shapes":
        data = image_data.shapes_data(n=40)
    elif image_data.is_imported(name):      # (a name always means the same images)
        data = image_data.imported_set(name)
    elif image_available(name):
        from playground import downloads
        data = downloads.downloaded_data(name, "train", limit=200)
    else:
        return None
    picks = [int(np.flatnonzero(data.labels == k)[0]) for k in np.unique(data.labels)[:4]]
    picks += [0] * (4 - len(picks))
    images = np.asarray(data.images[picks], dtype=np.float64).mean(axis=1)
    lo, hi = float(images.min()), float(images.max())
    return (images - lo) / (hi - lo if hi > lo else 1.0)


def image_thumbnail(name: str, size: int = THUMB) -> QPixmap:
    """A ``size`` x ``size`` picture of image set ``name``: four of its images, dark ink on
    white; for a set that is not downloaded, a grey square with a down arrow."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#FFFFFF"))
    painter = QPainter(pixmap)
    images = _sample_images(name)
    if images is None:
        painter.fillRect(0, 0, size, size, QColor("#E5E7EB"))
        painter.setPen(QColor("#6B7280"))
        font = theme.font(0, bold=True)
        font.setPixelSize(max(8, size // 2))
        painter.setFont(font)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "\u2193")
        painter.end()
        return pixmap
    half = size // 2
    for i, img in enumerate(images):
        grey = np.ascontiguousarray(np.rint(255.0 * (1.0 - np.clip(img, 0, 1))), dtype=np.uint8)
        h, w = grey.shape
        picture = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8)
        r, c = divmod(i, 2)
        painter.drawImage(QRectF(c * (size - half), r * (size - half), half, half), picture)
    painter.end()
    return pixmap


def imported_text(name: str) -> str:
    """What the Data panel says of imported set ``name``: its title, number of images, size,
    colour and classes ("bars: 24 images, 16x16 grey, 3 classes: bar, column, diagonal")."""
    from playground import image_data
    data = image_data.imported_set(name)
    c, h, w = data.image_shape
    names = data.class_names
    shown = ", ".join(names[:10]) + (", \u2026" if len(names) > 10 else "")
    return (f"{image_data.imported_title(name)}: {len(data):,} images, {h}x{w} "
            f"{'grey' if c == 1 else 'colour'}, {len(names)} classes: {shown}")


def dataset_tip(name: str) -> str:
    """The tooltip of data set ``name``'s thumbnail: its name and task, or for an image set its
    classes, size and colour (and, for a download that is missing, how to get it)."""
    from playground import catalog
    from playground.image_data import DOWNLOADED_SOURCES
    if not catalog.is_image_dataset(name):
        return (f"{catalog.dataset_label(name)} "
                f"({catalog.TASK_LABELS[catalog.dataset_task(name)]})")
    c, h, w = catalog.image_input_shape(name)
    tip = (f"{catalog.dataset_label(name)}: {catalog.image_class_count(name)} classes of "
           f"{h}x{w} {'grey' if c == 1 else 'colour'} images")
    if name in DOWNLOADED_SOURCES and not image_available(name):
        tip += f". Not downloaded: {unavailable_text(name)}"
    return tip
