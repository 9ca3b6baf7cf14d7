"""The course settings in the window: the output layer's initializer in the output header, the
small-random scale beside an initializer that uses it, the leaky slope beside a leaky ReLU, and
weight decay and max-norm in the Training panel. Real keys; both directions."""
import numpy as np
from PySide6.QtCore import Qt

from playground.fields import Layer

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    return w.network_view


def type_into(qtbot, box, text):
    """Select the box's text, type ``text`` and press Return, as a user does."""
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_the_output_initializer_is_chosen_in_the_output_header(qtbot, make_window):
    w = make_window(n_points=100)
    out = ready(qtbot, w).output_header
    assert out.init.currentData() == "glorot_uniform" and not out.scale.isVisible()
    assert "output layer" in out.init.toolTip()
    out.init.setFocus()
    with qtbot.waitSignal(w.session.network_rebuilt, timeout=TIMEOUT):
        qtbot.keyClick(out.init, Qt.Key.Key_Home)          # the first choice: zeros
    assert w.experiment.output_init == "zeros" and w.session.spec.output_init == "zeros"
    ready(qtbot, w)
    W, b = w.session.layer_params(w.session.latest.params)[-1]
    assert not np.any(W) and not np.any(b)
    # model -> view: a small-random output layer shows the scale beside it
    w.experiment.set("output_init", "random_uniform")
    assert out.init.currentData() == "random_uniform" and out.scale.isVisible()
    assert out.scale.value() == 0.01


def test_the_scale_shows_beside_a_small_random_initializer_and_sets_the_field(qtbot,
                                                                               make_window):
    w = make_window(n_points=100, layers=(Layer(4, "tanh", "random_normal"), Layer(3)))
    view = ready(qtbot, w)
    first, second = view.layer_headers
    assert first.scale.isVisible() and not second.scale.isVisible()
    assert "N(0, scale" in first.scale.toolTip()
    with qtbot.waitSignal(w.session.network_rebuilt, timeout=TIMEOUT):
        type_into(qtbot, first.scale, "0.5")
    assert w.experiment.init_scale == 0.5
    ready(qtbot, w)
    W = w.session.layer_params(w.session.latest.params)[0][0]
    assert np.abs(W).max() > 0.3                      # N(0, 0.5^2), not N(0, 0.01^2)
    # choosing another initializer hides it; the experiment says so to every header
    first.init.setFocus()
    qtbot.keyClick(first.init, Qt.Key.Key_End)          # the last choice: LeCun normal
    assert w.experiment.layers[0].init == "lecun_normal" and not first.scale.isVisible()
    w.experiment.set_layer(1, init="random_uniform")
    assert second.scale.isVisible() and second.scale.value() == 0.5


def test_the_leaky_slope_shows_beside_leaky_relu_and_is_shared(qtbot, make_window):
    w = make_window(n_points=100, layers=(Layer(4, "leaky_relu"), Layer(3, "tanh")))
    view = ready(qtbot, w)
    first, second = view.layer_headers
    assert first.slope.isVisible() and not second.slope.isVisible()
    assert first.slope.value() == 0.01 and "0.1" in first.slope.toolTip()
    with qtbot.waitSignal(w.session.network_rebuilt, timeout=TIMEOUT):
        type_into(qtbot, first.slope, "0.1")
    assert w.experiment.leaky_slope == 0.1
    assert [h.param for h in w.session.spec.hidden] == [0.1, 0.0]
    w.experiment.set_layer(1, activation="leaky_relu")
    assert second.slope.isVisible() and second.slope.value() == 0.1
    w.experiment.set("leaky_slope", 0.25)
    assert first.slope.value() == second.slope.value() == 0.25


def test_weight_decay_and_max_norm_in_the_training_panel(qtbot, make_window):
    w = make_window(n_points=100)
    ready(qtbot, w)
    panel = w.optimizer_panel
    assert panel.weight_decay.text() == "off" and panel.max_norm.text() == "off"
    assert "lr" in panel.weight_decay.toolTip() and "AdamW" in panel.weight_decay.toolTip()
    assert "c /" in panel.max_norm.toolTip()
    generation = w.session.generation
    w.training_dock.raise_()
    type_into(qtbot, panel.weight_decay, "0.01")
    type_into(qtbot, panel.max_norm, "2")
    assert (w.experiment.weight_decay, w.experiment.max_norm) == (0.01, 2.0)
    assert w.session.generation == generation           # live: the network is kept
    w.experiment.update({"weight_decay": 0.0, "max_norm": 0.5})
    assert panel.weight_decay.text() == "off" and panel.max_norm.value() == 0.5
    # full-batch methods take no decoupled decay or max-norm: the boxes say so by being off
    w.experiment.set("optimizer", "lbfgs")
    assert not panel.weight_decay.isEnabled() and not panel.max_norm.isEnabled()
    w.experiment.set("optimizer", "sgd")
    assert panel.weight_decay.isEnabled() and panel.max_norm.isEnabled()
    # a refused value says why and keeps the experiment's value
    type_into(qtbot, panel.weight_decay, "5")
    assert w.experiment.weight_decay == 0.0 and panel.weight_decay.value() == 0.0
