"""A lean, plain-numpy 2-8-8-1 tanh network with sigmoid output and BCE: the fair baseline.

Written the way a careful numpy user would (matrix products, in-place updates, no generic
dispatch), so the engine's ratios against it are not flattered by a slow reference.
"""
import numpy as np


class NumpyMLP:
    def __init__(self, weights, dtype=np.float64):
        """weights: [(W (n_in, n_out), b (n_out,)), ...] copied and cast to dtype."""
        self.layers = [(W.astype(dtype).copy(), b.astype(dtype).copy()) for W, b in weights]

    def forward(self, X):
        """Sigmoid outputs (n, 1) and the hidden activations."""
        acts = [X]
        a = X
        for W, b in self.layers[:-1]:
            a = np.tanh(a @ W + b)
            acts.append(a)
        W, b = self.layers[-1]
        z = a @ W + b
        return 1.0 / (1.0 + np.exp(-z)), acts

    def sgd_step(self, X, Y, lr):
        """One SGD step on the mean binary cross-entropy; returns the loss."""
        p, acts = self.forward(X)
        n = X.shape[0]
        eps = 1e-12
        loss = -np.mean(Y * np.log(p + eps) + (1 - Y) * np.log(1 - p + eps))
        delta = (p - Y) / n
        for l in range(len(self.layers) - 1, -1, -1):
            W, b = self.layers[l]
            a = acts[l]
            gW = a.T @ delta
            gb = delta.sum(axis=0)
            if l:
                delta = (delta @ W.T) * (1 - a * a)
            W -= lr * gW
            b -= lr * gb
        return loss
