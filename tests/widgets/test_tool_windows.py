"""Tools > Compare runs and Tools > Search settings, driven through their controls end to end:
the variants or trials train in worker processes and come back into the window."""
import csv

from PySide6.QtCore import Qt

from playground import presets
from playground.experiment import Experiment


def xor_window(make_window):
    return make_window(Experiment(presets.load("xor").values))


def choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_the_tools_menu_offers_both_windows(make_window):
    window = make_window()
    texts = [a.text() for a in window.tool_windows.compare_action.parent().menuBar().actions()]
    assert "&Tools" in texts
    assert window.tool_windows.compare_action.text() == "&Compare runs..."
    assert window.tool_windows.search_action.text() == "&Search settings..."


def test_a_comparison_made_with_the_controls_trains_and_opens_a_variant(make_window, qtbot,
                                                                       tmp_path):
    window = xor_window(make_window)
    window.tool_windows.compare_action.trigger()
    w = window.tool_windows.compare_window
    assert w.isVisible()
    choose(w.setting, "learning_rate")
    qtbot.keyClicks(w.values, "0.03, 0.3")
    qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
    assert w.vary == {"learning_rate": (0.03, 0.3)} and w.varied.count() == 1
    w.epochs.setValue(3)
    w.workers.setValue(2)
    qtbot.mouseClick(w.start_button, Qt.MouseButton.LeftButton)
    assert w.comparison.running and not w.start_button.isEnabled()
    qtbot.waitUntil(lambda: not w.comparison.running, timeout=120_000)
    assert [r.status for r in w.comparison.results] == ["done", "done"]
    assert w.table.rowCount() == 2 and w.progress.value() == 2
    statuses = {w.table.item(r, 1).text() for r in range(2)}
    assert statuses == {"done"}
    assert all(len(c.getData()[0]) > 1 for c in w._curves)     # each variant drew its curve
    # sort by test loss, pick the row of lr 0.3 and open it in the main window
    row = next(r for r in range(2) if "0.3" in w.table.item(r, 0).text())
    w.table.selectRow(row)
    qtbot.mouseClick(w.open_button, Qt.MouseButton.LeftButton)
    assert window.experiment.learning_rate == 0.3
    w.export_csv(tmp_path / "t.csv")
    rows = list(csv.DictReader((tmp_path / "t.csv").open()))
    assert [r["learning_rate"] for r in rows] == ["0.03", "0.3"]


def test_a_bad_value_is_explained_and_nothing_starts(make_window, qtbot):
    window = xor_window(make_window)
    w = window.tool_windows.show_compare()
    choose(w.setting, "batch_size")
    qtbot.keyClicks(w.values, "10, lots")
    qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
    assert w.vary == {} and "not 'lots'" in w.message.text()
    w.vary.clear()
    w.values.clear()
    qtbot.keyClicks(w.values, "10, 5000")
    qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.start_button, Qt.MouseButton.LeftButton)
    assert w.comparison is None and "exceed" in w.message.text()


def test_cancel_and_closing_the_window_stop_every_process(make_window, qtbot, alive):
    window = xor_window(make_window)
    w = window.tool_windows.show_compare()
    w.epochs.setValue(100_000)
    qtbot.mouseClick(w.seeds_button, Qt.MouseButton.LeftButton)
    assert len(w.comparison.results) == 5
    qtbot.waitUntil(lambda: any(r.history for r in w.comparison.results), timeout=60_000)
    pids = w.comparison.pool.pids()
    qtbot.mouseClick(w.cancel_button, Qt.MouseButton.LeftButton)
    assert {r.status for r in w.comparison.results} == {"cancelled"}
    assert not any(alive(p) for p in pids)
    # the optimizers, then the main window closes while they train
    qtbot.mouseClick(w.optimizers_button, Qt.MouseButton.LeftButton)
    assert [r.variant.changes["optimizer"] for r in w.comparison.results] == \
        ["sgd", "momentum", "rmsprop", "adam"]
    qtbot.waitUntil(lambda: bool(w.comparison.pool.pids()), timeout=60_000)
    pids = w.comparison.pool.pids()
    window.close()
    qtbot.waitUntil(lambda: not any(alive(p) for p in pids), timeout=10_000)
    assert not w.isVisible()


def test_a_search_made_with_the_controls_finds_and_opens_its_best(make_window, qtbot, tmp_path):
    window = xor_window(make_window)
    window.tool_windows.search_action.trigger()
    w = window.tool_windows.search_window
    choose(w.setting, "learning_rate")
    qtbot.keyClicks(w.range, "0.01:1")
    qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
    choose(w.setting, "optimizer")
    qtbot.keyClicks(w.range, "sgd, adam")
    qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
    assert w.param_list.count() == 2
    choose(w.sampler, "random")
    w.trials.setValue(4)
    w.epochs.setValue(3)
    w.workers.setValue(2)
    qtbot.keyClicks(w.storage, str(tmp_path / "s.journal"))
    qtbot.mouseClick(w.start_button, Qt.MouseButton.LeftButton)
    assert "search-worker" in w.message.text()
    qtbot.waitUntil(lambda: not w.search.running, timeout=180_000)
    assert w.table.rowCount() >= 4 and w.progress.value() == 4
    assert w.message.text().startswith("Done. Best: trial")
    assert w.heat_image.image is not None
    qtbot.mouseClick(w.open_best_button, Qt.MouseButton.LeftButton)
    from playground import search
    best = search.best(w.search.study)
    assert window.experiment.learning_rate == best["params"]["learning_rate"]
    assert window.experiment.optimizer == best["params"]["optimizer"]
    assert (tmp_path / "s.journal").exists()


def test_a_finished_comparison_is_saved_with_the_experiment_and_shown_again(make_window, qtbot,
                                                                          tmp_path):
    window = xor_window(make_window)
    w = window.tool_windows.show_compare()
    w.epochs.setValue(2)
    assert w.add_vary("seed", "3, 4") and w.start()
    qtbot.waitUntil(lambda: not w.comparison.running, timeout=120_000)
    assert window.file_actions.modified
    assert window.file_actions.save_to(tmp_path / "with.nnp")
    table = w.comparison.table()
    other = make_window()
    assert other.file_actions.open_path(tmp_path / "with.nnp")
    shown = other.tool_windows.show_compare()
    assert shown.comparison.table() == table and shown.table.rowCount() == 2
    assert all(len(c.getData()[0]) > 1 for c in shown._curves)
    assert "saved with this experiment" in shown.message.text()


def test_closing_the_window_during_a_search_keeps_the_finished_trials(make_window, qtbot,
                                                                     tmp_path, alive):
    from optuna.trial import TrialState

    from playground import search
    window = xor_window(make_window)
    w = window.tool_windows.show_search()
    assert w.add_param("learning_rate", "0.01:1")
    choose(w.sampler, "random")
    w.trials.setValue(500)
    w.epochs.setValue(40)
    w.workers.setValue(2)
    storage = str(tmp_path / "closing.journal")
    w.storage.setText(storage)
    assert w.start()
    qtbot.waitUntil(lambda: len(w.search.rows) >= 2, timeout=120_000)
    pids = set(w.search.worker_pids)
    name = w.search.name
    window.close()
    qtbot.waitUntil(lambda: not any(alive(p) for p in pids), timeout=10_000)
    study, _ = search.load_study(storage, name)
    states = [t.state for t in study.get_trials()]
    assert TrialState.RUNNING not in states
    assert states.count(TrialState.COMPLETE) + states.count(TrialState.PRUNED) >= 2
