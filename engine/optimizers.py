"""First-order optimizers: one compiled kernel per method plus an integer-code dispatcher.

Gradient computation lives elsewhere; this module only *applies* an update, in place, to a flat
parameter vector. Every kernel has the same shape of arguments:

    param : float64 (n,)     the parameters, updated in place (or float32 (n,) with grad and
                             slots float32: the arithmetic then runs in float32)
    grad  : float64 (n,)     dL/dparam at the current parameters
    slots : float64 (N_SLOTS, n)   the optimizer's running state, updated in place
    hyper : float64 (N_HYPER,)     hyperparameters, laid out as in the table below
    lr    : float            the learning rate for this update (already scheduled)
    t     : int              1-based index of this update (Adam's bias correction)
    toff  : int64 (n,) or (0,)  ``apply_update_at`` only: parameter i is at its own update
                             t - toff[i] (toff[i]: the updates it sat out frozen; PyTorch keeps
                             a step count per parameter); (0,): every parameter is at t

Layout of ``hyper`` and ``slots`` (``hyper`` follows each class's ``HYPERPARAMS`` order):

    code      hyper[0]   hyper[1]  hyper[2]  hyper[3]          hyper[4]      slots[0]  slots[1]
    SGD       -                                                              -         -
    MOMENTUM  momentum                                                       v         -
    NESTEROV  momentum                                                       v         -
    ADAGRAD   eps                                                            sum g^2   -
    ADADELTA  rho        eps                                                 E[g^2]    E[dx^2]
    RMSPROP   rho        eps                                                 E[g^2]    -
    ADAM      beta1      beta2     eps       bias_correction                 m         v

Decoupled weight decay (AdamW is Adam with it, Loshchilov & Hutter 2019) is not an optimizer
hyperparameter: the training loop applies it for every optimizer, ``TrainConfig.weight_decay``.

The Python classes (Keras style: ``build``, ``update_step``, ``get_config``) validate the
hyperparameters and call ``apply_update``; the fused training loop calls ``apply_update``
directly with ``code``, ``hyper_vector()`` and its own slots.
"""
import math
import numbers

import numpy as np
from numba import njit

from engine.hyper import Configurable, Hyper, check_hypers, hyper_array  # noqa: F401

SGD, MOMENTUM, NESTEROV, ADAGRAD, ADADELTA, RMSPROP, ADAM = range(7)
N_HYPER = 8  # length of the hyper vector
N_SLOTS = 2  # rows of the slots array

_KW = dict(cache=True, nogil=True, error_model="numpy")


# ---------------------------------------------------------------------------------------------
# Kernels (in place; textbook equations, one loop each)
# ---------------------------------------------------------------------------------------------

@njit(**_KW)
def sgd_update(param, grad, lr):
    """x <- x - lr * g."""
    step = param.dtype.type(lr)
    for i in range(param.size):
        param[i] -= step * grad[i]


@njit(**_KW)
def momentum_update(param, grad, v, momentum, lr):
    """Course form: v <- rho * v + g;  x <- x - lr * v.  v: float64 (n,), the velocity."""
    rho, step = param.dtype.type(momentum), param.dtype.type(lr)
    for i in range(param.size):
        v[i] = rho * v[i] + grad[i]
        param[i] -= step * v[i]


@njit(**_KW)
def nesterov_update(param, grad, v, momentum, lr):
    """Nesterov momentum in the change-of-variables form.

    The course's form is v' = rho v - lr grad f(x + rho v);  x' = x + v'. With the stored
    parameter x~ = x + rho v (the look-ahead point, where ``grad`` is evaluated):
        v' = rho v - lr g(x~);   x~' = x~ - rho v + (1 + rho) v'.
    """
    rho, step = param.dtype.type(momentum), param.dtype.type(lr)
    one = param.dtype.type(1.0)
    for i in range(param.size):
        v_old = v[i]
        v_new = rho * v_old - step * grad[i]
        v[i] = v_new
        param[i] += -rho * v_old + (one + rho) * v_new


