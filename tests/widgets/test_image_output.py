"""The image Output panel fed by snapshots made here: each tab shows what the snapshot's image
products say (filters of the chosen conv layer, the chosen sample's maps, the mistakes, the
confusion matrix), the scope line says whether a live sample or the whole test set was scored,
only the tab in front draws on a frame, clicking a mistake asks the session for that test image's
maps, and a drawing is classified by the session.

The session here is a stand-in with the session's signals and the verbs the panel calls
(``tests/widgets/test_image_window.py`` drives the real one in the window)."""
from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtTest import QTest

from widgets.image_output import ImageOutputPanel

TIMEOUT = 10_000     # ms: a bound on waits on a busy machine, never a target
NAMES = ("circle", "square", "cross")

try:
    from playground.snapshot import ImageProducts
except ImportError:                 # until the session side lands: the agreed fields
    @dataclass(frozen=True)
    class ImageProducts:
        sample_index: int
        sample_image: np.ndarray
        feature_maps: tuple
        filters: tuple
        eval_indices: np.ndarray
        probabilities: np.ndarray
        true: np.ndarray
        evaluated_all: bool
        n_test: int
        class_names: tuple


@dataclass(frozen=True)
class FakeSnapshot:
    generation: int
    images: ImageProducts


class StandInSession(QObject):
    """What the panel uses of a TrainingSession, with ten 6x6 test images."""
    network_rebuilt = Signal()
    snapshot_ready = Signal(object)

    def __init__(self):
        super().__init__()
        self.generation = 1
        self.modality = "images"
        rng = np.random.default_rng(0)
        self.images = rng.random((10, 1, 6, 6)).astype(np.float32)
        self.chosen: list[int] = []
        self.classified: list[np.ndarray] = []

    def test_images(self):
        return self.images

    def choose_sample(self, i):
        self.chosen.append(i)

    def classify(self, images):
        self.classified.append(np.asarray(images))
        return np.tile(np.array([[0.2, 0.7, 0.1]]), (len(images), 1))


def products(evaluated_all=True, sample_index=0, eval_indices=(0, 1, 2, 3), true=(0, 0, 1, 2),
             predicted=(0, 1, 1, 0)):
    """Products where test images eval_indices of classes ``true`` are taken for
    ``predicted`` with probability 0.8 (two mistakes by default: 1 and 3)."""
    p = np.full((len(true), 3), 0.1, dtype=np.float32)
    p[np.arange(len(true)), list(predicted)] = 0.8
    first = np.zeros((4, 1, 3, 3), dtype=np.float32)
    first[1, 0, 0, 0] = 2.0
    second = np.ones((6, 4, 3, 3), dtype=np.float32)
    return ImageProducts(
        sample_index=sample_index, sample_image=np.zeros((1, 6, 6), dtype=np.float32),
        feature_maps=(("conv 4x6x6", np.ones((4, 6, 6), dtype=np.float32)),
                      ("pool 4x3x3", np.ones((4, 3, 3), dtype=np.float32))),
        filters=(("conv 1", first), ("conv 2", second)),
        eval_indices=np.array(eval_indices, dtype=np.int64), probabilities=p,
        true=np.array(true, dtype=np.int64), evaluated_all=evaluated_all, n_test=10,
        class_names=NAMES)


