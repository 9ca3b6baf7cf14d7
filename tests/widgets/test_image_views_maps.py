"""Feature maps and the gallery of mistakes: maps come out labelled with their layer and shape and
coloured (zero white, positive blue); rows are kept while shapes stay; choosing a sample (the
chooser or a click in the gallery) asks for it; thumbnails show their image and caption."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from playground import image_views as iv
from playground import palette
from widgets import theme
from widgets.feature_maps import FeatureMapsView
from widgets.misclassified import MisclassifiedGallery


def near(c: QColor, hex_: str, tol: float = 12) -> bool:
    want = np.array(QColor(hex_).getRgb()[:3], dtype=float)
    return float(np.abs(np.array(c.getRgb()[:3], dtype=float) - want).max()) <= tol


def darkness(c: QColor) -> float:
    return 255.0 - float(np.mean(c.getRgb()[:3]))


def pixel(widget, mosaic, tile, row, col, h, w) -> QColor:
    rect = mosaic.tile_rect(tile)
    image = mosaic.grab().toImage()
    return image.pixelColor(int(rect.left() + (col + 0.5) * rect.width() / w),
                            int(rect.top() + (row + 0.5) * rect.height() / h))


@pytest.fixture
def maps_view(qtbot):
    v = FeatureMapsView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    qtbot.waitExposed(v)
    return v


def sample_and_layers():
    image = np.zeros((1, 8, 8), dtype=np.float32)
    image[0, 1, 1] = 1.0                          # ink at the top left
    conv = np.zeros((4, 8, 8))
    conv[2, 6, 5] = 3.0                           # map 3: one positive pixel
    pool = np.zeros((4, 4, 4))
    pool[0, 0, 0] = -1.0                          # map 1: one negative pixel
    return image, [("conv", conv), ("pool", pool)]


def test_maps_are_labelled_with_layer_and_shape_and_coloured(maps_view, qtbot):
    image, layers = sample_and_layers()
    maps_view.set_maps(image, layers, sample_index=5, caption="a 7, taken for a 1 (80%)")
    qtbot.wait(10)
    assert maps_view.layer_titles() == ["conv 4x8x8", "pool 4x4x4"]
    conv_row, pool_row = maps_view.rows
    assert conv_row.mosaic.count() == 4 and pool_row.mosaic.count() == 4
    assert near(pixel(maps_view, conv_row.mosaic, 2, 6, 5, 8, 8), palette.POSITIVE)
    assert near(pixel(maps_view, conv_row.mosaic, 2, 0, 0, 8, 8), palette.STRONG[1])
    assert near(pixel(maps_view, pool_row.mosaic, 0, 0, 0, 4, 4), palette.NEGATIVE)
    ink = pixel(maps_view, maps_view.sample, 0, 1, 1, 8, 8)
    paper = pixel(maps_view, maps_view.sample, 0, 6, 6, 8, 8)
    assert darkness(ink) > 200 and darkness(paper) < 5
    assert maps_view.current_sample() == 5
    assert maps_view.sample_caption.text() == "a 7, taken for a 1 (80%)"


def test_rows_are_kept_while_the_shapes_stay(maps_view, qtbot):
    image, layers = sample_and_layers()
    maps_view.set_maps(image, layers)
    rows = list(maps_view.rows)
    maps_view.set_maps(image, [(label, m * 2.0) for label, m in layers])
    assert maps_view.rows == rows
    maps_view.set_maps(image, layers[:1])
    assert maps_view.layer_titles() == ["conv 4x8x8"]
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        maps_view.set_maps(image, [("dense", np.zeros(10))])


def test_the_chooser_asks_for_another_sample(maps_view, qtbot):
    maps_view.set_sample_count(20)
    maps_view.chooser.setFocus()
    maps_view.chooser.selectAll()
    with qtbot.waitSignal(maps_view.sample_requested) as got:
        qtbot.keyClicks(maps_view.chooser, "7")
    assert got.args == [7]
    with qtbot.waitSignal(maps_view.sample_requested) as got:
        maps_view.show_sample(7)                  # the same sample again still asks
    assert got.args == [7]


# ---- the gallery -----------------------------------------------------------------------------
@pytest.fixture
def gallery(qtbot):
    g = MisclassifiedGallery()
    qtbot.addWidget(g)
    g.resize(800, 600)
    g.show()
    qtbot.waitExposed(g)
    return g


def mistakes():
    images = np.zeros((3, 1, 6, 6), dtype=np.float32)
    images[0, 0, :3, :3] = 1.0                    # ink top left
    images[1, 0, 3:, 3:] = 1.0                    # ink bottom right
    images[2, 0, :, 2] = 1.0
    return images, np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0.874, 0.6, 0.51])


def test_thumbnails_show_their_image_and_caption(gallery, qtbot):
    images, true, pred, conf = mistakes()
    gallery.set_items(images, true, pred, conf, ["circle", "square", "cross"],
                      indices=[40, 7, 12], total=100)
    qtbot.wait(10)
    assert gallery.count() == 3
    assert gallery.caption(0) == "circle \u2192 square (87%)"
    assert gallery.caption(2) == "cross \u2192 circle (51%)"
    assert "3 misclassified of 100 test images" in gallery.summary.text()
    image = gallery.grid.grab().toImage()
    r0, r1 = gallery.grid.item_rect(0), gallery.grid.item_rect(1)
    at = lambda r, fx, fy: image.pixelColor(int(r.left() + fx * r.width()),
                                            int(r.top() + fy * r.height()))
    assert darkness(at(r0, 0.2, 0.2)) > 200 and darkness(at(r0, 0.8, 0.8)) < 5
    assert darkness(at(r1, 0.8, 0.8)) > 200 and darkness(at(r1, 0.2, 0.2)) < 5
    assert not r0.intersects(r1)


def test_clicking_a_thumbnail_chooses_its_test_image_for_the_feature_maps(gallery, maps_view,
                                                                          qtbot):
    images, true, pred, conf = mistakes()
    order = iv.misclassified(true, pred, conf)
    gallery.set_items(images[order], true[order], pred[order], conf[order], "abc",
                      indices=order + 100)
    gallery.sample_chosen.connect(maps_view.show_sample)
    qtbot.wait(10)
    with qtbot.waitSignal(gallery.sample_chosen) as chosen, \
            qtbot.waitSignal(maps_view.sample_requested) as requested:
        qtbot.mouseClick(gallery.grid, Qt.MouseButton.LeftButton,
                         pos=gallery.grid.item_rect(1).center())
    assert chosen.args == [int(order[1]) + 100]
    assert requested.args == [int(order[1]) + 100]
    got = []
    gallery.sample_chosen.connect(got.append)
    r = gallery.grid.item_rect(0)
    qtbot.mouseClick(gallery.grid, Qt.MouseButton.LeftButton,
                     pos=QPoint(r.right() + 6, r.center().y()))
    assert got == []                                   # a click beside the thumbnails: nothing


def test_no_mistakes_says_so(gallery):
    gallery.set_items(np.zeros((0, 1, 4, 4)), [], [], [], ["a", "b"], total=50)
    assert gallery.count() == 0 and gallery.summary.text() == "No mistakes of 50 test images"
    with pytest.raises(ValueError, match="must agree"):
        gallery.set_items(np.zeros((2, 1, 4, 4)), [0], [1], [0.5], ["a", "b"])


def test_colour_images_show_in_colour(gallery, maps_view, qtbot):
    images = np.zeros((1, 3, 6, 6), dtype=np.float32)
    images[0, 0] = 1.0                                # all red
    gallery.set_items(images, [0], [1], [0.9], ["a", "b"])
    maps_view.set_maps(images[0], [], value_range=(0.0, 1.0))
    qtbot.wait(10)
    r = gallery.grid.item_rect(0)
    thumb = gallery.grid.grab().toImage().pixelColor(r.center())
    sample = maps_view.sample.grab().toImage().pixelColor(maps_view.sample.tile_rect(0).center())
    for c in (thumb, sample):
        assert c.red() == 255 and c.green() == 0 and c.blue() == 0
    assert maps_view.layer_titles() == []


def test_the_chosen_thumbnail_stays_outlined_when_the_list_changes(gallery, qtbot):
    images, true, pred, conf = mistakes()
    gallery.set_items(images, true, pred, conf, "abc", indices=[40, 7, 12])
    qtbot.mouseClick(gallery.grid, Qt.MouseButton.LeftButton,
                     pos=gallery.grid.item_rect(1).center())
    accent = QColor(theme.color("accent"))

    def outlined(i) -> bool:
        r = gallery.grid.item_rect(i)
        return gallery.grid.grab().toImage().pixelColor(r.left() - 2, r.center().y()) == accent

    assert outlined(1) and not outlined(0)
    # the next evaluation lists test image 7 first: its outline moves with it
    order = [1, 0, 2]
    gallery.set_items(images[order], true[order], pred[order], conf[order], "abc",
                      indices=[7, 40, 12])
    assert outlined(0) and not outlined(1)
