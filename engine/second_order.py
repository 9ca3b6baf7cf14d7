"""Full-batch second-order and quasi-Newton methods: damped Newton, L-BFGS, nonlinear CG.

Generic over an *objective*: any object with

    value_and_grad(x: float64 (n,)) -> (float, float64 (n,))
    hessian(x: float64 (n,)) -> float64 (n, n)          # only Newton's method needs it

so the same classes train a small network (full batch) and race on a 2-D loss surface.
Each `step(objective, x)` does ONE outer iteration; the method keeps its own state (curvature
pairs, previous direction, damping), exported by `state_dict()` as plain arrays and numbers.
Their steps go through the line searches of ``engine.line_search``.
numpy only: these are small problems. N&W = Nocedal & Wright, Numerical Optimization, 2nd ed.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from engine.hyper import Configurable, Hyper
from engine.line_search import (
    LineSearchResult,
    NotDescentDirectionError,
    backtracking_line_search,
    evaluate,
    is_finite,
    wolfe_line_search,
)


# ---------------------------------------------------------------------------- objectives
class FunctionObjective:
    """Adapter from plain functions to an objective.

    f_and_grad : x (n,) -> (f: float, g: (n,))
    hessian    : x (n,) -> (n, n), or None (then `hessian()` raises)
    """

    def __init__(self, f_and_grad: Callable, hessian: Callable | None = None):
        if not callable(f_and_grad) or (hessian is not None and not callable(hessian)):
            raise TypeError("f_and_grad and hessian must be callables")
        self._f_and_grad, self._hessian = f_and_grad, hessian

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = self._f_and_grad(x)
        return float(f), np.asarray(g, dtype=np.float64)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        if self._hessian is None:
            raise NotImplementedError("this FunctionObjective has no Hessian; pass hessian=...")
        return np.asarray(self._hessian(x), dtype=np.float64)


# ------------------------------------------------------------------------ L-BFGS direction
def lbfgs_two_loop(g: np.ndarray, s_hist, y_hist, gamma: float | None = None) -> np.ndarray:
    """H_k g, (n,), by the L-BFGS two-loop recursion (N&W Alg. 7.4); the direction is -H_k g.

    g : (n,); s_hist, y_hist : sequences of m (n,) arrays, oldest first, each s_i'y_i > 0.
    H0 = gamma I, gamma defaulting to s'y / y'y of the newest pair (N&W eq. 7.20), 1 if m = 0.
    """
    m = len(s_hist)
    rho = [1.0 / float(y_hist[i] @ s_hist[i]) for i in range(m)]
    alpha = [0.0] * m
    q = np.array(g, dtype=np.float64)
    for i in reversed(range(m)):  # newest to oldest
        alpha[i] = rho[i] * float(s_hist[i] @ q)
        q -= alpha[i] * y_hist[i]
    if gamma is None:
        gamma = float(s_hist[-1] @ y_hist[-1]) / float(y_hist[-1] @ y_hist[-1]) if m else 1.0
    r = gamma * q
    for i in range(m):  # oldest to newest
        beta = rho[i] * float(y_hist[i] @ r)
        r += (alpha[i] - beta) * s_hist[i]
    return r


# ------------------------------------------------------------------------------- methods
#: The most parameters Newton's method takes, and the exact Hessian of ``engine.objective``:
#: n^2 floats of memory and an n^3 / 3 solve per step. Newton's ``max_params`` goes up to it.
MAX_NEWTON_PARAMS = 500


def _wolfe_constants(c2: float) -> tuple[Hyper, Hyper]:
    return (Hyper("c1", 1e-4, 0.0, 1.0, "sufficient-decrease constant of the line search",
                  False, False),
            Hyper("c2", c2, 0.0, 1.0, "curvature constant of the line search", False, False))


class StepInfo(NamedTuple):
    """One outer iteration. x_new (n,), a fresh copy; f_new and grad_norm = ||g||_2 at x_new;
    n_evals: value_and_grad calls; alpha: step length (0.0: x did not move); diverged: NaN/inf
    in x, f, g (or Newton's Hessian) at the given x, which is returned unchanged.

    Every optimizer's ``step(objective, x)`` returns one (the first-order ones through
    ``engine.optimizers.Optimizer.step``, which evaluate no new point: their f_new and
    grad_norm are NaN). f and grad: the objective and the gradient at the given x that the
    step used (first order: after clipping); NaN / None where the step did not get that far."""
    x_new: np.ndarray
    f_new: float
    grad_norm: float
    n_evals: int
    alpha: float
    message: str
    diverged: bool = False
    f: float = float("nan")
    grad: np.ndarray | None = None


class SecondOrderMethod(Configurable):
    """Shared surface: build(n) / reset(), step(objective, x) -> StepInfo, get_config(),
    state_dict() / load_state_dict(d). f and g at the returned point are cached, so the next
    step from there costs no extra evaluation; any other x (moved by the caller) is evaluated
    afresh and restarts the memory. Call reset() when the objective itself changes (new data,
    new regularisation): the cache would be stale."""

    name = ""
    HYPERPARAMS: tuple[Hyper, ...] = ()

    def __init__(self, **hyper):
        super().__init__(**hyper)
        for name, value in self.hyper.items():
            setattr(self, name, value)
        if getattr(self, "c1", 0.0) >= getattr(self, "c2", 1.0):
            raise ValueError(f"{self.name}: need c1 < c2, got c1={self.c1}, c2={self.c2}")
        self.n: int | None = None
        self.reset()

    def build(self, n: int) -> None:
        """Prepare for n parameters; clears all state."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        self.n = int(n)
        self.reset()

    def reset(self) -> None:
        """Forget the cached point, the iteration count and the memory."""
        self.iterations = 0
        self._x = self._f = self._g = None
        self._clear_memory()

    def _clear_memory(self) -> None:
        """Forget the path (pairs, direction); overridden."""

    def step(self, objective, x) -> StepInfo:
        """One outer iteration from x (n,); builds the method on first use."""
        x = np.array(x, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"x must be a 1-D array, got shape {x.shape}")
        if self.n is None:
            self.build(x.size)
        if x.size != self.n:
            raise ValueError(f"x has {x.size} parameters, method was built for {self.n}")
        evals = 0
        if self._x is not None and np.array_equal(x, self._x):
            f, g = self._f, self._g
        else:  # first step, or x moved by the caller
            self._x = None
            self._clear_memory()
            f, g = evaluate(objective, x)
            evals = 1
        start = {"f": f, "grad": np.array(g, dtype=np.float64)}
        if not (is_finite(f, g) and np.all(np.isfinite(x))):
            self._x = None
            return StepInfo(x, f, float(np.linalg.norm(g)), evals, 0.0,
                            "diverged: NaN/inf in x, f or gradient", True, **start)
        self._x, self._f, self._g = x.copy(), f, g
        if not float(np.linalg.norm(g)) > 0.0:     # zero, or so small its norm underflows
            return StepInfo(x, f, 0.0, evals, 0.0, "converged: gradient is zero", **start)
        try:
            ls, message = self._iterate(objective, x, f, g)
        except NotDescentDirectionError:
            # g'd rounded to >= 0: the gradient is at rounding level for its direction (a
            # minimum reached to machine precision); the memory is stale, the point kept
            self._clear_memory()
            return StepInfo(x, f, float(np.linalg.norm(g)), evals, 0.0,
                            "converged: no descent direction left at rounding level", **start)
        if ls is None:
            self._x = None
            return StepInfo(x, f, float(np.linalg.norm(g)), evals, 0.0, message, True, **start)
        self.iterations += 1
        self._x, self._f, self._g = ls.x.copy(), ls.f, ls.g
        return StepInfo(ls.x.copy(), ls.f, float(np.linalg.norm(ls.g)), evals + ls.n_evals,
                        ls.alpha, message, **start)

    def _iterate(self, objective, x, f, g) -> tuple[LineSearchResult | None, str]:
        """The method's maths at finite (x, f, g), g != 0: (line search result, message); None
        for the result when NaN/inf was met (reported as diverged)."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Plain dict of numpy arrays and numbers (copies); hyperparameters are in get_config()."""
        n, has = self.n or 0, self._x is not None
        return {"name": self.name, "n": n, "iterations": self.iterations, "has_point": int(has),
                "x": self._x.copy() if has else np.zeros(n), "f": self._f if has else 0.0,
                "g": self._g.copy() if has else np.zeros(n), **self._memory_state(n)}

    def load_state_dict(self, state: dict) -> None:
        """Restore state_dict() output (into a method of the same config): it then continues
        bit-identically."""
        if str(state["name"]) != self.name:
            raise ValueError(f"state is for {str(state['name'])!r}, not {self.name!r}")
        n, self.n = int(state["n"]), None
        self.reset()
        if n:
            self.build(n)
        self.iterations = int(state["iterations"])
        if int(state["has_point"]):
            self._x, self._g = _vector(state, "x", n), _vector(state, "g", n)
            self._f = float(state["f"])
        self._load_memory(state, n)

    def _memory_state(self, n: int) -> dict:
        return {}

    def _load_memory(self, state: dict, n: int) -> None:
        pass


