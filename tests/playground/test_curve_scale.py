"""The loss axis's one rule (playground.curve_scale), worked by hand, and the headless loss
picture of a diverged run: drawn at the scale the rule gives, with the divergence marked."""

import numpy as np
import pytest

from playground import canvas, curve_scale, export, files, palette, pictures, presets
from playground.curve_scale import loss_range
from playground.experiment import Experiment
from playground.headless import run_to_folder

STEPS = np.array([0.0, 10.0, 20.0])
TRAIN = np.array([0.5, 0.3, 1e200])        # blows up at step 20
TEST = np.array([0.6, np.nan, np.inf])


def test_a_finished_run_shows_all_its_losses():
    assert loss_range(STEPS, TRAIN, TEST, None, log=False) == (0.0, 1e200)
    assert loss_range(STEPS, TRAIN, TEST, None, log=True) == (-1.0, 200.0)


def test_after_a_divergence_the_blow_up_is_left_out():
    # 100 x the first loss (0.5) is 50: 1e200 goes, inf and NaN never count
    assert loss_range(STEPS, TRAIN, TEST, 20, log=False) == pytest.approx((0.0, 0.6))
    assert loss_range(STEPS, TRAIN, TEST, 20, log=True) == (-1.0, 0.0)      # 0.1 to 1
    # just under the limit a loss stays, just over it goes
    steps, test = np.arange(3.0), np.full(3, np.nan)
    assert loss_range(steps, np.array([0.5, 49.0, 1e9]), test, 2, log=False) == (0.0, 50.0)
    assert loss_range(steps, np.array([0.5, 51.0, 1e9]), test, 2, log=False) == (0.0, 0.5)
    # the first loss is the one at the smallest step, wherever its row is
    assert loss_range(steps[::-1], np.array([1e9, 49.0, 0.5]), test, 2, log=False) == \
        (0.0, 50.0)


def test_nothing_to_show_and_bad_columns():
    empty = np.zeros(0)
    assert loss_range(empty, empty, empty, None, log=False) == (0.0, 1.0)
    assert loss_range(empty, empty, empty, None, log=True) == curve_scale.EMPTY_LOG_RANGE
    nan = np.full(2, np.nan)
    assert loss_range(np.arange(2.0), nan, nan, 1, log=True) == curve_scale.EMPTY_LOG_RANGE
    with pytest.raises(ValueError, match="differ in length"):
        loss_range(STEPS, TRAIN[:2], TEST, None, log=False)


def decode(path) -> np.ndarray:
    """uint8 (height, width, 3) of a PNG picture."""
    return canvas.read_png(path.read_bytes())


def near(pixels: np.ndarray, color: str, tolerance: float = 60.0) -> np.ndarray:
    return np.linalg.norm(pixels.astype(float) - canvas.rgb(color), axis=-1) < tolerance


def diverged_spiral(tmp_path, log: bool):
    """The spiral example with SGD at learning rate 10 (and a squared-error loss on a linear
    output, which nothing bounds): it diverges within a few steps."""
    values = dict(presets.load("spiral").values)
    values.update(optimizer="sgd", learning_rate=10.0, steps_per_frame=1, log_loss=log,
                  output_activation="linear", loss="mse")
    outcome = run_to_folder(files.Document(Experiment(values).values()), tmp_path, "x",
                            steps=200)
    assert outcome.diverged
    return export.read_history_csv(tmp_path / "history.csv"), decode(tmp_path / "loss.png")


@pytest.mark.parametrize("log", [False, True])
def test_a_diverged_headless_run_is_drawn_at_the_scale_before_the_blow_up(tmp_path, log):
    h, image = diverged_spiral(tmp_path, log)
    steps, train = h["step"], h["train_loss"]
    assert not np.isfinite(train[-1]) or train[-1] > 1e6       # it did blow up
    diverged_at = int(steps[-1])
    lo, hi = loss_range(steps, train, h["test_loss"], diverged_at, log)
    top_loss = 10 ** hi if log else hi
    assert train[0] <= top_loss < 1e3                          # the run before it shows
    # the first training loss is drawn where that range puts it (not flat on the floor, as
    # on an axis stretched to the blow-up)
    left, right, top, bottom = pictures.LOSS_MARGINS
    ph = image.shape[0] - top - bottom
    value = np.log10(train[0]) if log else train[0]
    y = int(round(top + ph - (value - lo) / (hi - lo) * ph))
    assert near(image[y - 3:y + 4, left + 1:left + 4], palette.TRAIN_CURVE).any()
    assert not near(image[top + ph - 6:top + ph, left + 1:left + 4], palette.TRAIN_CURVE).any()


def test_the_divergence_step_is_marked_by_a_dashed_line(tmp_path):
    h, image = diverged_spiral(tmp_path, log=False)
    left, right, top, bottom = pictures.LOSS_MARGINS
    height, width = image.shape[:2]
    pw, ph = width - left - right, height - top - bottom
    steps = h["step"]
    x_lo, x_hi = steps.min(), steps.min() + (steps[-1] - steps.min()) * 1.03
    x = int(round(left + (steps[-1] - x_lo) / (x_hi - x_lo) * pw))
    orange = near(image[top + ph // 4:top + ph, x - 1:x + 2], palette.TEST_CURVE).any(axis=1)
    assert 0.4 < orange.mean() < 0.8                            # dashes, not a solid line
    assert (np.diff(orange.astype(int)) == 1).sum() >= 10        # many of them
    # the "diverged" label, left of the line's top
    label = near(image[top + 4:top + 16, x - 60:x - 2], palette.TEST_CURVE)
    assert label.sum() > 20


def test_a_run_that_did_not_diverge_has_no_marker(tmp_path):
    picture = pictures.loss_picture({"step": STEPS, "train_loss": np.array([0.5, 0.3, 0.2]),
                                     "test_loss": np.array([0.6, 0.5, 0.4])})
    picture.save(tmp_path / "loss.png")
    image = decode(tmp_path / "loss.png")
    left, right, top, bottom = pictures.LOSS_MARGINS
    plot = image[top + 2:image.shape[0] - bottom - 2, left + 2:image.shape[1] - right - 2]
    columns = near(plot, palette.TEST_CURVE).sum(axis=0)
    assert columns.max() < 20                                   # only the test curve crosses
