"""The network's training objective as a function of its flat parameter vector.

Second-order methods (``engine.second_order``) and gradient checking see the network through
this object: ``value_and_grad(params)`` runs the compiled full-batch forward and backward pass;
``hessian(params)`` is exact (complex-step over ``engine.reference``) and refused for networks
too large for an n x n matrix.
"""
import numpy as np

from engine import kernels as K
from engine import layer_kernels as G
from engine import reference
from engine import rng as R
from engine.network import LOSSES
from engine.second_order import MAX_NEWTON_PARAMS as MAX_HESSIAN_PARAMS


class NetworkObjective:
    """f(params) = mean data loss over (X, Y) + l2/2 ||w||^2 + l1 ||w||_1.

    Batch norm layers normalise with the statistics of all of X (training mode) and leave
    ``buffers`` (their running statistics) unchanged. ``trainable`` (float64 (n_params,) or
    None): where it is 0 the gradient is reported as 0, so methods that follow it leave frozen
    parameters where they are."""

    def __init__(self, spec, X, Y, reg, dropout_seed=None, buffers=None):
        self.spec = spec
        self.X = np.ascontiguousarray(X, dtype=np.float64).reshape(len(X), -1)
        self.Y = np.ascontiguousarray(Y, dtype=np.float64).reshape(len(self.X), -1)
        self.reg = np.asarray(reg, dtype=np.float64)
        self._li, self._lf = spec.kernel_tables()
        self._wmask = spec.weight_mask()
        self.buffers = spec.initial_buffers() if buffers is None else buffers
        self.trainable = None
        if spec.is_dense:
            self._ws = K.make_workspace(self._li, spec.n_params, len(self.X))
        else:
            self._ws = G.make_workspace(self._li, spec.n_params, spec.n_buffers, len(self.X))
        self._train = dropout_seed is not None
        self._key = np.uint64(R.key(int(dropout_seed), R.DROPOUT, 0) if self._train else 0)
        self.n_evals = 0

    def value_and_grad(self, params):
        """(objective, gradient float64 (n_params,)) at params float64 (n_params,)."""
        params = np.ascontiguousarray(params, dtype=np.float64)
        grad = self._ws[0]
        if self.spec.is_dense:
            f = K.objective(params, grad, self.X, self.Y, self._li, self._lf,
                            LOSSES[self.spec.loss], self.reg, self._wmask, self._key,
                            self._train, self._ws)
        else:
            f = G.objective(params, grad, self.buffers, self.X, self.Y, self._li, self._lf,
                            LOSSES[self.spec.loss], self.reg, self._wmask, self._key,
                            self._train, self._ws)
        self.n_evals += 1
        g = grad.copy()
        if self.trainable is not None:
            g *= self.trainable
        return float(f), g

    def value(self, params):
        return self.value_and_grad(params)[0]

    def hessian(self, params):
        """Exact Hessian float64 (n_params, n_params); ValueError above MAX_HESSIAN_PARAMS."""
        if self.spec.n_params > MAX_HESSIAN_PARAMS:
            raise ValueError(f"Newton's method needs the full Hessian: offered for networks of at "
                             f"most {MAX_HESSIAN_PARAMS} parameters, this one has "
                             f"{self.spec.n_params}")
        if self._train:
            raise ValueError("the Hessian is not defined with dropout on")
        if not self.spec.is_dense:
            raise ValueError("Newton's method is offered for dense networks only; use L-BFGS "
                             "or conjugate gradients")
        return reference.hessian(self.spec, np.asarray(params, dtype=np.float64), self.X, self.Y,
                                 self.reg[K.L1], self.reg[K.L2])
