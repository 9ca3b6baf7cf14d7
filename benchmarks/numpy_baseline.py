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


class NumpyConvNet:
    """conv (F filters k x k, same padding) - ReLU - 2x2 max pool - dense softmax, trained with
    Adam on softmax cross-entropy: the plain-numpy im2col version of the engine's conv path."""

    def __init__(self, shape, filters, k, n_classes, seed=0):
        C, H, W = shape
        g = np.random.default_rng(seed)
        self.k, self.shape = k, shape
        self.K = g.uniform(-1, 1, (filters, C * k * k)) * np.sqrt(6.0 / (C * k * k))
        self.b = np.zeros(filters)
        n_flat = filters * (H // 2) * (W // 2)
        self.W = g.uniform(-1, 1, (n_flat, n_classes)) * np.sqrt(6.0 / (n_flat + n_classes))
        self.c = np.zeros(n_classes)
        self.params = [self.K, self.b, self.W, self.c]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def _cols(self, X):
        n, C, H, W = X.shape
        k, p = self.k, (self.k - 1) // 2
        Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
        cols = np.empty((n, C, k, k, H, W))
        for i in range(k):
            for j in range(k):
                cols[:, :, i, j] = Xp[:, :, i:i + H, j:j + W]
        return cols.transpose(1, 2, 3, 0, 4, 5).reshape(C * k * k, -1)   # (Ck^2, n H W)

    def adam_step(self, X, Y, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
        n, C, H, W = X.shape
        F = self.K.shape[0]
        cols = self._cols(X)
        z = self.K @ cols + self.b[:, None]                       # (F, n H W)
        a = np.maximum(z, 0).reshape(F, n, H // 2, 2, W // 2, 2)
        pooled = a.max(axis=(3, 5))                               # (F, n, H/2, W/2)
        flat = pooled.transpose(1, 0, 2, 3).reshape(n, -1)
        logits = flat @ self.W + self.c
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        d = (p - Y) / n
        gW, gc = flat.T @ d, d.sum(axis=0)
        dflat = (d @ self.W.T).reshape(n, F, H // 2, W // 2).transpose(1, 0, 2, 3)
        win = a == pooled[:, :, :, None, :, None]
        da = (win * dflat[:, :, :, None, :, None]).reshape(F, -1) * (z > 0)
        gK, gb = da @ cols.T, da.sum(axis=1)
        self.t += 1
        for prm, g, m, v in zip(self.params, (gK, gb, gW, gc), self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            prm -= lr * (m / (1 - b1 ** self.t)) / (np.sqrt(v / (1 - b2 ** self.t)) + eps)
