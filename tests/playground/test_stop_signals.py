"""StopSignals: an OS signal sent to the process comes out of the Qt event loop as received."""
import os
import signal

from playground.stop_signals import StopSignals, signal_name


def test_a_signal_to_the_process_is_emitted_from_the_event_loop(qtbot):
    stops = StopSignals()
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with qtbot.waitSignal(stops.received, timeout=60_000) as blocker:
                os.kill(os.getpid(), signum)      # no KeyboardInterrupt, no death
            assert blocker.args == [signum]
    finally:
        stops.uninstall()


def test_uninstall_puts_the_previous_handlers_back(qtbot):
    before = signal.getsignal(signal.SIGINT)
    stops = StopSignals()
    assert signal.getsignal(signal.SIGINT) is not before
    stops.uninstall()
    stops.uninstall()                              # twice is harmless
    assert signal.getsignal(signal.SIGINT) is before
    assert signal.set_wakeup_fd(-1) == -1          # no wakeup fd left behind


def test_signal_names():
    assert signal_name(signal.SIGTERM) == "SIGTERM" and signal_name(99) == "signal 99"
