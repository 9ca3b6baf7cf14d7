"""One sample's feature maps at every layer of a conv net.

``FeatureMapsView.set_maps(sample_image, [(layer_label, maps), ...])`` shows the sample (C, H, W)
on the left and, for each layer, a titled row of its maps (C_l, H_l, W_l): "conv 8x14x14". Each
map is scaled by its own largest |value| on the diverging map (white is zero), so a ReLU map runs
from white to blue. Rows are rebuilt only when the layers or their shapes change; otherwise the
pixels are recoloured in place.

Choosing another sample (the spin box, or ``show_sample(i)`` from the misclassified gallery)
emits ``sample_requested(i)``; the window answers with ``set_maps`` for that sample.
"""
import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout,
                               QWidget)

from playground import image_views as iv
from widgets import theme
from widgets.filter_grid import DIVERGING_LUT32, GRAY_LUT32, DivergingBar, TileMosaic

SAMPLE_SIDE = 150     # px at 100%: the chosen sample
MAP_TARGET = 64       # px at 100%: about how wide a feature map is drawn


def map_side(size: int, target: int = MAP_TARGET) -> int:
    """Screen width (px at 100%) of a map ``size`` pixels wide: a whole multiple of its pixels
    near ``target`` (at least 32 px)."""
    return max(size * max(1, round(target / size)), 32)


def image_pixels(image: np.ndarray, value_range=None, stacked: bool = False) -> np.ndarray:
    """(1, H, W) RGB32 of an image (C, H, W): grey on white for one channel, colour for three
    (any other count: the mean over channels), over value_range (lo, hi) or the image's own.
    ``stacked``: ``image`` is n one-channel images (n, H, W), giving (n, H, W)."""
    img = np.asarray(image, dtype=np.float64)
    if stacked:
        lo, hi = value_range if value_range is not None else (min(0.0, float(img.min())),
                                                               float(img.max()))
        return GRAY_LUT32.take(iv.gray_levels(img, lo, hi))
    if img.ndim == 2:
        img = img[None]
    lo, hi = value_range if value_range is not None else (min(0.0, float(img.min())),
                                                           float(img.max()))
    if img.shape[0] == 3:
        rgb = iv.gray_levels(img, lo, hi).astype(np.uint32)
        return (0xFF000000 | (rgb[0] << 16) | (rgb[1] << 8) | rgb[2])[None]
    return GRAY_LUT32.take(iv.gray_levels(img.mean(axis=0), lo, hi))[None]


