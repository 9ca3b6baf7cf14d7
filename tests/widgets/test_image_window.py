"""The window on image experiments, by clicks: an image example opened from File > Examples shows
the layer stack in the centre and the image views in the Output dock; playing fills them, the
confusion matrix's accuracy rises, clicking a mistake brings that test image's feature maps,
a drawing gets class probabilities that sum to 1; choosing a point set or an image set in the
Data panel swaps the views both ways and keeps a valid experiment; the Data panel shows only the
settings of an image set, and a set that is not downloaded is refused with the way to get it."""
import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from playground import catalog
from playground import image_views as iv

TIMEOUT = 60_000     # ms: a bound on waits for the worker on a busy machine, never a target
LEFT = Qt.MouseButton.LeftButton


def open_example(w, name):
    action = next(a for a in w.file_actions.examples_menu.actions() if a.data() == name)
    action.trigger()                       # (a menu's item, as a click on it does)


def latest_images(w):
    s = w.session.latest
    if s is None or s.generation != w.session.generation:
        return None
    return s.images


def wait_frame(qtbot, w, step=0, whole=None):
    """The latest snapshot of this network at ``step`` or later (whole: evaluated on the
    whole test set, or on the live sample)."""
    def ready():
        images = latest_images(w)
        return images is not None and w.session.latest.step >= step and (
            whole is None or images.evaluated_all == whole)
    qtbot.waitUntil(ready, timeout=TIMEOUT)
    return w.session.latest


def click_tab(qtbot, w, key):
    panel = w.image_output
    index = ["filters", "maps", "mistakes", "confusion", "draw"].index(key)
    bar = panel.tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(index).center())
    assert panel.current_tab() == key


def accuracy_shown(w) -> float:
    text = w.image_output.confusion.overall_text()
    return float(re.match(r"Test accuracy ([\d.]+)%", text).group(1)) / 100.0


def test_an_image_example_trains_in_the_window_and_its_views_fill(qtbot, make_window):
    w = make_window(size=(1280, 720))
    open_example(w, "conv_digits")
    qtbot.waitUntil(lambda: w.session.modality == "images", timeout=TIMEOUT)
    assert w.experiment.dataset == "digits"
    assert w.centre.currentWidget() is w.layer_stack and w.layer_stack.isVisible()
    assert w.output_stack.currentWidget() is w.image_output and w.image_output.isVisible()
    assert not w.network_view.isVisible() and not w.boundary_view.isVisible()
    first = wait_frame(qtbot, w, 0, whole=True)
    click_tab(qtbot, w, "confusion")
    before = accuracy_shown(w)
    assert w.image_output.scope.text() == \
        f"On the whole test set: {first.images.n_test:,} images"

    qtbot.mouseClick(w.toolbar.play_button, LEFT)
    wait_frame(qtbot, w, 150)
    qtbot.mouseClick(w.toolbar.play_button, LEFT)        # pause: the whole test set again
    trained = wait_frame(qtbot, w, 150, whole=True)

    def right_share(images):            # the snapshot's own answers, counted here
        return float(np.mean(np.argmax(images.probabilities, axis=1) == images.true))
    qtbot.waitUntil(lambda: abs(accuracy_shown(w) - right_share(latest_images(w))) < 0.001,
                    timeout=TIMEOUT)
    assert len(trained.images.eval_indices) == trained.images.n_test
    after = accuracy_shown(w)
    assert after > before + 0.3, (before, after)       # from chance (10%) to well above

    click_tab(qtbot, w, "filters")
    grid = w.image_output.filters.grid
    assert grid.mosaic.count() == 8                     # the eight 3x3 filters of conv_digits
    assert grid.title.text() == "Filters of the conv layer"

    click_tab(qtbot, w, "maps")
    maps = w.image_output.maps
    assert len(maps.layer_titles()) == 2                # conv and max-pool: maps; flatten: none
    assert maps.layer_titles()[0] == "conv 8x8x8"