@njit(**_KW)
def adagrad_update(param, grad, cache, eps, lr):
    """cache <- cache + g^2;  x <- x - lr * g / (sqrt(cache) + eps)."""
    e, step = param.dtype.type(eps), param.dtype.type(lr)
    for i in range(param.size):
        g = grad[i]
        cache[i] += g * g
        param[i] -= step * g / (math.sqrt(cache[i]) + e)


@njit(**_KW)
def adadelta_update(param, grad, eg2, edx2, rho, eps, lr):
    """AdaDelta (Zeiler 2012), with ``lr`` scaling the step (1.0 = the paper).

    E[g^2] <- rho E[g^2] + (1 - rho) g^2
    dx     <- -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g
    E[dx^2] <- rho E[dx^2] + (1 - rho) dx^2;   x <- x + lr * dx
    """
    f = param.dtype.type
    r, e, step, one = f(rho), f(eps), f(lr), f(1.0)
    for i in range(param.size):
        g = grad[i]
        eg2[i] = r * eg2[i] + (one - r) * g * g
        dx = -math.sqrt(edx2[i] + e) / math.sqrt(eg2[i] + e) * g
        edx2[i] = r * edx2[i] + (one - r) * dx * dx
        param[i] += step * dx


@njit(**_KW)
def rmsprop_update(param, grad, cache, rho, eps, lr):
    """cache <- rho cache + (1 - rho) g^2;  x <- x - lr * g / (sqrt(cache) + eps)."""
    f = param.dtype.type
    r, e, step, one = f(rho), f(eps), f(lr), f(1.0)
    for i in range(param.size):
        g = grad[i]
        cache[i] = r * cache[i] + (one - r) * g * g
        param[i] -= step * g / (math.sqrt(cache[i]) + e)


@njit(**_KW)
def adam_update(param, grad, m, v, beta1, beta2, eps, bias_correction, lr, t, toff):
    """Adam as in the course.

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)   (bias_correction; otherwise m^ = m, v^ = v:
                                               the course's "Adam (almost)")
    x <- x - lr * m^ / (sqrt(v^) + eps)
    With ``toff`` int64 (n,), parameter i's t is t - toff[i] (its own count of updates, as a
    layer unfrozen late starts at 1); toff (0,): every parameter's t is t.
    """
    c1 = 1.0
    c2 = 1.0
    if bias_correction:
        c1 = 1.0 - beta1 ** t
        c2 = 1.0 - beta2 ** t
    ti = t
    per_param = bias_correction and toff.size > 0
    f = param.dtype.type            # float32 parameters: float32 arithmetic
    b1, b2, e, step, one = f(beta1), f(beta2), f(eps), f(lr), f(1.0)
    d1, d2 = f(c1), f(c2)
    for i in range(param.size):
        if per_param and t - toff[i] != ti:    # offsets come in runs (a layer each)
            ti = t - toff[i]
            d1 = f(1.0 - beta1 ** ti)
            d2 = f(1.0 - beta2 ** ti)
        g = grad[i]
        m[i] = b1 * m[i] + (one - b1) * g
        v[i] = b2 * v[i] + (one - b2) * g * g
        m_hat = m[i] / d1
        v_hat = v[i] / d2
        param[i] -= step * m_hat / (math.sqrt(v_hat) + e)


@njit(**_KW)
def update_range(code, param, grad, slots, hyper, lr, t, toff, lo, hi):
    """``apply_update_at`` on the parameters lo:hi only (the others untouched): the same
    numbers as the whole update gives them (each parameter's update reads only its own
    entries)."""
    p, g = param[lo:hi], grad[lo:hi]
    if code == SGD:
        sgd_update(p, g, lr)
    elif code == MOMENTUM:
        momentum_update(p, g, slots[0, lo:hi], hyper[0], lr)
    elif code == NESTEROV:
        nesterov_update(p, g, slots[0, lo:hi], hyper[0], lr)
    elif code == ADAGRAD:
        adagrad_update(p, g, slots[0, lo:hi], hyper[0], lr)
    elif code == ADADELTA:
        adadelta_update(p, g, slots[0, lo:hi], slots[1, lo:hi], hyper[0], hyper[1], lr)
    elif code == RMSPROP:
        rmsprop_update(p, g, slots[0, lo:hi], hyper[0], hyper[1], lr)
    elif code == ADAM:
        adam_update(p, g, slots[0, lo:hi], slots[1, lo:hi], hyper[0], hyper[1], hyper[2],
                    hyper[3] != 0.0, lr, t, toff[lo:hi] if toff.size else toff)
    else:
        raise ValueError("apply_update: unknown optimizer code")


