"""How the worker paces a run: what a frame costs (``FrameBudget``), how its steps are cut into
compiled calls (``chunk_steps``, ``joined``) and how a waiting command cuts a frame short
(``Interrupts``). No Qt: plain numbers measured by the worker.
"""
import math
import threading

import numpy as np

from engine.trainer import RunResult

FRAME_SECONDS = 1.0 / 60.0
#: a snapshot is built at most every BUILD_SHARE times as long as building one takes, so that
#: building takes at most 1/BUILD_SHARE of the worker's time at full speed
BUILD_SHARE = 1.5
#: a frame's steps run in compiled calls of about this long; a waiting command waits for one
CHUNK_SECONDS = 0.03


class Interrupts:
    """Commands on their way to the worker: the session counts one in as it sends it (GUI
    thread), the worker counts it out as it runs it (worker thread). While any is pending a
    frame ends at its next chunk boundary. Thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._count = 0

    def sent(self, *_args) -> None:
        """One more command posted (connected to the session's command signals: any args)."""
        with self._lock:
            self._count += 1

    def served(self) -> None:
        """The worker runs one of them now."""
        with self._lock:
            self._count = max(0, self._count - 1)

    def pending(self) -> bool:
        return self._count > 0


def chunk_steps(left: int, seconds_per_step: float, second_order: bool,
                chunk_seconds: float = CHUNK_SECONDS) -> int:
    """How many of the ``left`` steps of a frame to run in the next compiled call: as many as
    take about ``chunk_seconds`` at the measured ``seconds_per_step`` (0: not measured yet, one
    step), one iteration for second-order methods, at least 1. An infinite ``chunk_seconds``
    runs the whole frame in one call (first-order methods)."""
    if second_order:
        return min(left, 1)
    if math.isinf(chunk_seconds):
        return left
    if seconds_per_step <= 0:
        return min(left, 1)
    return max(1, int(min(left, chunk_seconds / seconds_per_step)))


def joined(results: list):
    """One RunResult for consecutive ``trainer.run`` calls (per-step arrays concatenated)."""
    if len(results) == 1:
        return results[0]
    last = results[-1]
    return RunResult(np.concatenate([r.losses for r in results]),
                     np.concatenate([r.learning_rates for r in results]),
                     sum(r.steps_done for r in results), last.diverged, last.message)


class FrameBudget:
    """What a frame costs, measured as training goes: the time per step of the compiled calls,
    recording a history row, and building a snapshot, as decaying averages so that a new batch
    size shows within a few frames. A build costs a fixed part (interpolating to the full
    grids, copies: the same at every detail level) plus a part per grid point evaluated (the
    forward passes), ``build_seconds(points)``, which sets the snapshots' detail level
    (grids.choose_level). From these, how many training steps fit in one frame at 60 frames a
    second. The first snapshot of a network is not counted (it loads the grid kernels), and
    nothing is said before a few calls were timed."""

    DECAY = 0.8
    MIN_CALLS = 5

    def __init__(self):
        self.clear()

    def clear(self, seconds_per_point: float = 0.0) -> None:
        """Forget all; ``seconds_per_point`` is the guess until a snapshot build is timed."""
        self._seconds = self._steps = 0.0
        self._calls = 0
        self._row_seconds = 0.0
        self._builds = 0
        self.seconds_per_point = seconds_per_point
        self.fixed_seconds = 0.0

    def _average(self, old: float, new: float, first: bool) -> float:
        return new if first else self.DECAY * old + (1.0 - self.DECAY) * new

    def add_run(self, steps: int, run_seconds: float, row_seconds: float) -> None:
        """One compiled call trained ``steps`` steps in ``run_seconds``; recording its row
        took ``row_seconds``."""
        if steps <= 0:
            return
        self._seconds = self.DECAY * self._seconds + run_seconds
        self._steps = self.DECAY * self._steps + steps
        self._row_seconds = self._average(self._row_seconds, row_seconds, self._calls == 0)
        self._calls += 1

    def add_build(self, seconds: float, points: int, forward_seconds: float | None = None
                  ) -> None:
        """Building one snapshot, ``points`` forward passes, took ``seconds``, of which the
        forward passes took ``forward_seconds`` (None: all of it; the rest is the fixed part)."""
        if points <= 0 or seconds < 0:
            raise ValueError(f"a snapshot build of {points} points in {seconds} s")
        self._builds += 1
        if self._builds > 1:
            forward = seconds if forward_seconds is None else min(seconds, forward_seconds)
            first = self._builds == 2
            self.seconds_per_point = self._average(self.seconds_per_point, forward / points,
                                                   first)
            self.fixed_seconds = self._average(self.fixed_seconds, seconds - forward, first)

    def build_seconds(self, points: int) -> float:
        """Expected seconds to build a snapshot of ``points`` forward passes."""
        return self.fixed_seconds + self.seconds_per_point * points

    def steps_per_frame(self, points: int) -> int:
        """Steps per frame that keep 60 frames a second (at least 1) with snapshots of
        ``points`` forward passes; 0 while too little was measured."""
        if self._calls < self.MIN_CALLS or self._builds < 2:
            return 0
        spare = FRAME_SECONDS - self._row_seconds - self.build_seconds(points)
        return max(1, int(spare * self._steps / self._seconds)) if self._seconds > 0 else 1
