"""First-order optimizers: one compiled kernel per method plus an integer-code dispatcher.

Gradient computation lives elsewhere; this module only *applies* an update, in place, to a flat
parameter vector. Every kernel has the same shape of arguments:

    param : float64 (n,)     the parameters, updated in place
    grad  : float64 (n,)     dL/dparam at the current parameters
    slots : float64 (N_SLOTS, n)   the optimizer's running state, updated in place
    hyper : float64 (N_HYPER,)     hyperparameters, laid out as in the table below
    lr    : float            the learning rate for this update (already scheduled)
    t     : int              1-based index of this update (Adam's bias correction)

Layout of ``hyper`` and ``slots`` (``hyper`` follows each class's ``HYPERPARAMS`` order):

    code      hyper[0]   hyper[1]  hyper[2]  hyper[3]          hyper[4]      slots[0]  slots[1]
    SGD       -                                                              -         -
    MOMENTUM  momentum                                                       v         -
    NESTEROV  momentum                                                       v         -
    ADAGRAD   eps                                                            sum g^2   -
    ADADELTA  rho        eps                                                 E[g^2]    E[dx^2]
    RMSPROP   rho        eps                                                 E[g^2]    -
    ADAM      beta1      beta2     eps       bias_correction                 m         v
    ADAMW     beta1      beta2     eps       bias_correction   weight_decay  m         v

The Python classes (Keras style: ``build``, ``update_step``, ``get_config``) validate the
hyperparameters and call ``apply_update``; the fused training loop calls ``apply_update``
directly with ``code``, ``hyper_vector()`` and its own slots.
"""
import math
import numbers
from typing import NamedTuple

import numpy as np
from numba import njit

SGD, MOMENTUM, NESTEROV, ADAGRAD, ADADELTA, RMSPROP, ADAM, ADAMW = range(8)
N_HYPER = 8  # length of the hyper vector
N_SLOTS = 2  # rows of the slots array

_KW = dict(cache=True, nogil=True, error_model="numpy")


# ---------------------------------------------------------------------------------------------
# Kernels (in place; textbook equations, one loop each)
# ---------------------------------------------------------------------------------------------

@njit(**_KW)
def sgd_update(param, grad, lr):
    """x <- x - lr * g."""
    for i in range(param.size):
        param[i] -= lr * grad[i]


@njit(**_KW)
def momentum_update(param, grad, v, momentum, lr):
    """Course form: v <- rho * v + g;  x <- x - lr * v.  v: float64 (n,), the velocity."""
    for i in range(param.size):
        v[i] = momentum * v[i] + grad[i]
        param[i] -= lr * v[i]


@njit(**_KW)
def nesterov_update(param, grad, v, momentum, lr):
    """Nesterov momentum in the change-of-variables form.

    The course's form is v' = rho v - lr grad f(x + rho v);  x' = x + v'. With the stored
    parameter x~ = x + rho v (the look-ahead point, where ``grad`` is evaluated):
        v' = rho v - lr g(x~);   x~' = x~ - rho v + (1 + rho) v'.
    """
    for i in range(param.size):
        v_old = v[i]
        v_new = momentum * v_old - lr * grad[i]
        v[i] = v_new
        param[i] += -momentum * v_old + (1.0 + momentum) * v_new


@njit(**_KW)
def adagrad_update(param, grad, cache, eps, lr):
    """cache <- cache + g^2;  x <- x - lr * g / (sqrt(cache) + eps)."""
    for i in range(param.size):
        g = grad[i]
        cache[i] += g * g
        param[i] -= lr * g / (math.sqrt(cache[i]) + eps)


@njit(**_KW)
def adadelta_update(param, grad, eg2, edx2, rho, eps, lr):
    """AdaDelta (Zeiler 2012), with ``lr`` scaling the step (1.0 = the paper).

    E[g^2] <- rho E[g^2] + (1 - rho) g^2
    dx     <- -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g
    E[dx^2] <- rho E[dx^2] + (1 - rho) dx^2;   x <- x + lr * dx
    """
    for i in range(param.size):
        g = grad[i]
        eg2[i] = rho * eg2[i] + (1.0 - rho) * g * g
        dx = -math.sqrt(edx2[i] + eps) / math.sqrt(eg2[i] + eps) * g
        edx2[i] = rho * edx2[i] + (1.0 - rho) * dx * dx
        param[i] += lr * dx


@njit(**_KW)
def rmsprop_update(param, grad, cache, rho, eps, lr):
    """cache <- rho cache + (1 - rho) g^2;  x <- x - lr * g / (sqrt(cache) + eps)."""
    for i in range(param.size):
        g = grad[i]
        cache[i] = rho * cache[i] + (1.0 - rho) * g * g
        param[i] -= lr * g / (math.sqrt(cache[i]) + eps)