def test_clicking_a_mistake_shows_its_feature_maps(qtbot, make_window):
    w = make_window(size=(1280, 720))
    open_example(w, "conv_digits")
    wait_frame(qtbot, w, 0, whole=True)
    w.session.step(20)                  # a little training: some right, some wrong
    wait_frame(qtbot, w, 20, whole=True)
    click_tab(qtbot, w, "mistakes")
    gallery = w.image_output.mistakes
    qtbot.waitUntil(lambda: gallery.count() > 0, timeout=TIMEOUT)
    shown = w.image_output.maps.current_sample()
    # the gallery's order, worked out here from the snapshot: the most confident mistake first
    images = latest_images(w)
    order, _, _ = iv.mistakes(images.true, images.probabilities)
    mistaken = images.eval_indices[order]
    assert gallery.count() == min(len(order), 120)
    item = next(i for i in range(gallery.count()) if mistaken[i] != shown)
    wanted = int(mistaken[item])
    gallery.scroll.ensureVisible(0, gallery.grid.item_rect(item).center().y())
    qtbot.mouseClick(gallery.grid, LEFT, pos=gallery.grid.item_rect(item).center())
    assert w.image_output.current_tab() == "maps"
    qtbot.waitUntil(lambda: latest_images(w) is not None and
                    latest_images(w).sample_index == wanted, timeout=TIMEOUT)
    maps = w.image_output.maps
    qtbot.waitUntil(lambda: maps.sample_caption.text().startswith(f"Test image {wanted}:"),
                    timeout=TIMEOUT)
    assert maps.current_sample() == wanted
    assert "wrong" in maps.sample_caption.text()
    assert np.array_equal(latest_images(w).sample_image, w.session.test_images()[wanted])


