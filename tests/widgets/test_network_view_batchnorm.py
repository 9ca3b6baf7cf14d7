"""Batch norm in the network builder: a dense layer's header toggles a batch-norm layer after it
(its momentum editable), the canvas shows a BN band where that layer's activations leave, and
links, biases, hover and undo keep working with gamma and beta in the parameter vector."""
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import QApplication

from playground.fields import Layer

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
THREE = (Layer(4, "sigmoid"), Layer(3, "sigmoid"), Layer(2, "tanh"))


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bool(w.network_view.canvas.links.links), timeout=TIMEOUT)
    return w.network_view


def kinds(w):
    return [layer.kind for layer in w.experiment.layers]


def undo(qtbot, w):
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Z, CTRL)


def test_the_toggle_adds_a_batch_norm_after_its_layer_and_undo_removes_it(qtbot, make_window):
    w = make_window(dataset="xor", layers=THREE, n_points=100)
    view = ready(qtbot, w)
    header = view.layer_headers[1]
    assert not header.norm.isChecked() and header.momentum.isHidden()
    assert "x\u0302 = (x \u2212 \u03bc_B) / \u221a(\u03c3\u00b2_B + \u03b5)" in header.norm.toolTip()
    assert "y = \u03b3x\u0302 + \u03b2" in header.norm.toolTip()
    qtbot.mouseClick(header.norm, LEFT)
    assert kinds(w) == ["dense", "dense", "batchnorm", "dense"]
    assert header.norm.isChecked() and not header.momentum.isHidden()
    assert header.momentum.value() == 0.1
    # still three columns, the middle one normalized
    assert len(view.layer_headers) == 3 and view.layer_count.text() == "3 hidden layers"
    qtbot.waitUntil(lambda: [c for c, _ in view.canvas.norm_rects()] == [2], timeout=TIMEOUT)
    # the third header still edits the third dense layer (now the fourth experiment layer)
    qtbot.mouseClick(view.layer_headers[2].add_neuron, LEFT)
    assert w.experiment.layers[3].units == 3
    undo(qtbot, w)
    assert w.experiment.layers[3].units == 2
    undo(qtbot, w)
    assert kinds(w) == ["dense", "dense", "dense"]
    assert not header.norm.isChecked() and header.momentum.isHidden()
    qtbot.waitUntil(lambda: view.canvas.norm_rects() == [], timeout=TIMEOUT)


def test_momentum_is_typed_and_a_refused_one_is_explained(qtbot, make_window):
    w = make_window(dataset="xor", layers=(Layer(4, "sigmoid"), Layer.batch_norm()),
                    n_points=100)
    header = ready(qtbot, w).layer_headers[0]
    assert header.norm.isChecked()
    header.momentum.lineEdit().selectAll()
    qtbot.keyClicks(header.momentum.lineEdit(), "0.25")
    qtbot.keyClick(header.momentum.lineEdit(), Qt.Key.Key_Return)
    assert w.experiment.layers[1].momentum == 0.25
    header.momentum.lineEdit().selectAll()
    qtbot.keyClicks(header.momentum.lineEdit(), "3")
    qtbot.keyClick(header.momentum.lineEdit(), Qt.Key.Key_Return)
    assert w.experiment.layers[1].momentum == 0.25
    from widgets.controls import refusal_note
    note = refusal_note(header.momentum)
    assert note is not None and "momentum must be above 0 and at most 1" in note.text()
    # model -> view
    w.experiment.set("layers", (Layer(4, "sigmoid"), Layer.batch_norm(0.5)))
    assert header.momentum.value() == 0.5


def test_layer_buttons_add_and_remove_a_layer_with_its_batch_norm(qtbot, make_window):
    w = make_window(dataset="xor", n_points=100,
                    layers=(Layer(4, "sigmoid"), Layer.batch_norm(0.2)))
    view = ready(qtbot, w)
    qtbot.mouseClick(view.add_layer, LEFT)
    assert kinds(w) == ["dense", "batchnorm", "dense", "batchnorm"]
    assert w.experiment.layers[3].momentum == 0.2
    assert view.layer_headers[1].norm.isChecked()
    qtbot.mouseClick(view.remove_layer, LEFT)
    assert kinds(w) == ["dense", "batchnorm"]
    qtbot.mouseClick(view.remove_layer, LEFT)
    assert w.experiment.layers == ()


def test_links_biases_hover_and_typed_weights_skip_gamma_and_beta(qtbot, make_window):
    layers = (Layer(4, "sigmoid"), Layer.batch_norm(), Layer(3, "sigmoid"), Layer.batch_norm())
    w = make_window(dataset="xor", layers=layers, n_points=100)
    canvas = ready(qtbot, w).canvas
    # three layers of links: inputs -> 4, 4 -> 3, 3 -> output
    assert [len(pairs) for pairs, _ in canvas.links.links] == [8, 12, 3]
    assert [len(c.tiles) for c in canvas.geometry_().columns] == [2, 4, 3, 1]
    # the band's tooltip gives the formula and the momentum
    c, rect = canvas.norm_rects()[0]
    assert canvas.hit(rect.center().x(), rect.center().y()) == ("norm", 1)
    assert "y = \u03b3x\u0302 + \u03b2" in canvas.describe(("norm", 1))
    assert "Momentum 0.1" in canvas.describe(("norm", 1))
    # a bias square of the second hidden layer: typed, it reaches that dense layer's bias
    bx, by, bw, bh = canvas.geometry_().bias_rect(2, 1)
    pos = QPoint(int(bx + bw / 2), int(by + bh / 2))
    assert canvas.hit(pos.x(), pos.y()) == ("bias", 2, 1)
    qtbot.mouseClick(canvas, LEFT, pos=pos)
    canvas.editor.selectAll()
    qtbot.keyClicks(canvas.editor, "-0.5")
    named = w.session.spec.named_views
    edited = lambda s: named(s.params)[2]["bias"][1] == -0.5
    with qtbot.waitSignal(w.session.snapshot_ready, timeout=TIMEOUT, check_params_cb=edited):
        qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    # the second hidden column shows the second dense layer's maps and hovers as it
    x, y = canvas.geometry_().columns[2].tiles[1] + 5
    qtbot.mouseMove(canvas, QPoint(int(x), int(y)))
    qtbot.waitUntil(lambda: w.session.latest.focus is not None, timeout=TIMEOUT)
    assert w.session.latest.focus_key == (2, 1)      # experiment layer 2: the dense one
    assert w.boundary_view.caption.text() == "Layer 2 \u00b7 neuron 2"
    QApplication.sendEvent(canvas, QEvent(QEvent.Type.Leave))


def test_the_momentum_stays_readable_when_the_interface_zooms(qtbot, make_window):
    w = make_window(dataset="xor", n_points=100, layers=(Layer(4, "sigmoid"),
                                                         Layer.batch_norm(0.125)))
    header = ready(qtbot, w).layer_headers[0]
    for zoom in (1.5, 1.0):
        w.look_actions.set_zoom(zoom)
        qtbot.waitUntil(lambda: header.momentum.lineEdit().width() >=
                        header.momentum.fontMetrics().horizontalAdvance(header.momentum.text()),
                        timeout=TIMEOUT)
        col = w.network_view.canvas.geometry_().columns[1]
        assert header.width() <= col.width + 1
