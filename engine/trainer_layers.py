"""The per-layer training verbs of a Trainer: freezing layers and giving them learning rates
of their own (the rates' maths: ``engine.layer_lr``).

``LayerRates`` is a mixin of ``engine.trainer.Trainer``; it reads the trainer's ``spec``,
``config``, ``trainable`` and ``lr_scale`` (float64 (n_params,) each) and its workspaces."""
import numpy as np

from engine import layer_kernels as G

SECOND_ORDER_SCALE = ("{} takes no per-layer learning rates: a second-order method chooses one "
                      "step for all parameters together (set every layer's scale to 1, or "
                      "choose a first-order optimizer)")


class LayerRates:
    """Freezing (``trainable``, 0 = frozen) and per-layer learning-rate factors
    (``lr_scale``) by layer index into ``spec.layers`` (hidden layers, then the output)."""

    def _apply_layer_scales(self):
        """``config.layer_scales`` onto ``trainable`` (0: frozen) and ``lr_scale``."""
        scales = self.config.layer_scales
        self.trainable[:] = 1.0
        self.lr_scale[:] = 1.0
        if not scales:
            return
        slices = self.spec.layer_slices()
        if len(scales) != len(slices):
            raise ValueError(f"layer_scales has {len(scales)} entries for the network's "
                             f"{len(slices)} layers")
        for (a, b), v in zip(slices, scales):
            if v == 0.0:
                self.trainable[a:b] = 0.0
            else:
                self.lr_scale[a:b] = float(v)


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
            self.trainable[a:b] = 1.0 if trainable else 0.0

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
            self.lr_scale[a:b] = scale

    def layer_lr_scales(self):
        """[scale of each layer of ``spec.layers``] (1.0 for layers without parameters)."""
        return [float(self.lr_scale[a]) if b > a else 1.0
                for a, b in self.spec.layer_slices()]

    def frozen_layers(self):
        """Indices of the layers that have parameters, all of them frozen."""
        return [l for l, (a, b) in enumerate(self.spec.layer_slices())
                if b > a and not self.trainable[a:b].any()]
