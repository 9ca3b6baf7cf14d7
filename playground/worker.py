"""The training worker: lives on its own thread, drives the engine's Trainer, emits snapshots.

Commands arrive as queued slot calls from the session (new config, play, pause, step, reset,
save) and run between compiled ``trainer.run(n)`` calls, never during one. While running (or
stepping), a single-shot timer paces frames: each frame runs ``steps_per_frame`` steps, records
one history row and, when the GUI has drawn the previous snapshot, builds and emits the next
one, at most 60 per second.

A frame's steps run in chunks of about ``CHUNK_SECONDS`` (one iteration for second-order
methods). The session counts every command in as it sends it (``Interrupts``); between two
chunks the worker looks at that count and, when a command is waiting, ends the frame there (its
row records where it stopped) and returns to its event loop, so Pause, Save or a rebuild waits
for one chunk, never for the rest of a long frame. Chunking does not change the run: the
engine's counter-based random numbers make n steps in any chunks bit-identical to one call.
"""
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from playground.grids import DetailGrids, choose_level
from playground.image_frames import LIVE_SAMPLE
from playground.pacing import BUILD_SHARE, CHUNK_SECONDS, FRAME_SECONDS, FrameBudget, Interrupts
from playground.pipeline import PreparedData
from playground.run import INTERRUPTED, Run, build_snapshot, steps_to_epoch_after
from playground.schedule_start import apply_config

#: time a snapshot may take to build while training runs, and while it is paused (see grids.py):
#: live, about half a frame at 30 frames a second, the rest for training and the history row
LIVE_BUILD_SECONDS = 0.015
STILL_BUILD_SECONDS = 0.25
#: how long a frame that is due a snapshot waits for the views to finish drawing the last one
VIEWS_WAIT_SECONDS = FRAME_SECONDS
@dataclass(frozen=True)
class Job:
    """A network to train: built by the session, handed to the worker whole."""
    generation: int
    data: PreparedData
    spec: object      # engine NetworkSpec
    config: object    # engine TrainConfig
    seed: int
    #: Trainer.state_dict() to continue from (an opened file); None: fresh weights from the seed
    state: dict | None = None
    #: The last history row of a restored history ({column: float}): the worker does not record
    #: a first row then, the restored history already ends at the restored step. None: record.
    last_row: dict | None = None


