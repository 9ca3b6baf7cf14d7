"""File > New from a saved network...: the dialog lists the saved network's layers, makes the
new experiment from what is ticked, says why when it cannot, and the window opens the result
with the copied weights."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground import files
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun
from widgets import transfer_dialog
from widgets.transfer_dialog import TransferDialog

TIMEOUT = 60_000     # ms: a bound on waits for the worker on a busy machine, never a target
LAYERS = (Layer.conv(4, 3), Layer.pool(2), Layer.flatten(), Layer(12, "relu"))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    values = Experiment({"dataset": "digits", "layers": LAYERS, "classes": (0, 1, 2),
                         "batch_size": 16, "steps_per_frame": 10}).values()
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(30)
    path = tmp_path_factory.mktemp("saved") / "digits012.nnp"
    doc = run.document()
    doc.meta = {"title": "digits 0-2"}
    files.save(path, doc)
    return path, doc


def test_the_layers_are_listed_with_what_can_be_copied_and_frozen(qtbot, saved):
    dialog = TransferDialog()
    qtbot.addWidget(dialog)
    assert not dialog.create_button.isEnabled()
    assert dialog.open_file(saved[0])
    assert dialog.table.rowCount() == 5                       # 4 layers and the output
    assert dialog.table.item(0, 0).text() == "conv 4 3x3 relu"
    assert dialog.copy_box(0).isChecked() and not dialog.copy_box(1).isEnabled()
    assert not dialog.freeze_box(4).isEnabled()               # the output layer always trains
    dialog.freeze_box(3).setChecked(True)
    assert dialog.copy_box(3).isChecked()                     # freezing a layer copies it
    dialog.copy_box(3).setChecked(False)
    assert not dialog.freeze_box(3).isChecked()


def test_create_makes_the_experiment_from_the_ticks(qtbot, saved):
    dialog = TransferDialog()
    qtbot.addWidget(dialog)
    dialog.open_file(saved[0])
    dialog.freeze_box(0).setChecked(True)
    dialog.copy_box(3).setChecked(False)
    dialog.classes.setText("5-7")
    dialog.per_class.setValue(10)
    dialog.seed.setValue(4)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == TransferDialog.DialogCode.Accepted
    doc = dialog.document
    assert doc.values["classes"] == (5, 6, 7) and doc.values["per_class"] == 10
    layers = doc.values["layers"]
    assert layers[0].frozen and not layers[3].frozen and layers[3].lr_scale == 1.0
    np.testing.assert_array_equal(doc.trainer["params"][:40], saved[1].trainer["params"][:40])


def test_a_transfer_that_cannot_be_done_says_why_and_stays_open(qtbot, saved, tmp_path):
    dialog = TransferDialog()
    qtbot.addWidget(dialog)
    bad = tmp_path / "bad.nnp"
    bad.write_bytes(b"not a zip")
    assert not dialog.open_file(bad) and "cannot be read" in dialog.note.text()
    dialog.open_file(saved[0])
    dialog.copy_box(4).setChecked(True)                      # the output, for other classes
    dialog.classes.setText("5, 6, 7")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.document is None and "other classes" in dialog.note.text()
    dialog.classes.setText("five")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "not a class number" in dialog.note.text()
    assert dialog.result() != TransferDialog.DialogCode.Accepted


def test_the_window_opens_the_new_experiment_with_the_copied_weights(qtbot, make_window,
                                                                     saved):
    window = make_window()
    actions = getattr(window, "transfer_actions", None) or transfer_dialog.install(window)
    assert actions.action in window.file_menu.actions()
    dialog = TransferDialog()
    qtbot.addWidget(dialog)
    dialog.open_file(saved[0])
    dialog.freeze_box(0).setChecked(True)
    dialog.classes.setText("5-7")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    doc = dialog.document
    with qtbot.waitSignal(window.session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.params.size == doc.trainer["params"].size):
        assert actions.open(doc)
    assert window.experiment.classes == (5, 6, 7) and window.experiment.layers[0].frozen
    np.testing.assert_array_equal(window.session.latest.params, doc.trainer["params"])
    a, b = window.session.spec.layer_slices()[0]
    with qtbot.waitSignal(window.session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step >= 5):
        window.session.step(5)
    np.testing.assert_array_equal(window.session.latest.params[a:b], doc.trainer["params"][a:b])
