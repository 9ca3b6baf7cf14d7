"""The Data panel's class subset of an image set: a toggle button per class and the images per
class, both ways (clicks set the experiment; undo shows the experiment's value again)."""
from PySide6.QtCore import Qt

from widgets.panel_visibility import PANEL_TITLES


def edit_action(window, text):
    menu = next(a.menu() for a in window.menuBar().actions()
                if a.menu() is not None and a.text().replace("&", "") == "Edit")
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_class_buttons_choose_the_classes_and_undo_shows_them_again(qtbot, make_window):
    w = make_window(dataset="digits")
    subset = w.data_panel.class_subset
    assert subset.isVisible() and [b.text() for b in subset.class_buttons] == \
        [str(i) for i in range(10)]
    assert all(b.isChecked() for b in subset.class_buttons)        # () = all of them
    for k in range(2, 10):
        qtbot.mouseClick(subset.class_buttons[k], Qt.MouseButton.LeftButton)
    assert w.experiment.get("classes") == (0, 1)
    assert w.experiment.n_classes == 2                              # the output follows
    edit_action(w, "Undo").trigger()
    assert w.experiment.get("classes") == (0, 1, 9)
    assert subset.chosen() == (0, 1, 9)


def test_one_class_left_is_refused_with_a_note_and_the_buttons_stay(qtbot, make_window):
    w = make_window(dataset="digits", classes=(3, 4))
    subset = w.data_panel.class_subset
    assert subset.chosen() == (3, 4)
    qtbot.mouseClick(subset.class_buttons[4], Qt.MouseButton.LeftButton)
    assert w.experiment.get("classes") == (3, 4)
    assert subset.chosen() == (3, 4)
    assert subset.note.isVisible() and "two classes" in subset.note.text()


def test_images_per_class_sets_per_class_and_shows_undo(qtbot, make_window):
    w = make_window(dataset="digits")
    box = w.data_panel.class_subset.per_class
    assert box.text() == "all"
    box.selectAll()
    qtbot.keyClicks(box, "5")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert w.experiment.get("per_class") == 5
    edit_action(w, "Undo").trigger()
    assert w.experiment.get("per_class") == 0 and box.text() == "all"


def test_point_sets_hide_the_class_subset(qtbot, make_window):
    w = make_window(dataset="digits")
    qtbot.mouseClick(w.data_panel.dataset_buttons["xor"], Qt.MouseButton.LeftButton)
    assert w.experiment.dataset == "xor"
    assert not w.data_panel.class_subset.isVisible()


def test_the_output_panel_title_speaks_of_image_views_too():
    assert "image" in PANEL_TITLES["output"]
