"""A Trainer's run with a second-order method (``engine.second_order``: Newton, L-BFGS, CG):
full batch, one outer iteration per step, in float64."""
import numpy as np

from engine import kernels as K
from engine import layer_kernels as G


def run_second_order(trainer, n_steps, losses, lrs):
    """Full-batch Newton / L-BFGS / CG: one outer iteration per step of ``trainer`` (an
    ``engine.trainer.Trainer``), frozen parameters kept, batch norm's running statistics
    refreshed over the whole training set; losses, lrs float64 (n_steps,) filled in.
    -> (steps done, K.OK or K.DIVERGED)."""
    obj = trainer.objective()
    obj.trainable = trainer.trainable
    frozen = trainer.trainable == 0.0
    ws = None
    for s in range(n_steps):
        loss, _ = obj.value_and_grad(trainer.params)
        info = trainer.optimizer.step(obj, trainer.params)
        keep = trainer.params[frozen]
        trainer.params[:] = info.x_new
        trainer.params[frozen] = keep
        if trainer.spec.n_buffers:
            ws = ws or G.make_workspace(trainer._gi, trainer.spec.n_params, trainer.spec.n_buffers,
                                        trainer.X.shape[0])
            G.refresh_running_stats(trainer.params, trainer.buffers, trainer._gi, trainer._gf, trainer.X, ws)
        losses[s] = loss
        lrs[s] = info.alpha if np.isfinite(info.alpha) else 0.0
        trainer.state[K.STEP] += 1
        trainer.state[K.EPOCH] += 1
        if info.diverged or not np.isfinite(trainer.params).all():
            return s + 1, K.DIVERGED
    return n_steps, K.OK
