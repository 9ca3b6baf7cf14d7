"""A Trainer's state as a plain dict of numbers and arrays (``state_dict``) and back
(``load_state_dict``): enough to continue a run bit for bit.

``TrainerState`` is a mixin of ``engine.trainer.Trainer``."""
import numpy as np

from engine import kernels as K
from engine import rng as R


class TrainerState:
    """``state_dict`` / ``load_state_dict`` of ``engine.trainer.Trainer``."""

    def state_dict(self):
        """Plain dict of numbers and arrays: enough to continue bit-identically. "buffers"
        (batch norm's running statistics) when the network has any, "trainable" when a
        parameter is frozen, "optimizer_step_offset" (int64 (n_params,), the updates each
        parameter sat out frozen) when one has."""
        d = {"params": self.params.copy(), "initial_params": self.initial_params.copy(),
             "state": self.state.copy(), "seed": self.seed,
             "optimizer_iterations": int(getattr(self.optimizer, "iterations", 0)),
             "schedule_start": int(self.schedule_start[0]),
             "schedule_start_epoch": int(self.schedule_start[1])}
        # non-trainable state and the frozen mask, only where there are any (a dense network
        # with nothing frozen keeps the keys it always had)
        if self.spec.n_buffers:
            d["buffers"] = self.buffers.copy()
        if self.training_rates().frozen_starts.size:
            d["trainable"] = self._trainable.copy()
        if self.config.second_order:
            d["second_order_state"] = self.optimizer.state_dict()
        else:
            d["slots"] = self.optimizer.slots.copy()
            if self.optimizer.offsets().size:
                d["optimizer_step_offset"] = self.optimizer.step_offset.copy()
        return d

    def load_state_dict(self, d):
        P = self.spec.n_params
        for name in ("params", "initial_params"):
            a = np.asarray(d[name], dtype=np.float64)
            if a.shape != (P,):
                raise ValueError(f"{name} must have shape ({P},), got {a.shape}")
            if not np.isfinite(a).all():
                raise ValueError(f"{name} contain NaN or inf")
        state = np.asarray(d["state"], dtype=np.int64)
        if state.shape != (K.N_STATE,) or state[K.POS] < 0 or state[K.POS] >= self.X.shape[0] \
                or (state[:3] < 0).any():
            raise ValueError("training counters are inconsistent with the data")
        start = (int(d.get("schedule_start", 0)), int(d.get("schedule_start_epoch", 0)))
        if not (0 <= start[0] <= state[K.STEP] and 0 <= start[1] <= state[K.EPOCH]):
            raise ValueError(f"the schedule's start {start} lies after the run's step "
                             f"{int(state[K.STEP])} and epoch {int(state[K.EPOCH])}")
        extra = {}
        for name, n in (("buffers", self.spec.n_buffers), ("trainable", P)):
            if name in d:
                a = np.asarray(d[name], dtype=self.dtype if name == "buffers" else np.float64)
                if a.shape != (n,) or not np.isfinite(a).all():
                    raise ValueError(f"{name} must be {n} finite numbers, got shape {a.shape}")
                if name == "trainable" and not np.isin(a, (0.0, 1.0)).all():
                    raise ValueError("trainable must hold only 0 (frozen) and 1 (trains)")
                extra[name] = a.copy()
        self.buffers = extra.get("buffers", self.initial_buffers.astype(self.dtype))
        self.trainable = extra.get("trainable", np.ones(P))
        if self.config.layer_scales:       # the settings say which layers are frozen
            self._apply_layer_scales()
        self.schedule_start = start
        self.seed = int(d["seed"])
        self.params = np.array(d["params"], dtype=self.dtype)
        self.initial_params = np.array(d["initial_params"], dtype=np.float64)
        self.state = state.copy()
        self.state[K.SEED] = self.seed
        R.shuffled_indices(self.seed, int(state[K.EPOCH]), self.perm)
        self.optimizer = self.config.make_optimizer()
        self.optimizer.build(P)
        if self.config.second_order:
            if "second_order_state" in d:
                self.optimizer.load_state_dict(d["second_order_state"])
        else:
            slots = np.asarray(d["slots"], dtype=self.dtype)
            if slots.shape != self.optimizer.slots.shape:
                raise ValueError(f"optimizer slots must have shape {self.optimizer.slots.shape}")
            self.optimizer.slots = slots.copy()
            self.optimizer.iterations = int(d.get("optimizer_iterations", state[K.OPT_T]))
            if "optimizer_step_offset" in d:
                off = np.asarray(d["optimizer_step_offset"])
                if off.shape != (P,) or not np.issubdtype(off.dtype, np.integer) \
                        or (off < 0).any() or (off > state[K.OPT_T]).any():
                    raise ValueError(f"optimizer_step_offset must be {P} whole numbers from 0 "
                                     f"to the optimizer's {int(state[K.OPT_T])} updates")
                self.optimizer.step_offset = off
