"""The image-network builder: the layers of a conv net as a stack of cards, the input images
first and the softmax output last (``widgets.layer_card``), with each layer's output shape and
parameter count as the engine computes them and the network's total.

The window shows it in the centre, instead of the neuron columns of ``NetworkView``, when the
experiment's data are images. It renders the experiment and forwards intent to its layer verbs
(``insert_layer``, ``remove_layer``, ``set_layer``, ``set_layer_kind``); every rule about which
layers fit together is the experiment's and the engine's.
"""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from playground import catalog, image_pipeline
from widgets import theme
from widgets.controls import hint_label, section_label
from widgets.layer_card import InputCard, LayerCard, OutputCard

#: Fields whose change alters what a card shows (its layer, shape or parameter count).
SHOWN_FIELDS = ("layers", "dataset", "n_classes", "output_init", "init_scale", "leaky_slope")


class LayerStackView(QWidget):
    """The central builder of an image experiment's network."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self.summary = QLabel()
        self.summary.setProperty("role", "value")
        self.summary.setToolTip("Trainable numbers of the whole network: weights, biases and "
                                "batch-norm scales and shifts")
        bar = QHBoxLayout()
        bar.setContentsMargins(theme.px(14), theme.px(8), theme.px(14), theme.px(4))
        bar.setSpacing(theme.px(8))
        bar.addWidget(section_label("Layers"))
        bar.addStretch(1)
        bar.addWidget(self.summary)
        self.hint = hint_label("Image data sets build their network here: choose one in the "
                               "data panel.")
        self.input_card = InputCard(experiment)
        self.output_card = OutputCard(experiment)
        self.cards: list[LayerCard] = []
        self.body = QWidget()
        self.stack = QVBoxLayout(self.body)
        self.stack.setContentsMargins(theme.px(14), theme.px(4), theme.px(14), theme.px(14))
        self.stack.setSpacing(theme.px(6))
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.input_card)
        self.stack.addWidget(self.output_card)
        self.stack.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.scroll, 1)
        self._snapshot = None
        experiment.state_changed.connect(self._on_experiment_state_changed)
        if session is not None:
            session.snapshot_ready.connect(self.set_snapshot)
        self.refresh()

    def set_snapshot(self, snapshot) -> None:
        """Thumbnails of the chosen test image's feature maps on the cards of the layers that
        give maps (``snapshot.images``; none for a 2-D experiment)."""
        self._snapshot = snapshot
        if self.isVisible():
            self._show_maps()

    def showEvent(self, event) -> None:                   # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._show_maps()

    def _show_maps(self) -> None:
        images = getattr(self._snapshot, "images", None)
        maps = images.feature_maps if images is not None else ()
        self.input_card.show_image(images.sample_image if images is not None else None)
        for i, card in enumerate(self.cards):
            label, layer_maps = maps[i] if i < len(maps) else ("", None)
            card.show_maps(layer_maps, f"Layer {i + 1}")

    # ---- model -> view ----------------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        if name in SHOWN_FIELDS:
            self.refresh()

    def rows(self) -> list[dict] | None:
        """The engine's rows (input, each layer, output), None for a 2-D point experiment."""
        values = self.experiment.values()
        if not catalog.is_image_dataset(values["dataset"]):
            return None
        return image_pipeline.layer_rows(values)

    def refresh(self) -> None:
        rows = self.rows()
        n = len(self.experiment.layers) if rows is not None else 0
        if n != len(self.cards):
            for card in self.cards:
                card.clear_note()
            self.input_card.clear_note()
        while len(self.cards) < n:
            card = LayerCard(self.experiment, len(self.cards))
            self.stack.insertWidget(2 + len(self.cards), card)
            self.cards.append(card)
        while len(self.cards) > n:
            card = self.cards.pop()
            self.stack.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.hint.setVisible(rows is None)
        self.input_card.setVisible(rows is not None)
        self.output_card.setVisible(rows is not None)
        if rows is None:
            self.summary.setText("")
            return
        self.input_card.refresh(rows[0])
        for card, row in zip(self.cards, rows[1:-1]):
            card.refresh(row)
        self.output_card.refresh(rows[-1])
        self._show_maps()
        total = sum(row["params"] for row in rows)
        self.summary.setText(f"{n} layer{'s' if n != 1 else ''} \u00b7 "
                             f"{total:,} parameters")
