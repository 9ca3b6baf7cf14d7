"""The Data panel's imported set: after File > Import images... (or the panel's own "Import
images..." button, the same action) the image page shows the set with its name, number of
images, size and classes; choosing another set and then the imported one goes back to it; a
file that holds imported images shows them there too."""
from PySide6.QtCore import Qt

from picture_folders import write_folder
from playground import files
from playground.image_folder import experiment_changes, import_folder


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_import_button_opens_the_import_dialog_and_the_set_shows_in_the_list(
        make_window, qtbot, tmp_path):
    w = make_window(dataset="digits")
    panel = w.data_panel
    assert panel.import_button.isVisible() and panel.import_button.text() == "Import images\u2026"
    assert panel.imported_name is None and not panel.imported_button.isVisible()
    click(qtbot, panel.import_button)
    dialog = w.import_actions.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.folder.setText(str(write_folder(tmp_path / "bars")))
    dialog.size.setValue(16)
    with qtbot.waitSignal(dialog.import_finished, timeout=60_000):
        click(qtbot, dialog.import_button)
    name = dialog.report.name
    assert w.experiment.dataset == name
    assert panel.imported_name == name
    assert panel.imported_button.isVisible() and panel.imported_button.isChecked()
    assert panel.imported_button.text() == "bars"
    caption = panel.imported_caption.text()
    assert caption == "Imported: bars: 24 images, 16x16 grey, 3 classes: bar, column, diagonal"
    assert panel.imported_caption.isVisible()
    assert [b.toolTip().split(".")[0] for b in panel.class_subset.class_buttons] == \
        ["Class 0: bar", "Class 1: column", "Class 2: diagonal"]
    dialog.close()


def test_switching_away_and_back_keeps_the_imported_set(make_window, qtbot, tmp_path):
    report = import_folder(write_folder(tmp_path / "bars"), 12)
    w = make_window(dataset="digits")
    w.experiment.update(experiment_changes(w.experiment.values(), report.name))
    panel = w.data_panel
    assert panel.imported_button.isChecked()
    click(qtbot, panel.dataset_buttons["digits"])
    assert w.experiment.dataset == "digits" and w.experiment.n_classes == 10
    assert panel.imported_button.isVisible() and not panel.imported_button.isChecked()
    assert panel.imported_caption.isVisible()            # still offered, one click away
    click(qtbot, panel.dataset_buttons["xor"])          # the point sets, then the images page
    click(qtbot, panel.kind_buttons["images"])
    assert panel.imported_button.isVisible()
    click(qtbot, panel.imported_button)
    assert w.experiment.dataset == report.name and w.experiment.n_classes == 3
    assert panel.imported_button.isChecked() and not panel.dataset_buttons["digits"].isChecked()
    qtbot.waitUntil(lambda: w.session.input_shape == (1, 12, 12), timeout=60_000)
    for size in ((1280, 720), (1920, 1080)):
        w.resize(*size)
        qtbot.wait(50)
        assert panel.imported_button.isVisible() and panel.import_button.isVisible()


def test_a_file_holding_imported_images_shows_them_in_the_list(make_window, qtbot, tmp_path):
    report = import_folder(write_folder(tmp_path / "bars", seed=3), 10)
    source = make_window(dataset="digits")
    source.experiment.update(experiment_changes(source.experiment.values(), report.name))
    path = tmp_path / "bars.nnp"
    files.save(path, files.Document(source.experiment.values()))
    w = make_window(dataset="digits")
    assert w.data_panel.imported_name is None
    w.file_actions.open_document(files.load(path), path)
    assert w.experiment.dataset == report.name
    assert w.data_panel.imported_name == report.name
    assert w.data_panel.imported_caption.text().startswith("Imported: bars: 24 images, 10x10")
