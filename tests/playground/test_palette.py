"""The class palette stays readable with colour-vision deficiency, and every class has its own
marker shape in the headless pictures.

The deficiency is simulated with the full-severity matrices of Machado, Oliveira and Fernandes
(2009), "A physiologically-based model for simulation of color vision deficiency", applied to
linear RGB; distances are CIEDE2000 (Sharma, Wu and Dalal 2005) in CIELAB under D65, written
here from the published formulas and checked against Sharma's test pairs.
"""
import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from engine.datasets import MAX_CLASSES
from playground import palette
from playground.pictures import boundary_picture

MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
    "normal vision": np.eye(3).tolist(),
}
#: The least CIEDE2000 distance between any two class colours, in every vision.
MIN_DISTANCE = 10.0


def linear_rgb(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def cielab(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear sRGB (3,)."""
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ np.clip(linear, 0.0, 1.0) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + (360 if h1p + h2p < 360 else -360)) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    rc = 2 * np.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25.0 ** 7))
    rt = -np.sin(np.radians(60 * np.exp(-((h_mean - 275) / 25) ** 2))) * rc
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    return float(np.sqrt((d_l / sl) ** 2 + (d_c / sc) ** 2 + (d_h / sh) ** 2
                         + rt * (d_c / sc) * (d_h / sh)))


@pytest.mark.parametrize("lab1, lab2, expected", [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),      # Sharma's pairs 1, 7, 17
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
])
def test_the_reference_distance_matches_published_pairs(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("vision", list(MACHADO))
def test_every_pair_of_class_colours_stays_apart(vision):
    assert len(palette.CLASS_COLORS) >= MAX_CLASSES
    labs = [cielab(np.asarray(MACHADO[vision]) @ linear_rgb(c))
            for c in palette.CLASS_COLORS[:MAX_CLASSES]]
    closest = min((ciede2000(labs[i], labs[j]), i, j)
                  for i, j in itertools.combinations(range(len(labs)), 2))
    assert closest[0] >= MIN_DISTANCE, f"classes {closest[1] + 1} and {closest[2] + 1}"


def test_the_old_palette_fails_the_same_check():
    """The check can fail: the former classes 2 and 4 (two blues) merge under protanopia."""
    old = ("#2F6FDE", "#8E5FD0")
    labs = [cielab(np.asarray(MACHADO["protanopia"]) @ linear_rgb(c)) for c in old]
    assert ciede2000(*labs) < MIN_DISTANCE


def test_two_classes_stay_orange_and_blue():
    orange, blue = (linear_rgb(c) for c in palette.CLASS_COLORS[:2])
    assert orange[0] > orange[1] > orange[2] and blue[2] > blue[1] and blue[2] > blue[0]
    assert (palette.NEGATIVE, palette.POSITIVE) == palette.CLASS_COLORS[:2]


def test_each_class_has_its_own_marker():
    markers = [palette.class_marker(k) for k in range(MAX_CLASSES)]
    assert len(set(markers)) == MAX_CLASSES
    assert set(markers) <= set(palette.MARKERS)


def _one_point_per_class(k: int):
    """A K-class data set with one training point per class, far apart on a row."""
    xs = np.linspace(-4.0, 4.0, k)
    return SimpleNamespace(task="multiclass", target_range=(0.0, 1.0), extent=(-5, 5, -5, 5),
                           points_train=np.column_stack([xs, np.zeros(k)]),
                           labels_train=np.arange(k), points_test=np.zeros((0, 2)),
                           labels_test=np.zeros(0, np.int64))


def test_the_headless_picture_draws_each_class_with_its_own_shape():
    k = 6
    data = _one_point_per_class(k)
    outputs = np.full((20, 20, k), 1.0 / k, np.float32)     # unsure everywhere: pale ground
    size, margin = 480, 8
    image = boundary_picture(outputs, data, size=size).image().astype(float)
    shapes = []
    for c, (x, _) in enumerate(data.points_train):
        cx, cy = margin + (x + 5) / 10 * size, margin + size / 2
        crop = image[int(cy) - 8:int(cy) + 9, int(cx) - 8:int(cx) + 9]
        srgb = np.array([int(palette.class_color(c)[i:i + 2], 16) for i in (1, 3, 5)])
        mask = np.abs(crop - srgb).max(axis=2) < 60
        assert mask.sum() > 10, f"class {c + 1} is drawn in its colour"
        shapes.append(mask)
    for i, j in itertools.combinations(range(k), 2):
        differ = np.logical_xor(shapes[i], shapes[j]).sum()
        assert differ > 0.15 * np.logical_or(shapes[i], shapes[j]).sum(), (i + 1, j + 1)


def test_the_headless_picture_has_a_legend_of_class_markers():
    from playground.pictures import LEGEND_ENTRY
    from playground.canvas import Canvas
    k = 4
    data = _one_point_per_class(k)
    outputs = np.full((20, 20, k), 1.0 / k, np.float32)
    image = boundary_picture(outputs, data, size=480).image().astype(float)
    bottom, left = 8 + 480 - 4, 8 + 4
    strip = image[bottom - 18:bottom, left:left + 8 + k * LEGEND_ENTRY]
    for c in range(k):
        srgb = np.array([int(palette.class_color(c)[i:i + 2], 16) for i in (1, 3, 5)])
        entry = strip[:, 10 + c * LEGEND_ENTRY - 6:10 + c * LEGEND_ENTRY + 6]
        mask = np.abs(entry - srgb).max(axis=2) < 40
        # the same shape as the marker drawn alone
        alone = Canvas(12, 18)
        alone.markers([6], [9], 4.4, palette.class_marker(c), palette.class_color(c))
        expected = np.abs(alone.image().astype(float) - srgb).max(axis=2) < 40
        assert mask.sum() > 10 and np.logical_xor(mask, expected).sum() <= 0.2 * expected.sum()
    regression = SimpleNamespace(**{**vars(data), "task": "regression",
                                    "labels_train": np.linspace(0, 1, k)})
    plain = boundary_picture(np.zeros((20, 20), np.float32), regression, size=480).image()
    white = (plain[bottom - 18:bottom, left:left + 8 + k * LEGEND_ENTRY] >= 254).all(axis=2)
    assert white.mean() < 0.5                  # a regression set has no legend of classes
    assert (strip >= 254).all(axis=2).mean() > 0.5     # (as the classes' legend box is)
