"""Live detail: the boundary and neuron-map grids evaluated coarser for large networks.

Evaluating a network on the 256x256 boundary grid and on every neuron's 48x48 map costs about
70,000 forward passes: nothing for the default network (8 ms), half a second for four layers of
64 units, and far more for sixteen layers of 256. While training runs, the worker therefore
evaluates every k-th point of each grid (a *detail level*), picked so that a snapshot keeps to a
time budget, and interpolates the values back to the full grids (bilinear, exact for a function
that is linear in x and y). The views always receive full-size arrays; a paused network is
drawn at the finest level its (larger) budget allows.
"""
import numpy as np

#: the precision the grids are evaluated in: the views only draw colours (snapshots are float32),
#: and float32 products are about twice as fast on a large network (engine/predict.py)
GRID_DTYPE = np.float32

#: (step through the boundary grid, step through the map grid), finest first
DETAIL_LEVELS = ((1, 1), (2, 1), (4, 2), (8, 3), (16, 6))


def sample_positions(size: int, step: int) -> np.ndarray:
    """Indices into a grid of ``size`` cells that a level with this ``step`` evaluates: every
    ``step``-th cell, starting half a step in, so the samples sit evenly across the grid."""
    return np.arange(step // 2, size, step)


def interpolation_matrix(size: int, step: int) -> np.ndarray:
    """(size, n) matrix taking n samples (at ``sample_positions``) to all ``size`` cells by
    linear interpolation along one axis; cells beyond the outer samples take their value."""
    positions = sample_positions(size, step)
    cells = np.arange(size, dtype=np.float64)
    identity = np.eye(len(positions))
    return np.column_stack([np.interp(cells, positions, identity[i])
                            for i in range(len(positions))])


class DetailGrids:
    """The inputs of one data setting's grids at every detail level, and the way back.

    ``boundary_inputs`` is (R*R, F) row-major, ``map_inputs`` (M*M, F), as in PreparedData.
    """

    def __init__(self, boundary_inputs: np.ndarray, map_inputs: np.ndarray):
        self.r = _side(boundary_inputs)
        self.m = _side(map_inputs)
        self._full = {"boundary": boundary_inputs, "map": map_inputs}
        self._inputs: dict = {}
        self._matrices: dict = {}

    def points(self, level: int) -> int:
        """Forward passes a snapshot at ``level`` costs (the boundary, and the maps twice: the
        hidden units and the output)."""
        kb, km = DETAIL_LEVELS[level]
        return len(sample_positions(self.r, kb)) ** 2 + 2 * len(sample_positions(self.m, km)) ** 2

    def inputs(self, grid: str, level: int) -> np.ndarray:
        """Network inputs of ``grid`` ("boundary" or "map") at ``level``, row-major."""
        key = (grid, level)
        if key not in self._inputs:
            full = self._full[grid]
            size = self.r if grid == "boundary" else self.m
            step = DETAIL_LEVELS[level][0 if grid == "boundary" else 1]
            if step == 1:
                self._inputs[key] = full
            else:
                at = sample_positions(size, step)
                cube = full.reshape(size, size, -1)[np.ix_(at, at)]
                self._inputs[key] = np.ascontiguousarray(cube.reshape(len(at) ** 2, -1))
        return self._inputs[key]

    def full(self, grid: str, level: int, values: np.ndarray) -> np.ndarray:
        """Values on ``grid`` at ``level``, (n*n, C) row-major, as a new C-contiguous
        (C, S, S) ``GRID_DTYPE`` array on the full grid (S = R or M), NaN and inf as 0 (a
        diverged network still draws): bilinear interpolation from the samples, or a reshape at
        level 0. The samples are cleaned before they are spread (a weighted mean of finite
        values is finite), and the two axes are two float32 matrix products."""
        size = self.r if grid == "boundary" else self.m
        step = DETAIL_LEVELS[level][0 if grid == "boundary" else 1]
        n = len(sample_positions(size, step))
        samples = np.asarray(values, dtype=GRID_DTYPE).reshape(n * n, -1)
        with np.errstate(over="ignore", invalid="ignore"):
            samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
        channels = np.ascontiguousarray(samples.T).reshape(-1, n, n)     # (C, y, x)
        if step == 1:
            return channels
        key = (size, step)
        if key not in self._matrices:
            self._matrices[key] = interpolation_matrix(size, step).astype(GRID_DTYPE)
        u = self._matrices[key]
        along_x = (channels.reshape(-1, n) @ u.T).reshape(-1, n, size)  # (C, y samples, S)
        return np.matmul(u, along_x)                                      # (C, S, S)


def _side(inputs: np.ndarray) -> int:
    side = int(round(np.sqrt(len(inputs))))
    if side * side != len(inputs):
        raise ValueError(f"a grid of {len(inputs)} points is not square")
    return side


#: a level in use is kept until its snapshots take this much longer than the budget, and a
#: finer one is taken only when it would take this much less: measured times wobble, and the
#: views should not flicker between two levels
KEEP_ABOVE, TAKE_BELOW = 1.5, 0.7


def choose_level(grids: DetailGrids, seconds_per_point: float, budget: float,
                 current: int | None = None, fixed_seconds: float = 0.0) -> int:
    """The finest detail level whose snapshot is expected within ``budget`` seconds (the
    coarsest when none is), a snapshot costing ``fixed_seconds`` plus ``seconds_per_point``
    per forward pass (pacing.FrameBudget); with the ``current`` level, a change only when
    clearly due."""
    def cost(level):
        return fixed_seconds + grids.points(level) * seconds_per_point
    best = next((level for level in range(len(DETAIL_LEVELS)) if cost(level) <= budget),
                len(DETAIL_LEVELS) - 1)
    if current is None or best == current:
        return best
    if best > current and cost(current) <= KEEP_ABOVE * budget:
        return current                       # a little slow: not worth a coarser picture
    if best < current and cost(best) > TAKE_BELOW * budget:
        return current                       # only just fits: stay until it clearly does
    return best
