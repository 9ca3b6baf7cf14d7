"""Hover and click on the network canvas: what is under the pointer, its tooltip, and the small
editor that takes a typed weight or bias.

``CanvasPointer`` is mixed into ``widgets.network_canvas.NetworkCanvas`` and uses what that class
provides: ``session`` (``set_param``), ``links`` (the drawn links' curves and scales),
``editor`` (the QLineEdit), ``neuron_hovered``, ``_geometry``, ``_weights``, ``_tiles``,
``_units``, ``_column_labels``, ``_column_names``, ``_map_layers``, ``_norms``,
``norm_rects``, ``_hover``, ``_edit_target`` and ``_refused``. Targets are tuples: ("tile",
column, unit), ("bias", column, unit), ("norm", column) (a batch-norm band) or ("link", layer,
from unit, to unit). A hovered neuron's key is (hidden layer, unit) with the hidden layer as the
snapshot counts them (``_map_layers``: batch norms count too).
"""
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtWidgets import QToolTip

from playground.tips import CONTROL_TIPS
from widgets import network_geometry as geo
from widgets import theme

HOVER_DISTANCE = 5.0


class CanvasPointer:
    """The canvas's hit-testing, tooltips and value editor."""

    def hit(self, x: float, y: float):
        """What is under (x, y): ("tile", c, u), ("bias", c, u), ("link", l, i, j) or None."""
        g = self._geometry
        if g is None:
            return None
        bias = g.bias_at(x, y) if self._weights else None
        if bias is not None:
            return ("bias",) + bias
        tile = g.tile_at(x, y)
        if tile is not None:
            return ("tile",) + tile
        for c, rect in self.norm_rects():
            if rect.contains(QPointF(x, y)):
                return ("norm", c)
        best, best_d = None, HOVER_DISTANCE
        for l, (pairs, curves) in enumerate(self.links.links):
            k, d = geo.nearest_segment(curves, x, y)
            if d < best_d:
                best, best_d = ("link", l, int(pairs[k][0]), int(pairs[k][1])), d
        return best

    def value_of(self, target) -> float:
        kind, a, b = target[0], target[1], target[2]
        if kind == "bias":
            return float(self._weights[a - 1][1][b])
        return float(self._weights[a][0][b, target[3]])

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        hit = self.hit(pos.x(), pos.y())
        if hit != self._hover:
            self._hover = hit
            self.update()
            key = (self._map_layers[hit[1] - 1], hit[2]) if hit and hit[0] == "tile" and \
                0 < hit[1] < len(self._units) - 1 else None
            self.neuron_hovered.emit(key)
        if hit and (hit[0] in ("tile", "norm") or self._weights):
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(hit), self)
        elif not hit:
            QToolTip.hideText()

    def describe(self, target) -> str:
        """The tooltip of a link, a bias or a tile."""
        if target[0] == "tile":
            return self._describe_tile(target[1], target[2])
        if target[0] == "norm":
            momentum = self._norms[target[1] - 1]
            return (f"Layer {target[1]}: {CONTROL_TIPS['batch_norm']}\n"
                    f"Momentum {momentum:g} (layer {target[1]}'s header)")
        value = self.value_of(target)
        if target[0] == "bias":
            return (f"Bias of {self._endpoint(target[1], target[2])}: {theme.number(value)}\n"
                    "Click to type a new value")
        scales = self.links.scales
        scale = (f"\n(full width in this layer: |w| \u2265 {scales[target[1]]:g})"
                 if target[1] < len(scales) else "")
        return (f"Weight {theme.number(value)}\n{self._endpoint(target[1], target[2])} \u2192 "
                f"{self._endpoint(target[1] + 1, target[3])}{scale}\nClick to type a new value")

    def _describe_tile(self, c: int, u: int) -> str:
        name = self._column_names[c] if c < len(self._column_names) else ""
        head = self._endpoint(c, u) + (f" ({name})" if name else "")
        scale = self._tiles[c].describe_scale(u) if c < len(self._tiles) else ""
        tail = "\nHover shows it large on the right" if 0 < c < len(self._units) - 1 else ""
        return head + (f"\n{scale}" if scale else "") + tail

    def _endpoint(self, c: int, u: int) -> str:
        labels = self._column_labels[c] if c < len(self._column_labels) else []
        if c == 0 and u < len(labels):
            return labels[u]
        if c == len(self._units) - 1:
            return "output" if self._units[c] == 1 else f"output {u + 1}"
        return f"layer {c} neuron {u + 1}"

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._hover = None
            self.neuron_hovered.emit(None)
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        pos = event.position()
        hit = self.hit(pos.x(), pos.y())
        if hit and hit[0] in ("link", "bias") and self._weights:
            self.open_editor(hit, pos)
        else:
            self.editor.hide()
        super().mousePressEvent(event)

    def open_editor(self, target, pos: QPointF) -> None:
        self._edit_target = target
        self.editor.setText(f"{self.value_of(target):.6g}")
        self.editor.move(int(min(pos.x(), self.width() - self.editor.width())), int(pos.y()) + 8)
        self.editor.show()
        self.editor.raise_()
        self.editor.setFocus()
        self.editor.selectAll()

    def _on_editor_return_pressed(self) -> None:
        """Hand the typed text to the model; if it refuses it, say why and keep the editor."""
        target = self._edit_target
        if target is None:
            self.editor.hide()
            return
        text = self.editor.text().strip()
        try:
            if target[0] == "bias":
                self.session.set_param(target[1] - 1, None, target[2], text)
            else:
                self.session.set_param(target[1], target[2], target[3], text)
        except ValueError as error:
            self._refused = True
            self.editor.setToolTip(str(error))
            QToolTip.showText(self.editor.mapToGlobal(QPoint(0, self.editor.height())),
                              str(error), self.editor)
            self.editor.selectAll()
            return
        self.editor.setToolTip("")
        self.editor.hide()

    def _on_editor_editing_finished(self) -> None:
        """Return or leaving the editor: it closes, unless the value was just refused."""
        if self._refused:
            self._refused = False
            return
        self.editor.setToolTip("")
        self.editor.hide()