def _vector(state: dict, key: str, n: int) -> np.ndarray:
    v = np.array(state[key], dtype=np.float64)
    if v.shape != (n,):
        raise ValueError(f"state[{key!r}] has shape {v.shape}, expected ({n},)")
    return v


class NewtonMethod(SecondOrderMethod):
    """Damped Newton: x <- x - alpha (H + lambda I)^{-1} g, alpha by Armijo backtracking from 1.

    lambda adapts like Levenberg-Marquardt: multiplied by damping_factor while H + lambda I is not
    positive definite (Cholesky fails) or the step does not decrease f; divided by it when the
    full step alpha = 1 is accepted. Needs objective.hessian(x) -> (n, n). Refuses more than
    max_params parameters: the Hessian takes n^2 floats (8 MB at n = 1000) and each solve about
    n^3 / 3 flops, where L-BFGS and CG need O(n) memory and work per evaluation.
    """

    name = "newton"
    HYPERPARAMS = (
        Hyper("damping", 1e-3, 0.0, 1e8, "initial lambda added to the Hessian's diagonal"),
        Hyper("damping_factor", 10.0, 1.0, 1e3, "lambda is multiplied or divided by this",
              low_inclusive=False),
        Hyper("max_params", MAX_NEWTON_PARAMS, 1, MAX_NEWTON_PARAMS,
              "largest n accepted (n^2 memory, n^3 solve)", kind="int"),
    )
    MAX_FACTORIZATIONS = 40  # lambda grows by damping_factor after each failed Cholesky
    MAX_FAILED_SEARCHES = 3  # each costs up to 20 evaluations

    def build(self, n: int) -> None:
        if isinstance(n, (int, np.integer)) and n > self.max_params:
            raise ValueError(f"Newton's method refuses {n} parameters (max_params="
                             f"{self.max_params}): the Hessian needs n^2 memory and an n^3 solve "
                             "per step; use 'lbfgs' or 'cg' for large problems")
        super().build(n)

    def reset(self) -> None:
        super().reset()
        self.lam = self.damping  # current lambda

    def _iterate(self, objective, x, f, g):
        if not callable(getattr(objective, "hessian", None)):
            raise TypeError("Newton's method needs objective.hessian(x) -> (n, n)")
        H = np.asarray(objective.hessian(x), dtype=np.float64)
        if H.shape != (x.size, x.size):
            raise ValueError(f"Hessian has shape {H.shape}, expected {(x.size, x.size)}")
        if not np.all(np.isfinite(H)):
            return None, "diverged: NaN/inf in the Hessian"
        H = 0.5 * (H + H.T)
        eye = np.eye(x.size)
        floor = 1e-8 * max(1.0, float(np.max(np.abs(np.diag(H)))))  # first lambda after 0
        lam, evals, failures = self.lam, 0, 0
        for _ in range(self.MAX_FACTORIZATIONS):
            M = H + lam * eye
            try:
                np.linalg.cholesky(M)  # the test of positive definiteness
            except np.linalg.LinAlgError:
                lam = max(lam * self.damping_factor, floor)
                continue
            ls = backtracking_line_search(objective, x, f, g, -np.linalg.solve(M, g))
            evals += ls.n_evals
            if ls.alpha > 0.0:
                self.lam = lam / self.damping_factor if ls.alpha == 1.0 else lam
                return ls._replace(n_evals=evals), f"lambda={lam:.3g}, alpha={ls.alpha:.3g}"
            failures += 1
            lam = max(lam * self.damping_factor, floor)
            if failures == self.MAX_FAILED_SEARCHES:
                break
        self.lam = lam
        return (LineSearchResult(0.0, x, f, g, evals, False, ""),
                f"no decrease found (round-off level?) up to lambda={lam:.3g}")

    def _memory_state(self, n):
        return {"lam": self.lam}

    def _load_memory(self, state, n):
        self.lam = float(state["lam"])


