"""The evaluation verbs of a Trainer: outputs, every unit's activations and the loss and
accuracy on a data set, in evaluation mode (no dropout, batch norm from its running
statistics), in the run's precision or another.

``TrainerEvaluation`` is a mixin of ``engine.trainer.Trainer``; it reads the trainer's
``spec``, ``params``, ``buffers``, ``dtype`` and layer tables (``_gi``, ``_gf``, ``_li``,
``_lf``)."""
import numpy as np

from engine import kernels as K
from engine import layer_kernels as G
from engine import predict as PR
from engine.evaluation import accuracy_from_outputs, check_data, data_loss, output_activation
from engine.precision import as_dtype


class TrainerEvaluation:
    """predict, activations, hidden_activations, feature_maps and evaluate of a Trainer."""

    def _eval_arrays(self, X, dtype):
        """(params, buffers, rows) in ``dtype`` (None: the run's) for an evaluation (cast once
        per call)."""
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        X = np.ascontiguousarray(self._flat(X), dtype=dtype)
        if dtype is self.dtype:
            return self.params, self.buffers, X
        return self.params.astype(dtype), self.buffers.astype(dtype), X

    def _outputs(self, X, mode, dtype=None):
        """(n, n_outputs) output activations (mode OUTPUTS) or logits (LOGITS); eval mode."""
        params, buffers, X = self._eval_arrays(X, dtype)
        if self._large(self._chunk()):    # chunks in parallel, each a one-thread BLAS call
            return PR.predict_rows(params, buffers, self._gi, self._gf, X, mode, self._chunk(),
                                   X.dtype)
        out = np.empty((X.shape[0], self.spec.n_outputs), X.dtype)   # small dense: loops
        K.predict_all(params, self._li, self._lf, X, out,
                      K.OUTPUTS if mode == PR.OUTPUTS else K.LOGITS)
        return out

    def _chunk(self):
        """Rows per parallel chunk: 256, fewer when a sample's activations are large."""
        units, col = G.sizes(self._gi)
        per_row = 3 * int(units.sum()) + col
        return int(max(1, min(256, 4_000_000 // max(per_row, 1))))

    def predict(self, X, dtype=None):
        """Output activations (n, n_outputs) for inputs X (n, n_inputs) or images
        (n, C, H, W); no dropout, batch norm from its running statistics. ``dtype``
        (np.float64 or np.float32; None: the run's precision, ``config.dtype``): the precision
        of the evaluation and of the result; the views' grids take float32, about twice as
        fast for a large network."""
        return self._outputs(X, PR.OUTPUTS, dtype)

    def hidden_activations(self, X, dtype=None):
        """[(n, units) per hidden layer]: every hidden neuron's output at each row of X."""
        return self.activations(X, dtype)[0]

    def feature_maps(self, X, dtype=None):
        """[(n, C, H, W) per hidden layer]: each layer's output for the images (or rows) X, in
        evaluation mode; a vector layer of u units is (n, u, 1, 1). The rows go in the chunks
        ``predict`` takes, so the numbers are the ones it computes."""
        shapes = self.spec.shapes()[1:-1]
        hidden, _ = self.activations(X, dtype)
        return [h.reshape((h.shape[0], *s)) for h, s in zip(hidden, shapes)]

    def activations(self, X, dtype=None):
        """Every unit at each row of X, in one pass: ([(n, units) per hidden layer],
        (n, n_outputs) output activations as ``predict`` gives them), of type ``dtype``."""
        params, buffers, X = self._eval_arrays(X, dtype)
        units, _ = G.sizes(self._gi)    # each layer's outputs per sample, the output layer last
        if self._large(self._chunk()):   # any kind but dense, or a large dense layer
            out = PR.predict_rows(params, buffers, self._gi, self._gf, X, PR.ALL_UNITS,
                                  self._chunk(), X.dtype)
        else:
            out = np.empty((X.shape[0], int(units.sum())), X.dtype)
            K.predict_all(params, self._li, self._lf, X, out, K.ALL_UNITS)
        cols = np.cumsum([0, *units[:-1]])
        hidden = [out[:, cols[i]:cols[i + 1]] for i in range(len(units) - 1)]
        return hidden, out[:, cols[-1]:]

    def evaluate(self, X, Y):
        """(mean data loss, accuracy) on (X, Y) without dropout; accuracy is None for regression."""
        X, Y = check_data("evaluation", self._flat(X), Y, self.spec.n_inputs, self.spec.n_outputs)
        Z = self._outputs(X, PR.LOGITS).astype(np.float64, copy=False)
        P = output_activation(self.spec.output_activation, Z)
        return data_loss(self.spec.loss, Z, P, Y), accuracy_from_outputs(self.spec.loss, P, Y)
