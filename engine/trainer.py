"""The Trainer: one network, its data and its optimiser, driven a chunk of steps at a time.

The app's worker thread owns a Trainer and calls ``run(n)``; everything heavy happens inside one
compiled call that releases the GIL. Live changes (learning rate, optimiser hyperparameters,
schedule, regularisation, dropout rates, batch size) go through ``set_config`` /
``set_dropout`` between calls and keep the weights.
"""
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from engine import batch_split as BS
from engine import blas
from engine import kernels as K
from engine import layer_kernels as G
from engine import rng as R
# the evaluation helpers are importable from here, as they always were
from engine.evaluation import (accuracy_from_outputs, check_data, data_loss,  # noqa: F401
                               output_activation)
from engine.initializers import init_bias, init_weights
from engine.network import LOSSES, NetworkSpec
from engine.precision import PRECISIONS
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES
from engine.trainer_eval import TrainerEvaluation
from engine.trainer_layers import SECOND_ORDER_SCALE, LayerRates
from engine.trainer_second_order import run_second_order
from engine.trainer_state import TrainerState

SECOND_ORDER_NAMES = ("newton", "lbfgs", "cg")


@dataclass(frozen=True)
class TrainConfig:
    """Everything about how a network is trained (not what it is)."""

    optimizer: str = "sgd"
    optimizer_params: dict = field(default_factory=dict)
    learning_rate: float = 0.03
    schedule: str = "constant"
    schedule_params: dict = field(default_factory=dict)
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    weight_decay: float = 0.0   # decoupled (AdamW's): x <- x - lr * weight_decay * x on every
                                # parameter before each first-order update (0 = off)
    clip_norm: float = 0.0      # clip the gradient's global norm to this (0 = off)
    max_norm: float = 0.0       # cap each unit's incoming weight norm after each first-order
                                # update (0 = off)
    layer_scales: tuple = ()    # per layer of the spec (output last): its learning-rate factor,
                                # 0 = frozen (Trainer.set_lr_scale / set_trainable); () = the
                                # trainer's own (everything trains at the base rate)
    augmentation: dict = field(default_factory=dict)   # engine.augment.Augmentation settings
                                # for the training images ({} = none; image networks only)
    precision: str = "float64"  # "float32": parameters, gradients, optimizer state, workspaces
                                # and data in float32 (first-order optimizers; Newton, L-BFGS
                                # and CG always run in float64)

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS and self.optimizer not in SECOND_ORDER_NAMES:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of "
                             f"{sorted(OPTIMIZERS) + list(SECOND_ORDER_NAMES)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; choose one of "
                             f"{sorted(PRECISIONS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {sorted(SCHEDULES)}")
        lr = self.learning_rate
        if not isinstance(lr, (int, float)) or not np.isfinite(lr) or not 0.0 < lr <= 100.0:
            raise ValueError(f"learning_rate must be in (0, 100], got {lr!r}")
        if not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        for name in ("l1", "l2", "weight_decay", "clip_norm", "max_norm"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0.0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        for i, v in enumerate(self.layer_scales):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) \
                    or v < 0.0:
                raise ValueError(f"layer {i}'s learning-rate factor must be a finite number "
                                 f">= 0 (0: frozen), got {v!r}")
            if self.second_order and v not in (0.0, 1.0):
                raise ValueError(SECOND_ORDER_SCALE.format(self.optimizer))
        self.make_augmentation()
        # validate the hyperparameters now, with the optimiser's and schedule's own messages
        self.make_optimizer()
        self.make_schedule()

    @property
    def second_order(self):
        return self.optimizer in SECOND_ORDER_NAMES

    @property
    def dtype(self):
        """The numpy type training runs in: ``precision``'s, float64 for a second-order method
        (its line searches and curvature pairs need the digits)."""
        return np.float64 if self.second_order else PRECISIONS[self.precision]

    def make_optimizer(self):
        if self.second_order:
            from engine.second_order import SECOND_ORDER
            return SECOND_ORDER[self.optimizer](**self.optimizer_params)
        return OPTIMIZERS[self.optimizer](**self.optimizer_params)

    def make_augmentation(self):
        """The ``engine.augment.Augmentation`` of the training images, or None for none."""
        if not self.augmentation:
            return None
        from engine.augment import Augmentation
        return Augmentation(**self.augmentation)

    def make_schedule(self):
        return SCHEDULES[self.schedule](**self.schedule_params)

    def reg_vector(self):
        v = np.zeros(K.N_REG)
        v[[K.L1, K.L2, K.WEIGHT_DECAY, K.CLIP_NORM, K.MAX_NORM]] = (
            self.l1, self.l2, self.weight_decay, self.clip_norm, self.max_norm)
        return v

    def to_dict(self):
        return asdict(self)


