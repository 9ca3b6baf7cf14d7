"""A plain numpy implementation of the same networks, written for clarity, not speed.

It serves three purposes: the baseline the benchmarks compare the compiled kernels against; an
independent second implementation in tests; and, because every operation below is complex-
analytic (branches test only the real part), the complex-step derivative of ``gradient`` gives
the exact Hessian for Newton's method: H[:, j] = Im(grad(x + i h e_j)) / h with h = 1e-30 has no
subtractive cancellation, so it is exact to rounding (Squire & Trapp 1998).

Dense networks: ``forward``, ``gradient``, ``hessian``; networks of any layer kinds: ``layer_forward``
and ``layer_objective`` (finite differences of it check the kernels). Weights are views into a
flat parameter vector of ``spec``'s layout; dtype follows params
(float32, float64 or complex128).
"""
import numpy as np


def _sigmoid(z):
    pos = z.real >= 0
    e = np.exp(np.where(pos, -z, z))
    return np.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))


def act(name, z, param=0.0):
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "relu":
        return np.where(z.real > 0, z, 0)
    if name == "leaky_relu":
        return np.where(z.real > 0, z, param * z)
    if name == "softplus":
        return np.where(z.real > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(np.minimum(z.real, 0) + 1j * z.imag if np.iscomplexobj(z) else np.minimum(z, 0))))
    if name == "elu":
        return np.where(z.real > 0, z, param * np.expm1(np.where(z.real > 0, 0, z)))
    if name == "swish":
        return z * _sigmoid(z)
    if name == "softmax":
        e = np.exp(z - z.real.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z  # linear


def act_grad(name, z, a, param=0.0):
    """f'(z) (not used for softmax, whose derivative is folded into the loss)."""
    if name == "tanh":
        return 1 - a * a
    if name == "sigmoid":
        return a * (1 - a)
    if name == "relu":
        return np.where(z.real > 0, 1.0, 0.0)
    if name == "leaky_relu":
        return np.where(z.real > 0, 1.0, param)
    if name == "softplus":
        return _sigmoid(z)
    if name == "elu":
        return np.where(z.real > 0, 1.0, a + param)
    if name == "swish":
        s = _sigmoid(z)
        return s + z * s * (1 - s)
    return np.ones_like(z)


def forward(spec, params, X):
    """[(z, a) per layer] for inputs X (n, n_inputs); no dropout."""
    acts, a = [], X
    names = [h.activation for h in spec.hidden] + [spec.output_activation]
    prm = [h.param for h in spec.hidden] + [0.0]
    for (W, b), name, p in zip(spec.views(params), names, prm):
        z = a @ W + b
        a = act(name, z, p)
        acts.append((z, a))
    return acts


def loss(spec, z, a, Y):
    """Mean data loss from the output layer's logits z / outputs a."""
    if spec.loss == "bce":
        pos = z.real > 0
        soft = np.where(pos, z + np.log1p(np.exp(np.where(pos, -z, 0))),
                        np.log1p(np.exp(np.where(pos, 0, z))))
        return np.mean(soft - z * Y)
    if spec.loss == "softmax_ce":
        m = z.real.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
        return np.mean(lse - np.sum(Y * z, axis=1))
    return np.mean((a - Y) ** 2)


def objective(spec, params, X, Y, l1=0.0, l2=0.0):
    """Data loss + l2/2 sum w^2 + l1 sum |w| (weights only)."""
    z, a = forward(spec, params, X)[-1]
    w = params * spec.weight_mask()
    return loss(spec, z, a, Y) + 0.5 * l2 * np.sum(w * w) + l1 * np.sum(np.abs(w.real))


def gradient(spec, params, X, Y, l1=0.0, l2=0.0):
    """d objective / d params, flat, by backpropagation in numpy."""
    acts = forward(spec, params, X)
    n, K = Y.shape
    z, a = acts[-1]
    if spec.loss == "mse":
        delta = 2 * (a - Y) / (n * K) * act_grad(spec.output_activation, z, a)
    else:
        delta = (a - Y) / n
    grad = np.zeros_like(params)
    gviews = spec.views(grad)
    views = spec.views(params)
    for l in range(len(views) - 1, -1, -1):
        inp = X if l == 0 else acts[l - 1][1]
        gW, gb = gviews[l]
        gW[:] = inp.T @ delta
        gb[:] = delta.sum(axis=0)
        if l:
            h = spec.hidden[l - 1]
            zp, ap = acts[l - 1]
            delta = (delta @ views[l][0].T) * act_grad(h.activation, zp, ap, h.param)
    m = spec.weight_mask()
    grad += m * (l2 * params + l1 * np.sign(params.real))
    return grad


def hessian(spec, params, X, Y, l1=0.0, l2=0.0, h=1e-30):
    """Exact Hessian (n_params, n_params) by complex-step differentiation of ``gradient``."""
    P = params.size
    H = np.empty((P, P))
    x = params.astype(np.complex128)
    Xc, Yc = X.astype(np.complex128), Y.astype(np.complex128)
    for j in range(P):
        x[j] += 1j * h
        H[:, j] = gradient(spec, x, Xc, Yc, l1, l2).imag / h
        x[j] = params[j]
    return 0.5 * (H + H.T)


def sgd_step(spec, params, X, Y, lr):
    """One plain SGD step (the numpy baseline the benchmarks time)."""
    params -= lr * gradient(spec, params, X, Y)
    return params


# -- networks of any layer kinds (engine.layers), samples first: X (n, C, H, W) ------------------
def layer_forward(spec, params, X, buffers=None, train=False):
    """[a per layer] (each (n, C, H, W); vectors (n, units, 1, 1)), output layer last, with
    the output layer's logits z as a second value: (activations, z_out). No dropout.

    train: batch norm normalises with the batch's mean and (biased) variance; else with the
    running statistics in ``buffers`` (default: the initial ones, mean 0 and variance 1)."""
    buffers = spec.initial_buffers() if buffers is None else buffers
    views, bviews = spec.named_views(params), spec.buffer_views(buffers)
    a = np.asarray(X).reshape((len(X), *spec.image_shape))
    acts, z = [], None
    names = [getattr(h, "activation", "linear") for h in spec.hidden]
    for l, layer in enumerate(spec.layers):
        p, kind = views[l], layer.kind
        if kind == "dense":
            z = (a.reshape(len(a), -1) @ p["kernel"] + p["bias"])[:, :, None, None]
        elif kind == "conv2d":
            z = _conv(a, p["kernel"], p["bias"], layer.stride, layer.pad)
        elif kind in ("maxpool2d", "avgpool2d"):
            z = _pool(a, layer.size, layer.step, np.max if kind == "maxpool2d" else np.mean)
        elif kind == "batchnorm":
            if train:
                mean = a.mean(axis=(0, 2, 3))
                var = ((a - mean[None, :, None, None]) ** 2).mean(axis=(0, 2, 3))
            else:
                mean, var = bviews[l]["running_mean"], bviews[l]["running_var"]
            xhat = (a - mean[None, :, None, None]) / np.sqrt(var + layer.eps)[None, :, None, None]
            z = p["gamma"][None, :, None, None] * xhat + p["beta"][None, :, None, None]
        elif kind == "flatten":
            z = a.reshape(len(a), -1, 1, 1)
        else:  # dropout: the identity without a mask
            z = a
        if l == len(spec.hidden):
            zo = z[:, :, 0, 0]
            a = act(spec.output_activation, zo)[:, :, None, None]
        else:
            a = act(names[l], z, layer.param)
        acts.append(a)
    return acts, zo


def _conv(x, kernel, bias, stride, pad):
    """out[n, o, y, x] = bias[o] + sum_c,i,j kernel[o, c, i, j] xp[n, c, s y + i, s x + j]."""
    n, C, H, W = x.shape
    O, _, k, _ = kernel.shape
    xp = np.zeros((n, C, H + 2 * pad, W + 2 * pad), dtype=np.result_type(x, kernel))
    xp[:, :, pad:pad + H, pad:pad + W] = x
    Ho = (H + 2 * pad - k) // stride + 1
    Wo = (W + 2 * pad - k) // stride + 1
    out = np.zeros((n, O, Ho, Wo), dtype=xp.dtype) + bias[None, :, None, None]
    for i in range(k):
        for j in range(k):
            patch = xp[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride]
            out += np.einsum("nchw,oc->nohw", patch, kernel[:, :, i, j])
    return out


def _pool(x, k, stride, reduce):
    n, C, H, W = x.shape
    Ho, Wo = (H - k) // stride + 1, (W - k) // stride + 1
    out = np.empty((n, C, Ho, Wo), dtype=x.dtype)
    for y in range(Ho):
        for xx in range(Wo):
            out[:, :, y, xx] = reduce(x[:, :, y * stride:y * stride + k,
                                        xx * stride:xx * stride + k], axis=(2, 3))
    return out


def layer_objective(spec, params, X, Y, l1=0.0, l2=0.0):
    """Data loss (batch norm in training mode, no dropout) + penalties, as the kernels define
    it; a second, independent implementation for any layer kinds."""
    acts, z = layer_forward(spec, params, X, train=True)
    a = acts[-1][:, :, 0, 0]
    w = params * spec.weight_mask()
    return loss(spec, z, a, Y) + 0.5 * l2 * np.sum(w * w) + l1 * np.sum(np.abs(w))
