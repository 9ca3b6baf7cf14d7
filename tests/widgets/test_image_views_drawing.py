"""The drawing canvas with real mouse drags: ink where the mouse went, drawing_changed while
drawing (rate-capped) and at release, the drawing preprocessed like the training images (centred),
the classifier's answer in the bars, and a failing classifier reported with the drawing kept."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from playground import image_views as iv
from widgets.drawing_canvas import CANVAS, RATE_MS, DrawingCanvas, DrawingPanel

TIMEOUT = 10_000     # ms: a bound on waits on a busy machine, never a target


def drag(widget, points, wait_ms=0, qtbot=None):
    """Press at the first point, move through the others, release at the last."""
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        QTest.mouseMove(widget, p)
        if wait_ms:
            qtbot.wait(wait_ms)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=points[-1])


def line(canvas, a, b, n=12):
    """n widget points from sheet fractions a to b ((x, y) in 0..1)."""
    r = canvas.sheet_rect()
    return [QPoint(round(r.left() + r.width() * (a[0] + (b[0] - a[0]) * t)),
                   round(r.top() + r.height() * (a[1] + (b[1] - a[1]) * t)))
            for t in np.linspace(0.0, 1.0, n)]


@pytest.fixture
def canvas(qtbot):
    c = DrawingCanvas()
    qtbot.addWidget(c)
    c.resize(300, 300)
    c.show()
    qtbot.waitExposed(c)
    return c


def test_dragging_draws_thick_ink_where_the_mouse_went(canvas, qtbot):
    assert canvas.is_empty() and canvas.strokes().max() == 0.0
    with qtbot.waitSignal(canvas.drawing_changed, timeout=TIMEOUT) as got:
        drag(canvas, line(canvas, (0.2, 0.5), (0.8, 0.5)))
    strokes = got.args[0]
    assert strokes.shape == (CANVAS, CANVAS) and not canvas.is_empty()
    mid = CANVAS // 2
    assert strokes[mid, CANVAS // 2] > 0.95                    # on the stroke
    assert strokes[mid - 8, CANVAS // 2] > 0.95                # thick: 8 pixels above it too
    assert strokes[mid - 60, CANVAS // 2] == 0.0               # far above: paper
    assert strokes[mid, CANVAS // 10] == 0.0                   # left of where it began
    with qtbot.waitSignal(canvas.drawing_changed, timeout=TIMEOUT) as got:
        canvas.clear()
    assert got.args[0].max() == 0.0 and canvas.is_empty()


def test_drawing_changed_is_rate_capped_while_drawing(canvas, qtbot, monkeypatch):
    # one signal per interval however many moves: with an interval longer than any stroke,
    # sixty moves give none until the release, which gives one at once
    import widgets.drawing_canvas as dc
    monkeypatch.setattr(dc, "RATE_MS", 600_000)
    slow = DrawingCanvas()
    qtbot.addWidget(slow)
    slow.resize(canvas.size())
    slow.show()
    held = []
    slow.drawing_changed.connect(held.append)
    points = line(slow, (0.1, 0.1), (0.9, 0.9), n=60)
    QTest.mousePress(slow, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        QTest.mouseMove(slow, p)
    qtbot.wait(3 * RATE_MS)
    assert held == []
    QTest.mouseRelease(slow, Qt.MouseButton.LeftButton, pos=points[-1])
    assert len(held) == 1
    # at the usual interval the signal comes while the stroke is still being drawn, and
    # nothing more comes once the mouse holds still
    got = []
    canvas.drawing_changed.connect(got.append)
    points = line(canvas, (0.1, 0.1), (0.9, 0.9), n=60)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        QTest.mouseMove(canvas, p)
    qtbot.waitUntil(lambda: len(got) >= 1, timeout=TIMEOUT)    # while still drawing
    before = len(got)
    qtbot.wait(3 * RATE_MS)
    assert len(got) == before                                  # nothing new drawn: no more
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    assert len(got) == before + 1                              # the release: at once


def bands(image):
    """A fake classifier: the share of ink in the middle rows against the middle columns."""
    img = image[0]
    h, w = img.shape
    rows = img[h // 2 - 1:h // 2 + 1].sum()
    cols = img[:, w // 2 - 1:w // 2 + 1].sum()
    total = rows + cols + 1e-9
    return np.array([rows / total, cols / total])


@pytest.fixture
def panel(qtbot):
    p = DrawingPanel()
    qtbot.addWidget(p)
    p.resize(800, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_drawing_updates_the_bars_through_the_classifier(panel, qtbot):
    calls = []

    def classify(image):
        calls.append(image)
        return bands(image)

    panel.set_classifier(classify, ["flat", "tall"], iv.DrawingStyle(1, 28, 28))
    assert calls == []                                         # nothing drawn: not asked
    c = panel.canvas
    drag(c, line(c, (0.05, 0.15), (0.45, 0.15)))               # a flat stroke, top left
    qtbot.waitUntil(lambda: len(calls) > 0, timeout=TIMEOUT)
    seen = calls[-1]
    assert seen.shape == (1, 28, 28)
    cy, cx = iv.centre_of_mass(seen[0])                        # centred, as the data are
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    p = panel.chart.probabilities()
    assert p[0] > 0.8 > p[1]
    assert panel.chart.bar_rect(0).width() > 4 * panel.chart.bar_rect(1).width()
    assert "flat" in panel.message.text()
    panel.clear_button.click()
    assert panel.chart.probabilities().tolist() == [0.0, 0.0]
    drag(c, line(c, (0.8, 0.5), (0.8, 0.95)))                  # a tall stroke, bottom right
    qtbot.waitUntil(lambda: panel.chart.probabilities()[1] > 0.8, timeout=TIMEOUT)
    assert panel.chart.bar_rect(1).width() > 4 * panel.chart.bar_rect(0).width()


def test_the_network_sees_the_style_of_its_training_images(panel, qtbot):
    style = iv.DrawingStyle(1, 8, 8, fill=1.0, background=0.0, ink=16.0)   # sklearn's digits
    got = []
    panel.set_classifier(lambda im: got.append(im) or np.full(10, 0.1), range(10), style)
    c = panel.canvas
    drag(c, line(c, (0.6, 0.1), (0.9, 0.4)))
    qtbot.waitUntil(lambda: len(got) > 0, timeout=TIMEOUT)
    assert got[-1].shape == (1, 8, 8) and got[-1].max() == pytest.approx(16.0, rel=0.05)
    np.testing.assert_array_equal(panel.network_image(), got[-1])


def test_a_failing_classifier_is_reported_and_the_drawing_kept(panel, qtbot):
    def broken(image):
        raise RuntimeError("the weights are not ready")

    panel.set_classifier(broken, ["a", "b"])
    c = panel.canvas
    drag(c, line(c, (0.3, 0.3), (0.7, 0.7)))
    qtbot.waitUntil(lambda: "could not classify" in panel.message.text(), timeout=TIMEOUT)
    assert "the weights are not ready" in panel.message.text()
    assert not c.is_empty() and c.strokes().max() > 0.9
    panel.set_classifier(lambda im: np.array([np.nan, 0.5]), ["a", "b"])
    assert "NaN" in panel.message.text()
    panel.set_classifier(lambda im: np.ones(3) / 3, ["a", "b"])
    assert "3 answers for 2 classes" in panel.message.text()


def test_a_one_drawn_with_the_mouse_is_read_as_a_one(panel, qtbot):
    """End to end: a vertical stroke drawn off to the right, preprocessed like sklearn's 8x8
    digits, is a 1 to the nearest-class-mean model of those digits, and the bars say so."""
    from sklearn.datasets import load_digits
    data = load_digits()
    images = data.images[:, None]
    means = np.stack([images[data.target == k].reshape(-1, 64).mean(axis=0)
                      for k in range(10)])

    def classify(image):
        d = ((means - image.reshape(-1)) ** 2).sum(axis=1)
        e = np.exp(-(d - d.min()) / 200.0)
        return e / e.sum()

    panel.set_classifier(classify, [str(k) for k in range(10)], iv.DrawingStyle.like(images))
    c = panel.canvas
    drag(c, line(c, (0.8, 0.1), (0.8, 0.9), n=20))
    qtbot.waitUntil(lambda: panel.chart.probabilities().max() > 0, timeout=TIMEOUT)
    p = panel.chart.probabilities()
    assert int(np.argmax(p)) == 1
    assert panel.chart.bar_rect(1).width() == max(panel.chart.bar_rect(k).width()
                                                 for k in range(10))
    assert panel.message.text().startswith("The network says 1")
