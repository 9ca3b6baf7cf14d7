"""Ctrl-C, ``kill`` and a closed terminal, delivered to Qt's event loop as an ordinary signal.

Qt's event loop runs in C++: a Python signal handler only runs when Python code does, so without
help Ctrl-C in the terminal is ignored until some Python slot happens to run, and SIGTERM kills
the process at once, with the worker thread running and the unsaved work lost. ``StopSignals``
hands the OS signal to the loop itself: ``signal.set_wakeup_fd`` makes the C-level handler write
the signal's number into one end of a socket pair, and a ``QSocketNotifier`` on the other end
wakes the loop, which emits ``received(signum)`` on the GUI thread, where the window can save
its work to the recovery file and close (main.py connects it).
"""
from __future__ import annotations

import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier, Signal

#: The signals that ask the app to stop: Ctrl-C, ``kill``/a service manager, a closed terminal.
STOP_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM",
                                                                       "SIGHUP")) if s)


class StopSignals(QObject):
    """While installed, SIGINT, SIGTERM and SIGHUP emit ``received(signum)`` from the event loop
    instead of raising KeyboardInterrupt or ending the process (those the process started with
    ignored stay ignored). Create it on the main thread; ``uninstall()`` puts the previous
    handlers back."""

    received = Signal(int)

    def __init__(self, parent: QObject | None = None, signals=STOP_SIGNALS):
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(),
                                                 warn_on_full_buffer=False)
        # A signal ignored on entry stays ignored, as the shell meant (nohup ignores SIGHUP; a
        # script's background job ignores SIGINT).
        self._previous = {s: signal.signal(s, self._on_os_signal) for s in signals
                          if signal.getsignal(s) is not signal.SIG_IGN}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)

    @staticmethod
    def _on_os_signal(signum, frame) -> None:
        """The Python-level handler: nothing to do here (the wakeup byte carries the signal),
        but installing it replaces KeyboardInterrupt and the default 'die now'."""

    def _on_notifier_activated(self, *args) -> None:
        try:
            data = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        for signum in dict.fromkeys(data):       # each distinct signal once, in order
            if self._previous is not None and signum in self._previous:
                self.received.emit(signum)

    def uninstall(self) -> None:
        """Restore the handlers and the wakeup fd that were there before; idempotent."""
        if self._previous is None:
            return
        self._notifier.setEnabled(False)
        for s, handler in self._previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        signal.set_wakeup_fd(self._previous_fd)
        self._previous = None
        self._reader.close()
        self._writer.close()


def signal_name(signum: int) -> str:
    """'SIGINT' for 2, and so on."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