class LBFGS(SecondOrderMethod):
    """Limited-memory BFGS: d = -H_k g by the two-loop recursion over the last `history` pairs
    s = x_new - x, y = g_new - g, with H0 = (s'y / y'y) I; strong Wolfe line search (c2 = 0.9).
    A pair with s'y <= eps y'y is skipped: it would break positive definiteness."""

    name = "lbfgs"
    HYPERPARAMS = (Hyper("history", 10, 1, 1000, "number of (s, y) pairs kept", kind="int"),
                   *_wolfe_constants(0.9))

    def _clear_memory(self) -> None:
        self.s_hist: list[np.ndarray] = []  # steps x_{k+1} - x_k, oldest first
        self.y_hist: list[np.ndarray] = []  # gradient changes g_{k+1} - g_k

    def update_memory(self, s: np.ndarray, y: np.ndarray) -> bool:
        """Store the pair s, y (n,) and drop the oldest beyond `history`; False if skipped."""
        if not float(s @ y) > np.finfo(np.float64).eps * float(y @ y):
            return False
        self.s_hist.append(np.array(s, dtype=np.float64))
        self.y_hist.append(np.array(y, dtype=np.float64))
        if len(self.s_hist) > self.history:
            del self.s_hist[0], self.y_hist[0]
        return True

    def _iterate(self, objective, x, f, g):
        evals, notes = 0, ""
        while True:
            if self.s_hist:
                d, alpha0 = -lbfgs_two_loop(g, self.s_hist, self.y_hist), 1.0
            else:
                d, alpha0 = -g, min(1.0, 1.0 / float(np.linalg.norm(g)))
            ls = wolfe_line_search(objective, x, f, g, d, alpha0, self.c1, self.c2)
            evals += ls.n_evals
            if ls.alpha > 0.0 or not self.s_hist:
                break
            self._clear_memory()  # retry once along -g
            notes = "memory cleared after a failed search; "
        if ls.alpha > 0.0 and not self.update_memory(ls.x - x, ls.g - g):
            notes += "pair skipped (s'y too small); "
        return ls._replace(n_evals=evals), notes + ls.message

    def _memory_state(self, n):
        k = len(self.s_hist)
        return {"s": np.array(self.s_hist).reshape(k, n), "y": np.array(self.y_hist).reshape(k, n)}

    def _load_memory(self, state, n):
        s, y = np.array(state["s"], dtype=np.float64), np.array(state["y"], dtype=np.float64)
        if s.ndim != 2 or s.shape != y.shape or s.shape[1] != n or len(s) > self.history:
            raise ValueError(f"state['s'] and state['y'] must be (k <= {self.history}, {n})")
        self.s_hist, self.y_hist = [r.copy() for r in s], [r.copy() for r in y]


