"""A large experiment file is read off the GUI thread: the window keeps the open experiment
(and keeps answering) until the new one is read and checked, then shows it; a bad large file
is refused as a small one is."""
import numpy as np

TIMEOUT = 30_000


def saved_file(qtbot, make_window, tmp_path):
    source = make_window(n_points=100, dataset="xor", learning_rate=0.03)
    qtbot.waitUntil(lambda: source.session.latest is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(source.session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 40):
        source.session.step(40)
    path = tmp_path / "large.nnp"
    assert source.file_actions.save_to(path)
    return path, source.session.latest.params.copy()


def test_a_large_file_opens_in_the_background_and_keeps_the_experiment_until_read(
        qtbot, make_window, tmp_path):
    path, params = saved_file(qtbot, make_window, tmp_path)
    w = make_window(n_points=100)
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=TIMEOUT)
    actions = w.file_actions
    actions.background_bytes = 0              # every file counts as large here
    with qtbot.waitSignal(actions.reader.finished, timeout=TIMEOUT):
        assert actions.open_path(path)        # returns at once: reading has started
        # nothing replaced yet: the result can only arrive through this thread's event loop
        assert w.experiment.dataset == "spiral" and actions.reader.busy == path
        assert actions.open_path(path) and actions.reader.busy == path      # one at a time
    assert actions.reader.busy is None
    assert w.experiment.dataset == "xor" and w.experiment.learning_rate == 0.03
    assert actions.path == path and not actions.modified
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    assert w.session.latest.step == 40
    np.testing.assert_array_equal(w.session.latest.params, params)


def test_a_bad_large_file_is_refused_and_the_experiment_kept(qtbot, make_window, tmp_path):
    bad = tmp_path / "broken.nnp"
    bad.write_bytes(b"PK\x03\x04 not really a zip" * 100)
    w = make_window(n_points=100, dataset="circle")
    actions = w.file_actions
    actions.background_bytes = 0
    with qtbot.waitSignal(actions.reader.finished, timeout=TIMEOUT):
        assert actions.open_path(bad)
    assert len(actions.errors) == 1 and "broken.nnp cannot be opened" in actions.errors[0]
    assert "has not changed" in actions.errors[0]
    assert w.experiment.dataset == "circle" and actions.path is None


def test_small_files_still_open_at_once(qtbot, make_window, tmp_path):
    path, _ = saved_file(qtbot, make_window, tmp_path)
    w = make_window(n_points=100)
    assert w.file_actions.open_path(path)
    assert w.experiment.dataset == "xor" and w.file_actions.reader.busy is None


# ---- saving off the GUI thread ----------------------------------------------------------------
def trained_window(qtbot, make_window, **values):
    w = make_window(n_points=100, **values)
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == 30):
        w.session.step(30)
    w.file_actions.background_bytes = 0          # every document counts as large here
    return w


def test_a_large_save_is_written_in_the_background(qtbot, make_window, tmp_path):
    from playground import files
    w = trained_window(qtbot, make_window)
    actions, path = w.file_actions, tmp_path / "saved.nnp"
    with qtbot.waitSignal(actions.writer.finished, timeout=TIMEOUT):
        assert actions.save_to(path)                 # returns once the writer has it
        assert actions.path is None                  # not this window's file until written
    assert actions.path == path and not actions.modified and actions.writer.busy is None
    doc = files.load(path)
    assert doc.step == 30 and doc.values == w.experiment.values()
    np.testing.assert_array_equal(doc.trainer["params"], w.session.latest.params)


def test_a_change_during_a_background_save_keeps_the_window_modified(qtbot, make_window,
                                                                      tmp_path):
    w = trained_window(qtbot, make_window)
    actions, path = w.file_actions, tmp_path / "saved.nnp"
    with qtbot.waitSignal(actions.writer.finished, timeout=TIMEOUT):
        assert actions.save_to(path)
        w.experiment.set("learning_rate", 0.3)      # before the save reports back
    assert actions.path == path and actions.modified


def test_a_large_autosave_is_written_in_the_background(qtbot, make_window):
    from playground import files
    w = trained_window(qtbot, make_window)
    actions = w.file_actions
    assert actions.modified
    with qtbot.waitSignal(actions.writer.finished, timeout=TIMEOUT):
        assert actions.autosave()
    assert files.load(actions.recovery_path).step == 30


def test_closing_the_window_waits_for_a_save_on_its_way(qtbot, make_window, tmp_path):
    from playground import files
    w = trained_window(qtbot, make_window)
    path = tmp_path / "saved.nnp"
    assert w.file_actions.save_to(path)
    w.file_actions.ask_unsaved = lambda name: "discard"
    w.close()
    assert files.load(path).step == 30


def test_a_network_replaced_before_the_worker_answered_is_not_saved(qtbot, make_window,
                                                                     tmp_path):
    w = trained_window(qtbot, make_window)
    actions, path = w.file_actions, tmp_path / "saved.nnp"
    assert actions.save_to(path)                  # the worker answers through the event loop
    w.experiment.set("dataset", "xor")            # a new network before that
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.wait(50)
    assert not path.exists() and actions.path is None and actions.writer.busy is None
    assert actions.save_to(path)                  # saving again works
    qtbot.waitUntil(path.exists, timeout=TIMEOUT)