class LayerRow(QWidget):
    """A layer's title ("conv 8x14x14") and its maps, wrapping over as many lines as needed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setProperty("role", "value")
        self.mosaic = TileMosaic(side=MAP_TARGET)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, theme.px(4), 0, theme.px(4))
        layout.setSpacing(theme.px(2))
        layout.addWidget(self.title)
        layout.addWidget(self.mosaic)

    def set_maps(self, label: str, maps: np.ndarray, target: int = MAP_TARGET) -> None:
        self.title.setText(iv.shape_label(label, maps.shape))
        peaks = iv.map_peaks(maps)
        self.mosaic.set_side(map_side(maps.shape[-1], target))
        pixels = DIVERGING_LUT32.take(iv.map_indices(maps))
        tips = [f"{label} map {i + 1}: white 0 \u2192 blue +{p:.3g} (orange \u2212{p:.3g})"
                for i, p in enumerate(peaks)]
        self.mosaic.set_tiles(pixels, [str(i + 1) for i in range(len(maps))], tips)


class FeatureMapsView(QWidget):
    """The chosen sample and each layer's feature maps for it."""

    sample_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._shapes: list[tuple[str, tuple]] = []
        self._layers: list = []
        self.rows: list[LayerRow] = []

        self.sample_title = QLabel("Sample")
        self.sample_title.setProperty("role", "section")
        self.sample = TileMosaic()
        self.sample.setFixedSize(theme.px(SAMPLE_SIDE), theme.px(SAMPLE_SIDE))
        self.sample_caption = QLabel("")
        self.sample_caption.setWordWrap(True)
        self.sample_caption.setProperty("role", "hint")
        self.sample_caption.setFixedWidth(theme.px(SAMPLE_SIDE))
        self.chooser = QSpinBox()
        self.chooser.setRange(0, 0)
        self.chooser.setPrefix("test image ")
        self.chooser.setToolTip("Which test image's feature maps to show (or click one in the "
                                "gallery of mistakes)")
        self.chooser.valueChanged.connect(self._on_chooser_value_changed)
        self.bar = DivergingBar()
        self.bar.set_ends("\u2212", "+")
        self.bar.setFixedWidth(theme.px(120))
        self.bar.setToolTip("Each map is scaled to its own largest |value|: orange negative, "
                            "white 0, blue positive")
        self.bar_caption = QLabel("each map scaled to its own largest |value|")
        self.bar_caption.setProperty("role", "hint")
        self.bar_caption.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.sample_title)
        left.addWidget(self.sample)
        left.addWidget(self.sample_caption)
        left.addWidget(self.chooser)
        left.addStretch(1)
        # The colour legend under the sample: the maps keep the column's whole height.
        left.addWidget(self.bar)
        left.addWidget(self.bar_caption)

        self.layers = QWidget()
        self.layers_layout = QVBoxLayout(self.layers)
        self.layers_layout.setContentsMargins(0, 0, theme.px(4), 0)
        self.layers_layout.addStretch(1)
        self.empty = QLabel("No feature maps yet: add a conv layer and train")
        self.empty.setProperty("role", "hint")
        self.layers_layout.insertWidget(0, self.empty)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.layers)

        right = QVBoxLayout()
        right.addWidget(self.scroll, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(theme.px(6), theme.px(4), theme.px(6), theme.px(4))
        layout.addLayout(left)
        layout.addLayout(right, 1)

    # ---- data in ---------------------------------------------------------------------------
    def set_sample_count(self, n: int) -> None:
        """The chooser offers test images 0..n-1."""
        with QSignalBlocker(self.chooser):
            self.chooser.setRange(0, max(0, int(n) - 1))

    def set_maps(self, sample_image: np.ndarray, layers, sample_index: int | None = None,
                 caption: str = "", value_range=None) -> None:
        """Show ``sample_image`` (C, H, W) (value_range: the data's (lo, hi), by default the
        image's own) and each ``(layer_label, maps (C_l, H_l, W_l))`` of ``layers``;
        ``sample_index`` sets the chooser without asking for the sample again."""
        layers = [(str(label), np.asarray(maps, dtype=np.float64)) for label, maps in layers]
        for label, maps in layers:
            if maps.ndim != 3:
                raise ValueError(f"maps of {label!r} must be (C, H, W), got shape {maps.shape}")
        self.sample.set_tiles(image_pixels(sample_image, value_range))
        self.sample_caption.setText(caption)
        if sample_index is not None:
            with QSignalBlocker(self.chooser):
                if sample_index > self.chooser.maximum():
                    self.chooser.setMaximum(sample_index)
                self.chooser.setValue(int(sample_index))
        shapes = [(label, maps.shape) for label, maps in layers]
        if shapes != self._shapes:
            self._rebuild(len(layers))
            self._shapes = shapes
        self._layers = layers
        for row, (label, maps) in zip(self.rows, layers):
            row.set_maps(label, maps, self._map_target())

    def _map_target(self) -> int:
        return MAP_TARGET if self.width() >= theme.px(640) else MAP_TARGET * 3 // 4

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # The sample takes at most 30% of the width and a third of the height (its caption, the
        # chooser and the colour legend are under it).
        side = int(min(theme.px(SAMPLE_SIDE), self.width() * 0.3, self.height() * 0.34))
        side = max(side, theme.px(56))
        # A short view (a 720-pixel window) says what the colours mean in the bar's tooltip.
        self.bar_caption.setVisible(self.height() >= theme.px(330))
        self.sample.setFixedSize(side, side)
        # The chooser keeps room for its whole text ("test image 1234"), the caption its width.
        column = max(side, self.chooser.sizeHint().width())
        for w in (self.sample_caption, self.chooser, self.bar_caption):
            w.setFixedWidth(column)
        self.bar.setFixedWidth(min(theme.px(120), column))
        for row, (label, maps) in zip(self.rows, self._layers):
            row.set_maps(label, maps, self._map_target())

    def _rebuild(self, n: int) -> None:
        while len(self.rows) > n:
            self.rows.pop().deleteLater()
        while len(self.rows) < n:
            row = LayerRow()
            self.layers_layout.insertWidget(self.layers_layout.count() - 1, row)
            self.rows.append(row)
        self.empty.setVisible(n == 0)

    def layer_titles(self) -> list[str]:
        return [row.title.text() for row in self.rows]

    def current_sample(self) -> int:
        return self.chooser.value()

    # ---- intent out ------------------------------------------------------------------------
    def show_sample(self, index: int) -> None:
        """Ask for test image ``index`` (the gallery's sample_chosen connects here)."""
        index = int(index)
        if index > self.chooser.maximum():
            with QSignalBlocker(self.chooser):
                self.chooser.setMaximum(index)
        if index == self.chooser.value():
            self.sample_requested.emit(index)
        else:
            self.chooser.setValue(index)

    def _on_chooser_value_changed(self, value: int) -> None:
        self.sample_requested.emit(int(value))
