"""engine.augment: each transform against plain numpy (or scipy.ndimage) with the drawn
parameters, identity at strength 0, reproducibility and independence from how a batch is cut."""
import numpy as np
import pytest
from scipy import ndimage

from engine.augment import (TRANSFORMS, Augmentation, augment_batch, augment_previews,
                            augment_sample, sample_parameters, warp)

ALL_ON = {toggle: True for toggle in TRANSFORMS}


def batch(n=6, c=1, h=9, w=11, seed=0):
    return np.random.default_rng(seed).random((n, c, h, w))


def run(X, settings, seed=3, step=5, rows=None):
    rows = np.arange(len(X)) if rows is None else rows
    return augment_batch(X, np.empty_like(X), settings, seed, step, rows)


def shifted(image, dy, dx):
    """image (C, H, W) moved down by dy and right by dx, zeros coming in."""
    out = np.zeros_like(image)
    _, H, W = image.shape
    dy, dx = int(dy), int(dx)
    out[:, max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
        image[:, max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out


def test_strength_zero_or_switched_off_leaves_every_pixel_exactly():
    X = batch(c=3)
    zero = Augmentation(**ALL_ON, flip_probability=0.0, rotate_degrees=0.0, shift_pixels=0,
                        contrast_delta=0.0, brightness_delta=0.0, noise_std=0.0)
    assert not zero.active
    assert np.array_equal(run(X, zero), X)
    off = Augmentation(flip_probability=1.0, rotate_degrees=30.0, shift_pixels=5,
                       contrast_delta=0.5, brightness_delta=0.4, noise_std=0.3)
    assert not off.active and np.array_equal(off.vector(), np.zeros(6))
    assert np.array_equal(run(X, off), X)


def test_flip_mirrors_left_right():
    image = np.zeros((1, 1, 3, 4))
    image[0, 0] = [[1, 0, 0, 0], [0.5, 0.25, 0, 0], [0, 0, 0, 0.75]]
    out = run(image, Augmentation(flip=True, flip_probability=1.0))
    assert np.array_equal(out[0, 0], [[0, 0, 0, 1], [0, 0, 0.25, 0.5], [0.75, 0, 0, 0]])


def test_flip_probability_is_the_share_of_mirrored_samples():
    X = batch(n=4000, h=4, w=4)
    drawn = sample_parameters(Augmentation(flip=True, flip_probability=0.3), 1, 0, np.arange(4000))
    assert set(np.unique(drawn["flip"])) == {0.0, 1.0}
    assert abs(drawn["flip"].mean() - 0.3) < 0.03
    out = run(X, Augmentation(flip=True, flip_probability=0.3), seed=1, step=0)
    mirrored = drawn["flip"] == 1
    assert np.array_equal(out[mirrored], X[mirrored][..., ::-1])
    assert np.array_equal(out[~mirrored], X[~mirrored])


def test_a_shift_by_a_known_offset_moves_a_pixel_there():
    image = np.zeros((1, 5, 5))
    image[0, 2, 2] = 1.0
    moved = warp(image, 0.0, dy=1, dx=-2)
    expected = np.zeros((1, 5, 5))
    expected[0, 3, 0] = 1.0
    assert np.array_equal(moved, expected)


def test_random_shifts_are_whole_pixels_within_the_strength_and_match_numpy():
    settings = Augmentation(shift=True, shift_pixels=3)
    X = batch(n=200, c=2)
    out = run(X, settings)
    drawn = sample_parameters(settings, 3, 5, np.arange(200))
    for axis in ("dy", "dx"):
        assert set(np.unique(drawn[axis])) == set(range(-3, 4))
    for i in range(200):
        assert np.array_equal(out[i], shifted(X[i], drawn["dy"][i], drawn["dx"][i]))


def test_rotation_by_90_degrees_is_rot90_and_180_is_both_flips():
    image = batch(n=1, c=2, h=7, w=7)[0]
    assert np.allclose(warp(image, 90.0), np.rot90(image, 1, axes=(1, 2)), atol=1e-12)
    assert np.allclose(warp(image, -90.0), np.rot90(image, -1, axes=(1, 2)), atol=1e-12)
    assert np.allclose(warp(image, 180.0), image[:, ::-1, ::-1], atol=1e-12)


def scipy_rotation(image, degrees):
    """Bilinear rotation counter-clockwise as seen about the centre, zeros outside (scipy)."""
    C, H, W = image.shape
    r, c = np.mgrid[0:H, 0:W].astype(float)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    a = np.deg2rad(degrees)
    u, v = c - cx, cy - r
    src_c = cx + np.cos(a) * u + np.sin(a) * v
    src_r = cy - (-np.sin(a) * u + np.cos(a) * v)
    return np.stack([ndimage.map_coordinates(ch, [src_r, src_c], order=1, mode="grid-constant",
                                             cval=0.0) for ch in image])


def test_small_rotations_match_scipy_bilinear_resampling():
    settings = Augmentation(rotate=True, rotate_degrees=20.0)
    X = batch(n=12, c=3, h=10, w=13)
    out = run(X, settings)
    drawn = sample_parameters(settings, 3, 5, np.arange(12))
    assert np.all(np.abs(drawn["angle"]) <= 20.0) and np.ptp(drawn["angle"]) > 5
    for i in range(12):
        assert np.allclose(out[i], np.clip(scipy_rotation(X[i], drawn["angle"][i]), 0, 1),
                           atol=1e-12)


def test_contrast_and_brightness_follow_their_formulas():
    settings = Augmentation(contrast=True, contrast_delta=0.5, brightness=True,
                            brightness_delta=0.3)
    X = batch(n=50, c=3)
    out = run(X, settings)
    drawn = sample_parameters(settings, 3, 5, np.arange(50))
    assert np.all(np.abs(drawn["contrast"] - 1) <= 0.5) and np.all(np.abs(drawn["brightness"]) <= 0.3)
    for i in range(50):
        m = X[i].mean()
        expected = np.clip(m + drawn["contrast"][i] * (X[i] - m) + drawn["brightness"][i], 0, 1)
        assert np.allclose(out[i], expected, atol=1e-12)


def test_contrast_by_hand():
    image = np.array([[[[0.2, 0.4], [0.6, 0.8]]]])            # mean 0.5
    settings = Augmentation(contrast=True, contrast_delta=0.9)
    c = sample_parameters(settings, 0, 0, [0])["contrast"][0]
    out = augment_batch(image, np.empty_like(image), settings, 0, 0, [0])
    assert np.allclose(out[0, 0], [[0.5 - 0.3 * c, 0.5 - 0.1 * c], [0.5 + 0.1 * c, 0.5 + 0.3 * c]])


def test_noise_has_the_chosen_standard_deviation_and_no_bias():
    X = np.full((4, 1, 64, 64), 0.5)
    out = run(X, Augmentation(noise=True, noise_std=0.05))
    residual = out - 0.5
    assert abs(residual.mean()) < 0.002
    assert abs(residual.std() - 0.05) < 0.002
    assert not np.array_equal(out[0], out[1])                  # each sample its own noise


def test_every_output_lies_in_unit_range():
    out = run(batch(n=40, c=3), Augmentation(**ALL_ON, contrast_delta=0.9, brightness_delta=0.5,
                                             noise_std=0.5, rotate_degrees=45.0, shift_pixels=8))
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_same_seed_step_and_row_give_the_same_bytes():
    X = batch(n=8, c=3)
    settings = Augmentation(**ALL_ON)
    assert run(X, settings).tobytes() == run(X, settings).tobytes()
    assert run(X, settings, step=6).tobytes() != run(X, settings).tobytes()
    assert run(X, settings, seed=4).tobytes() != run(X, settings).tobytes()


def test_a_sample_gets_the_same_change_however_the_batch_is_cut():
    X = batch(n=10, c=2)
    rows = np.array([41, 7, 3, 99, 12, 0, 5, 8, 64, 2])
    settings = Augmentation(**ALL_ON)
    whole = run(X, settings, rows=rows)
    parts = np.concatenate([run(X[:3], settings, rows=rows[:3]), run(X[3:], settings, rows=rows[3:])])
    assert whole.tobytes() == parts.tobytes()
    order = np.random.default_rng(1).permutation(10)
    assert run(X[order], settings, rows=rows[order]).tobytes() == whole[order].tobytes()


def test_previews_are_the_sample_at_successive_steps():
    X = batch(n=5, c=1)
    settings = Augmentation(**ALL_ON)
    previews = augment_previews(X, 2, settings, 4, seed=9)
    assert previews.shape == (4, 1, 9, 11)
    for j in range(4):
        one = augment_batch(X[2:3].copy(), np.empty((1, 1, 9, 11)), settings, 9, j, [2])
        assert np.array_equal(previews[j], one[0])
    assert len({p.tobytes() for p in previews}) == 4


def test_settings_are_checked_by_name_and_round_trip():
    with pytest.raises(ValueError, match="rotate_degrees = 90"):
        Augmentation(rotate_degrees=90)
    with pytest.raises(ValueError, match="shift_pixels = 1.5"):
        Augmentation(shift_pixels=1.5)
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        Augmentation(blur=True)
    settings = Augmentation(flip=True, noise=True, noise_std=0.1)
    assert Augmentation.from_config(settings.get_config()).hyper == settings.hyper
    assert settings.vector().tolist() == [0.5, 0, 0, 0, 0, 0.1]
    assert settings.replace(noise=False).vector().tolist() == [0.5, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="noise_std"):
        settings.replace(noise_std=-1)


@pytest.mark.parametrize("X, out, rows, words", [
    (np.zeros((2, 1, 4, 4), np.float32), np.zeros((2, 1, 4, 4)), [0, 1], "X must be a float64"),
    (np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), [0, 1], "shape \\(n, C, H, W\\)"),
    (np.zeros((2, 1, 4, 4)), np.zeros((3, 1, 4, 4)), [0, 1], "must agree"),
    (np.zeros((2, 1, 4, 4)), np.zeros((2, 1, 4, 4)), [0], "row_ids must be integers of shape"),
    (np.zeros((2, 1, 4, 4)), np.zeros((2, 1, 4, 4)), [0, -1], "non-negative"),
    (np.zeros((2, 1, 4, 4)), np.zeros((2, 1, 4, 4)), [0.0, 1.0], "row_ids must be integers"),
])
def test_bad_batches_are_refused_with_a_message(X, out, rows, words):
    with pytest.raises(ValueError, match=words):
        augment_batch(X, out, Augmentation(flip=True), 0, 0, rows)


def test_out_may_not_overlap_x_and_settings_must_be_augmentation():
    X = np.zeros((2, 1, 4, 4))
    with pytest.raises(ValueError, match="overlap"):
        augment_batch(X, X, Augmentation(flip=True), 0, 0, [0, 1])
    with pytest.raises(ValueError, match="must be an Augmentation"):
        augment_batch(X, np.empty_like(X), {"flip": True}, 0, 0, [0, 1])
    with pytest.raises(ValueError, match="step must be a non-negative integer"):
        augment_batch(X, np.empty_like(X), Augmentation(), 0, -1, [0, 1])


def test_previews_work_for_any_seed_and_index():
    """Keys are full 64-bit values; none may pass through Python as a signed integer."""
    X = batch(n=40, c=1, h=6, w=6)
    settings = Augmentation(**ALL_ON)
    for seed in range(30):
        previews = augment_previews(X, seed + 5, settings, 2, seed=seed)
        one = augment_batch(X[seed + 5:seed + 6].copy(), np.empty((1, 1, 6, 6)), settings, seed, 1,
                            [seed + 5])
        assert np.array_equal(previews[1], one[0])


@pytest.mark.parametrize("dy, dx, flip", [(0, 0, True), (2, -1, False), (-3, 2, True)])
def test_the_resampling_path_agrees_with_the_copy_path(dy, dx, flip):
    """Without rotation the kernel copies pixels; a vanishing rotation goes through bilinear
    resampling: both must put flip and shift in the same order (flip, rotate, then shift)."""
    image = batch(n=1, c=2, h=8, w=9)[0]
    copied = warp(image, 0.0, dy, dx, flip)
    resampled = warp(image, 1e-9, dy, dx, flip)
    assert np.allclose(copied, resampled, atol=1e-6)
    expected = shifted(image[:, :, ::-1] if flip else image, dy, dx)
    assert np.array_equal(copied, expected)


def test_one_sample_from_a_flat_row_is_what_the_batch_gives_it():
    """The trainer's way in: a row of a row-major (n, C*H*W) set, reshaped, one at a time."""
    X = batch(n=5, c=3, h=6, w=7)
    flat = X.reshape(5, -1)
    settings = Augmentation(**ALL_ON)
    rows = np.array([4, 0, 2])
    whole = run(X[rows], settings, seed=8, step=3, rows=rows)
    for b, r in enumerate(rows):
        out = np.empty((3, 6, 7))
        augment_sample(flat[r].reshape((3, 6, 7)), out, settings.vector(), 8, 3, r)
        assert np.array_equal(out, whole[b])
