"""A trainer factory whose network builds wait on an Event: a worker busy in one long call (a
first compile of the kernels, a large network's build) without wall-clock waits, for the
shutdown tests of tests/playground and tests/widgets (and their subprocess scripts)."""
import threading

SAFETY_S = 20.0     # the gate opens by itself then: a shutdown that waited fails, not hangs


class GatedFactory:
    """``trainer_factory`` for a TrainingSession: the first build goes through, every later one
    sets ``entered`` and waits until ``gate`` opens. ``safety`` (a daemon timer, started by
    the test once a build waits) opens the gate after ``safety_s``; ``release()`` opens it and
    cancels the timer."""

    def __init__(self, safety_s: float = SAFETY_S):
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.builds = []
        self.safety = threading.Timer(safety_s, self.gate.set)
        self.safety.daemon = True

    def __call__(self, job):
        from playground.session import make_trainer
        self.builds.append(job)
        if len(self.builds) > 1:
            self.entered.set()
            self.gate.wait()
        return make_trainer(job)

    def release(self) -> None:
        self.gate.set()
        self.safety.cancel()
