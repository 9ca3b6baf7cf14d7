"""The snapshot cost model: a fixed part plus a part per grid point (pacing.FrameBudget), and
the detail level it gives (grids.choose_level). Hand-worked numbers, no timing."""
import numpy as np
import pytest

from playground.grids import DETAIL_LEVELS, DetailGrids, choose_level
from playground.pacing import FRAME_SECONDS, FrameBudget

COARSEST = len(DETAIL_LEVELS) - 1


def _grids():
    """The window's grids: 256x256 boundary, 48x48 maps (points per level: 70144, 20992,
    5248, 1536, 384)."""
    return DetailGrids(np.zeros((256 * 256, 2)), np.zeros((48 * 48, 2)))


def _measured(seconds, points, forward):
    budget = FrameBudget()
    budget.clear(seconds_per_point=1.0)        # a wild guess, replaced by the first timed build
    budget.add_build(5.0, points, 4.0)         # the first build loads kernels: not counted
    budget.add_build(seconds, points, forward)
    return budget


def test_a_build_splits_into_a_fixed_part_and_a_part_per_point():
    grids = _grids()
    assert [grids.points(level) for level in range(len(DETAIL_LEVELS))] == [
        70144, 20992, 5248, 1536, 384]
    budget = _measured(0.020384, 384, 0.000384)        # 20 ms fixed, 1 us a point
    assert budget.fixed_seconds == pytest.approx(0.020)
    assert budget.seconds_per_point == pytest.approx(1e-6)
    assert budget.build_seconds(5248) == pytest.approx(0.020 + 0.005248)
    # the next builds average in (the newest weighs 0.2), each part on its own
    budget.add_build(0.030384, 384, 0.000384 * 2)
    assert budget.fixed_seconds == pytest.approx(0.8 * 0.020 + 0.2 * (0.030384 - 0.000768))
    assert budget.seconds_per_point == pytest.approx(0.8 * 1e-6 + 0.2 * 2e-6)


def test_a_mostly_fixed_coarse_build_lets_finer_levels_in():
    """W's 4x64 case: a coarsest-level build of ~20 ms, nearly all of it fixed. Counted per
    point it says every finer level is too dear; split, levels 3 and 2 fit the 30 ms budget
    (20 + 1.5 ms, 20 + 5.2 ms) and level 1 (20 + 21 ms) does not."""
    grids = _grids()
    split = _measured(0.020384, 384, 0.000384)
    per_point_only = _measured(0.020384, 384, None)
    assert per_point_only.fixed_seconds == 0.0
    assert choose_level(grids, per_point_only.seconds_per_point, 0.03,
                        fixed_seconds=per_point_only.fixed_seconds) == COARSEST
    assert choose_level(grids, split.seconds_per_point, 0.03,
                        fixed_seconds=split.fixed_seconds) == 2
    # from the coarsest level in use, a finer one is taken only when clearly within the budget
    # (grids.TAKE_BELOW): level 2 at 20 + 5.2 ms is over 0.7 * 30 ms, at 15 + 5.2 ms under
    assert choose_level(grids, 1e-6, 0.03, current=COARSEST, fixed_seconds=0.020) == COARSEST
    assert choose_level(grids, 1e-6, 0.03, current=COARSEST, fixed_seconds=0.015) == 2
    # a fixed part over the budget: nothing fits, the coarsest level
    assert choose_level(grids, 1e-9, 0.03, fixed_seconds=0.031) == COARSEST
    # no fixed part: the per-point rule as before
    assert choose_level(grids, 1e-7, 70144e-7) == 0


def test_steps_per_frame_count_the_fixed_part_of_a_build():
    budget = _measured(0.004384, 384, 0.000384)         # 4 ms fixed, 1 us a point
    for _ in range(FrameBudget.MIN_CALLS):
        budget.add_run(100, 0.001, 0.002)               # 10 us a step, 2 ms a row
    spare = FRAME_SECONDS - 0.002 - (0.004 + 1e-6 * 1536)
    assert abs(budget.steps_per_frame(1536) - int(spare / 1e-5)) <= 1


def test_a_build_with_no_points_is_refused_in_words():
    with pytest.raises(ValueError, match="snapshot build"):
        FrameBudget().add_build(0.01, 0)
