"""Link widths rank the weights of their layer however large they grow, and the footer says the
scale; each class has its own colour and marker in the large view and its legend."""
import numpy as np
import pytest

from playground.fields import Layer
from playground.presets import PRESETS

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
BLOBS_K = next(p.changes for p in PRESETS if p.name == "blobs_k")


def ready(qtbot, w):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bool(w.network_view.canvas.link_legend()), timeout=TIMEOUT)
    return w.network_view.canvas


def test_large_weights_still_show_a_spread_of_widths(qtbot, make_window):
    w = make_window(layers=(Layer(4, "tanh"),), n_points=100)
    canvas = ready(qtbot, w)
    # Type large weights into the first layer (2 x 4): 3 to 24, all above the old full width 2.
    large = np.arange(1, 9, dtype=float).reshape(2, 4) * 3.0
    for (i, j), value in np.ndenumerate(large):
        w.session.set_param(0, i, j, float(value))
    qtbot.waitUntil(lambda: np.allclose(w.session.layer_params()[0][0], large),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: canvas.links.scales and canvas.links.scales[0] > 20,
                    timeout=TIMEOUT)
    widths = sorted(canvas.links.pen_for(0, v).widthF() for v in large.ravel())
    assert widths[-1] - widths[0] > 3.0            # the smallest is drawn much thinner
    assert len(set(widths)) >= 6                   # and they rank the weights
    assert widths == sorted(widths)
    scale = canvas.links.scales[0]
    assert scale == pytest.approx(np.percentile(large, 95), rel=0.05)   # 2 significant digits
    assert f"|w| \u2265 {scale:g}" in canvas.link_legend()
    # a link's tooltip names its layer's scale too
    hit = ("link", 0, 1, 3)
    assert f"{scale:g}" in canvas.describe(hit) and "24" in canvas.describe(hit)


def test_dense_layers_draw_thinner_links():
    from widgets.network_links import LEVELS, SPARSE_LINKS, top_level
    assert top_level(16) == top_level(SPARSE_LINKS) == LEVELS
    assert LEVELS // 4 <= top_level(600) < top_level(256) < LEVELS


def test_the_legend_follows_the_weights_as_they_change(qtbot, make_window):
    w = make_window(layers=(Layer(3, "tanh"),), n_points=100)
    canvas = ready(qtbot, w)
    before = canvas.link_legend()
    assert before.startswith("Thickest link") and before.count("\u00b7") == 1   # two layers
    for j in range(3):
        w.session.set_param(1, j, 0, 40.0 + j)
    qtbot.waitUntil(lambda: np.allclose(w.session.layer_params()[1][0][:, 0], [40, 41, 42]),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: canvas.link_legend() != before, timeout=TIMEOUT)
    assert canvas.link_legend().endswith("\u00b7 42")       # 95th percentile of 40, 41, 42


def test_each_class_has_its_own_marker_and_legend_entry(qtbot, make_window):
    from widgets import theme
    w = make_window(**BLOBS_K)
    ready(qtbot, w)
    view = w.boundary_view
    data = w.session.data
    for points, labels in ((view.train_points, data.labels_train),
                           (view.test_points, data.labels_test)):
        symbols = points.data["symbol"]
        by_class = {int(k): {s for s, l in zip(symbols, labels) if l == k}
                    for k in np.unique(labels)}
        assert all(len(s) == 1 for s in by_class.values())      # one marker per class
        assert len({next(iter(s)) for s in by_class.values()}) == data.n_classes   # distinct
    text = view.legend.text()
    for k in range(data.n_classes):
        assert theme.class_glyph(k) in text and theme.CLASS_COLORS[k] in text
    assert "train" in text and "test" in text


def test_a_regression_set_draws_circles(qtbot, make_window):
    w = make_window(dataset="reg_plane")
    ready(qtbot, w)
    points = w.boundary_view.train_points
    assert points.opts["symbol"] == "o" and set(points.data["symbol"]) <= {None, "o"}