def test_a_drawing_gets_class_probabilities_that_sum_to_one(qtbot, make_window):
    w = make_window(size=(1280, 720))
    open_example(w, "conv_digits")
    wait_frame(qtbot, w, 0)
    click_tab(qtbot, w, "draw")
    canvas = w.image_output.draw.canvas
    r = canvas.sheet_rect()
    # a vertical stroke down the middle of the sheet: a "1"
    points = [QPoint(r.center().x(), r.top() + r.height() * k // 10) for k in range(2, 9)]
    with qtbot.waitSignal(canvas.drawing_changed, timeout=TIMEOUT):
        QTest.mousePress(canvas, LEFT, pos=points[0])
        for p in points[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, LEFT, pos=points[-1])
    p = w.image_output.draw.chart.probabilities()
    assert p.shape == (10,) and np.all(p >= 0) and p.sum() == pytest.approx(1.0, abs=1e-6)
    assert w.image_output.draw.message.text().startswith("The network says ")
    # what the network saw is the drawing as an 8x8 digit: the same answer from the session
    seen = w.image_output.draw.network_image()
    assert seen.shape == (1, 8, 8)
    assert np.allclose(w.session.classify(seen[None])[0], p)


def test_choosing_a_point_set_or_an_image_set_swaps_the_views_both_ways(qtbot, make_window):
    w = make_window(size=(1280, 720))
    open_example(w, "conv_digits")
    wait_frame(qtbot, w, 0)
    panel = w.data_panel
    assert panel.shown_kind() == "images" and panel.kind_buttons["images"].isChecked()

    qtbot.mouseClick(panel.kind_buttons["points"], LEFT)
    assert panel.shown_kind() == "points" and w.experiment.dataset == "digits"   # only a page
    qtbot.mouseClick(panel.dataset_buttons["spiral"], LEFT)
    qtbot.waitUntil(lambda: w.session.modality == "points", timeout=TIMEOUT)
    assert w.experiment.dataset == "spiral"
    assert all(layer.is_dense for layer in w.experiment.layers)     # conv layers left behind
    assert w.centre.currentWidget() is w.network_view and w.network_view.isVisible()
    assert w.output_stack.currentWidget() is w.boundary_view and w.boundary_view.isVisible()
    assert not w.image_output.isVisible()
    assert panel.feature_boxes["x1"].isVisible() and panel.noise.isVisible()
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation, timeout=TIMEOUT)
    assert w.session.latest.boundary.size > 0                         # a boundary to draw

    qtbot.mouseClick(panel.kind_buttons["images"], LEFT)
    qtbot.mouseClick(panel.dataset_buttons["digits"], LEFT)
    qtbot.waitUntil(lambda: w.session.modality == "images", timeout=TIMEOUT)
    assert w.experiment.layers[0].kind == "flatten"     # dense layers on images: flattened
    assert w.centre.currentWidget() is w.layer_stack and w.layer_stack.isVisible()
    assert w.output_stack.currentWidget() is w.image_output and w.image_output.isVisible()
    wait_frame(qtbot, w, 0)
    assert not w.session.message                       # a valid network was built


def test_the_data_panel_shows_only_an_image_sets_settings(qtbot, make_window):
    w = make_window(size=(1280, 720))
    panel = w.data_panel
    qtbot.mouseClick(panel.kind_buttons["images"], LEFT)
    qtbot.mouseClick(panel.dataset_buttons["shapes"], LEFT)
    assert w.experiment.dataset == "shapes"
    assert panel.noise.isVisible() and panel.points.isVisible()
    assert panel.row_labels["Points"].text() == "Images"
    assert not panel.feature_boxes["x1"].isVisible() and not panel.normalize.isVisible()
    assert not panel.classes.isVisible()
    qtbot.mouseClick(panel.dataset_buttons["digits"], LEFT)
    assert w.experiment.dataset == "digits"
    assert not panel.noise.isVisible() and not panel.points.isVisible()
    assert panel.train_ratio.isVisible() and panel.batch.isVisible()
    assert w.experiment.n_classes == catalog.image_class_count("digits")


def test_a_set_not_in_the_download_cache_is_refused_saying_how_to_get_it(qtbot, make_window,
                                                                         monkeypatch, tmp_path):
    """By its thumbnail or as an example: nothing changes, and the message says the command."""
    from playground import downloads
    monkeypatch.setattr(downloads, "cache_folder", lambda: tmp_path / "empty-cache")
    w = make_window(size=(1280, 720))
    panel = w.data_panel
    before = w.experiment.values()
    qtbot.mouseClick(panel.kind_buttons["images"], LEFT)
    qtbot.mouseClick(panel.dataset_buttons["mnist"], LEFT)
    assert w.experiment.values() == before                   # nothing changed
    assert not panel.dataset_buttons["mnist"].isChecked()
    note = panel.dataset_buttons["mnist"].refusal_note
    assert note.isVisible()
    assert "not downloaded" in note.text()
    assert "python main.py download mnist" in note.text()
    assert "Not downloaded" in panel.dataset_buttons["mnist"].toolTip()
    open_example(w, "lenet_mnist")
    assert w.experiment.values() == before
    assert w.file_actions.errors and "python main.py download mnist" in \
        w.file_actions.errors[-1]


def test_hiding_the_output_from_the_class_works_for_image_experiments(qtbot, make_window):
    w = make_window(size=(1280, 720))
    open_example(w, "conv_digits")
    qtbot.waitUntil(lambda: w.session.modality == "images", timeout=TIMEOUT)
    w.panel_visibility.actions["output"].trigger()          # View > Show to the class > Output
    assert "output" in w.experiment.hidden_panels and not w.image_output.isVisible()
    w.panel_visibility.actions["network"].trigger()
    assert not w.layer_stack.isVisible()
    w.panel_visibility.actions["output"].trigger()
    w.panel_visibility.actions["network"].trigger()
    assert w.image_output.isVisible() and w.layer_stack.isVisible()


def test_the_augmentation_preview_of_an_image_experiment_is_bound_to_its_setting(qtbot,
                                                                                  make_window):
    w = make_window(size=(1280, 720))
    open_example(w, "conv_digits")
    qtbot.waitUntil(lambda: w.session.modality == "images", timeout=TIMEOUT)
    preview = w.data_panel.augment_panel
    assert preview is not None and preview.isVisible()
    box = preview.toggles["shift"]
    w.data_panel.scroll.ensureWidgetVisible(box)
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))
    assert w.experiment.augmentation["shift"] is True            # view -> model
    assert preview.caption().endswith("as training sees it")
    w.experiment.set("augmentation", {})                         # model -> view
    assert not box.isChecked() and preview.caption().endswith("augmentation off")
    qtbot.mouseClick(w.data_panel.kind_buttons["points"], LEFT)
    qtbot.mouseClick(w.data_panel.dataset_buttons["circle"], LEFT)
    qtbot.waitUntil(lambda: w.session.modality == "points", timeout=TIMEOUT)
    assert not preview.isVisible()                    # points have nothing to augment


def test_the_images_slider_reaches_the_sixty_thousand_images_of_mnist(qtbot, make_window):
    from playground import presets
    w = make_window(size=(1280, 720))
    panel = w.data_panel
    assert max(panel.points.values()) == 5000                 # 2-D points: up to 5,000
    w.experiment.update(presets.load("lenet_mnist").values)   # (no download needed to show it)
    assert w.experiment.dataset == "mnist"
    assert max(panel.points.values()) == 60000 and panel.points.value() == w.experiment.n_points
    assert panel.row_labels["Points"].text() == "Images" and panel.points.isVisible()