@njit(**_KW)
def apply_update_at(code, param, grad, slots, hyper, lr, t, toff):
    """``apply_update`` with a per-parameter update count: parameter i is at update
    t - toff[i] (toff int64 (n,), or (0,) for t everywhere). Only Adam's bias correction
    depends on the count."""
    update_range(code, param, grad, slots, hyper, lr, t, toff, 0, param.size)


@njit(**_KW)
def add_to_runs(a, starts, stops, n):
    """a[starts[r]:stops[r]] += n for every run r, in place (a int64 (m,), starts, stops
    int64 (k,)): as many additions as the runs hold, however many runs there are."""
    for r in range(starts.size):
        for i in range(starts[r], stops[r]):
            a[i] += n


@njit(**_KW)
def apply_update(code, param, grad, slots, hyper, lr, t):
    """Apply one update of optimizer ``code`` in place on ``param`` and ``slots``.

    param, grad : float64 (n,)   slots : float64 (N_SLOTS, n)   hyper : float64 (N_HYPER,)
    lr : float (already scheduled)   t : int >= 1, index of this update
    """
    apply_update_at(code, param, grad, slots, hyper, lr, t, np.zeros(0, np.int64))


# ---------------------------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------------------------

_EPS = Hyper("eps", 1e-7, 0.0, 1.0, "Added to the denominator (outside the square root) so it "
             "never divides by zero.", low_inclusive=False)
_BETA1 = Hyper("beta1", 0.9, 0.0, 1.0, "Decay of the first-moment (mean gradient) average.",
               high_inclusive=False)
_BETA2 = Hyper("beta2", 0.999, 0.0, 1.0, "Decay of the second-moment (squared gradient) "
               "average.", high_inclusive=False)
_BIAS = Hyper("bias_correction", True, 0.0, 1.0, "Divide the moments by 1 - beta^t: they "
              "start at zero (off: the course's 'Adam (almost)', whose first step is about "
              "(1 - beta1) / sqrt(1 - beta2), 3x, too large).", kind="bool")
_MOMENTUM = Hyper("momentum", 0.9, 0.0, 1.0, "Fraction of the previous velocity kept each "
                  "step (rho).", high_inclusive=False)