class TrainingWorker(QObject):
    """Owns the Trainer. Every slot runs on the worker thread."""

    snapshot_ready = Signal(object)
    state_served = Signal(object)     # a box that ``state`` filled (for requests not waiting)
    paused = Signal(str, str)         # the worker paused itself: reason ("diverged", "stop_epoch",
                                      # "stop_loss") and a message in words
    failed = Signal(str)              # an engine error, in words

    def __init__(self, trainer_factory, chunk_seconds: float = CHUNK_SECONDS):
        super().__init__()
        self._make_trainer = trainer_factory
        #: counted in by the session as it sends a command, out here as it runs (see Interrupts)
        self.interrupts = Interrupts()
        self._chunk_seconds = float(chunk_seconds)
        self._advance_left = 0            # steps still to train for Step / Epoch (paused)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._job: Job | None = None
        self._trainer = None
        self._run: Run | None = None      # the trainer on its data: frames, rows, stop rules
        self._running = False
        #: snapshots emitted so far (the state answer says how many came before it)
        self.snapshots_sent = 0
        self._steps_per_frame = 20
        self._stop_epoch = 0
        self._stop_loss = 0.0
        self._focus: tuple | None = None
        self._sample = 0                  # the test image whose feature maps frames carry
        self._rate_mark = (time.perf_counter(), 0)
        self._rate = 0.0
        self._last_emit = 0.0
        self._build_seconds = 0.0
        self._budget = FrameBudget()
        self._grids: DetailGrids | None = None
        self._level: int | None = None    # the detail level of the last live snapshot
        #: Set by the GUI once it has drawn the last snapshot; the worker skips frames until then.
        self.consumer_ready = threading.Event()
        self.consumer_ready.set()

    # ---- commands (queued from the GUI thread) ----------------------------------------------
    @Slot()
    def start(self) -> None:
        """First call on the worker thread: leave one core to the GUI thread. (Numba's thread
        count is per calling thread, so this only affects the worker's parallel grid kernels.)"""
        try:
            import numba
            numba.set_num_threads(max(1, numba.config.NUMBA_NUM_THREADS - 1))
        except (ImportError, ValueError):
            pass

    @Slot(object)
    def load(self, job: Job) -> None:
        self.interrupts.served()
        self._advance_left = 0
        try:
            trainer = self._make_trainer(job)
            if job.state is not None:
                trainer.load_state_dict(job.state)
        except Exception as error:  # an engine refusal must not kill the thread
            self._set_running(False)
            self.failed.emit(f"Could not build the network: {error}")
            return
        if job.data.modality == "images":
            self._grids = None            # no boundary or neuron-map grids for images
        elif self._job is None or job.data is not self._job.data or self._grids is None:
            self._grids = DetailGrids(job.data.boundary_inputs, job.data.map_inputs)
        self._job, self._trainer = job, trainer
        # a large image set is scored on a fixed sample while playing (2-D points: always whole)
        self._run = Run(trainer, job.data, self._chunk_seconds, keep_history=False,
                        sample_limit=LIVE_SAMPLE if job.data.modality == "images" else None)
        self._run.set_stops(self._stop_epoch, self._stop_loss)
        # before a build is timed: about 3 ns a parameter per forward pass
        self._budget.clear(seconds_per_point=3e-9 * trainer.spec.n_params + 5e-8)
        self._level = None
        if job.last_row is None:
            self._run.record_row()
        else:
            self._run.last_row = dict(job.last_row)
        self._emit_snapshot()
        if self._running:
            self._timer.start(0)

    @Slot(object)
    def state(self, box: list) -> None:
        """Append to ``box`` the run as it stands between two compiled calls: the generation,
        ``Trainer.state_dict()`` (copies), the history rows recorded since the last emitted
        snapshot and how many snapshots were emitted before it. The session calls this
        through a blocking connection (run_state) or a queued one (request_run_state:
        ``state_served`` says when); a frame in progress ends at its next chunk for it, its
        row recording the step it reached."""
        self.interrupts.served()
        if self._trainer is not None:
            box.append({"generation": self._job.generation,
                        "trainer": self._trainer.state_dict(),
                        "rows": [dict(row) for row in self._run.pending_rows()],
                        "snapshots": self.snapshots_sent})
        self.state_served.emit(box)

    @Slot(object)
    def set_config(self, config) -> None:
        """New training settings between two compiled calls; a new schedule starts here
        (playground.schedule_start), and a paused view hears of its rate at once."""
        self.interrupts.served()
        if self._trainer is not None:
            restarted = apply_config(self._trainer, config)
            self._job = _replace_job(self._job, config=config)
            if restarted and not self._running:
                self._emit_snapshot()

    @Slot(object)
    def set_dropout(self, rates) -> None:
        """New dropout rates per hidden layer, weights and counters kept."""
        self.interrupts.served()
        if self._trainer is not None:
            self._trainer.set_dropout(rates)
            self._job = _replace_job(self._job, spec=self._trainer.spec)

    @Slot(int, int, float)
    def set_controls(self, steps_per_frame: int, stop_epoch: int, stop_loss: float) -> None:
        self.interrupts.served()
        self._steps_per_frame = max(1, int(steps_per_frame))
        self._stop_epoch, self._stop_loss = int(stop_epoch), float(stop_loss)
        if self._run is not None:
            self._run.set_stops(self._stop_epoch, self._stop_loss)

    @Slot(bool)
    def set_running(self, running: bool) -> None:
        """Play or pause. On pause, the views get the step where training stopped."""
        self.interrupts.served()
        self._advance_left = 0
        if running and self._trainer is None:
            return
        self._set_running(running)
        if running:
            self._rate_mark = (time.perf_counter(), self._trainer.step_count)
            self._timer.start(0)
        else:
            self._timer.stop()
            # a paused run shows numbers on the whole splits (the last row may be a sample's)
            if self._run is not None and (self._run.settle() or self._run.pending_rows()):
                self._emit_snapshot()

    @Slot(int)
    def advance(self, n_steps: int) -> None:
        """Run exactly n_steps (paused), then emit a snapshot. n_steps < 0: to the next epoch.
        In frames (so the history holds the same rows as when playing) paced by the timer, so
        that commands (Save, Pause) are served on the way; Play, Pause or a new network ends
        it early."""
        self.interrupts.served()
        if self._trainer is None:
            return
        self._set_running(False)
        pending = self._advance_left          # Step pressed again before the last one ended
        if n_steps < 0:
            n_steps = steps_to_epoch_after(self._trainer, pending) - pending
        if not pending:
            self._rate_mark = (time.perf_counter(), self._trainer.step_count)
        self._advance_left = pending + max(0, int(n_steps))
        if self._advance_left:
            self._timer.start(0)
        else:
            self._timer.stop()
            self._emit_snapshot()

    @Slot(int)
    def reset(self, generation: int) -> None:
        """Back to the initial weights; snapshots from now on carry ``generation``."""
        self.interrupts.served()
        self._advance_left = 0
        if self._trainer is not None:
            self._job = _replace_job(self._job, generation=generation)
            self._trainer.reset()
            self._run.restart()
            self._run.record_row()
            self._emit_snapshot()

    @Slot(int, float)
    def edit_param(self, index: int, value: float) -> None:
        """Set one weight or bias (flat index into the engine's parameter layout)."""
        self.interrupts.served()
        if self._trainer is not None:
            self._trainer.params[index] = value
            self._emit_snapshot()

    @Slot(int)
    def choose_sample(self, index: int) -> None:
        """Frames from now on carry the feature maps of test image ``index``."""
        self._sample = int(index)
        if not self._running and self._trainer is not None:
            self._emit_snapshot()

    @Slot(object)
    def set_focus(self, key) -> None:
        self._focus = key
        if not self._running and self._trainer is not None:
            self._emit_snapshot()

    @Slot()
    def stop(self) -> None:
        """Stop for good: no more frames; hand this object back to the application thread so
        that it can be deleted there once the worker thread has ended, and end that thread
        (its event loop returns once this slot has)."""
        self.interrupts.served()
        self._advance_left = 0
        self._timer.stop()
        self._running = False
        thread = self.thread()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        thread.quit()

    # ---- the frame loop -------------------------------------------------------------------
    def _on_timer_timeout(self) -> None:
        advancing = self._advance_left > 0
        if not (self._running or advancing) or self._trainer is None:
            return
        if self.interrupts.pending():    # a command waits in the queue: it goes first
            self._timer.start(1)
            return
        start = time.perf_counter()
        if advancing:
            n = min(self._steps_per_frame, self._advance_left)
        else:
            n = self._run.frame_steps(self._steps_per_frame)
        self._run.live = not advancing     # rows on the live sample only while playing
        reason, done = self._train(n, stop_rules=not advancing)
        if advancing and reason in (None, INTERRUPTED):
            self._advance_left = max(0, self._advance_left - done)
            if not self._advance_left:
                self._emit_snapshot()
                return
        if reason == INTERRUPTED:
            self._timer.start(0)         # after the waiting command
        elif reason is None:
            if not advancing and self._views_ready():
                self._emit_snapshot()
            wait = 0.0 if advancing else FRAME_SECONDS - (time.perf_counter() - start)
            self._timer.start(max(0, int(wait * 1000)))

    def _views_ready(self) -> bool:
        """Whether a live snapshot is due now: the last one is at least a frame (and
        ``BUILD_SHARE`` builds) old and the views have drawn it. When only the views are
        missing, wait for them up to ``VIEWS_WAIT_SECONDS`` (unless a command waits): a slow
        network's frame trains longer than the views take to draw, and without the wait a
        snapshot missed by a few milliseconds would wait a whole frame more."""
        since = time.perf_counter() - self._last_emit
        if since < max(FRAME_SECONDS, BUILD_SHARE * self._build_seconds):
            return False
        if self.consumer_ready.is_set():
            return True
        return not self.interrupts.pending() and self.consumer_ready.wait(VIEWS_WAIT_SECONDS)

    def _train(self, n_steps: int, stop_rules: bool = True) -> tuple[str | None, int]:
        """One frame of the run: n_steps (fewer if a command waits), its row, and a pause with
        the reason in words on divergence or a stop condition. Returns (why it stopped: None
        when all steps ran, "interrupted" for a waiting command, else a pause reason; steps
        trained)."""
        try:
            start = time.perf_counter()
            frame = self._run.train_frame(n_steps, self.interrupts.pending, stop_rules)
        except Exception as error:
            self._set_running(False)
            self._advance_left = 0
            self.failed.emit(f"Training failed: {error}")
            return "failed", 0
        self._budget.add_run(frame.steps, frame.seconds,
                             time.perf_counter() - start - frame.seconds)
        self._update_rate()
        if frame.reason not in (None, INTERRUPTED):
            self._pause(frame.reason, frame.message)
        return frame.reason, frame.steps

    def _pause(self, reason: str, message: str) -> None:
        self._advance_left = 0
        self._timer.stop()
        self._set_running(False)
        self._run.settle()
        self._emit_snapshot()
        self.paused.emit(reason, message)

    def _set_running(self, running: bool) -> None:
        self._running = running

    def _update_rate(self) -> None:
        now = time.perf_counter()
        t0, s0 = self._rate_mark
        if now - t0 >= 0.5:
            self._rate = (self._trainer.step_count - s0) / (now - t0)
            self._rate_mark = (now, self._trainer.step_count)

    # ---- what gets recorded and drawn ----------------------------------------------------------
    def _emit_snapshot(self) -> None:
        if self._grids is None:
            self._emit_image_snapshot()
            return
        start = time.perf_counter()
        grids, budget, timing = self._grids, self._budget, {}
        cost = (budget.seconds_per_point, budget.fixed_seconds)
        # the level of frames while training: this one's, or the one they would take
        live = choose_level(grids, cost[0], LIVE_BUILD_SECONDS, self._level, cost[1])
        level = live if self._running else choose_level(grids, cost[0], STILL_BUILD_SECONDS,
                                                        fixed_seconds=cost[1])
        self._level = live if self._running else None
        snapshot = build_snapshot(self._trainer, self._job, self._run.take_rows(),
                                  self._run.last_row, self._rate, self._focus,
                                  budget.steps_per_frame(grids.points(live)), grids, level,
                                  timing=timing)
        self._build_seconds = time.perf_counter() - start
        budget.add_build(self._build_seconds, grids.points(level), timing.get("forward"))
        self._sent(snapshot, start)

    def _emit_image_snapshot(self) -> None:
        """An image experiment's frame: predictions on the whole test set when the last row
        evaluated the whole splits, else on the test part of the live sample."""
        start = time.perf_counter()
        run = self._run
        sample = None if run.last_whole or run.sample is None else run.sample.test
        points = 1 + (len(self._job.data.X_test) if sample is None else len(sample))
        snapshot = build_snapshot(self._trainer, self._job, run.take_rows(), run.last_row,
                                  self._rate, None, self._budget.steps_per_frame(points),
                                  sample_index=self._sample, eval_indices=sample)
        self._build_seconds = time.perf_counter() - start
        self._budget.add_build(self._build_seconds, points)
        self._sent(snapshot, start)

    def _sent(self, snapshot, started: float) -> None:
        """Hand ``snapshot`` (whose build began at ``started``) to the views. Snapshots are
        spaced from the start of one build to the next: counted from its end, a frame that
        ends a little less than a frame after the last build would skip a snapshot, and every
        network would draw at most 30 frames a second."""
        self._last_emit = started
        self.consumer_ready.clear()
        self.snapshots_sent += 1
        self.snapshot_ready.emit(snapshot)


def _replace_job(job: Job, **changes) -> Job:
    from dataclasses import replace
    return replace(job, **changes)
