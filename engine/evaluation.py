"""The evaluation helpers of a Trainer, for any caller with a network's outputs in hand: the
output activation, the mean data loss computed as the kernels compute it, the accuracy, and
the check of a data set's shapes and values."""
import numpy as np


def check_data(name, X, Y, n_inputs, n_outputs):
    """X (n, n_inputs) and Y (n, n_outputs) (or (n,)) as contiguous float64 arrays; a
    ValueError naming the set (``name``) for a wrong shape, an empty set or a NaN/inf row."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != n_inputs:
        raise ValueError(f"{name} inputs must have shape (n, {n_inputs}), got {X.shape}")
    if Y.shape != (X.shape[0], n_outputs):
        raise ValueError(f"{name} targets must have shape ({X.shape[0]}, {n_outputs}), got {Y.shape}")
    if X.shape[0] < 1:
        raise ValueError(f"{name} set is empty")
    for what, a in (("inputs", X), ("targets", Y)):
        bad = ~np.isfinite(a).all(axis=1)
        if bad.any():
            raise ValueError(f"{name} {what} contain NaN or inf (row {int(np.argmax(bad))})")
    return X, Y


def output_activation(name, Z):
    """The output layer's activation applied to its logits Z (n, K)."""
    from engine.activations import apply
    return apply(name, Z)


def data_loss(loss, Z, P, Y):
    """Mean data loss from logits Z / outputs P against targets Y (all (n, K)), computed as the
    kernels do: BCE and softmax CE from the logits (stable), MSE from the outputs."""
    if loss == "bce":
        return float(np.mean(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))))
    if loss == "softmax_ce":
        m = Z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))
        return float(np.mean(lse - np.sum(Y * Z, axis=1)))
    return float(np.mean((P - Y) ** 2))


def accuracy_from_outputs(loss, P, Y):
    if loss == "bce":
        return float(np.mean((P[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
    if loss == "softmax_ce":
        return float(np.mean(np.argmax(P, axis=1) == np.argmax(Y, axis=1)))
    if loss == "mse" and P.shape[1] == 1 and np.isin(Y, (0.0, 1.0)).all():
        return float(np.mean((P[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
    return None
