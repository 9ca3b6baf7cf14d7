"""The confusion matrix view on a hand-worked matrix: counts in the cells, colour by row share
(white for none, darker for more), the overall and per-class accuracies in words and bars."""
import numpy as np
import pytest
from PySide6.QtGui import QColor

from playground import image_views as iv
from widgets import theme
from widgets.confusion import ConfusionMatrixView

TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2]
PRED = [0, 0, 1, 1, 2, 2, 2, 0, 2]
NAMES = ["circle", "square", "cross"]


def darkness(c: QColor) -> float:
    return 255.0 - float(np.mean(c.getRgb()[:3]))


@pytest.fixture(params=[(800, 600), (400, 300)], ids=["800x600", "400x300"])
def view(qtbot, request):
    v = ConfusionMatrixView()
    qtbot.addWidget(v)
    v.resize(*request.param)
    v.show()
    qtbot.waitExposed(v)
    v.set_matrix(iv.confusion_matrix(TRUE, PRED, 3), NAMES)
    qtbot.wait(10)
    return v


def colour_near_edge(image, rect) -> QColor:
    """A cell's fill colour, away from its count and its outline."""
    return image.pixelColor(rect.left() + 4, rect.top() + 4)


def test_cells_hold_counts_coloured_by_their_share_of_the_row(view):
    assert [view.cell_text(0, p) for p in range(3)] == ["2", "1", "0"]
    assert [view.cell_text(2, p) for p in range(3)] == ["1", "0", "3"]
    image = view.grab().toImage()
    three_quarters = colour_near_edge(image, view.cell_rect(2, 2))       # 3 of 4
    two_thirds = colour_near_edge(image, view.cell_rect(0, 0))           # 2 of 3
    a_third = colour_near_edge(image, view.cell_rect(0, 1))              # 1 of 3
    none = colour_near_edge(image, view.cell_rect(0, 2))                 # 0 of 3
    assert darkness(three_quarters) > darkness(two_thirds) > darkness(a_third) > darkness(none)
    assert darkness(none) < 3                                            # white
    assert view.cell_tip(0, 1) == ("1 of the 3 test images of circle taken for square "
                                   "(33.3% of the row)")


def test_accuracies_in_words_and_bars(view):
    assert view.overall_text() == "Test accuracy 66.7% (6 of 9 right)"
    assert [view.class_accuracy_text(k) for k in range(3)] == ["66.7%", "50.0%", "75.0%"]
    image = view.grab().toImage()
    for k, acc in enumerate([2 / 3, 1 / 2, 3 / 4]):
        bar = view.bar_rect(k)
        y = bar.center().y()
        filled = image.pixelColor(int(bar.left() + (acc - 0.1) * bar.width()), y)
        empty = image.pixelColor(int(bar.left() + (acc + 0.1) * bar.width()), y)
        assert filled == theme.class_color(k)
        assert empty == QColor(theme.color("grid"))
    # the bars sit right of the matrix, inside the widget
    assert view.bar_rect(0).left() > view.cell_rect(0, 2).right()
    assert view.rect().contains(view.bar_rect(2))


def test_ten_classes_fit_a_small_panel(qtbot):
    v = ConfusionMatrixView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    rng = np.random.default_rng(0)
    t = rng.integers(0, 10, 400)
    v.set_matrix(iv.confusion_matrix(t, t, 10), [str(i) for i in range(10)])
    assert v.rect().contains(v.cell_rect(9, 9)) and v.rect().contains(v.bar_rect(9))
    assert v.cell_rect(0, 0).width() >= 16
    assert v.overall_text() == "Test accuracy 100.0% (400 of 400 right)"


def test_a_matrix_that_does_not_match_the_names_is_refused(view):
    with pytest.raises(ValueError, match="for the 3 class names"):
        view.set_matrix(np.zeros((2, 2)), NAMES)
    assert view.cell_text(2, 2) == "3"
