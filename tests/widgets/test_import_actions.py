"""File > Import Images...: a folder of class sub-folders or IDX files become the experiment's
data set through the dialog, which reads on a thread, shows what was imported and what was
skipped, and refuses a corrupt file in its own text without changing the experiment."""
import numpy as np
from PySide6.QtCore import Qt

from engine.idx import write_idx
from picture_folders import write_folder


def actions_of(window):
    return window.import_actions            # the window installs it (File > Import images...)


def import_now(qtbot, dialog, signal="import_finished"):
    with qtbot.waitSignal(getattr(dialog, signal), timeout=60_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)


def test_the_file_menu_offers_the_import_above_quit(make_window):
    window = make_window()
    actions = actions_of(window)
    texts = [a.text() for a in window.file_menu.actions()]
    assert texts.count(actions.action.text()) == 1
    assert texts.index(actions.action.text()) < texts.index("&Quit")


def test_a_folder_import_becomes_the_data_set_and_says_what_it_skipped(make_window, qtbot,
                                                                       tmp_path):
    window = make_window(dataset="digits")
    folder = write_folder(tmp_path / "bars")
    dialog = actions_of(window).open_dialog()
    assert dialog.source == "folder" and dialog.size.value() == 28
    dialog.folder.setText(str(folder))
    dialog.size.setValue(16)
    import_now(qtbot, dialog)
    experiment = window.experiment
    assert experiment.dataset == dialog.report.name and experiment.n_classes == 3
    text = dialog.outcome.toPlainText()
    assert text.startswith("Imported 24 images of 3 classes from bars (16x16, grey)")
    assert "bar/broken.png" in text and "column/notes.txt" in text
    qtbot.waitUntil(lambda: window.session.input_shape == (1, 16, 16), timeout=60_000)
    for size in ((1280, 720), (1920, 1080)):
        window.resize(*size)
        qtbot.wait(50)
        dialog.grab().save(f"/tmp/shots/import_dialog_{size[0]}.png")
        window.grab().save(f"/tmp/shots/import_window_{size[0]}.png")


def test_a_corrupt_idx_file_is_refused_in_the_dialog_and_nothing_changes(make_window, qtbot,
                                                                         tmp_path):
    window = make_window(dataset="digits")
    before = window.experiment.values()
    images = np.zeros((30, 8, 8), np.uint8)
    write_idx(tmp_path / "images.idx3", images)
    write_idx(tmp_path / "labels.idx1", (np.arange(30) % 3).astype(np.uint8))
    (tmp_path / "images.idx3").write_bytes((tmp_path / "images.idx3").read_bytes()[:-9])
    dialog = actions_of(window).open_dialog()
    qtbot.mouseClick(dialog.source_buttons["idx"], Qt.MouseButton.LeftButton)
    assert dialog.source == "idx" and not dialog.folder.isVisible()
    dialog.images_file.setText(str(tmp_path / "images.idx3"))
    dialog.labels_file.setText(str(tmp_path / "labels.idx1"))
    import_now(qtbot, dialog, "import_failed")
    text = dialog.outcome.toPlainText()
    assert text.startswith("Nothing was imported: images.idx3:") and "truncated" in text
    assert window.experiment.values() == before
    (tmp_path / "images.idx3").unlink()
    write_idx(tmp_path / "images.idx3", images)          # a good file now: it imports
    import_now(qtbot, dialog)
    assert window.experiment.dataset == dialog.report.name


def test_an_empty_form_is_refused_without_reading(make_window, qtbot):
    window = make_window()
    dialog = actions_of(window).open_dialog()
    with qtbot.waitSignal(dialog.import_failed) as failed:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert failed.args == ["Choose the folder to import."]
    assert dialog.import_button.isEnabled()
