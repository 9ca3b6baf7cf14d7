"""widgets.augment_preview: moving a strength slider or clicking a toggle changes the settings,
emits them and redraws the grid (its pixels change); settings from the model do not echo back."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from playground.augmentation import Augmentation
from playground.image_data import imported_data, shapes_data
from widgets.augment_preview import AugmentPreviewPanel


def grid_pixels(panel) -> np.ndarray:
    image = panel.grid_view.grab().toImage()
    image = image.convertToFormat(image.Format.Format_RGB32)
    return np.frombuffer(bytes(image.constBits()), np.uint8).reshape(image.height(), -1).copy()


@pytest.fixture
def panel(qtbot):
    made = AugmentPreviewPanel(shapes_data(n=16, size=20, seed=2),
                               Augmentation(rotate=True, rotate_degrees=10.0))
    qtbot.addWidget(made)
    made.resize(900, 520)
    made.show()
    qtbot.waitExposed(made)
    return made


def test_moving_a_strength_slider_changes_the_settings_and_the_grid(qtbot, panel):
    before = grid_pixels(panel)
    slider = panel.sliders["rotate_degrees"].slider
    slider.setFocus()
    with qtbot.waitSignal(panel.settings_changed) as sent:
        qtbot.keyClick(slider, Qt.Key.Key_End)                  # to the largest rotation
    assert sent.args[0].hyper["rotate_degrees"] == 45.0
    assert panel.settings().hyper["rotate_degrees"] == 45.0
    assert panel.sliders["rotate_degrees"].label.text() == "\u00b145\u00b0"
    after = grid_pixels(panel)
    assert after.shape == before.shape and not np.array_equal(after, before)


def test_clicking_a_toggle_switches_the_transform(qtbot, panel):
    box = panel.toggles["noise"]
    assert not panel.sliders["noise_std"].isEnabled()
    before = grid_pixels(panel)
    with qtbot.waitSignal(panel.settings_changed) as sent:
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert sent.args[0].hyper["noise"] is True and panel.sliders["noise_std"].isEnabled()
    assert not np.array_equal(grid_pixels(panel), before)


def test_settings_from_the_model_show_without_echo(qtbot, panel):
    sent = []
    panel.settings_changed.connect(sent.append)
    before = grid_pixels(panel)
    panel.set_settings(Augmentation(flip=True, flip_probability=1.0, shift=True, shift_pixels=4))
    assert sent == []
    assert panel.toggles["flip"].isChecked() and not panel.toggles["rotate"].isChecked()
    assert panel.sliders["shift_pixels"].value() == 4
    assert panel.sliders["shift_pixels"].label.text() == "\u00b14 px"
    assert not np.array_equal(grid_pixels(panel), before)


def test_strength_zero_shows_the_image_unchanged_in_every_tile(qtbot):
    data = shapes_data(n=16, size=20, seed=2)
    panel = AugmentPreviewPanel(data, Augmentation(rotate=True, rotate_degrees=0.0))
    qtbot.addWidget(panel)
    assert "augmentation is off" in panel.caption()
    tiles = panel.preview_tiles()
    assert np.array_equal(tiles, np.repeat(data.images[0:1, 0], len(tiles), axis=0))


def test_rgb_images_and_another_sample(qtbot):
    pixels = np.random.default_rng(0).integers(0, 256, (4, 3, 10, 10)).astype(np.uint8)
    panel = AugmentPreviewPanel(imported_data(pixels, [0, 1, 0, 1], ("a", "b")),
                                Augmentation(flip=True, flip_probability=1.0))
    qtbot.addWidget(panel)
    panel.sample_box.setValue(2)
    tiles = panel.preview_tiles()
    assert tiles.shape[1:] == (10, 10, 3)
    assert np.allclose(tiles[0], (pixels[2] / 255).transpose(1, 2, 0)[:, ::-1], atol=1e-6)


def test_new_draws_show_other_versions_with_the_same_settings(qtbot, panel):
    before = panel.preview_tiles()
    settings = panel.settings()
    qtbot.mouseClick(panel.redraw_button, Qt.MouseButton.LeftButton)
    assert panel.settings() is settings
    assert not np.array_equal(panel.preview_tiles(), before)
