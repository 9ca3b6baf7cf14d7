"""The network builder: layers and neurons by clicks, per-layer settings, output and loss, hover
and click on links, biases and neurons. Both directions: clicks change the experiment, and
experiment changes show in the controls."""
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import QApplication

from playground.fields import Layer
from widgets.controls import refusal_note

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
LEFT = Qt.MouseButton.LeftButton


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bool(w.network_view.canvas.links.links), timeout=TIMEOUT)
    return w.network_view


def test_build_a_network_by_clicks(qtbot, make_window):
    w = make_window(layers=(Layer(3, "tanh"),), n_points=100)
    view = ready(qtbot, w)
    qtbot.mouseClick(view.add_layer, LEFT)
    assert len(w.experiment.layers) == 2 and len(view.layer_headers) == 2
    header = view.layer_headers[1]
    for _ in range(2):
        qtbot.mouseClick(header.add_neuron, LEFT)
    qtbot.mouseClick(view.layer_headers[0].remove_neuron, LEFT)
    assert [l.units for l in w.experiment.layers] == [2, 5]
    assert header.count.text() == "5"
    qtbot.waitUntil(lambda: [len(column.tiles) for column in
                             w.network_view.canvas.geometry_().columns] == [2, 2, 5, 1],
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: [m.shape[0] for m in w.session.latest.neuron_maps] == [2, 5]
                    if w.session.latest else False, timeout=TIMEOUT)
    qtbot.mouseClick(view.remove_layer, LEFT)
    assert len(w.experiment.layers) == 1
    assert view.layer_count.text() == "1 hidden layer"


def test_layer_settings_both_directions(qtbot, make_window):
    w = make_window(n_points=100)
    header = ready(qtbot, w).layer_headers[0]
    header.activation.setCurrentIndex(header.activation.findData("relu"))
    header.activation.activated.emit(header.activation.currentIndex())
    assert w.experiment.layers[0].activation == "relu"
    header.init.setCurrentIndex(header.init.findData("he_normal"))
    header.init.activated.emit(header.init.currentIndex())
    assert w.experiment.layers[0].init == "he_normal"
    header.dropout.setValue(0.25)
    assert w.experiment.layers[0].dropout == 0.25
    # model -> controls
    w.experiment.set_layer(0, activation="sigmoid", dropout=0.1, units=6)
    assert header.activation.currentData() == "sigmoid"
    assert header.dropout.value() == 0.1 and header.count.text() == "6"


def test_incompatible_loss_is_explained_and_refused(qtbot, make_window):
    w = make_window(n_points=100)
    out = ready(qtbot, w).output_header
    linear = out.output.findData("linear")
    assert "sigmoid" in out.output.itemData(linear, Qt.ItemDataRole.ToolTipRole).lower()
    out.output.setCurrentIndex(linear)
    out.output.activated.emit(linear)
    assert w.experiment.output_activation == "sigmoid"
    assert out.output.currentData() == "sigmoid"
    note = refusal_note(out.output)                 # the reason stays beside the control
    assert note is not None and note.isVisible() and "sigmoid" in note.text().lower()
    assert "sigmoid" in w.status.currentMessage().lower() + w.status.toolTip().lower()
    w.experiment.set("dataset", "blobs_k")
    assert out.output.currentData() == "softmax" and out.loss.currentData() == "softmax_ce"


def test_hover_and_click_a_link_to_type_a_weight(qtbot, make_window):
    w = make_window(n_points=100)
    canvas = ready(qtbot, w).canvas
    pairs, curves = canvas.links.links[1]
    i, j = (int(v) for v in pairs[5])
    # a whole-pixel point of the link where no other link is nearer (links cross)
    x, y = next((round(px), round(py)) for px, py in curves[5][1:-1]
                if canvas.hit(round(px), round(py)) == ("link", 1, i, j))
    assert canvas.describe(("link", 1, i, j)).startswith("Weight")
    qtbot.mouseMove(canvas, QPoint(round(x), round(y)))
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(round(x), round(y)))
    assert canvas.editor.isVisible()
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, "1.25")
    edited = lambda s: w.session.layer_params(s.params)[1][0][i, j] == 1.25
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT, check_params_cb=edited):
        qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    W = w.session.layer_params(w.session.latest.params)[1][0]
    assert W[i, j] == 1.25 and not canvas.editor.isVisible()


def test_click_a_bias_to_type_a_value(qtbot, make_window):
    w = make_window(n_points=100)
    canvas = ready(qtbot, w).canvas
    bx, by, bw, bh = canvas.geometry_().bias_rect(1, 2)
    pos = QPoint(int(bx + bw / 2), int(by + bh / 2))
    assert canvas.hit(pos.x(), pos.y()) == ("bias", 1, 2)
    qtbot.mouseClick(canvas, LEFT, pos=pos)
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, "-0.5")
    edited = lambda s: w.session.layer_params(s.params)[0][1][2] == -0.5
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT, check_params_cb=edited):
        qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    assert w.session.layer_params(w.session.latest.params)[0][1][2] == -0.5


def test_hovering_a_neuron_shows_its_map_large(qtbot, make_window):
    w = make_window(n_points=100)
    canvas = ready(qtbot, w).canvas
    x, y = canvas.geometry_().columns[2].tiles[3] + 10
    qtbot.mouseMove(canvas, QPoint(int(x), int(y)))
    qtbot.waitUntil(lambda: w.session.latest.focus is not None, timeout=TIMEOUT)
    assert w.boundary_view.caption.text() == "Layer 2 \u00b7 neuron 4"
    QApplication.sendEvent(canvas, QEvent(QEvent.Type.Leave))       # the pointer leaves
    assert w.boundary_view.caption.text() == "Decision boundary"


def test_large_layers_show_in_compact_form(qtbot, make_window, tmp_path):
    w = make_window(layers=(Layer(256, "relu"), Layer(64, "tanh")), n_points=100)
    canvas = ready(qtbot, w).canvas
    g = canvas.geometry_()
    assert g.columns[1].tile < 24 and len(g.columns[1].tiles) == 256
    assert len(canvas.links.links[1][0]) <= 600     # only the strongest links are drawn
    assert w.grab().save(str(tmp_path / "large.png"))
