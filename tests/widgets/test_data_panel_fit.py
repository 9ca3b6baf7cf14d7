"""The Data panel fits a 1280 x 720 window with no scrolling for every example, every label whole,
and its thumbnails draw each class with its own marker and colour."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QLabel, QScrollArea, QToolButton

from playground import palette, presets
from widgets.data_thumbnails import THUMB, THUMB_MAX, points_picture

EXAMPLES = [p.name for p in presets.PRESETS]


def settle(qtbot, w):
    qtbot.waitUntil(lambda: w.data_panel.isVisible(), timeout=30_000)
    qtbot.wait(20)                 # let the layouts run


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_shows_the_whole_data_panel_at_1280x720(qtbot, make_window, name):
    w = make_window(size=(1280, 720))
    assert w.file_actions.open_preset(name)
    settle(qtbot, w)
    scroll = w.data_dock.findChild(QScrollArea)
    viewport = scroll.viewport()
    assert scroll.widget().sizeHint().height() <= viewport.height(), name
    assert scroll.verticalScrollBar().maximum() == 0, name
    boxes = list(w.data_panel.feature_boxes.values())
    for box in boxes:
        top_left = box.mapTo(viewport, box.rect().topLeft())
        bottom_right = box.mapTo(viewport, box.rect().bottomRight())
        assert box.isVisible() and viewport.rect().contains(top_left) \
            and viewport.rect().contains(bottom_right), (name, box.text())
    panel = w.data_panel
    for label in panel.findChildren(QLabel):
        if label.isVisible() and label.text() and not label.wordWrap():
            assert label.fontMetrics().horizontalAdvance(label.text()) <= \
                label.contentsRect().width(), (name, label.text())
    for widget in panel.findChildren(QCheckBox) + panel.findChildren(QToolButton):
        if widget.isVisible():        # the size hint holds the whole text beside or under
            assert widget.sizeHint().width() <= widget.width(), (name, widget.text())
            assert widget.fontMetrics().horizontalAdvance(widget.text()) < widget.width()


def test_k_class_data_keep_the_classes_row_and_the_panel_still_fits(qtbot, make_window):
    w = make_window(size=(1280, 720))
    assert w.file_actions.open_preset("blobs_k")
    settle(qtbot, w)
    assert w.data_panel.classes.isVisible()
    assert w.data_dock.findChild(QScrollArea).verticalScrollBar().maximum() == 0


def near(pixel: QColor, color: str) -> bool:
    want = QColor(color)
    return max(abs(pixel.red() - want.red()), abs(pixel.green() - want.green()),
               abs(pixel.blue() - want.blue())) <= 8


def test_thumbnails_draw_each_class_with_its_marker_and_colour(qapp):
    # Three points in a row, classes 0, 1, 2: 300 px picture, 60 px markers, 90 px apart.
    points = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    image = points_picture(points, np.array([0.0, 1.0, 2.0]), "binary", 300, 60).toImage()
    assert palette.class_marker(0) == "circle" and palette.class_marker(1) == "square" \
        and palette.class_marker(2) == "triangle"
    centres = (60, 150, 240)                  # (300 - 2 * 60) / 2 = 90 px per unit
    for k, cx in enumerate(centres):
        assert near(image.pixelColor(cx, 150), palette.class_color(k)), k
    white = "#FFFFFF"
    # circle: its bounding box's corners are outside it
    assert near(image.pixelColor(60 + 26, 150 + 26), white)
    assert near(image.pixelColor(60 + 28, 150), palette.class_color(0))
    # square: the corners are inside
    assert near(image.pixelColor(150 + 26, 150 + 26), palette.class_color(1))
    assert near(image.pixelColor(150 - 26, 150 - 26), palette.class_color(1))
    # triangle pointing up, as in the boundary view: wide at the bottom, a point at the top
    assert near(image.pixelColor(240 - 26, 150 + 26), palette.class_color(2))
    assert near(image.pixelColor(240 - 26, 150 - 26), white)
    assert near(image.pixelColor(240, 150 - 24), palette.class_color(2))


def test_the_widest_batch_text_fits_beside_its_slider(qtbot, make_window):
    w = make_window(size=(1280, 720), n_points=5000, train_ratio=0.9, batch_size=4500)
    settle(qtbot, w)
    label = w.data_panel.batch.label
    assert label.text() == "4500 (all)"
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()


def test_a_taller_window_draws_larger_thumbnails_that_keep_their_size_across_data_sets(
        qtbot, make_window):
    small = make_window(size=(1280, 720))
    settle(qtbot, small)
    assert small.data_panel.thumbnail_size() == THUMB
    w = make_window(size=(1366, 768))      # room for larger thumbnails, not the largest
    settle(qtbot, w)
    size = w.data_panel.thumbnail_size()
    assert THUMB < size < THUMB_MAX
    button = w.data_panel.dataset_buttons["blobs_k"]
    assert button.iconSize().height() == size > small.data_panel.dataset_buttons[
        "blobs_k"].iconSize().height()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)     # a data set with a Classes row
    assert w.experiment.dataset == "blobs_k"
    qtbot.wait(20)
    assert w.data_panel.thumbnail_size() == size
    scroll = w.data_dock.findChild(QScrollArea)
    assert scroll.widget().sizeHint().height() <= scroll.viewport().height()
    assert scroll.verticalScrollBar().maximum() == 0


def test_a_full_hd_window_draws_the_largest_thumbnails_with_no_scrolling(qtbot, make_window):
    w = make_window(size=(1920, 1080))
    assert w.file_actions.open_preset("spiral_k")
    settle(qtbot, w)
    assert w.data_panel.thumbnail_size() == THUMB_MAX
    assert w.data_dock.findChild(QScrollArea).verticalScrollBar().maximum() == 0