class Optimizer(Configurable):
    """Base class: validated hyperparameters, slots and an iteration counter.

    opt = Adam(beta1=0.9); opt.build(n); opt.update_step(grad, param, lr)  # param changes in place
    """
    name = ""
    code = -1
    HYPERPARAMS: tuple = ()
    #: The learning rate this method is usually run with (its step size means something
    #: different in each: AdaDelta's paper step is 1.0, Adam's a per-weight step near 0.01).
    recommended_lr = 0.01

    def __init__(self, **hyper):
        super().__init__(**hyper)
        self.slots = None
        self.iterations = 0
        self.step_offset = np.zeros(0, np.int64)

    @property
    def step_offset(self):
        """int64 (n_params,), read-only: the updates each parameter sat out frozen
        (``sat_out``); its own update count is iterations - step_offset (Adam's bias
        correction, as PyTorch's per-parameter step). Assigning an array (whole numbers
        >= 0) replaces it with a copy; only ``sat_out`` and ``sat_out_runs`` write it, and
        they keep ``offsets`` from scanning it at every training call."""
        view = self._step_offset.view()
        view.flags.writeable = False
        return view

    @step_offset.setter
    def step_offset(self, value):
        a = np.array(value)                # a copy: the caller's array stays its own
        if a.ndim != 1 or not (a.size == 0 or np.issubdtype(a.dtype, np.integer)) \
                or (a < 0).any():
            raise ValueError(f"{self.name}: step_offset must be whole numbers >= 0, one a "
                             f"parameter")
        self._step_offset = a.astype(np.int64, copy=False)
        self._offset_any = bool(self._step_offset.any())

    def build(self, n_params):
        """Create zeroed slots float64 (N_SLOTS, n_params) and reset the iteration counter."""
        if isinstance(n_params, (bool, np.bool_)) or not isinstance(n_params, numbers.Integral) \
                or n_params < 0:
            raise ValueError(f"{self.name}: n_params must be a non-negative int, got {n_params!r}")
        self.slots = np.zeros((N_SLOTS, int(n_params)))
        self.iterations = 0
        self.step_offset = np.zeros(int(n_params), np.int64)

    def continue_from(self, other):
        """Take over ``other``'s slots, update count and per-parameter counts (the same
        arrays): a new optimizer of the same kind carrying on another's run."""
        self.slots, self.iterations = other.slots, other.iterations
        self._step_offset, self._offset_any = other._step_offset, other._offset_any

    def sat_out(self, frozen, n_updates):
        """Count ``n_updates`` updates that the parameters where ``frozen`` (bool (n,)) sat
        out: their own update count does not advance (a layer unfrozen after k updates takes
        Adam's first step, as PyTorch does for a parameter whose gradient starts late)."""
        n = self._count(n_updates)
        self._step_offset[frozen] += n
        if n and not self._offset_any:
            self._offset_any = bool(self._step_offset.any())

    def sat_out_runs(self, starts, stops, n_updates):
        """``sat_out`` for the parameters starts[r]:stops[r] of each run r (int64 (k,) each,
        nonempty runs), without a mask over every parameter."""
        n = self._count(n_updates)
        add_to_runs(self._step_offset, starts, stops, n)
        self._offset_any = self._offset_any or (n > 0 and bool((stops > starts).any()))

    def _count(self, n_updates):
        n = int(n_updates)
        if n < 0:        # the offsets stay >= 0: one that is not zero stays so (offsets)
            raise ValueError(f"{self.name}: n_updates must be >= 0, got {n_updates!r}")
        return n

    def offsets(self):
        """int64 (n,) or (0,) when no parameter sat out an update: ``toff`` of
        ``apply_update_at``."""
        return self._step_offset if self._offset_any else np.zeros(0, np.int64)

    def hyper_vector(self):
        """float64 (N_HYPER,): the hyperparameters as the kernel reads them."""
        return hyper_array(self.HYPERPARAMS, self.hyper, N_HYPER)

    def update_step(self, grad, param, lr):
        """One update, in place on ``param`` (float64 (n,)) from ``grad`` (float64 (n,)).

        Builds the slots on first use; t passed to the kernel is ``iterations + 1``.
        """
        for label, a in (("param", param), ("grad", grad)):
            if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.ndim != 1:
                raise ValueError(f"{self.name}: {label} must be a float64 1-D array")
        if grad.shape != param.shape:
            raise ValueError(f"{self.name}: grad shape {grad.shape} != param shape {param.shape}")
        if self.slots is None:
            self.build(param.size)
        if self.slots.shape[1] != param.size:
            raise ValueError(f"{self.name}: built for {self.slots.shape[1]} parameters, "
                             f"got {param.size}")
        if self._offset_any:
            apply_update_at(self.code, param, grad, self.slots, self.hyper_vector(), float(lr),
                            self.iterations + 1, self._step_offset)
        else:
            apply_update(self.code, param, grad, self.slots, self.hyper_vector(), float(lr),
                         self.iterations + 1)
        self.iterations += 1

    def step(self, objective, x, lr, clip=0.0, weight_decay=0.0):
        """One update on an objective, as the second-order methods take one
        (``engine.second_order.SecondOrderMethod.step``), so that every optimizer steps the
        same way: f, g = objective.value_and_grad(x); g clipped to norm ``clip`` (0: off);
        decoupled weight decay x <- x - lr * weight_decay * x; then ``update_step``, the
        training loop's order. x float64 (n,) is left as it is.

        -> engine.second_order.StepInfo: x_new (n,); f and grad, the objective and the
        (clipped) gradient at x; n_evals 1; alpha the learning rate; f_new and grad_norm NaN
        (the new point is not evaluated). diverged: f or g at x not finite (x returned, no
        update), or the update left the finite numbers (x_new returned as it came out).
        The fused training kernel (``engine.kernels.train_steps``) takes this same update
        inline, over mini-batches: it is the fast path for networks."""
        from engine.kernels import clip_gradient, decay_parameters   # kernels imports us
        from engine.second_order import StepInfo
        for name, value, low in (("lr", lr, 0.0), ("clip", clip, 0.0),
                                 ("weight_decay", weight_decay, 0.0)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                    or not math.isfinite(value) or value < low:
                raise ValueError(f"{self.name}: {name} must be a finite number >= {low}, "
                                 f"got {value!r}")
        x = np.array(x, dtype=np.float64)
        f, g = objective.value_and_grad(x)
        f, g = float(f), np.array(g, dtype=np.float64)
        nan = float("nan")
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return StepInfo(x, nan, nan, 1, 0.0, "diverged: NaN/inf in f or gradient", True,
                            f, g)
        with np.errstate(over="ignore", invalid="ignore"):     # divergence is reported
            clip_gradient(g, float(g @ g), float(clip))
            decay_parameters(x, float(lr) * float(weight_decay))
            self.update_step(g, x, lr)
        if not np.all(np.isfinite(x)):
            return StepInfo(x, nan, nan, 1, float(lr), "diverged: the step overflowed", True,
                            f, g)
        return StepInfo(x, nan, nan, 1, float(lr), "", False, f, g)


class SGDOptimizer(Optimizer):
    """Plain (stochastic) gradient descent: x <- x - lr g."""
    name, code = "sgd", SGD
    HYPERPARAMS = ()
    recommended_lr = 0.03


class Momentum(Optimizer):
    """SGD + momentum, course form: v <- rho v + g; x <- x - lr v."""
    name, code = "momentum", MOMENTUM
    HYPERPARAMS = (_MOMENTUM,)
    recommended_lr = 0.01         # the velocity sums about 1 / (1 - rho) gradients


class Nesterov(Optimizer):
    """Nesterov momentum; the stored parameters are the look-ahead point x + rho v."""
    name, code = "nesterov", NESTEROV
    HYPERPARAMS = (_MOMENTUM,)
    recommended_lr = 0.01


class AdaGrad(Optimizer):
    """Per-parameter step lr / (sqrt(sum of squared gradients) + eps)."""
    name, code = "adagrad", ADAGRAD
    HYPERPARAMS = (_EPS,)
    recommended_lr = 0.1          # its steps shrink as the squared gradients add up


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): step = RMS of past steps / RMS of gradients; use lr = 1.0."""
    name, code = "adadelta", ADADELTA
    recommended_lr = 1.0          # Zeiler's update has no learning rate: 1.0 is the paper's
    HYPERPARAMS = (
        Hyper("rho", 0.95, 0.0, 1.0, "Decay of the running averages of g^2 and dx^2.",
              high_inclusive=False),
        Hyper("eps", 1e-6, 0.0, 1.0, "Added inside both square roots; sets the size of the "
              "first steps.", low_inclusive=False),
    )


class RMSProp(Optimizer):
    """AdaGrad with a leaky (exponentially decaying) sum of squared gradients."""
    name, code = "rmsprop", RMSPROP
    recommended_lr = 0.01
    HYPERPARAMS = (
        Hyper("rho", 0.9, 0.0, 1.0, "Decay rate of the squared-gradient average.",
              high_inclusive=False),
        _EPS,
    )


class Adam(Optimizer):
    """Adam: momentum (first moment) + RMSProp (second moment), with bias correction."""
    name, code = "adam", ADAM
    HYPERPARAMS = (_BETA1, _BETA2, _EPS, _BIAS)
    recommended_lr = 0.01


OPTIMIZERS = {cls.name: cls for cls in
              (SGDOptimizer, Momentum, Nesterov, AdaGrad, AdaDelta, RMSProp, Adam)}


def optimizer_from_config(cfg):
    """Build an optimizer from ``{"name": ..., **hyper}`` (as written by ``get_config``)."""
    if not isinstance(cfg, dict) or "name" not in cfg:
        raise ValueError(f"optimizer config must be a dict with a 'name', got {cfg!r}")
    name = cfg["name"]
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known: {list(OPTIMIZERS)}")
    return OPTIMIZERS[name].from_config(cfg)
