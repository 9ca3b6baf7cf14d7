"""The augmentation preview: one image and a grid of what training would make of it, redrawn as
the transforms are switched and their strengths moved.

``AugmentPreviewPanel(data, settings)`` takes an ImageData and an ``Augmentation``; each toggle
and slider makes a new Augmentation, redraws, and emits ``settings_changed(settings)`` for
whoever owns the experiment. ``set_settings`` (from the model) updates the controls without
emitting. The pictures come from ``playground.augmentation``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from playground import augmentation
from playground.augmentation import TRANSFORMS, Augmentation
from playground.image_data import ImageData
from widgets import theme
from widgets.controls import ValueSlider, section_label

COLUMNS = 6
COUNT = 18          # augmented versions shown (three rows of six)


def _image_view(layout: pg.GraphicsLayoutWidget, row: int, title: str):
    label = layout.addLabel(title, row=row, col=0)
    view = layout.addViewBox(row=row + 1, col=0, lockAspect=True, enableMouse=False,
                             invertY=True)
    view.setMenuEnabled(False)
    item = pg.ImageItem(levels=(0.0, 1.0))
    view.addItem(item)
    return label, view, item


class AugmentPreviewPanel(QWidget):
    """Toggles and strength sliders for each transform beside a preview grid."""

    settings_changed = Signal(object)

    def __init__(self, data: ImageData, settings: Augmentation | None = None,
                 parent: QWidget | None = None, stacked: bool = False):
        """``stacked``: the preview under the controls, narrow sliders (a side panel)."""
        super().__init__(parent)
        self._stacked = stacked
        self._data = data
        self._settings = settings if settings is not None else Augmentation()
        self._seed = 0
        self.toggles: dict[str, QCheckBox] = {}
        self.sliders: dict[str, ValueSlider] = {}

        controls = QGridLayout()
        metrics = QFontMetrics(self.font())
        widest = max(metrics.horizontalAdvance(augmentation.strength_text(s, v)) + theme.px(8)
                     for s, steps in augmentation.STEPS.items() for v in steps)
        controls.setHorizontalSpacing(theme.px(6 if stacked else 10))
        controls.addWidget(section_label("Augmentation"), 0, 0, 1, 2)
        for row, (toggle, strength) in enumerate(TRANSFORMS.items(), start=1):
            # (a side panel is narrow: the first word, "Flip"; the tooltip says the rest)
            label = augmentation.LABELS[toggle]
            box = QCheckBox(label.split()[0] if stacked else label)
            box.setToolTip(Augmentation.HYPERPARAMS[[h.name for h in
                                                     Augmentation.HYPERPARAMS].index(toggle)].doc)
            slider = ValueSlider(augmentation.STEPS[strength],
                                 fmt=lambda v, s=strength: augmentation.strength_text(s, v))
            # (narrow: each value as wide as its text, the grooves take what is left)
            slider.label.setMinimumWidth(0 if stacked else widest)
            slider.slider.setMinimumWidth(theme.px(36 if stacked else 130))
            box.toggled.connect(lambda on, t=toggle: self._on_toggle_toggled(t, on))
            slider.value_chosen.connect(lambda v, s=strength: self._on_slider_value_chosen(s, v))
            controls.addWidget(box, row, 0)
            controls.addWidget(slider, row, 1)
            self.toggles[toggle], self.sliders[strength] = box, slider
        self.sample_box = QSpinBox()
        self.sample_box.setRange(0, len(data) - 1)
        self.sample_box.setToolTip("which training image to preview")
        self.sample_box.valueChanged.connect(self._on_sample_box_value_changed)
        self.redraw_button = QPushButton("New draws")
        self.redraw_button.setToolTip("show other random versions (another seed)")
        self.redraw_button.clicked.connect(self._on_redraw_button_clicked)
        sample_row = QHBoxLayout()
        if stacked:
            self.redraw_button.setText("Redraw")
        sample_row.addWidget(QLabel("Image"))
        sample_row.addWidget(self.sample_box)
        sample_row.addStretch(1)
        sample_row.addWidget(self.redraw_button)
        left = QVBoxLayout()
        left.addLayout(controls)
        left.addLayout(sample_row)
        left.addStretch(1)

        self.grid_view = pg.GraphicsLayoutWidget()
        self.grid_view.setBackground(None)
        self.grid_view.ci.layout.setRowStretchFactor(1, 1)
        self.grid_view.ci.layout.setRowStretchFactor(3, 2)
        self._original_label, _, self._original_item = _image_view(self.grid_view, 0, "")
        self._grid_label, _, self._grid_item = _image_view(self.grid_view, 2, "")
        self.grid_view.setMinimumSize(*((theme.px(200), theme.px(290)) if stacked else
                                        (theme.px(320), theme.px(260))))

        layout = QVBoxLayout(self) if stacked else QHBoxLayout(self)
        if stacked:
            layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 0)
        layout.addWidget(self.grid_view, 1)
        theme.changes.look_changed.connect(self._on_theme_look_changed)
        self.set_settings(self._settings)

    # model -> view
    def settings(self) -> Augmentation:
        return self._settings

    def set_settings(self, settings: Augmentation) -> None:
        """Show ``settings`` (no ``settings_changed``)."""
        self._settings = settings
        for toggle, strength in TRANSFORMS.items():
            with QSignalBlocker(self.toggles[toggle]):
                self.toggles[toggle].setChecked(settings.hyper[toggle])
            self.sliders[strength].set_value(settings.hyper[strength])
            self.sliders[strength].setEnabled(settings.hyper[toggle])
        self._redraw()

    def preview_tiles(self) -> np.ndarray:
        """The augmented versions on show: float32 (COUNT, H, W) or (COUNT, H, W, 3)."""
        return self._tiles.copy()

    def caption(self) -> str:
        """The line above the grid."""
        return self._caption

    def set_data(self, data: ImageData) -> None:
        self._data = data
        with QSignalBlocker(self.sample_box):
            self.sample_box.setRange(0, len(data) - 1)
        self._redraw()

    # view -> model
    def _on_toggle_toggled(self, toggle: str, on: bool) -> None:
        self.sliders[TRANSFORMS[toggle]].setEnabled(on)
        self._change(**{toggle: on})

    def _on_slider_value_chosen(self, strength: str, value) -> None:
        self._change(**{strength: value})

    def _on_sample_box_value_changed(self, _value: int) -> None:
        self._redraw()

    def _on_theme_look_changed(self, old, new) -> None:
        self._redraw()                  # the captions' colour follows the look

    def _on_redraw_button_clicked(self) -> None:
        self._seed += 1
        self._redraw()

    def _change(self, **changes) -> None:
        self._settings = self._settings.replace(**changes)
        self._redraw()
        self.settings_changed.emit(self._settings)

    def _redraw(self) -> None:
        sample = self.sample_box.value()
        label = self._data.class_names[self._data.labels[sample]]
        tiles = augmentation.preview_tiles(self._data, self._settings, sample, COUNT, self._seed)
        self._tiles = tiles
        self._original_item.setImage(augmentation.original(self._data, sample), levels=(0.0, 1.0))
        self._grid_item.setImage(augmentation.mosaic(tiles, COLUMNS), levels=(0.0, 1.0))
        ink = theme.color("ink")
        if self._stacked:               # (a narrow panel: the short words)
            self._original_label.setText(f"Image {sample}, class {label}", color=ink)
            state = "as training sees it" if self._settings.active else "augmentation off"
            self._caption = f"{COUNT} versions, {state}"
        else:
            self._original_label.setText(f"Image {sample} (class {label})", color=ink)
            state = "as training would see it" if self._settings.active else \
                "augmentation is off"
            self._caption = f"{COUNT} random versions: {state}"
        self._grid_label.setText(self._caption, color=ink)
