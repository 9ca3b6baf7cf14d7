"""StopSignals: an OS signal sent to the process comes out of the Qt event loop as received."""
import os
import signal

from playground.stop_signals import StopSignals, signal_name


def test_a_signal_to_the_process_is_emitted_from_the_event_loop(qtbot):
    # Python's own SIGINT handler, even if the test run started with SIGINT ignored (in the
    # background), where StopSignals would rightly leave it ignored.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    stops = StopSignals()
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with qtbot.waitSignal(stops.received, timeout=60_000) as blocker:
                os.kill(os.getpid(), signum)      # no KeyboardInterrupt, no death
            assert blocker.args == [signum]
    finally:
        stops.uninstall()
        signal.signal(signal.SIGINT, before)


def test_uninstall_puts_the_previous_handlers_back(qtbot):
    before = signal.getsignal(signal.SIGTERM)
    stops = StopSignals()
    assert signal.getsignal(signal.SIGTERM) is not before
    stops.uninstall()
    stops.uninstall()                              # twice is harmless
    assert signal.getsignal(signal.SIGTERM) is before
    assert signal.set_wakeup_fd(-1) == -1          # no wakeup fd left behind


def test_signal_names():
    assert signal_name(signal.SIGTERM) == "SIGTERM" and signal_name(99) == "signal 99"


def test_a_signal_ignored_on_entry_stays_ignored(qtbot):
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)      # as under nohup
    try:
        stops = StopSignals()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        stops.uninstall()
    finally:
        signal.signal(signal.SIGHUP, before)