@njit(**_KW)
def adam_update(param, grad, m, v, beta1, beta2, eps, bias_correction, weight_decay, lr, t):
    """Adam as in the course, optionally with AdamW's decoupled weight decay.

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)   (bias_correction; otherwise m^ = m, v^ = v:
                                               the course's "Adam (almost)")
    x <- x - lr * wd * x - lr * m^ / (sqrt(v^) + eps)   (wd = 0 for plain Adam)
    """
    c1 = 1.0
    c2 = 1.0
    if bias_correction:
        c1 = 1.0 - beta1 ** t
        c2 = 1.0 - beta2 ** t
    for i in range(param.size):
        g = grad[i]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        m_hat = m[i] / c1
        v_hat = v[i] / c2
        x = param[i]
        param[i] = x - lr * weight_decay * x - lr * m_hat / (math.sqrt(v_hat) + eps)


@njit(**_KW)
def apply_update(code, param, grad, slots, hyper, lr, t):
    """Apply one update of optimizer ``code`` in place on ``param`` and ``slots``.

    param, grad : float64 (n,)   slots : float64 (N_SLOTS, n)   hyper : float64 (N_HYPER,)
    lr : float (already scheduled)   t : int >= 1, index of this update
    """
    if code == SGD:
        sgd_update(param, grad, lr)
    elif code == MOMENTUM:
        momentum_update(param, grad, slots[0], hyper[0], lr)
    elif code == NESTEROV:
        nesterov_update(param, grad, slots[0], hyper[0], lr)
    elif code == ADAGRAD:
        adagrad_update(param, grad, slots[0], hyper[0], lr)
    elif code == ADADELTA:
        adadelta_update(param, grad, slots[0], slots[1], hyper[0], hyper[1], lr)
    elif code == RMSPROP:
        rmsprop_update(param, grad, slots[0], hyper[0], hyper[1], lr)
    elif code == ADAM:
        adam_update(param, grad, slots[0], slots[1], hyper[0], hyper[1], hyper[2],
                    hyper[3] != 0.0, 0.0, lr, t)
    elif code == ADAMW:
        adam_update(param, grad, slots[0], slots[1], hyper[0], hyper[1], hyper[2],
                    hyper[3] != 0.0, hyper[4], lr, t)
    else:
        raise ValueError("apply_update: unknown optimizer code")


# ---------------------------------------------------------------------------------------------
# Hyperparameter declarations (shared with engine/schedules.py and engine/initializers.py)
# ---------------------------------------------------------------------------------------------

class Hyper(NamedTuple):
    """One hyperparameter: its default, valid range and a one-line doc for tooltips.

    kind is "float", "int" (integral values, stored as int) or "bool" (True/False or 1/0,
    stored as bool and passed to kernels as 1.0/0.0).
    """
    name: str
    default: float
    low: float
    high: float
    doc: str
    low_inclusive: bool = True
    high_inclusive: bool = True
    kind: str = "float"

    def range_text(self):
        """The valid range in interval notation, e.g. "[0, 1)"."""
        if self.kind == "bool":
            return "{True, False}"
        fmt = "d" if self.kind == "int" else "g"
        return (("[" if self.low_inclusive else "(") + f"{self.low:{fmt}}, {self.high:{fmt}}"
                + ("]" if self.high_inclusive else ")"))

    def check(self, value, owner=""):
        """Return ``value`` converted to this hyper's kind; raise ValueError when it is invalid."""
        where = f"{owner}: " if owner else ""
        bad = ValueError(f"{where}{self.name} = {value!r} is invalid; "
                         f"expected {self.kind} in {self.range_text()}")
        if isinstance(value, (bool, np.bool_)):
            if self.kind == "bool":
                return bool(value)
            raise bad
        if not isinstance(value, numbers.Real):
            raise bad
        x = float(value)
        if not math.isfinite(x):
            raise bad
        if self.kind == "bool":
            if x not in (0.0, 1.0):
                raise bad
            return x == 1.0
        if self.kind == "int" and x != math.floor(x):
            raise bad
        above = x > self.low if not self.low_inclusive else x >= self.low
        below = x < self.high if not self.high_inclusive else x <= self.high
        if not (above and below):
            raise bad
        return int(x) if self.kind == "int" else x


def check_hypers(owner, specs, given):
    """Validate a dict of hyperparameters against ``specs``; return all of them, defaults filled.

    Unknown names raise ValueError listing the known ones.
    """
    known = {h.name: h for h in specs}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"{owner}: unknown hyperparameter(s) {unknown}; "
                         f"known: {list(known) or 'none'}")
    return {h.name: h.check(given.get(h.name, h.default), owner) for h in specs}


def hyper_array(specs, values, length):
    """float64 (length,): the values in ``specs`` order, bools as 1.0/0.0, zero-padded."""
    out = np.zeros(length)
    for i, h in enumerate(specs):
        out[i] = float(values[h.name])
    return out


# ---------------------------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------------------------

_EPS = Hyper("eps", 1e-7, 0.0, 1.0, "Added to the denominator (outside the square root) so it "
             "never divides by zero.", low_inclusive=False)
