"""A first start compiles the engine's kernels with a progress dialog instead of a frozen or
silent window; a start with the kernels cached shows nothing."""
import threading

from PySide6.QtWidgets import QApplication

from playground.kernel_warmup import parse_progress
from widgets.compile_dialog import CompileDialog, ensure_kernels

TIMEOUT = 30_000     # ms: a bound on waits on a busy machine, never a target


def test_the_engine_progress_lines_are_read():
    assert parse_progress("[ 9/64]   3.3 s  compiling engine.activations.activate") == \
        (9, 64, "engine.activations.activate")
    assert parse_progress("[64/64]  80.1 s  compiling engine.kernels.step (another argument "
                          "type)") == (64, 64, "engine.kernels.step")
    assert parse_progress("        12.0 s  finished engine.kernels.step") is None
    assert parse_progress("engine kernels ready in 1.6 s (all loaded from the cache)") is None


def dialogs():
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, CompileDialog) and w.isVisible()]


def test_compiling_shows_how_far_it_is_while_the_event_loop_runs(qtbot):
    seen = []
    may_finish = threading.Event()

    def fake_warm_up(progress):
        print("[ 1/3]   0.1 s  compiling engine.kernels.forward", file=progress)
        print("[ 2/3]   0.9 s  compiling engine.kernels.backward", file=progress)
        may_finish.wait(TIMEOUT / 1000)
        print("engine kernels ready in 2.0 s (3 compiled)", file=progress)
        return 2.0

    def look():                      # runs inside ensure_kernels' event loop
        shown = dialogs()
        if shown and "2 of 3" in shown[0].labelText():
            seen.append((shown[0].value(), shown[0].maximum(), shown[0].labelText()))
            may_finish.set()
        else:
            timer_again()

    from PySide6.QtCore import QTimer

    def timer_again():
        QTimer.singleShot(20, look)

    timer_again()
    seconds, error, compiled = ensure_kernels(QApplication.instance(), warm_up=fake_warm_up)
    assert (seconds, error, compiled) == (2.0, "", 2)
    value, maximum, text = seen[0]
    assert (value, maximum) == (2, 3)
    assert "kernels.backward" in text and "once per machine" in text
    assert dialogs() == []                                  # gone once compiled


def test_kernels_from_the_cache_show_no_dialog(qtbot):
    shown = []

    def cached_warm_up(progress):
        shown.append(bool(dialogs()))
        print("engine kernels ready in 0.4 s (all loaded from the cache)", file=progress)
        return 0.4

    assert ensure_kernels(QApplication.instance(), warm_up=cached_warm_up) == (0.4, "", 0)
    assert shown == [False] and dialogs() == []


def test_a_failed_compile_is_reported_and_the_start_goes_on(qtbot):
    def broken(progress):
        raise RuntimeError("no LLVM")

    seconds, error, compiled = ensure_kernels(QApplication.instance(), warm_up=broken)
    assert error == "RuntimeError: no LLVM" and compiled == 0


def test_the_float32_kernels_compile_once_when_the_experiment_turns_float32(qtbot, monkeypatch):
    from playground.experiment import Experiment
    from widgets.compile_dialog import Float32Kernels
    import engine.warmup

    asked = []

    def fake_engine_warm_up(progress=None, precisions=("float64",)):
        asked.append(tuple(precisions))
        print("[ 1/1]   0.1 s  compiling engine.layer_kernels.train_steps", file=progress)
        return 0.1

    monkeypatch.setattr(engine.warmup, "warm_up", fake_engine_warm_up)
    experiment = Experiment()
    kernels = Float32Kernels(QApplication.instance(), experiment)
    experiment.set("learning_rate", 0.01)
    assert asked == []                                      # float64: nothing to compile
    experiment.set("precision", "float32")
    assert asked == [("float64", "float32")] and kernels.done
    experiment.set("precision", "float64")
    experiment.set("precision", "float32")
    assert asked == [("float64", "float32")]                # once
    assert dialogs() == []
    # the first start of a float32 experiment compiles them before the window
    assert ensure_kernels(QApplication.instance(), precision="float32")[1:] == ("", 1)
    assert asked[-1] == ("float64", "float32")
    assert ensure_kernels(QApplication.instance())[1:] == ("", 1)
    assert asked[-1] == ("float64",)