@pytest.fixture
def panel(qtbot):
    session = StandInSession()
    p = ImageOutputPanel(None, session)
    qtbot.addWidget(p)
    p.resize(700, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def send(panel, **changes):
    panel.session.snapshot_ready.emit(FakeSnapshot(panel.session.generation, products(**changes)))


def click_tab(panel, qtbot, key):
    bar = panel.tabs.tabBar()
    index = ["filters", "maps", "mistakes", "confusion", "draw"].index(key)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert panel.current_tab() == key


def test_confusion_tab_counts_the_snapshots_answers_and_says_it_covers_the_whole_set(panel,
                                                                                      qtbot):
    send(panel)
    click_tab(panel, qtbot, "confusion")
    # true (0, 0, 1, 2) taken for (0, 1, 1, 0): two of four right
    assert panel.confusion.overall_text() == "Test accuracy 50.0% (2 of 4 right)"
    assert [panel.confusion.class_accuracy_text(k) for k in range(3)] == \
        ["50.0%", "100.0%", "0.0%"]
    assert panel.scope.isVisible()
    assert panel.scope.text() == "On the whole test set: 10 images"


def test_scope_line_says_a_live_sample_while_playing(panel, qtbot):
    send(panel, evaluated_all=False)
    click_tab(panel, qtbot, "mistakes")
    assert "Live sample: 4 of the 10 test images" in panel.scope.text()
    click_tab(panel, qtbot, "filters")
    assert not panel.scope.isVisible()        # filters are no score of the test images


def test_only_the_tab_in_front_draws_a_frame(panel, qtbot):
    assert panel.current_tab() == "filters"
    send(panel)
    assert panel.filters.grid.title.text() == "Filters of conv layer 1"
    assert panel.confusion.overall_text() == "No test images classified yet"   # not drawn
    assert panel.mistakes.count() == 0
    click_tab(panel, qtbot, "confusion")          # drawn when it comes to the front
    assert panel.confusion.overall_text().startswith("Test accuracy 50.0%")


def test_filters_of_the_chosen_conv_layer_deeper_ones_by_input_channel(panel, qtbot):
    send(panel)
    tab = panel.filters
    assert tab.layer.isVisible() and tab.layer.count() == 2
    assert tab.grid.mosaic.count() == 4 and not tab.grid.channel.isVisible()
    tab.layer.setCurrentIndex(1)                   # (the combo's own signal, as a pick does)
    assert tab.grid.title.text() == "Filters of conv layer 2"
    assert tab.grid.mosaic.count() == 6 and tab.grid.channel.isVisible()
    assert tab.grid.channel.maximum() == 4
    send(panel)                                    # the next frame keeps the chosen layer
    assert tab.grid.title.text() == "Filters of conv layer 2"


def test_clicking_a_mistake_asks_for_its_maps_and_shows_them(panel, qtbot):
    send(panel)
    click_tab(panel, qtbot, "mistakes")
    gallery = panel.mistakes
    assert gallery.count() == 2                    # test images 1 and 3
    assert {gallery.caption(0), gallery.caption(1)} == {"circle \u2192 square (80%)",
                                                        "cross \u2192 circle (80%)"}
    rect = gallery.grid.item_rect(1)
    qtbot.mouseClick(gallery.grid, Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = panel.session.chosen[-1]
    assert chosen in (1, 3) and gallery.caption(1).startswith(
        {1: "circle", 3: "cross"}[chosen])
    assert panel.current_tab() == "maps"
    send(panel, sample_index=chosen)
    assert panel.maps.current_sample() == chosen
    assert panel.maps.layer_titles() == ["conv 4x6x6", "pool 4x3x3"]   # the shape once
    assert panel.maps.sample_caption.text().startswith(f"Test image {chosen}: a ")
    assert "wrong" in panel.maps.sample_caption.text()


def test_the_chooser_asks_the_session_for_another_sample(panel, qtbot):
    send(panel)
    click_tab(panel, qtbot, "maps")
    panel.maps.chooser.setFocus()
    QTest.keyClick(panel.maps.chooser, Qt.Key.Key_Up)
    assert panel.session.chosen[-1] == 1


def test_a_drawing_is_classified_by_the_session(panel, qtbot):
    send(panel)
    click_tab(panel, qtbot, "draw")
    canvas = panel.draw.canvas
    r = canvas.sheet_rect()
    points = [QPoint(r.left() + r.width() * k // 10, r.top() + r.height() // 2)
              for k in range(2, 9)]
    with qtbot.waitSignal(canvas.drawing_changed, timeout=TIMEOUT):
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
        for p in points[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    seen = panel.session.classified[-1]
    assert seen.shape == (1, 1, 6, 6)              # one image shaped like the test images
    p = panel.draw.chart.probabilities()
    assert np.allclose(p, [0.2, 0.7, 0.1]) and np.isclose(p.sum(), 1.0)
    assert "square" in panel.draw.message.text()


def test_a_snapshot_of_an_earlier_network_is_never_drawn(panel, qtbot):
    panel.session.generation = 2
    panel.session.snapshot_ready.emit(FakeSnapshot(1, products()))
    assert panel.filters.grid.empty.isVisibleTo(panel.filters.grid)
