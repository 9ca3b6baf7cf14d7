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
        assert not actions.open_path(path) or actions.reader.busy == path   # one at a time
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
