"""How the experiment's changes reach the training session's network.

A ``"live"`` field (learning rate, optimizer, batch size...) becomes a new TrainConfig the worker
applies between compiled calls; a ``"control"`` one (speed, stop conditions) goes to the worker
as it is; a change of the layers that touches their dropout rates, freezing or learning-rate
factors only keeps the weights; any other ``"network"`` or ``"data"`` field rebuilds the network
(``_rebuild``: the data is prepared again only when a data field changed). ``load_document``
replaces the settings and the network in one go: the first change it causes (or, when none
does, load_document itself) rebuilds from the document's trainer and history.

``ExperimentChanges`` is a mixin of ``playground.session.TrainingSession``; it writes the
session's ``data`` and ``spec``, the prepared data's key, the layers the network was built from
and a document's load in progress (``_loading``, ``_load``), and sends the worker its jobs and
settings through the session's command signals. A rebuild starts a new run: it also bumps the
session's generation and starts its history, latest snapshot, message, divergence and weight
index afresh."""
from playground import pipeline
from playground.fields import FIELDS_BY_NAME
from playground.history import COLUMNS
from playground.worker import Job


class ExperimentChanges:
    """``load_document`` / ``refusal`` and the session's answer to each experiment change."""

    # ---- opening a document -----------------------------------------------------------------
    def load_document(self, values: dict, trainer: dict | None = None,
                      history: dict | None = None) -> None:
        """Replace the settings and the network in one go (File > Open, Examples, recovery,
        ``main.py FILE``), paused. ``trainer``: a Trainer.state_dict() to continue from (None:
        fresh weights from the seed); ``history``: its {column: array} rows (kept only with a
        trainer). The caller has validated both (playground.files). An experiment ``refusal``
        names a reason for is refused (``failed`` says why, document_loaded(False)) and nothing
        changes."""
        reason = self.refusal(values)
        if reason:
            self._on_worker_failed(reason)
            self.document_loaded.emit(False)
            return
        self.pause()
        self._load = (trainer, history if trainer is not None else None)
        self._loading = True
        self.document_loading.emit()
        try:
            # The first state_changed rebuilds from the new values, before the views hear of
            # them, as an ordinary change does; the other fields' signals only reach the views.
            self.experiment.update(values)
        except Exception:
            self._load = None
            self._loading = False
            self.document_loaded.emit(False)
            raise
        self._loading = False
        if self._load is not None:       # nothing changed: no signal came, rebuild now
            self._apply_load()
        self.document_loaded.emit(True)

    @staticmethod
    def refusal(values: dict) -> str | None:
        """Why the window cannot show an experiment with these settings (None: it can): every
        valid experiment can, but for one on an image set whose download is missing."""
        from playground import image_pipeline
        return image_pipeline.unavailable(values.get("dataset"))

    def _apply_load(self) -> None:
        trainer, history = self._load
        self._load = None
        self._send_controls()
        self._rebuild(state=trainer, history=history)

    # ---- experiment changes -----------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        if self._loading:
            if self._load is not None:
                self._apply_load()
            return
        effect = FIELDS_BY_NAME[name].effect
        if effect == "live":
            self._config_changed.emit(pipeline.train_config(self.experiment.values()))
        elif effect == "control":
            self._send_controls()
        elif name == "layers" and self._only_dropout_changed():
            values = self.experiment.values()
            self.spec = pipeline.network_spec(values, self.spec.n_inputs, self.spec.n_outputs)
            self._built_layers = tuple(values["layers"])
            self._dropout_changed.emit(tuple(layer.dropout for layer in values["layers"]))
            self._config_changed.emit(pipeline.train_config(values))   # frozen, lr_scale
        elif effect in ("data", "network"):
            self._rebuild()

    def _send_controls(self) -> None:
        e = self.experiment
        self._controls_changed.emit(e.steps_per_frame, e.stop_at_epoch, e.stop_at_test_loss)

    def _only_dropout_changed(self) -> bool:
        """True when the layers differ from those the network was built from in their dropout
        rates, freezing or learning-rate factors only (every other setting of every kind
        equal, batch norm's momentum included): the weights are kept."""
        if self.spec is None:
            return False
        def shape(layer):                 # what a file stores for the layer, but its dropout
            return layer.kind, {k: v for k, v in layer.settings().items()     # and training
                                if k not in ("dropout", "frozen", "lr_scale")}

        old, new = self._built_layers, tuple(self.experiment.layers)
        return len(old) == len(new) and all(shape(o) == shape(n) for o, n in zip(old, new))

    def _rebuild(self, state: dict | None = None, history: dict | None = None) -> None:
        """A new network from the experiment's values (``state``: continue from this trainer
        state with this ``history`` instead of fresh weights)."""
        values = self.experiment.values()
        key = tuple((name, repr(values[name])) for name, f in FIELDS_BY_NAME.items()
                    if f.effect == "data")
        try:
            if key != self._data_key:
                self.data = pipeline.prepare(values)
                self._data_key = key
            n_outputs = self.data.n_classes if self.data.task == "multiclass" else 1
            self.spec = pipeline.network_spec(values, self.data.n_inputs, n_outputs)
        except Exception as error:
            self._on_worker_failed(f"Could not prepare the data: {error}")
            return
        self._index_layout = None
        self._built_layers = tuple(values["layers"])
        self._generation += 1
        self.history.clear()
        last_row = None
        if history is not None and len(history["step"]):
            self.history.extend(history)
            last_row = {c: float(self.history.last(c)) for c in COLUMNS}
        self._mark_rows()
        self.latest = None
        self.message = ""
        self.diverged_at = None
        self._load_requested.emit(Job(self._generation, self.data, self.spec,
                                      pipeline.train_config(values), values["seed"],
                                      state=state, last_row=last_row))
        self.network_rebuilt.emit()
