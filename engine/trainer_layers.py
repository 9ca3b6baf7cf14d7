"""The per-layer training verbs of a Trainer: freezing layers and giving them learning rates
of their own (the rates' maths: ``engine.layer_lr``).

``LayerRates`` is a mixin of ``engine.trainer.Trainer``; it owns the trainer's ``trainable``
and ``lr_scale`` (float64 (n_params,) each, read-only to the outside: the verbs here write them)
and reads its ``spec``, ``config`` and workspaces. What a training call needs of the two arrays
(``training_rates``) is worked out once after each write, not in every call: on a million
parameters each scan of them costs a good part of a millisecond."""
from typing import NamedTuple

import numpy as np

from engine import layer_kernels as G

SECOND_ORDER_SCALE = ("{} takes no per-layer learning rates: a second-order method chooses one "
                      "step for all parameters together (set every layer's scale to 1, or "
                      "choose a first-order optimizer)")


class Rates(NamedTuple):
    """What a training call needs of ``trainable`` and ``lr_scale`` (``training_rates``)."""

    scaled: bool            # some lr_scale is not 1 (engine.layer_lr)
    frozen_starts: np.ndarray   # int64 (k,): the runs of frozen parameters (trainable 0),
    frozen_stops: np.ndarray    # [start, stop) each; k = 0: nothing is frozen
    rate: np.ndarray        # float64 (n_params,): trainable * lr_scale when scaled, else
                            # trainable itself (layer_kernels.train_steps' ``rate``)
    moves: np.ndarray       # float64 (n_params,) 1 where rate is not 0, 0 where it is; (0,)
                            # when nothing is frozen or scaled (the update then reads neither)
    rmask: np.ndarray       # the weights the penalty covers: the weight mask times moves


def _runs(mask):
    """The [start, stop) runs of True in a bool (n,) mask -> (starts, stops), int64 (k,) each."""
    edges = np.diff(mask.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _read_only(a):
    view = a.view()
    view.flags.writeable = False
    return view


class LayerRates:
    """Freezing (``trainable``, 0 = frozen) and per-layer learning-rate factors
    (``lr_scale``) by layer index into ``spec.layers`` (hidden layers, then the output)."""

    @property
    def trainable(self):
        """float64 (n_params,), read-only: 1 = the parameter trains, 0 = frozen
        (``set_trainable``; assigning a whole array replaces it)."""
        return _read_only(self._trainable)

    @trainable.setter
    def trainable(self, value):
        self._trainable = self._rate_array("trainable", value)

    @property
    def lr_scale(self):
        """float64 (n_params,), read-only: each parameter's learning-rate factor
        (``set_lr_scale``; assigning a whole array replaces it)."""
        return _read_only(self._lr_scale)

    @lr_scale.setter
    def lr_scale(self, value):
        self._lr_scale = self._rate_array("lr_scale", value)

    def _rate_array(self, name, value):
        a = np.array(value, dtype=np.float64)      # a copy: the caller's array stays its own
        if a.shape != (self.spec.n_params,):
            raise ValueError(f"{name} must have shape ({self.spec.n_params},), got {a.shape}")
        self._rates = None
        return a

    def training_rates(self):
        """``Rates`` of the current ``trainable`` and ``lr_scale``, worked out after each
        change of them and kept (both change only through this class)."""
        if self._rates is None:
            scaled = bool((self._lr_scale != 1.0).any())
            starts, stops = _runs(self._trainable == 0.0)
            rate = self._trainable * self._lr_scale if scaled else self._trainable
            moves = (rate != 0.0) * 1.0 if scaled or starts.size else np.zeros(0)
            rmask = self._wmask * moves if moves.size else self._wmask
            self._rates = Rates(scaled, starts, stops, rate, moves, rmask)
        return self._rates

    def _apply_layer_scales(self):
        """``config.layer_scales`` onto ``trainable`` (0: frozen) and ``lr_scale``."""
        scales = self.config.layer_scales
        self._rates = None
        self._trainable[:] = 1.0
        self._lr_scale[:] = 1.0
        if not scales:
            return
        slices = self.spec.layer_slices()
        if len(scales) != len(slices):
            raise ValueError(f"layer_scales has {len(scales)} entries for the network's "
                             f"{len(slices)} layers")
        for (a, b), v in zip(slices, scales):
            if v == 0.0:
                self._trainable[a:b] = 0.0
            else:
                self._lr_scale[a:b] = float(v)


    def _scaled_workspace(self):
        """The layer-kernel workspace ``engine.layer_lr`` trains in (small dense networks
        train in engine.kernels' loops otherwise)."""
        if self._general:
            return self._ws
        if self._scaled_ws is None:
            self._scaled_ws = G.make_workspace(self._gi, self.spec.n_params,
                                               self.spec.n_buffers, self._batch, self.dtype)
        return self._scaled_ws


    def set_trainable(self, layers, trainable=True):
        """Freeze (trainable=False) or unfreeze the parameters of the given layers (indices
        into ``spec.layers``: hidden layers then the output layer). Frozen parameters do not
        move under any optimiser, decay, regulariser or constraint."""
        slices = self.spec.layer_slices()
        for l in layers:
            if not 0 <= int(l) < len(slices):
                raise ValueError(f"layer index {l} out of range 0..{len(slices) - 1}")
            a, b = slices[int(l)]
            self._rates = None
            self._trainable[a:b] = 1.0 if trainable else 0.0

    def set_lr_scale(self, layers, scale):
        """Train the parameters of the given layers (indices into ``spec.layers``) with
        learning rate lr * scale (scale > 0; 1: the base rate), for every first-order optimizer
        (``engine.layer_lr`` says why this is exact). Second-order methods take no scale."""
        scale = float(scale)
        if not np.isfinite(scale) or scale <= 0.0:
            raise ValueError(f"a learning-rate scale must be a finite number > 0, got {scale!r}")
        if scale != 1.0 and self.config.second_order:
            raise ValueError(SECOND_ORDER_SCALE.format(self.config.optimizer))
        slices = self.spec.layer_slices()
        for l in layers:
            if not 0 <= int(l) < len(slices):
                raise ValueError(f"layer index {l} out of range 0..{len(slices) - 1}")
            a, b = slices[int(l)]
            self._rates = None
            self._lr_scale[a:b] = scale

    def layer_lr_scales(self):
        """[scale of each layer of ``spec.layers``] (1.0 for layers without parameters)."""
        return [float(self._lr_scale[a]) if b > a else 1.0
                for a, b in self.spec.layer_slices()]

    def frozen_layers(self):
        """Indices of the layers that have parameters, all of them frozen."""
        return [l for l, (a, b) in enumerate(self.spec.layer_slices())
                if b > a and not self._trainable[a:b].any()]
