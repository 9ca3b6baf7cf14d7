"""The training session: the GUI thread's handle on a run, with the verbs the toolbar calls.

It turns experiment changes into work for the worker thread: a live field (learning rate,
optimizer, batch size...) becomes a new TrainConfig applied between compiled calls; an
architecture or data field rebuilds the network (and keeps playing if it was playing); how each
change is answered, and opening a document, is ``playground.session_changes``. Snapshots come
back from the worker; the session appends their history rows, keeps the latest, and passes them
on through ``snapshot_ready``.

Files go through two verbs: ``run_state()`` takes the network's full state and history (to save
it) and ``load_document(values, trainer, history)`` replaces the settings and the network in one
go (to open one). Saving and opening again continues bit-identically.

Image experiments (conv nets) run here too: their frames carry ``snapshot.images`` (filters,
the feature maps of the test image ``choose_sample`` picked, predictions on test images) instead
of a decision boundary, and ``classify`` runs the latest frame's network on new images (the
drawing canvas) on this thread.
"""
import math
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal

from playground import catalog, dense_columns, lingering, pipeline
from playground.experiment import Experiment
from playground.history import COLUMNS, History
from playground.image_frames import Classifier
from playground.session_changes import ExperimentChanges
from playground.worker import CHUNK_SECONDS, Job, TrainingWorker

SHUTDOWN_TIMEOUT_MS = 5000   # the longest a shutdown (closing the window) waits for the worker
MAX_FRAME_PAUSE = 0.25   # seconds: even on a slow machine the views update 4 times a second
PAUSE_PER_FRAME = 1.0    # after each frame the GUI thread rests as long as the frame took
MARKS_KEPT = 64          # snapshot counts whose history length the session remembers
MAX_TYPED_PARAM = 1e6    # the largest weight or bias a person may type (set_param)


def make_trainer(job: Job):
    """The engine Trainer for a job (the worker calls this on its own thread)."""
    from engine.trainer import Trainer
    d = job.data
    return Trainer(job.spec, job.config, d.X_train, d.Y_train,
                   d.X_test if len(d.X_test) else None, d.Y_test if len(d.Y_test) else None,
                   seed=job.seed)


