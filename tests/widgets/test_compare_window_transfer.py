"""Transfer against learning from scratch in the window, end to end: Tools > Compare runs offers
"Transfer vs from scratch" for the transfer example (and lesson) and trains its plan, both kinds
of curve drawn; the comparison is saved with the experiment, starting network included, and the
transfer variant reopens from it; File > New from a saved network's "Compare with training from
scratch" opens the new experiment and trains it beside scratch in the compare window."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground import files, transfer
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun
from widgets.transfer_dialog import TransferDialog

TIMEOUT = 180_000     # ms: a bound on waits for the workers on a busy machine, never a target
#: The plan made tiny: the lines learnt 40 steps, each variant 12 steps, two seeds.
TINY = transfer.TransferPlan(transfer.FEW_SHAPES, {"classes": (0, 1, 2, 3), "per_class": 0},
                             40, copy=(0, 2), freeze=(0, 2), seeds=(1, 2), steps=12)


@pytest.fixture
def tiny_plan(monkeypatch):
    for name in list(transfer.PLANS):
        monkeypatch.setitem(transfer.PLANS, name, TINY)


def finished(qtbot, w):
    qtbot.waitUntil(lambda: w.comparison is not None and not w.comparison.running,
                    timeout=TIMEOUT)
    assert [r.status for r in w.comparison.results] == ["done"] * len(w.comparison.results), \
        [r.message for r in w.comparison.results]


def test_the_button_is_offered_only_for_an_experiment_with_a_plan(make_window):
    window = make_window()                                         # the spiral
    w = window.tool_windows.show_compare()
    assert w.transfer_plan() is None and w.transfer_button.isHidden()
    assert window.file_actions.open_preset("transfer_shapes")
    assert w.transfer_plan() is transfer.SHAPES_PLAN
    assert not w.transfer_button.isHidden() and w.transfer_button.isEnabled()
    assert "1000 steps" in w.transfer_button.toolTip()
    window.experiment.set("noise", 0.1)                           # another task now
    assert w.transfer_button.isHidden()


def test_transfer_vs_scratch_trains_the_plan_draws_both_and_reopens_saved(
        make_window, qtbot, tmp_path, tiny_plan):
    window = make_window()
    assert window.file_actions.open_preset("transfer_shapes")
    w = window.tool_windows.show_compare()
    w.workers.setValue(2)
    qtbot.mouseClick(w.transfer_button, Qt.MouseButton.LeftButton)
    assert w.comparison.running and not w.transfer_button.isEnabled()
    assert w.curve_choice.currentData() == "test_accuracy"
    finished(qtbot, w)
    names = [r.variant.name for r in w.comparison.results]
    assert names == ["transfer (conv layers frozen), seed 1", "from scratch, seed 1",
                     "transfer (conv layers frozen), seed 2", "from scratch, seed 2"]
    rows = {w.table.item(r, 0).text(): r for r in range(w.table.rowCount())}
    assert set(rows) == set(names)
    assert all(r.outcome["steps"] == 12 for r in w.comparison.results)
    for curve, r in zip(w._curves, w.comparison.results):       # every run drew its curve
        np.testing.assert_array_equal(curve.getData()[1], r.history["test_accuracy"])
    colours = [w.table.item(rows[n], 0).foreground().color().name() for n in names]
    assert colours[0] == colours[2] != colours[1] == colours[3]  # one colour per kind
    assert "transfer minus from scratch: seed 1" in w.message.text()

    assert window.file_actions.save_to(tmp_path / "transfer.nnp")
    other = make_window()
    assert other.file_actions.open_path(tmp_path / "transfer.nnp")
    shown = other.tool_windows.show_compare()
    assert [r.variant.name for r in shown.comparison.results] == names
    start = w.comparison.results[0].start_state
    shown.table.selectRow(next(r for r in range(shown.table.rowCount()) if
                               shown.table.item(r, 0).text() == names[0]))
    with qtbot.waitSignal(other.session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 0):
        qtbot.mouseClick(shown.open_button, Qt.MouseButton.LeftButton)
    assert other.experiment.layers[0].frozen and other.experiment.classes == (4, 5, 6, 7)
    np.testing.assert_array_equal(other.session.latest.params, start["params"])


def test_the_dialogs_compare_opens_the_new_experiment_and_trains_it_beside_scratch(
        make_window, qtbot, tmp_path):
    values = Experiment({"dataset": "digits", "classes": (0, 1, 2), "batch_size": 16,
                         "layers": (Layer.conv(4, 3), Layer.pool(2), Layer.flatten())}).values()
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(30)
    files.save(tmp_path / "digits012.nnp", run.document())
    window = make_window()
    dialog = TransferDialog()
    qtbot.addWidget(dialog)
    assert not dialog.compare_button.isEnabled()
    dialog.open_file(tmp_path / "digits012.nnp")
    dialog.freeze_box(0).setChecked(True)
    dialog.classes.setText("5-7")
    dialog.per_class.setValue(10)
    qtbot.mouseClick(dialog.compare_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == TransferDialog.DialogCode.Accepted and dialog.compare_asked
    w = window.tool_windows.show_compare()
    w.epochs.setValue(3)
    w.workers.setValue(2)
    assert window.transfer_actions.compare(dialog)
    assert window.experiment.classes == (5, 6, 7) and window.experiment.layers[0].frozen
    finished(qtbot, w)
    transferred, scratch = w.comparison.results
    assert (transferred.variant.name, scratch.variant.name) == \
        ("transfer (conv layer frozen)", "from scratch")
    assert all(len(c.getData()[0]) > 1 for c in w._curves)     # both curves show
    np.testing.assert_array_equal(transferred.start_state["params"],
                                  dialog.document.trainer["params"])
    assert not scratch.variant.changes["layers"][0].frozen
    assert transferred.outcome["epochs"] == scratch.outcome["epochs"] == 3
