"""playground.augmentation: the preview grid's layout, the slider steps and their words."""
import numpy as np
import pytest

from engine.augment import TRANSFORMS, Augmentation, augment_previews
from playground.augmentation import (STEPS, mosaic, original, preview_tiles, strength_text)
from playground.image_data import imported_data, shapes_data


def test_mosaic_puts_tile_i_at_row_i_div_columns_with_nan_gaps():
    tiles = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    grid = mosaic(tiles, columns=3, gap=1)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert np.array_equal(grid[0:2, 0:3], tiles[0]) and np.array_equal(grid[0:2, 4:7], tiles[1])
    assert np.array_equal(grid[3:5, 4:7], tiles[4])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all()
    assert np.isnan(grid[3:5, 8:11]).all()                   # the empty sixth place


def test_mosaic_of_rgb_tiles_keeps_the_colour_axis():
    tiles = np.random.default_rng(0).random((4, 3, 3, 3))
    grid = mosaic(tiles, columns=2, gap=2)
    assert grid.shape == (8, 8, 3) and np.allclose(grid[5:8, 5:8], tiles[3])


def test_every_slider_step_is_a_valid_strength():
    for toggle, strength in TRANSFORMS.items():
        steps = STEPS[strength]
        assert list(steps) == sorted(steps) and steps[0] == 0
        for value in steps:
            assert Augmentation(**{toggle: True, strength: value}).hyper[strength] == value
        assert Augmentation().hyper[strength] in steps         # the default is on the ladder


@pytest.mark.parametrize("strength, value, text", [
    ("rotate_degrees", 7.5, "\u00b17.5\u00b0"), ("shift_pixels", 3, "\u00b13 px"),
    ("flip_probability", 0.5, "p 0.50"), ("noise_std", 0.05, "\u03c3 0.05"),
    ("noise_std", 0.0, "\u03c3 0"), ("brightness_delta", 0.1, "\u00b10.10"),
    ("contrast_delta", 0.2, "\u00d7 1\u00b10.20"),
])
def test_strength_words(strength, value, text):
    assert strength_text(strength, value) == text


def test_preview_tiles_are_the_engines_previews_channels_last():
    grey = shapes_data(n=16, size=16, seed=1)
    settings = Augmentation(rotate=True, noise=True)
    tiles = preview_tiles(grey, settings, 3, 5, seed=2)
    assert tiles.shape == (5, 16, 16) and tiles.dtype == np.float32
    assert np.allclose(tiles, augment_previews(grey.images, 3, settings, 5, 2)[:, 0], atol=1e-7)
    assert np.array_equal(original(grey, 3), grey.images[3, 0])
    pixels = np.random.default_rng(0).integers(0, 256, (2, 3, 4, 5)).astype(np.uint8)
    rgb = imported_data(pixels, [0, 1], ("a", "b"))
    assert preview_tiles(rgb, settings, 1, 2).shape == (2, 4, 5, 3)
    assert np.array_equal(original(rgb, 1), rgb.images[1].transpose(1, 2, 0))