class TrainingSession(QObject, ExperimentChanges):
    """Verbs: play, pause, toggle_running, step, run_epoch, reset, reinitialize, set_param,
    load_document (with refusal: ``ExperimentChanges``); run_state reads the whole run."""

    running_changed = Signal(bool)
    snapshot_ready = Signal(object)
    network_rebuilt = Signal()        # new data or architecture: views rebuild their structure
    paused = Signal(str, str)         # reason, message (divergence or a stop condition)
    failed = Signal(str)
    #: a typed weight or bias: (layer, row or None, col, value before, value after)
    param_typed = Signal(int, object, int, float, float)
    #: load_document starts: the changes that follow are one load, not edits; then it ended
    #: (True: the document is open, False: it was refused and the experiment kept)
    document_loading = Signal()
    document_loaded = Signal(bool)

    _load_requested = Signal(object)
    _config_changed = Signal(object)
    _dropout_changed = Signal(object)
    _controls_changed = Signal(int, int, float)
    _running_requested = Signal(bool)
    _advance_requested = Signal(int)
    _reset_requested = Signal(int)
    _param_edited = Signal(int, float)
    _focus_changed = Signal(object)
    _sample_chosen = Signal(int)
    _stop_requested = Signal()
    _state_requested = Signal(object)
    _state_requested_later = Signal(object)

    def __init__(self, experiment: Experiment, parent: QObject | None = None,
                 trainer_factory=make_trainer, chunk_seconds: float = CHUNK_SECONDS):
        super().__init__(parent)
        self.experiment = experiment
        self.history = History()
        #: snapshots received from the worker, and {that count: history rows then} for the
        #: latest ones (``_composed_state``: rows of snapshots after a state answer stay out)
        self._snapshots_seen = 0
        self._rows_after: dict[int, int] = {0: 0}
        self.data: pipeline.PreparedData | None = None
        self.spec = None
        self.latest = None
        self.message = ""
        #: The step at which this run diverged (the worker paused it), None while it has not.
        self.diverged_at: int | None = None
        #: Which run the snapshots belong to: bumped at every rebuild and every reset, so that
        #: snapshots of an earlier run still on their way are dropped.
        self._generation = 0
        self._running = False
        self._data_key = None
        self._index_layout: list | None = None
        #: the experiment's layers the network was built from (what a dropout change compares)
        self._built_layers: tuple = ()
        self._classifier = Classifier()    # classify's own copy of the network
        #: While load_document stores new values: the (trainer, history) still to be loaded
        #: (None once the network has been rebuilt from them).
        self._loading = False
        self._load: tuple | None = None
        self.frame_seconds = 0.0
        self._frame_started = 0.0
        self._drawn_timer = QTimer(self)
        self._drawn_timer.setSingleShot(True)
        self._drawn_timer.timeout.connect(self._on_frame_drawn)
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.timeout.connect(self._on_release_timer_timeout)
        self._thread = QThread()
        self._thread.setObjectName("training-worker")
        self._worker = TrainingWorker(trainer_factory, chunk_seconds)
        self._worker.moveToThread(self._thread)
        worker = self._worker
        queued, blocking = Qt.ConnectionType.AutoConnection, \
            Qt.ConnectionType.BlockingQueuedConnection
        # Every command but a focus change is counted in as it is sent (before it is queued),
        # so that a long frame in progress ends at its next chunk for it (worker.Interrupts).
        counted = (
                (self._load_requested, worker.load, queued),
                (self._config_changed, worker.set_config, queued),
                (self._dropout_changed, worker.set_dropout, queued),
                (self._controls_changed, worker.set_controls, queued),
                (self._running_requested, worker.set_running, queued),
                (self._advance_requested, worker.advance, queued),
                (self._reset_requested, worker.reset, queued),
                (self._param_edited, worker.edit_param, queued),
                (self._stop_requested, worker.stop, queued),
                (self._state_requested, worker.state, blocking),
                (self._state_requested_later, worker.state, queued))
        for signal, slot, kind in counted:
            signal.connect(worker.interrupts.sent, Qt.ConnectionType.DirectConnection)
            signal.connect(slot, kind)
        self._focus_changed.connect(worker.set_focus)
        self._sample_chosen.connect(worker.choose_sample)
        #: the signals that carry commands to the worker (shutdown disconnects them, after the
        #: stop)
        self._commands = tuple(signal for signal, _, _ in counted
                               if signal is not self._stop_requested) + (
            self._focus_changed, self._sample_chosen)
        self._shut_down = False
        self._worker.snapshot_ready.connect(self._on_worker_snapshot_ready)
        self._worker.state_served.connect(self._on_worker_state_served)
        self._state_callbacks: dict[int, tuple[list, object]] = {}
        self._worker.paused.connect(self._on_worker_paused)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.started.connect(self._worker.start)
        self._thread.start()
        experiment.state_changed.connect(self._on_experiment_state_changed)
        self._send_controls()
        self._rebuild()

    # ---- reading ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def modality(self) -> str:
        """"points" or "images": the data of the network built last."""
        return self.data.modality if self.data is not None else "points"

    @property
    def input_shape(self) -> tuple | None:
        """(C, H, W) of an image experiment's images, None for 2-D points."""
        return self.data.input_shape if self.data is not None else None

    def test_images(self) -> np.ndarray | None:
        """float32 (n, C, H, W) read-only: the test images (ImageProducts.sample_index and
        eval_indices index them); None for 2-D points."""
        if self.data is None or self.data.images_test is None:
            return None
        view = self.data.images_test.view()
        view.flags.writeable = False
        return view

    @property
    def steps_per_epoch(self) -> int:
        if catalog.is_second_order(self.experiment.optimizer):
            return 1
        return pipeline.steps_per_epoch(self.data.n_train, self.experiment.batch_size)

    def run_state(self) -> dict | None:
        """The network as it is now, to save: {"trainer": Trainer.state_dict(), "history":
        {column: array}} with every history row up to the trainer's step. Taken between two
        compiled calls (training goes on): a long frame ends at its next chunk for it, so this
        waits for one chunk (about worker.CHUNK_SECONDS), a history row and the copy. None
        when there is no network (before the first one is built, after a failed build, after
        shutdown)."""
        if self._shut_down or not self._thread.isRunning():
            return None                  # a blocking call to a stopped thread never returns
        box: list = []
        self._state_requested.emit(box)  # returns once the worker has filled box
        # Snapshots the worker emitted before it answered wait in this object's queue: take
        # their rows now, so that history + pending rows end exactly at the trainer's step.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return self._composed_state(box)

    def request_run_state(self, callback) -> None:
        """``run_state()`` without waiting (File > Save of a large network): ``callback(state)``
        runs on this thread once the worker has answered at its next chunk, with what
        run_state would return (at once with None when the worker has stopped)."""
        if self._shut_down or not self._thread.isRunning():
            callback(None)
            return
        box: list = []
        self._state_callbacks[id(box)] = (box, callback)
        self._state_requested_later.emit(box)

    def _on_worker_state_served(self, box: list) -> None:
        # Snapshots the worker emitted before it answered came first (one queue, in order).
        entry = self._state_callbacks.pop(id(box), None)
        if entry is not None:
            entry[1](self._composed_state(box))

    def _mark_rows(self) -> None:
        """Note how many history rows there are after the snapshots seen so far (the last
        MARKS_KEPT counts)."""
        self._rows_after[self._snapshots_seen] = len(self.history)
        if len(self._rows_after) > MARKS_KEPT:
            del self._rows_after[min(self._rows_after)]

    def _composed_state(self, box: list) -> dict | None:
        """The run_state dict from the worker's answer: the history as it stood after the
        snapshots the worker had sent before answering, then its pending rows. (run_state
        takes the queued snapshots at once, and one the worker sent just after answering may
        be among them: its rows come after the answer's step.)"""
        if not box or box[0]["generation"] != self._generation:
            return None
        history = self.history.as_dict()
        rows = self._rows_after.get(box[0]["snapshots"], len(self.history))
        if rows < len(self.history):
            history = {c: v[:rows] for c, v in history.items()}
        pending = box[0]["rows"]
        if pending:
            history = {c: np.concatenate([history[c], np.array([r[c] for r in pending],
                                                                dtype=np.float64)])
                       for c in COLUMNS}
        return {"trainer": box[0]["trainer"], "history": history}

    def layer_params(self, params: np.ndarray | None = None) -> list:
        """[(W (n_in, n_out), b (n_out,)), ...] of the latest snapshot's parameters, one per
        dense layer, the output layer last (batch norm's gamma and beta are left out:
        ``dense_columns.weight_views``)."""
        if params is None:
            if self.latest is None:
                return []
            params = self.latest.params
        return dense_columns.weight_views(self.spec, params)

    def param_index(self, layer: int, row: int | None, col: int) -> int:
        """Flat index of weight W[row, col] (row None: bias b[col]) of weight layer ``layer``
        (the dense layers counted as ``layer_params`` counts them)."""
        if self._index_layout is None:
            self._index_layout = dense_columns.weight_views(
                self.spec, np.arange(self.spec.n_params, dtype=np.float64))
        W, b = self._index_layout[layer]
        return int(b[col] if row is None else W[row, col])

    # ---- verbs -----------------------------------------------------------------------------
    def play(self) -> None:
        if not self._running:
            self.message = ""
            self._set_running(True)
            self._running_requested.emit(True)

    def pause(self) -> None:
        if self._running:
            self._set_running(False)
            self._running_requested.emit(False)

    def toggle_running(self) -> None:
        self.pause() if self._running else self.play()

    def step(self, n_steps: int = 1) -> None:
        """Pause and train exactly n_steps mini-batch steps."""
        self.pause()
        self._advance_requested.emit(int(n_steps))

    def run_epoch(self) -> None:
        """Pause and train to the end of the current epoch."""
        self.pause()
        self._advance_requested.emit(-1)

    def reset(self) -> None:
        """Back to the same initial weights, counters and history zeroed."""
        self.message = ""
        self.diverged_at = None
        # A new generation: snapshots of the old run still on their way are dropped, so their
        # rows never reach the new history.
        self._generation += 1
        self.history.clear()
        self._mark_rows()
        self._reset_requested.emit(self._generation)

    def reinitialize(self) -> None:
        """New initial weights from the next seed (the seed is part of the experiment)."""
        self.experiment.set("seed", (self.experiment.seed + 1) % (2**31 - 1))

    def set_param(self, layer: int, row: int | None, col: int, value: float) -> None:
        """Type a new value into weight W[row, col] (or bias col when row is None).

        ValueError (with a message to show) unless ``value`` (a number or its text) is a finite
        number within +-MAX_TYPED_PARAM: an infinite or NaN weight only makes every output NaN."""
        what = "A bias" if row is None else "A weight"
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be a number, not {value!r}.") from None
        if not math.isfinite(number):
            raise ValueError(f"{what} must be a finite number, not {value!r}.")
        if abs(number) > MAX_TYPED_PARAM:
            raise ValueError(f"{what} must lie between {-MAX_TYPED_PARAM:,g} and "
                             f"{MAX_TYPED_PARAM:,g}, not {number:g}.")
        index = self.param_index(layer, row, col)
        before = float(self.latest.params[index]) if self.latest is not None else math.nan
        self._param_edited.emit(index, number)
        self.param_typed.emit(layer, row, col, before, number)

    def choose_sample(self, index: int) -> None:
        """Show the feature maps of test image ``index`` in the next snapshots (a paused run
        sends one at once). ValueError unless it is an image experiment's test image."""
        n = len(self.data.X_test) if self.modality == "images" else 0
        if not n:
            raise ValueError("Only an image experiment with test images has samples to choose.")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not 0 <= int(index) < n:
            raise ValueError(f"The sample must be a test image number from 0 to {n - 1}, "
                             f"not {index!r}.")
        self._sample_chosen.emit(int(index))

    def classify(self, images) -> np.ndarray:
        """float64 (n, K) class probabilities of ``images`` (n, C, H, W) (pixels as the training
        images have them), from the latest snapshot's weights and batch-norm running statistics
        in evaluation mode (no dropout), on this thread. ValueError for images of another shape,
        for 2-D points, or before the network's first snapshot."""
        if self.modality != "images":
            raise ValueError("Only an image experiment classifies images.")
        shape = tuple(self.input_shape)
        X = np.asarray(images, dtype=np.float64)
        if X.ndim != 4 or X.shape[1:] != shape:
            raise ValueError(f"Images must have shape (n, {', '.join(map(str, shape))}), "
                             f"not {X.shape}.")
        if not np.isfinite(X).all():
            raise ValueError("Images must hold finite numbers.")
        if self.latest is None:
            raise ValueError("The network is still being built: no weights to classify with.")
        return self._classifier.probabilities(self.spec, self.latest, X)

    def focus_neuron(self, key: tuple | None) -> None:
        """Ask for (layer, unit)'s map at boundary resolution in the next snapshots (None: stop)."""
        self._focus_changed.emit(key)

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop training and the worker thread, waiting at most ``timeout_ms`` (default
        ``SHUTDOWN_TIMEOUT_MS``) for it: closing the window must not freeze it. The worker
        stops between two compiled calls (a frame in progress ends at its next chunk) and ends
        its thread. One busy in a single long call (a first compile of the kernels, a large
        network's build) is left to end on its own: no command reaches it any more, nothing
        of it reaches this session, and its thread and it are kept until it has ended
        (``playground.lingering``; the end of the process waits for them). True when the
        thread has ended. Later calls wait no more."""
        self._set_running(False)
        if self._shut_down:
            return not self._thread.isRunning()
        self._shut_down = True
        self._drawn_timer.stop()
        self._release_timer.stop()
        if self._thread.isRunning():
            self._stop_requested.emit()          # queued: the worker quits its own thread
        # Nothing more for the worker (a queued command after the stop would run on this
        # thread, where the stopped worker lives), and nothing more from it.
        for signal in self._commands:
            signal.disconnect()
        self.experiment.state_changed.disconnect(self._on_experiment_state_changed)
        if timeout_ms is None:
            timeout_ms = SHUTDOWN_TIMEOUT_MS
        if self._thread.wait(max(0, int(timeout_ms))):
            return True
        for signal, slot in ((self._worker.snapshot_ready, self._on_worker_snapshot_ready),
                             (self._worker.state_served, self._on_worker_state_served),
                             (self._worker.paused, self._on_worker_paused),
                             (self._worker.failed, self._on_worker_failed)):
            signal.disconnect(slot)
        lingering.keep_until_ended(self._thread, self._worker)
        return False

    # ---- worker reports ---------------------------------------------------------------------
    def _on_worker_snapshot_ready(self, snapshot) -> None:
        self._frame_started = time.perf_counter()
        self._snapshots_seen += 1
        try:
            if snapshot.generation == self._generation:
                self.history.extend(snapshot.history)
                self._mark_rows()
                self.latest = snapshot
                self.snapshot_ready.emit(snapshot)
            else:                 # of a run since rebuilt or reset: dropped, but counted
                self._mark_rows()
        finally:
            self._drawn_timer.start(0)   # fires once the views have painted this frame

    def _on_frame_drawn(self) -> None:
        """Ask for the next snapshot after a pause as long as this frame took to draw, so
        drawing takes at most half of the GUI thread's time, whatever the machine (the rest
        stays free for the user's input)."""
        self.frame_seconds = time.perf_counter() - self._frame_started
        pause = min(MAX_FRAME_PAUSE, PAUSE_PER_FRAME * self.frame_seconds)
        self._release_timer.start(int(pause * 1000))

    def _on_release_timer_timeout(self) -> None:
        self._worker.consumer_ready.set()

    def _on_worker_paused(self, reason: str, message: str) -> None:
        self.message = message
        if reason == "diverged" and self.diverged_at is None and self.latest is not None:
            self.diverged_at = self.latest.step     # the worker's last snapshot, just before
        self._set_running(False)
        self.paused.emit(reason, message)

    def _on_worker_failed(self, message: str) -> None:
        self.message = message
        self._set_running(False)
        self.failed.emit(message)

    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self.running_changed.emit(running)