class ConjugateGradient(SecondOrderMethod):
    """Nonlinear CG, Polak-Ribiere+: d_new = -g_new + beta d, beta = max(0, g_new'(g_new - g) /
    g'g). Restarts with d = -g every `restart_every` iterations (None: every n) and whenever d
    is not a descent direction. Strong Wolfe line search (c2 = 0.1), first trial alpha from
    N&W eq. 3.60 (the previous step's decrease alpha g'd over the new slope)."""

    name = "cg"
    HYPERPARAMS = (Hyper("restart_every", None, 1, 10**9, "iterations between restarts; None: "
                         "the number of parameters", kind="int", allow_none=True),
                   *_wolfe_constants(0.1))

    def _clear_memory(self) -> None:
        self.direction: np.ndarray | None = None  # (n,) next direction from the cached point
        self.since_restart = 0  # iterations since the last steepest-descent step
        self.last_decrease = 0.0  # alpha g'd of the previous step (< 0); 0.0: none

    def _iterate(self, objective, x, f, g):
        d, notes, evals = self.direction, "", 0
        if d is not None and not float(g @ d) < 0.0:
            d, notes = None, "restart: not a descent direction; "
        while True:
            restart = d is None
            d = -g if restart else d
            slope = float(g @ d)
            alpha0 = (self.last_decrease / slope if self.last_decrease < 0.0
                      else min(1.0, 1.0 / float(np.linalg.norm(g))))
            ls = wolfe_line_search(objective, x, f, g, d, alpha0, self.c1, self.c2)
            evals += ls.n_evals
            if ls.alpha > 0.0 or restart:
                break
            d, notes = None, notes + "restart after a failed search; "
        ls = ls._replace(n_evals=evals)
        if ls.alpha == 0.0:
            self._clear_memory()
            return ls, notes + ls.message
        self.since_restart = 1 if restart else self.since_restart + 1
        self.last_decrease = ls.alpha * slope
        beta = max(0.0, float(ls.g @ (ls.g - g)) / float(g @ g))
        due = self.since_restart >= (self.restart_every or self.n)
        self.direction = None if due else -ls.g + beta * d
        return ls, notes + ("restart (steepest descent); " if restart else "") + ls.message

    def _memory_state(self, n):
        has = self.direction is not None
        return {"has_direction": int(has), "since_restart": self.since_restart,
                "direction": self.direction.copy() if has else np.zeros(n),
                "last_decrease": self.last_decrease}

    def _load_memory(self, state, n):
        has = int(state["has_direction"])
        self.direction = _vector(state, "direction", n) if has else None
        self.since_restart = int(state["since_restart"])
        self.last_decrease = float(state["last_decrease"])


SECOND_ORDER = {"newton": NewtonMethod, "lbfgs": LBFGS, "cg": ConjugateGradient}


def second_order_from_config(cfg: dict) -> SecondOrderMethod:
    """Inverse of get_config(): {"name": a key of SECOND_ORDER, **hyperparameters}."""
    cfg = dict(cfg)
    name = cfg.pop("name", None)
    if name not in SECOND_ORDER:
        raise ValueError(f"unknown second-order method {name!r}; choose from {list(SECOND_ORDER)}")
    return SECOND_ORDER[name](**cfg)
