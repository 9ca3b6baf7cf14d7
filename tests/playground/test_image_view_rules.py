"""The rules of the image views, against cases worked by hand: a known confusion matrix, the
mistakes ordered by confidence, filters scaled so zero is the middle colour, the centre of mass of
a known stroke, and a stroke drawn off-centre that comes out centred and scaled like the data."""
import numpy as np
import pytest

from playground import image_views as iv


# ---- confusion matrix ------------------------------------------------------------------------
TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2]
PRED = [0, 0, 1, 1, 2, 2, 2, 0, 2]
#            predicted 0  1  2
HAND = np.array([[2, 1, 0],      # true 0: two right, one called 1
                 [0, 1, 1],      # true 1
                 [1, 0, 3]])     # true 2


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    counts = iv.confusion_matrix(TRUE, PRED, 3)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, HAND)


def test_accuracies_and_row_shares_of_the_known_matrix():
    np.testing.assert_allclose(iv.per_class_accuracy(HAND), [2 / 3, 1 / 2, 3 / 4])
    assert iv.overall_accuracy(HAND) == pytest.approx(6 / 9)
    shares = iv.row_normalised(HAND)
    np.testing.assert_allclose(shares[0], [2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_a_class_without_images_has_no_accuracy_and_a_zero_row():
    counts = iv.confusion_matrix([0, 0, 2], [0, 2, 2], 3)
    acc = iv.per_class_accuracy(counts)
    assert np.isnan(acc[1]) and acc[0] == 0.5 and acc[2] == 1.0
    np.testing.assert_array_equal(iv.row_normalised(counts)[1], [0, 0, 0])
    assert np.isnan(iv.overall_accuracy(np.zeros((2, 2))))
    assert iv.percent(float("nan")) == "\u2013" and iv.percent(2 / 3) == "66.7%"


@pytest.mark.parametrize("true, pred, k, words", [
    ([0, 3], [0, 1], 3, "true must lie in 0..2"),
    ([0, 1], [0, -1], 3, "predicted must lie in 0..2"),
    ([0, 1], [0], 3, "differ in length"),
    ([[0]], [[0]], 3, "1-d"),
    ([0.5], [0], 3, "whole class indices"),
])
def test_bad_labels_are_refused_in_one_line(true, pred, k, words):
    with pytest.raises(ValueError, match=words):
        iv.confusion_matrix(true, pred, k)


def test_matches_counting_one_by_one_on_random_labels():
    rng = np.random.default_rng(3)
    t, p = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    naive = np.zeros((7, 7), dtype=int)
    for a, b in zip(t, p):
        naive[a, b] += 1
    np.testing.assert_array_equal(iv.confusion_matrix(t, p, 7), naive)


# ---- misclassified ---------------------------------------------------------------------------
def test_misclassified_lists_only_mistakes_most_confident_first():
    true = [0, 1, 2, 1, 0, 2]
    pred = [0, 2, 2, 0, 1, 1]
    conf = [0.99, 0.55, 0.8, 0.91, 0.55, 0.7]
    # mistakes: 1 (0.55), 3 (0.91), 4 (0.55), 5 (0.70); equal confidences keep their order
    np.testing.assert_array_equal(iv.misclassified(true, pred, conf), [3, 5, 1, 4])
    assert iv.misclassified([1, 2], [1, 2], [0.5, 0.5]).size == 0


def test_mistakes_from_probabilities():
    true = np.array([0, 1, 2, 2])
    probs = np.array([[0.6, 0.3, 0.1],      # right
                      [0.7, 0.2, 0.1],      # wrong, 0.7 sure
                      [0.1, 0.1, 0.8],      # right
                      [0.05, 0.9, 0.05]])   # wrong, 0.9 sure
    idx, pred, conf = iv.mistakes(true, probs)
    np.testing.assert_array_equal(idx, [3, 1])
    np.testing.assert_array_equal(pred, [1, 0])
    np.testing.assert_allclose(conf, [0.9, 0.7])
    assert iv.mistakes(true, probs, limit=1)[0].tolist() == [3]


def test_top_predictions_and_caption():
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    pred, conf = iv.top_predictions(probs)
    np.testing.assert_array_equal(pred, [1, 0])
    np.testing.assert_allclose(conf, [0.7, 0.5])
    assert iv.caption("circle", "square", 0.874) == "circle \u2192 square (87%)"


# ---- filters and maps ------------------------------------------------------------------------
def test_each_filter_is_scaled_by_its_own_peak_and_zero_stays_zero():
    w = np.zeros((3, 2, 3, 3))
    w[0, 0, 1, 1], w[0, 1, 0, 0] = 0.5, -0.25          # peak 0.5 over both channels
    w[1, 1, 2, 2] = -4.0                                 # peak 4
    np.testing.assert_allclose(iv.filter_peaks(w), [0.5, 4.0, 0.0])
    n = iv.normalise_filters(w)
    assert n[0, 0, 1, 1] == 1.0 and n[0, 1, 0, 0] == -0.5 and n[1, 1, 2, 2] == -1.0
    np.testing.assert_array_equal(n[2], 0.0)             # an all-zero filter stays zero
    np.testing.assert_array_equal(n[w == 0], 0.0)


def test_diverging_indices_put_zero_at_the_middle_and_the_peaks_at_the_ends():
    idx = iv.diverging_indices([-1.0, -0.5, 0.0, 0.5, 1.0, 3.0, np.nan])
    assert iv.DIVERGING_STEPS % 2 == 1
    assert list(idx) == [0, 63, iv.MID_INDEX, 191, 254, 254, iv.MID_INDEX]   # 63.5 from each end
    # symmetric: -v and +v are as far from the middle
    v = np.linspace(0, 1, 101)
    np.testing.assert_array_equal(iv.MID_INDEX - iv.diverging_indices(-v).astype(int),
                                  iv.diverging_indices(v).astype(int) - iv.MID_INDEX)


def test_map_indices_scale_each_map_symmetrically():
    maps = np.zeros((2, 2, 2))
    maps[0] = [[0, 1], [2, 4]]           # ReLU-like: middle colour to the positive end
    maps[1] = [[-3, 0], [0, 1.5]]
    idx = iv.map_indices(maps)
    assert idx[0, 0, 0] == iv.MID_INDEX and idx[0, 1, 1] == 254
    assert idx[0, 1, 0] == 127 + 64        # 2 of 4: half of 127 steps up, 63.5 rounded away
    assert idx[1, 0, 0] == 0 and idx[1, 1, 1] == 127 + 64
    assert iv.shape_label("conv", (8, 14, 14)) == "conv 8x14x14"


def test_tile_lays_images_out_row_by_row_with_gaps():
    imgs = np.arange(3 * 2 * 2).reshape(3, 2, 2) + 1
    m = iv.tile(imgs, cols=2, gap=1, fill=0)
    assert m.shape == (5, 5)
    np.testing.assert_array_equal(m[0:2, 0:2], imgs[0])
    np.testing.assert_array_equal(m[0:2, 3:5], imgs[1])
    np.testing.assert_array_equal(m[3:5, 0:2], imgs[2])
    assert (m[2] == 0).all() and (m[:, 2] == 0).all() and (m[3:, 3:] == 0).all()


def test_grid_shape_fills_the_area_with_the_largest_tiles():
    # 8 square tiles in 400x200: 4 columns of 2 rows give side 100 (8x1 gives 50, 2x4 50)
    assert iv.grid_shape(8, 400, 200) == (2, 4, 100.0)
    rows, cols, side = iv.grid_shape(10, 300, 300)
    assert rows * cols >= 10 and side == pytest.approx(75.0)
    assert iv.grid_shape(0, 100, 100) == (0, 0, 0.0)


# ---- the drawing canvas ----------------------------------------------------------------------
def test_centre_of_mass_of_a_known_stroke():
    img = np.zeros((10, 10))
    img[2, 1:4] = 1.0           # three pixels, centre (2, 2)
    img[6, 8] = 3.0             # one heavy pixel at (6, 8)
    # rows: (3*2 + 3*6) / 6 = 4; columns: (1+2+3 + 3*8) / 6 = 5
    assert iv.centre_of_mass(img) == pytest.approx((4.0, 5.0))
    assert iv.centre_of_mass(np.zeros((5, 7))) == (2.0, 3.0)


def test_area_resampling_averages_blocks_and_keeps_the_mean():
    a = iv.area_resample_matrix(4, 2)
    np.testing.assert_allclose(a, [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    b = iv.area_resample_matrix(3, 2)              # each output covers 1.5 inputs
    np.testing.assert_allclose(b, [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]])
    rng = np.random.default_rng(0)
    x = rng.random((50, 50))
    y = iv.area_resample_matrix(50, 17) @ x @ iv.area_resample_matrix(50, 13).T
    assert y.mean() == pytest.approx(x.mean())


def off_centre_square(canvas=200, top=20, left=120, side=40, thick=6):
    """A hollow square drawn in the top right corner of a large canvas."""
    img = np.zeros((canvas, canvas))
    img[top:top + side, left:left + side] = 1.0
    img[top + thick:top + side - thick, left + thick:left + side - thick] = 0.0
    return img


def test_a_stroke_drawn_off_centre_comes_out_centred_and_scaled():
    style = iv.DrawingStyle(channels=1, height=28, width=28, fill=20 / 28)
    out = iv.preprocess_drawing(off_centre_square(), style)
    assert out.shape == (1, 28, 28) and out.dtype == np.float32
    cy, cx = iv.centre_of_mass(out[0])
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    top, bottom, left, right = iv.ink_extent(out[0])
    assert bottom - top + 1 == 20 and right - left + 1 == 20       # the 20x20 box of MNIST
    assert out.min() == 0.0 and out.max() == pytest.approx(1.0)


def test_aspect_is_kept_and_values_follow_the_style():
    strokes = np.zeros((100, 100))
    strokes[70:90, 10:50] = 1.0                # 20 tall, 40 wide, bottom left
    style = iv.DrawingStyle(channels=3, height=16, width=16, fill=0.5, background=-1.0, ink=2.0)
    out = iv.preprocess_drawing(strokes, style)
    assert out.shape == (3, 16, 16)
    np.testing.assert_array_equal(out[0], out[2])
    ink = out[0] > -1.0 + 1e-6
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert cols.size == 8 and rows.size == 4                # 40x20 scaled to 8x4 (fill 8/16)
    assert out.min() == pytest.approx(-1.0) and out.max() == pytest.approx(2.0)
    cy, cx = iv.centre_of_mass(out[0] + 1.0)
    assert abs(cy - 7.5) <= 0.5 and abs(cx - 7.5) <= 0.5


def test_an_empty_drawing_is_the_background():
    out = iv.preprocess_drawing(np.zeros((50, 50)), iv.DrawingStyle(height=8, width=8,
                                                                      background=0.25))
    np.testing.assert_array_equal(out, np.full((1, 8, 8), 0.25, dtype=np.float32))


def test_style_like_reads_shape_range_and_ink_span_of_training_images():
    imgs = np.zeros((6, 1, 20, 20))
    for i in range(6):
        imgs[i, 0, 3 + i % 2:13 + i % 2, 4:14] = 16.0       # ink 10 of 20 pixels across
    style = iv.DrawingStyle.like(imgs)
    assert (style.channels, style.height, style.width) == (1, 20, 20)
    assert style.background == 0.0 and style.ink == 16.0
    assert style.fill == pytest.approx(0.5)
    with pytest.raises(ValueError, match="fill"):
        iv.DrawingStyle(fill=0.0)
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        iv.DrawingStyle.like(np.zeros((3, 4)))


def test_pixel_noise_does_not_widen_the_ink_span():
    from engine.shapes import make_shapes
    clean = iv.DrawingStyle.like(make_shapes(200, size=20, noise=0.0, seed=4)[0])
    noisy = iv.DrawingStyle.like(make_shapes(200, size=20, noise=0.25, seed=4)[0])
    assert 0.5 <= clean.fill <= 0.75                # the shapes' circumradius is about 0.32
    assert abs(noisy.fill - clean.fill) <= 1.5 / 20  # within a pixel or so


@pytest.fixture(scope="module")
def digits():
    """sklearn's digits: images (1797, 1, 8, 8) with values 0..16, and labels (1797,)."""
    from sklearn.datasets import load_digits
    data = load_digits()
    return data.images[:, None], data.target


def test_digits_like_drawing_matches_the_sklearn_digits_style(digits):
    style = iv.DrawingStyle.like(digits[0])
    assert style.ink == 16.0 and style.background == 0.0 and style.height == 8
    out = iv.preprocess_drawing(off_centre_square(), style)
    assert out.shape == (1, 8, 8) and out.max() <= 16.0
    top, bottom, left, right = iv.ink_extent(out[0])
    assert bottom - top + 1 == round(style.fill * 8)



def thick_stroke(points, side=280, radius=12):
    """A stroke image (side, side) through points (x, y): ink 1 within radius of the path."""
    yy, xx = np.mgrid[0:side, 0:side].astype(float)
    ink = np.zeros((side, side), dtype=bool)
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
        ink |= (xx - x0 - t * dx) ** 2 + (yy - y0 - t * dy) ** 2 <= radius * radius
    return ink.astype(float)


def test_drawn_digits_are_read_by_a_classifier_of_the_digits(digits):
    """Preprocessed like the training data, drawings far larger than the 8x8 digits and off to
    one side are read as what was drawn by the simplest model of the digits: the nearest class
    mean image."""
    images, labels = digits
    means = np.stack([images[labels == k].reshape(-1, 64).mean(axis=0) for k in range(10)])
    style = iv.DrawingStyle.like(images)
    turn = np.linspace(0.0, 2.0 * np.pi, 40)
    drawings = {1: thick_stroke([(220, 30), (220, 250)]),                       # right edge
                0: thick_stroke(list(zip(90 + 50 * np.cos(turn), 140 + 90 * np.sin(turn)))),
                7: thick_stroke([(60, 40), (200, 40), (110, 250)])}
    for digit, strokes in drawings.items():
        image = iv.preprocess_drawing(strokes, style).reshape(-1)
        assert np.argmin(((means - image) ** 2).sum(axis=1)) == digit
    # the same strokes unprocessed (only shrunk to 8x8 and scaled to 0..16) are not all read
    shrink = iv.area_resample_matrix(280, 8)
    raw = [16.0 * (shrink @ s @ shrink.T).reshape(-1) for s in drawings.values()]
    assert [int(np.argmin(((means - r) ** 2).sum(axis=1))) for r in raw] != list(drawings)