@dataclass
class RunResult:
    """What one ``run`` call did: per-step batch losses and learning rates."""

    losses: np.ndarray
    learning_rates: np.ndarray
    steps_done: int
    diverged: bool = False
    message: str = ""



def initial_parameters(spec, seed):
    """Fresh parameters for ``spec`` drawn with a numpy Generator seeded by ``seed``."""
    gen = np.random.Generator(np.random.PCG64(seed))
    if not spec.is_dense:
        return spec.initial_parameters(gen)
    params = np.zeros(spec.n_params)
    layers = list(spec.hidden) + [None]
    for (W, b), layer in zip(spec.views(params), layers):
        n_in, n_out = W.shape
        if layer is None:
            W[:] = init_weights(spec.output_init, n_in, n_out, gen, **spec.output_init_params)
        else:
            W[:] = init_weights(layer.init, n_in, n_out, gen, **layer.init_params)
            b[:] = init_bias(layer.bias_init, n_out, layer.bias_value)
    return params


class Trainer(LayerRates, TrainerState, TrainerEvaluation):
    """A network being trained on one data set.

    X_train float64 (n, spec.n_inputs), already featurised and normalised, or for an image
    network (n, C, H, W) (flattened in (c, y, x) order); Y_train float64 (n, spec.n_outputs):
    0/1 (binary), one-hot (multi-class) or values (regression).

    ``buffers`` holds the non-trainable state (batch norm's running statistics) and
    ``trainable`` (float64 (n_params,), 1 = trains, 0 = frozen) which parameters training
    moves; both go through ``state_dict``. ``lr_scale`` (float64 (n_params,), > 0) multiplies
    each parameter's learning rate (``set_lr_scale``, per layer: a setting, not state).
    """

    def __init__(self, spec: NetworkSpec, config: TrainConfig, X_train, Y_train,
                 X_test=None, Y_test=None, seed=0, params=None):
        self.spec = spec
        X_train, X_test = self._flat(X_train), self._flat(X_test)
        # the data as given (float64); self.X, self.Y: in the run's precision (set_config)
        self._X64, self._Y64 = check_data("training", X_train, Y_train, spec.n_inputs,
                                           spec.n_outputs)
        self.X, self.Y = self._X64, self._Y64
        if X_test is not None and len(X_test):
            self.X_test, self.Y_test = check_data("test", X_test, Y_test, spec.n_inputs,
                                                   spec.n_outputs)
        else:
            self.X_test = self.Y_test = None
        self._tables()
        self._wmask = spec.weight_mask()
        self._loss_code = LOSSES[spec.loss]
        self.initial_buffers = spec.initial_buffers()
        self.buffers = self.initial_buffers.copy()
        self._trainable = np.ones(spec.n_params)     # read-only to the outside as
        self._lr_scale = np.ones(spec.n_params)      # trainable, lr_scale (LayerRates)
        self._rates = None
        self._scaled_ws = None
        self.augmentation = None
        self._aug = np.zeros(0)
        self.seed = int(seed)
        self.initial_params = initial_parameters(spec, self.seed) if params is None \
            else np.array(params, dtype=np.float64)
        if self.initial_params.shape != (spec.n_params,):
            raise ValueError(f"params must have shape ({spec.n_params},)")
        self.params = self.initial_params.copy()
        self.dtype = np.float64
        self.config = None
        self.set_config(config)
        self._restart_counters()

    def _flat(self, X):
        """(n, C, H, W) images as (n, C*H*W) rows for an image network; others unchanged."""
        if X is None or self.spec.input_shape is None:
            return X
        X = np.asarray(X)
        if X.ndim == 4:
            if X.shape[1:] != self.spec.input_shape:
                raise ValueError(f"images must have shape (n, {', '.join(map(str, self.spec.input_shape))}), "
                                 f"got {X.shape}")
            X = X.reshape(X.shape[0], -1)
        return X

    def _tables(self):
        """Dense networks: engine.kernels' tables (_li, _lf); every network: the geometry tables
        (_gi, _gf) of engine.layer_kernels, which also run dense networks with a large layer."""
        self._li, self._lf = self.spec.kernel_tables()
        self._gi, self._gf = self.spec.geometry_tables()

    def _large(self, batch):
        """A dense layer with n_in * n_out * batch >= BLAS_MIN: BLAS beats the loop kernels."""
        return bool(np.any(self.spec.sizes[:-1] * np.array(self.spec.sizes[1:]) * batch
                           >= G.BLAS_MIN)) if self.spec.is_dense else True

    @property
    def uses_layer_kernels(self):
        """True when training runs in engine.layer_kernels (any kind but dense, or a large
        dense layer); False: engine.kernels' loops (small dense networks)."""
        return self._general

    # -- counters and randomness ------------------------------------------------------------
    def _restart_counters(self):
        #: (updates, epochs) done when the schedule started: it counts from there
        self.schedule_start = (0, 0)
        self.state = np.zeros(K.N_STATE, np.int64)
        self.state[K.SEED] = self.seed
        self.perm = np.empty(self.X.shape[0], np.int64)
        R.shuffled_indices(self.seed, 0, self.perm)
        self._reset_optimizer_state()

    def _reset_optimizer_state(self):
        self.optimizer = self.config.make_optimizer()
        self.optimizer.build(self.spec.n_params)
        self._cast_slots()
        self.state[K.OPT_T] = 0

    def _cast_slots(self):
        """A first-order optimizer's slots in the run's precision."""
        slots = getattr(self.optimizer, "slots", None)
        if isinstance(slots, np.ndarray) and slots.dtype != self.dtype:
            self.optimizer.slots = slots.astype(self.dtype)

    def _set_dtype(self, dtype):
        """Run in ``dtype`` from now on: the parameters, batch norm's buffers, the optimizer's
        slots and the training data cast to it (the data from the float64 it was given)."""
        if dtype == self.dtype:
            return
        self.dtype = dtype
        self.params = self.params.astype(dtype)
        self.buffers = self.buffers.astype(dtype)
        self.X, self.Y = ((self._X64, self._Y64) if dtype is np.float64 else
                          (self._X64.astype(dtype), self._Y64.astype(dtype)))
        if getattr(self, "optimizer", None) is not None:
            self._cast_slots()

    @property
    def step_count(self):
        return int(self.state[K.STEP])

    @property
    def epoch(self):
        return int(self.state[K.EPOCH])

    @property
    def learning_rate(self):
        """The rate the next first-order update uses: the schedule's, counted from its start."""
        from engine.schedules import scheduled_lr
        return float(scheduled_lr(self._schedule.code, float(self.config.learning_rate),
                                  self._schedule.hyper_vector(), self.schedule_start[0],
                                  self.schedule_start[1], self.step_count, self.epoch))

    def restart_schedule(self):
        """Count the schedule from here: the next update uses its first rate (the base rate),
        the ones after follow it step by step (``schedule_start``)."""
        self.schedule_start = (self.step_count, self.epoch)

    @property
    def steps_per_epoch(self):
        n, b = self.X.shape[0], min(self.config.batch_size, self.X.shape[0])
        return -(-n // b)

    # -- configuration ----------------------------------------------------------------------
    def set_config(self, config: TrainConfig):
        """Change how training proceeds, keeping the weights. Optimiser slots (momentum,
        moments) are kept when the optimiser kind and its hyperparameters' meaning are unchanged."""
        old = self.config
        if config.second_order and not config.layer_scales and self.training_rates().scaled:
            raise ValueError(SECOND_ORDER_SCALE.format(config.optimizer))
        self.config = config
        self._set_dtype(config.dtype)
        self._schedule = config.make_schedule()
        self._reg = config.reg_vector()
        self._batch = int(min(config.batch_size, self.X.shape[0]))
        self._general = self._large(self._batch)
        self._ws = self._workspace(self._batch)
        self._split = BS.plan(self._gi, self.spec.n_params, self.spec.n_buffers, self._batch,
                              dtype=self.dtype)
        self._scaled_ws = None
        if old is not None and old.optimizer != config.optimizer:
            self._reset_optimizer_state()
        elif old is not None and config.second_order:
            # Same second-order method, new hyperparameters: its curvature memory (L-BFGS
            # pairs, CG direction) was gathered under the old settings, so it restarts.
            t = self.optimizer.iterations
            self.optimizer = config.make_optimizer()
            self.optimizer.build(self.spec.n_params)
            self.optimizer.iterations = t
        elif old is not None:
            kept = self.optimizer
            self.optimizer = config.make_optimizer()
            self.optimizer.continue_from(kept)
            self._cast_slots()
        # the config owns freezing, layer rates and augmentation once it says anything of them
        if config.layer_scales != (old.layer_scales if old is not None else ()):
            self._apply_layer_scales()
        if config.augmentation != (old.augmentation if old is not None else {}):
            self.set_augmentation(config.make_augmentation())

    def _workspace(self, batch):
        if not self._general:
            return K.make_workspace(self._li, self.spec.n_params, batch, self.dtype)
        return G.make_workspace(self._gi, self.spec.n_params, self.spec.n_buffers, batch,
                                self.dtype)

    def set_dropout(self, rates):
        """Change each hidden layer's dropout rate without touching the weights (a Dropout
        layer's rate; layers without dropout, such as pooling, take 0)."""
        hidden = []
        for h, r in zip(self.spec.hidden, rates, strict=True):
            if h.kind == "dropout":
                hidden.append(replace(h, rate=float(r)))
            elif "dropout" in getattr(h, "__dataclass_fields__", {}):
                hidden.append(replace(h, dropout=float(r)))
            elif float(r) != 0.0:
                raise ValueError(f"a {h.label} layer has no dropout")
            else:
                hidden.append(h)
        self.spec = self.spec.with_hidden(hidden)
        self._tables()

    def set_augmentation(self, settings):
        """Augment training images as they are gathered (an ``engine.augment.Augmentation``,
        or None for none); evaluation and prediction never augment. Pixel values are taken to
        lie in [0, 1] (augmentation clips to it). Image networks only."""
        if settings is not None and self.spec.input_shape is None:
            raise ValueError("augmentation needs an image network (NetworkSpec input_shape)")
        self.augmentation = settings
        self._aug = settings.vector() if settings is not None and settings.active else np.zeros(0)

    # -- training ---------------------------------------------------------------------------
    def run(self, n_steps):
        """Train ``n_steps`` steps (mini-batches); stops early if the run diverges."""
        n_steps = int(n_steps)
        if n_steps < 0:
            raise ValueError("n_steps must be >= 0")
        losses = np.zeros(n_steps)
        lrs = np.zeros(n_steps)
        if self.config.second_order:
            done, status = run_second_order(self, n_steps, losses, lrs)
        else:
            opt = self.optimizer
            sched = (self._schedule.code, float(self.config.learning_rate),
                     self._schedule.hyper_vector(), *self.schedule_start)
            # kept from call to call: no scan of the million parameters here (LayerRates)
            rates = self.training_rates()
            if not (self._general or rates.scaled):
                done, status = K.train_steps(
                    self.params, opt.slots, self.X, self.Y, self.perm, self.state,
                    (self._li, self._lf, self._loss_code), (opt.code, opt.hyper_vector(), opt.offsets()), sched,
                    self._reg, self._wmask, self._trainable, self._batch, n_steps, losses, lrs,
                    self._ws)
            else:  # any layer kinds, large dense layers through BLAS, and layer rates
                with blas.single_threaded() if self._split[0] > 1 else nullcontext():
                    done, status = G.train_steps(
                        self.params, opt.slots, self.buffers, self.X, self.Y, self.perm,
                        self.state, (self._gi, self._gf, self._loss_code),
                        (opt.code, opt.hyper_vector(), opt.offsets()), sched, self._reg,
                        (rates.rate, rates.moves, rates.rmask), self._aug,
                        self._batch, n_steps, losses, lrs, self._scaled_workspace(), self._split)
            opt.iterations = int(self.state[K.OPT_T])
            if rates.frozen_starts.size:   # frozen parameters' own update counts stand still
                opt.sat_out_runs(rates.frozen_starts, rates.frozen_stops, done)
        diverged = status == K.DIVERGED
        msg = ""
        if diverged:
            msg = (f"Training diverged at step {self.step_count}: the loss or the weights became "
                   f"{'NaN' if np.isnan(losses[done - 1]) or np.isnan(self.params).any() else 'infinite'}. "
                   f"Try a lower learning rate (now {self.config.learning_rate:g}), gradient "
                   f"clipping, or reset.")
        return RunResult(losses[:done], lrs[:done], int(done), diverged, msg)

    # -- the objective as a function of the parameters ------------------------------------------
    def objective(self, X=None, Y=None, dropout_seed=None):
        """Full-batch objective (data loss + penalty) over (X, Y) (default: the training set),
        with ``value_and_grad(params)`` and, for small networks, an exact ``hessian(params)``.
        With ``dropout_seed`` set, dropout applies with one fixed mask (gradient checking)."""
        from engine.objective import NetworkObjective
        X = self._X64 if X is None else self._flat(X)
        Y = self._Y64 if Y is None else Y
        return NetworkObjective(self.spec, X, Y, self._reg, dropout_seed, self.buffers)

    # -- reset and state ----------------------------------------------------------------------
    def reset(self):
        """Back to the same initial weights with counters and optimiser state cleared."""
        self.params[:] = self.initial_params
        self.buffers[:] = self.initial_buffers
        self._restart_counters()

    def reinitialize(self, seed):
        """New initial weights (and shuffle/dropout stream) from a new seed."""
        self.seed = int(seed)
        self.initial_params = initial_parameters(self.spec, self.seed)
        self.reset()

    def __repr__(self):
        return (f"Trainer({self.spec!r}, {self.config.optimizer}, lr={self.config.learning_rate:g}, "
                f"step={self.step_count}, epoch={self.epoch})")
