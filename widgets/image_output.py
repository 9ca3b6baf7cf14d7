"""The Output dock of an image experiment: what a conv net has learned, in five tabs.

- **Filters**: the kernels of the conv layer chosen above the grid (a deeper layer's by input
  channel, the grid's own spin box);
- **Feature maps**: the chosen test image and every spatial layer's maps for it (the chooser, or a
  click in the gallery of mistakes, asks the session for another image: ``choose_sample``);
- **Mistakes**: the misclassified test images, the most confident first, true and predicted class;
- **Confusion**: the confusion matrix and each class's accuracy;
- **Draw**: a canvas whose drawing the network classifies as it is drawn (``session.classify``).

Everything is read from ``snapshot.images`` (``playground.snapshot.ImageProducts``); the rules of
what is shown live in ``playground.image_views``. A line above the tabs says what the numbers
cover: the whole test set (epoch ends, pause, single steps) or a fixed live sample while playing.
Only the tab in front redraws on a frame; the others draw from the last snapshot when chosen.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from playground import image_views as iv
from widgets import theme
from widgets.confusion import ConfusionMatrixView
from widgets.drawing_canvas import DrawingPanel
from widgets.feature_maps import FeatureMapsView
from widgets.filter_grid import FilterGridView
from widgets.misclassified import MisclassifiedGallery

#: The tabs, in order: key -> title, and the shorter titles of a narrow panel.
TABS = {"filters": "Filters", "maps": "Feature maps", "mistakes": "Mistakes",
        "confusion": "Confusion", "draw": "Draw"}
SHORT_TABS = {**TABS, "maps": "Maps"}
#: Horizontal paddings of a tab's title to try, px at 100% (the app's tabs have 16: five tabs
#: in a narrow dock need less).
TAB_PADDINGS = (10, 6, 3)
#: Tabs whose numbers come from the evaluated test images (the scope line speaks for them).
SCORED_TABS = ("mistakes", "confusion")


def scope_text(images) -> str:
    """What the predictions of ``images`` (ImageProducts) cover, in one line."""
    n, total = len(images.eval_indices), int(images.n_test)
    if images.evaluated_all:
        return f"On the whole test set: {total:,} images"
    return (f"Live sample: {n:,} of the {total:,} test images while training "
            f"(the whole set at each epoch end and on pause)")


def _without_shape(label: str, shape) -> str:
    """"conv 8x14x14" of maps (8, 14, 14) -> "conv"; any other label as it is."""
    suffix = "x".join(str(int(s)) for s in shape)
    return label[:-len(suffix)].rstrip() if label.endswith(" " + suffix) else label


def _filter_label(j: int, shape) -> str:
    """Conv layer j's entry in the chooser: "conv layer 2: 32 filters 3x3 on 16 maps"."""
    o, c, kh, kw = (int(v) for v in shape)
    on = f" on {c} maps" if c > 1 else ""
    return f"conv layer {j + 1}: {o} filters {kh}x{kw}{on}"


