"""The Data panel's class buttons show every class name in full, on as many rows as the
panel's width needs (Fashion-MNIST's "T-shirt/top", "Ankle boot": here an imported set with
those names, since the download may be missing); ten short names keep two rows of five; a
click still chooses the classes."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from playground.downloads import DOWNLOADS
from playground.image_data import ImageData, register_imported
from playground.image_folder import experiment_changes

FASHION = DOWNLOADS["fashion_mnist"].class_names


def fashion_named_set() -> str:
    rng = np.random.default_rng(0)
    images = rng.random((30, 1, 8, 8)).astype(np.float32)
    labels = np.arange(30, dtype=np.int64) % 10
    return register_imported(ImageData(images, labels, FASHION, "imported"), "clothes")


def rows_and_columns(buttons):
    return (len({b.geometry().top() for b in buttons}),
            len({b.geometry().left() for b in buttons}))


def text_fits(button):
    needed = QFontMetrics(button.font()).horizontalAdvance(button.text())
    return button.width() >= needed and button.text() == button.text().strip()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_long_class_names_show_in_full_on_more_rows(make_window, qtbot, size):
    w = make_window(size=size)
    w.experiment.update(experiment_changes(w.experiment.values(), fashion_named_set()))
    subset = w.data_panel.class_subset
    qtbot.waitUntil(lambda: len(subset.class_buttons) == 10 and subset.isVisible()
                    and subset.class_buttons[-1].geometry().top() > 0)
    buttons = subset.class_buttons
    assert [b.text() for b in buttons] == list(FASHION)
    assert all(text_fits(b) for b in buttons), [(b.text(), b.width()) for b in buttons]
    rows, columns = rows_and_columns(buttons)
    assert rows * columns >= 10 and 2 < rows <= 5 and columns < 5
    right = max(b.geometry().right() for b in buttons)
    assert right < subset.width()                       # inside the panel, none cut at its edge


def test_short_names_keep_two_rows_of_five_and_clicks_choose_classes(make_window, qtbot):
    w = make_window(dataset="digits")
    buttons = w.data_panel.class_subset.class_buttons
    qtbot.waitUntil(lambda: buttons[-1].geometry().top() > 0)
    assert [b.text() for b in buttons] == [str(i) for i in range(10)]
    assert rows_and_columns(buttons) == (2, 5)
    assert all(text_fits(b) for b in buttons)
    qtbot.mouseClick(buttons[3], Qt.MouseButton.LeftButton)
    assert w.experiment.get("classes") == (0, 1, 2, 4, 5, 6, 7, 8, 9)