_BETA1 = Hyper("beta1", 0.9, 0.0, 1.0, "Decay of the first-moment (mean gradient) average.",
               high_inclusive=False)
_BETA2 = Hyper("beta2", 0.999, 0.0, 1.0, "Decay of the second-moment (squared gradient) "
               "average.", high_inclusive=False)
_BIAS = Hyper("bias_correction", True, 0.0, 1.0, "Divide the moments by 1 - beta^t so early "
              "steps are not too small (off: the course's 'Adam (almost)').", kind="bool")
_MOMENTUM = Hyper("momentum", 0.9, 0.0, 1.0, "Fraction of the previous velocity kept each "
                  "step (rho).", high_inclusive=False)


class Optimizer:
    """Base class: validated hyperparameters, slots and an iteration counter.

    opt = Adam(beta1=0.9); opt.build(n); opt.update_step(grad, param, lr)  # param changes in place
    """
    name = ""
    code = -1
    HYPERPARAMS: tuple = ()

    def __init__(self, **hyper):
        self.hyper = check_hypers(self.name, self.HYPERPARAMS, hyper)
        self.slots = None
        self.iterations = 0

    def build(self, n_params):
        """Create zeroed slots float64 (N_SLOTS, n_params) and reset the iteration counter."""
        if isinstance(n_params, (bool, np.bool_)) or not isinstance(n_params, numbers.Integral) \
                or n_params < 0:
            raise ValueError(f"{self.name}: n_params must be a non-negative int, got {n_params!r}")
        self.slots = np.zeros((N_SLOTS, int(n_params)))
        self.iterations = 0

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
        apply_update(self.code, param, grad, self.slots, self.hyper_vector(), float(lr),
                     self.iterations + 1)
        self.iterations += 1

    def get_config(self):
        """{"name": ..., **hyper}: plain values, round-trips through ``optimizer_from_config``."""
        return {"name": self.name, **self.hyper}

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        name = cfg.pop("name", cls.name)
        if name != cls.name:
            raise ValueError(f"{cls.__name__}.from_config: config is for {name!r}")
        return cls(**cfg)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


class SGDOptimizer(Optimizer):
    """Plain (stochastic) gradient descent: x <- x - lr g."""
    name, code = "sgd", SGD
    HYPERPARAMS = ()


class Momentum(Optimizer):
    """SGD + momentum, course form: v <- rho v + g; x <- x - lr v."""
    name, code = "momentum", MOMENTUM
    HYPERPARAMS = (_MOMENTUM,)


class Nesterov(Optimizer):
    """Nesterov momentum; the stored parameters are the look-ahead point x + rho v."""
    name, code = "nesterov", NESTEROV
    HYPERPARAMS = (_MOMENTUM,)


class AdaGrad(Optimizer):
    """Per-parameter step lr / (sqrt(sum of squared gradients) + eps)."""
    name, code = "adagrad", ADAGRAD
    HYPERPARAMS = (_EPS,)


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): step = RMS of past steps / RMS of gradients; use lr = 1.0."""
    name, code = "adadelta", ADADELTA
    HYPERPARAMS = (
        Hyper("rho", 0.95, 0.0, 1.0, "Decay of the running averages of g^2 and dx^2.",
              high_inclusive=False),
        Hyper("eps", 1e-6, 0.0, 1.0, "Added inside both square roots; sets the size of the "
              "first steps.", low_inclusive=False),
    )


class RMSProp(Optimizer):
    """AdaGrad with a leaky (exponentially decaying) sum of squared gradients."""
    name, code = "rmsprop", RMSPROP
    HYPERPARAMS = (
        Hyper("rho", 0.9, 0.0, 1.0, "Decay rate of the squared-gradient average.",
              high_inclusive=False),
        _EPS,
    )


class Adam(Optimizer):
    """Adam: momentum (first moment) + RMSProp (second moment), with bias correction."""
    name, code = "adam", ADAM
    HYPERPARAMS = (_BETA1, _BETA2, _EPS, _BIAS)


class AdamW(Optimizer):
    """Adam + decoupled weight decay x <- x - lr wd x, applied to every parameter it is given."""
    name, code = "adamw", ADAMW
    HYPERPARAMS = (_BETA1, _BETA2, _EPS, _BIAS,
                   Hyper("weight_decay", 0.01, 0.0, 1.0, "Decoupled weight decay: each step "
                         "shrinks every parameter by lr * weight_decay * x."))


OPTIMIZERS = {cls.name: cls for cls in
              (SGDOptimizer, Momentum, Nesterov, AdaGrad, AdaDelta, RMSProp, Adam, AdamW)}


def optimizer_from_config(cfg):
    """Build an optimizer from ``{"name": ..., **hyper}`` (as written by ``get_config``)."""
    if not isinstance(cfg, dict) or "name" not in cfg:
        raise ValueError(f"optimizer config must be a dict with a 'name', got {cfg!r}")
    name = cfg["name"]
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known: {list(OPTIMIZERS)}")
    return OPTIMIZERS[name].from_config(cfg)