class FilterTab(QWidget):
    """A chooser of the conv layer above the filter grid of that layer."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layer = QComboBox()
        self.layer.setToolTip("Which conv layer's filters to show: the first layer's filters "
                              "look at the image, a deeper layer's at the maps before it")
        self.layer_label = QLabel("Layer")
        self.grid = FilterGridView()
        row = QHBoxLayout()
        row.setContentsMargins(6, 4, 6, 0)
        row.addWidget(self.layer_label)
        row.addWidget(self.layer, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.grid, 1)
        self._labels: list[str] = []

    def set_filters(self, filters) -> None:
        """Show ``filters`` ((label, kernel (O, C, k, k)), ...): the chosen layer's, kept by
        its place when the labels change (a layer edited), else the first."""
        labels = [_filter_label(j, np.shape(kernel)) for j, (_, kernel) in enumerate(filters)]
        if labels != self._labels:
            keep = self.layer.currentIndex()
            with QSignalBlocker(self.layer):
                self.layer.clear()
                self.layer.addItems(labels)
                self.layer.setCurrentIndex(keep if 0 <= keep < len(labels) else 0)
            self._labels = labels
        shown = len(labels) > 0
        for w in (self.layer, self.layer_label):
            w.setVisible(len(labels) > 1)
        if not shown:
            self.grid.clear()
            return
        j = max(self.layer.currentIndex(), 0)
        title = "Filters of the conv layer" if len(labels) == 1 else \
            f"Filters of conv layer {j + 1}"
        self.grid.set_filters(filters[j][1], title=title)

    def clear(self) -> None:
        with QSignalBlocker(self.layer):
            self.layer.clear()
        self._labels = []
        self.grid.clear()


class ImageOutputPanel(QWidget):
    """The image views of ``session``'s network, fed by its snapshots."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self._last = None               # the latest snapshot of this network with images
        self._drawn: dict[str, int] = {}    # tab -> id of the snapshot it shows
        self._value_range = (0.0, 1.0)
        self._names: tuple = ()
        self._classifier_ready = False
        self._style: iv.DrawingStyle | None = None
        self._tab_style: str | None = None

        self.scope = QLabel("No test images classified yet")
        self.scope.setProperty("role", "hint")
        self.scope.setWordWrap(True)
        self.scope.setToolTip("While training, the mistakes and the confusion matrix are "
                              "worked out on a fixed sample of the test images (so each frame "
                              "stays quick); at each epoch end, on pause and after a step, on "
                              "all of them")
        self.filters = FilterTab()
        self.maps = FeatureMapsView()
        self.mistakes = MisclassifiedGallery()
        self.confusion = ConfusionMatrixView()
        self.draw = DrawingPanel()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.pages = {"filters": self.filters, "maps": self.maps, "mistakes": self.mistakes,
                      "confusion": self.confusion, "draw": self.draw}
        for key, title in TABS.items():
            self.tabs.addTab(self.pages[key], title)
        self.tabs.setTabToolTip(0, "The learned filters, each scaled to its own largest weight")
        self.tabs.setTabToolTip(1, "What each layer makes of one test image")
        self.tabs.setTabToolTip(2, "The test images the network gets wrong")
        self.tabs.setTabToolTip(3, "Which classes are taken for which, and each class's "
                                   "accuracy")
        self.tabs.setTabToolTip(4, "Draw a digit or a shape and see what the network says")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.scope)

        self._style_tabs()
        theme.changes.look_changed.connect(self._on_theme_look_changed)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.filters.layer.currentIndexChanged.connect(self._on_filter_layer_changed)
        self.maps.sample_requested.connect(self._on_maps_sample_requested)
        self.mistakes.sample_chosen.connect(self._on_mistakes_sample_chosen)
        session.network_rebuilt.connect(self._on_session_network_rebuilt)
        session.snapshot_ready.connect(self.set_snapshot)
        self._on_session_network_rebuilt()
        self._on_tabs_current_changed(self.tabs.currentIndex())

    # ---- tabs ---------------------------------------------------------------------------
    def _style_tabs(self) -> None:
        self._tab_style = None
        self._fit_tab_titles()

    def _fit_tab_titles(self) -> None:
        """The full titles, else the short ones, with the widest padding that lets all five
        tabs fit side by side (when none does, the tab bar scrolls)."""
        bar = self.tabs.tabBar()
        for padding in TAB_PADDINGS:
            for titles in (TABS, SHORT_TABS):
                self._set_tab_look(padding, titles)
                if bar.sizeHint().width() <= self.tabs.width():
                    return

    def _set_tab_look(self, padding: int, titles: dict) -> None:
        bar = self.tabs.tabBar()
        style = (f"QTabBar::tab {{ padding-left: {theme.px(padding)}px; "
                 f"padding-right: {theme.px(padding)}px; }}")
        if style != self._tab_style:
            self._tab_style = style
            bar.setStyleSheet(style)
        for i, title in enumerate(titles.values()):
            if bar.tabText(i) != title:
                bar.setTabText(i, title)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_tab_titles()

    def _on_theme_look_changed(self, old, new) -> None:
        self._style_tabs()

    # ---- what is in front ---------------------------------------------------------------
    def current_tab(self) -> str:
        return list(TABS)[self.tabs.currentIndex()]

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(list(TABS).index(key))

    # ---- model -> view ------------------------------------------------------------------
    def _on_session_network_rebuilt(self) -> None:
        self._last = None
        self._drawn.clear()
        self._classifier_ready = False
        self.filters.clear()
        self.draw.set_classifier(None, ())
        if getattr(self.session, "modality", "points") != "images":
            return
        images = self.session.test_images()
        if images is not None and len(images):
            lo, hi = float(images.min()), float(images.max())
            self._value_range = (min(0.0, lo), hi if hi > lo else lo + 1.0)
            self.maps.set_sample_count(len(images))
            self._style = iv.DrawingStyle.like(images)
        else:
            self._style = None

    def set_snapshot(self, snapshot) -> None:
        """Keep the snapshot's image products; draw the tab in front (when shown)."""
        images = getattr(snapshot, "images", None)
        if images is None or snapshot.generation != self.session.generation:
            return
        self._last = snapshot
        self._drawn.clear()
        if self.isVisible():
            self._draw(self.current_tab())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._last is not None:
            self._draw(self.current_tab())

    def _on_tabs_current_changed(self, index: int) -> None:
        key = list(TABS)[index]
        self.scope.setVisible(key in SCORED_TABS)
        if self._last is not None and self._drawn.get(key) != id(self._last):
            self._draw(key)

    def _draw(self, key: str) -> None:
        images = self._last.images
        self._drawn[key] = id(self._last)
        self._names = tuple(images.class_names)
        self.scope.setText(scope_text(images))
        if key == "filters":
            self.filters.set_filters(images.filters)
        elif key == "maps":
            self._draw_maps(images)
        elif key == "mistakes":
            self._draw_mistakes(images)
        elif key == "confusion":
            predicted, _ = iv.top_predictions(images.probabilities)
            self.confusion.set_matrix(
                iv.confusion_matrix(images.true, predicted, len(self._names)), self._names)
        elif key == "draw":
            self._draw_drawing()

    def _draw_maps(self, images) -> None:
        i = int(images.sample_index)
        caption = f"Test image {i}"
        where = np.flatnonzero(np.asarray(images.eval_indices) == i)
        if where.size:
            row = int(where[0])
            true = int(images.true[row])
            p = np.asarray(images.probabilities[row], dtype=np.float64)
            top = int(np.argmax(p))
            # short: the sample's column is narrow in a small window
            sure = f"{100.0 * p[top]:.0f}%"
            caption = (f"Test image {i}: a {self._names[true]}, right ({sure})" if top == true
                       else f"Test image {i}: a {self._names[true]}, wrong: taken for "
                            f"{self._names[top]} ({sure})")
        # The view writes each layer's shape after its title: a label that ends in it already
        # ("conv 8x14x14") gives its name only.
        layers = [(_without_shape(str(label), np.shape(maps)), maps)
                  for label, maps in images.feature_maps]
        self.maps.set_maps(images.sample_image, layers, sample_index=i,
                           caption=caption, value_range=self._value_range)

    def _draw_mistakes(self, images) -> None:
        order, predicted, confidence = iv.mistakes(images.true, images.probabilities)
        test_index = np.asarray(images.eval_indices, dtype=np.int64)[order]
        test_images = self.session.test_images()
        self.mistakes.set_items(test_images[test_index], np.asarray(images.true)[order],
                                predicted, confidence, self._names, indices=test_index,
                                total=len(images.eval_indices), value_range=self._value_range)

    def _draw_drawing(self) -> None:
        # The network changes as it trains: the answer for the drawing on the sheet follows.
        if not self._classifier_ready:
            self.draw.set_classifier(self._classify, self._names, self._style)
            self._classifier_ready = True
        elif not self.draw.canvas.is_empty():
            self.draw.set_classifier(self._classify, self._names)

    def _classify(self, image: np.ndarray) -> np.ndarray:
        return self.session.classify(np.asarray(image)[None])[0]

    # ---- intent -------------------------------------------------------------------------
    def _on_filter_layer_changed(self, _index: int) -> None:
        if self._last is not None:
            self.filters.set_filters(self._last.images.filters)

    def _on_maps_sample_requested(self, index: int) -> None:
        self.session.choose_sample(int(index))

    def _on_mistakes_sample_chosen(self, index: int) -> None:
        """A mistake clicked: its feature maps, in front."""
        self.maps.show_sample(index)
        self.show_tab("maps")
