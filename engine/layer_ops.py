"""The building blocks of ``engine.layer_kernels``' forward and backward passes, one layer
operation each: matrix products (loops below ``BLAS_MIN`` multiply-adds, BLAS above), im2col /
col2im for convolutions, bias sums, pooling, and batch normalisation (training statistics or
running ones). Arrays are flat, feature-major as ``engine.layer_pass`` lays them out."""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload
from numba.np.linalg import _BLAS

_KW = dict(cache=True, nogil=True, error_model="numpy")
_KW_SUM = dict(_KW, fastmath={"contract", "reassoc"})

#: multiply-adds from which a matrix product goes to BLAS; smaller ones run as loops, which
#: beat the call and threading overhead of BLAS there (and keep tiny networks fast)
BLAS_MIN = 1 << 16


@njit(**_KW)
def _mm_nn(A, B, C):
    """C (m, n) = A (m, k) @ B (k, n); all C-contiguous 2-D views."""
    m, k = A.shape
    n = B.shape[1]
    if m * k * n >= BLAS_MIN:
        np.dot(A, B, C)
        return
    for i in range(m):
        for j in range(n):
            C[i, j] = 0.0
        for p in range(k):
            a = A[i, p]
            for j in range(n):
                C[i, j] += a * B[p, j]


@njit(**_KW)
def _mm_tn(A, B, C):
    """C (m, n) = A.T @ B for A (k, m), B (k, n)."""
    k, m = A.shape
    n = B.shape[1]
    if m * k * n >= BLAS_MIN:
        np.dot(A.T, B, C)
        return
    for i in range(m):
        for j in range(n):
            C[i, j] = 0.0
    for p in range(k):
        for i in range(m):
            a = A[p, i]
            for j in range(n):
                C[i, j] += a * B[p, j]


@njit(**_KW_SUM)
def _mm_nt(A, B, C):
    """C (m, k) = A @ B.T for A (m, n), B (k, n): dot products of rows."""
    m, n = A.shape
    k = B.shape[0]
    if m * k * n >= BLAS_MIN:
        np.dot(A, B.T, C)
        return
    for i in range(m):
        for j in range(k):
            s = 0.0
            for t in range(n):
                s += A[i, t] * B[j, t]
            C[i, j] = s


def _gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc):
    """c = op(a) @ op(b), column-major as BLAS reads it (m x n, inner size k; ta, tb the
    character codes 'N' or 'T'), the arrays flat and starting at their block: one-thread
    BLAS (numba's own binding to scipy's) on a part of a matrix, which ``np.dot`` cannot
    address. A C-order (r, s) block is a column-major (s, r) one with leading size s."""


#: gemm's alpha = 1 and beta = 0 (c = op(a) op(b)), which it reads through pointers
_ONE_ZERO_64 = (np.ones(1, np.float64), np.zeros(1, np.float64))
_ONE_ZERO_32 = (np.ones(1, np.float32), np.zeros(1, np.float32))


@overload(_gemm)
def _gemm_typed(ta, tb, m, n, k, a, lda, b, ldb, c, ldc):
    fn = _BLAS().numba_xxgemm(a.dtype)
    double = a.dtype == types.float64
    kind = ord("d") if double else ord("s")
    alpha, beta = _ONE_ZERO_64 if double else _ONE_ZERO_32   # constants of the compiled code

    def impl(ta, tb, m, n, k, a, lda, b, ldb, c, ldc):
        fn(kind, ta, tb, m, n, k, alpha.ctypes, a.ctypes, lda, b.ctypes, ldb, beta.ctypes,
           c.ctypes, ldc)
    return impl


@njit(**_KW)
def dense_forward_loops(params, w, inp, z, n_in, n_out, B):
    """A dense layer's z (n_out, B) = W^T inp + b by loops (products below BLAS_MIN: the
    small networks of the playground), for the layer whose W (n_in, n_out) starts at
    params[w]: row j starts at b_j, then adds W_ij inp[i] for i in order."""
    bo = w + n_in * n_out
    for j in range(n_out):
        zr = j * B
        bj = params[bo + j]
        for b in range(B):
            z[zr + b] = bj
        for i in range(n_in):
            wij = params[w + i * n_out + j]
            ir = i * B
            for b in range(B):
                z[zr + b] += wij * inp[ir + b]


@njit(**_KW_SUM)
def dense_backward_loops(params, grad, w, inp, d, dp, n_in, n_out, B):
    """A dense layer's backward pass by loops (as ``dense_forward_loops``): dW (n_in, n_out)
    = inp d^T and db (sums of d's rows) into grad at the layer's offset, and, when dp has
    them, dp (n_in, B) = W d."""
    bo = w + n_in * n_out
    for j in range(n_out):          # dL/db_j = sum_b d[j, b]
        s = 0.0
        for b in range(B):
            s += d[j * B + b]
        grad[bo + j] = s
    for i in range(n_in):           # dL/dW_ij = sum_b inp[i, b] d[j, b]
        for j in range(n_out):
            s = 0.0
            for b in range(B):
                s += inp[i * B + b] * d[j * B + b]
            grad[w + i * n_out + j] = s
    if dp.size == 0:
        return
    for i in range(n_in):           # dL/da_prev[i, b] = sum_j W_ij d[j, b]
        ir = i * B
        for b in range(B):
            dp[ir + b] = 0.0
        for j in range(n_out):
            wij = params[w + i * n_out + j]
            jr = j * B
            for b in range(B):
                dp[ir + b] += wij * d[jr + b]


@njit(**_KW)
def dense_forward_rows(params, w, inp, z, n_in, n_out, B, lo, hi):
    """Rows lo:hi of a dense layer's z (n_out, B) = W^T inp + b, by BLAS (products of at
    least BLAS_MIN multiply-adds: as ``_mm_tn`` computes them, the same numbers)."""
    if hi > lo:
        _gemm(ord("N"), ord("T"), B, hi - lo, n_in, inp, B, params[w + lo:], n_out,
              z[lo * B:], B)
        _add_bias(z[lo * B:hi * B], params, w + n_in * n_out + lo, hi - lo, B)


@njit(**_KW)
def dense_backward_rows(params, grad, w, inp, d, dp, n_in, n_out, B, lo, hi, blo, bhi):
    """A thread's share of a dense layer's backward pass by BLAS: rows lo:hi of dW (n_in,
    n_out) = inp d^T and, when dp has them, of dp (n_in, B) = W d; the bias gradient's rows
    blo:bhi (sums of d's rows)."""
    if hi > lo:
        _gemm(ord("T"), ord("N"), n_out, hi - lo, B, d, B, inp[lo * B:], B,
              grad[w + lo * n_out:], n_out)
        if dp.size:
            _gemm(ord("N"), ord("N"), B, hi - lo, n_out, d, B, params[w + lo * n_out:], n_out,
                  dp[lo * B:], B)
    if bhi > blo:
        _row_sums(d[blo * B:bhi * B], grad, w + n_in * n_out + blo, bhi - blo, B)


@njit(**_KW)
def _im2col(inp, cols, C, H, W, k, s, p, Ho, Wo, B):
    """cols[(c*k + i)*k + j, (y*Wo + x)*B + b] = inp[c, s*y + i - p, s*x + j - p, b] (0 outside)."""
    n_col = Ho * Wo * B
    for c in range(C):
        for i in range(k):
            for j in range(k):
                row = ((c * k + i) * k + j) * n_col
                for y in range(Ho):
                    iy = s * y + i - p
                    for x in range(Wo):
                        ix = s * x + j - p
                        dst = row + (y * Wo + x) * B
                        if 0 <= iy < H and 0 <= ix < W:
                            src = ((c * H + iy) * W + ix) * B
                            for b in range(B):
                                cols[dst + b] = inp[src + b]
                        else:
                            for b in range(B):
                                cols[dst + b] = 0.0


@njit(**_KW)
def _col2im(cols, dinp, C, H, W, k, s, p, Ho, Wo, B):
    """The adjoint of _im2col: dinp (C x H x W x B) = sum of cols over the windows."""
    for i in range(C * H * W * B):
        dinp[i] = 0.0
    n_col = Ho * Wo * B
    for c in range(C):
        for i in range(k):
            for j in range(k):
                row = ((c * k + i) * k + j) * n_col
                for y in range(Ho):
                    iy = s * y + i - p
                    if iy < 0 or iy >= H:
                        continue
                    for x in range(Wo):
                        ix = s * x + j - p
                        if 0 <= ix < W:
                            src = row + (y * Wo + x) * B
                            dst = ((c * H + iy) * W + ix) * B
                            for b in range(B):
                                dinp[dst + b] += cols[src + b]


@njit(**_KW)
def _add_bias(z, params, bo, rows, n):
    for r in range(rows):
        bj = params[bo + r]
        for i in range(r * n, (r + 1) * n):
            z[i] += bj


@njit(**_KW_SUM)
def _row_sums(d, grad, bo, rows, n):
    for r in range(rows):
        s = 0.0
        for i in range(r * n, (r + 1) * n):
            s += d[i]
        grad[bo + r] = s


@njit(**_KW)
def _pool_forward(inp, z, mask, C, H, W, k, s, Ho, Wo, B, is_max):
    inv = 1.0 / (k * k)
    for c in range(C):
        for y in range(Ho):
            for x in range(Wo):
                dst = ((c * Ho + y) * Wo + x) * B
                for b in range(B):
                    best = -np.inf
                    arg = 0
                    acc = 0.0
                    for i in range(k):
                        for j in range(k):
                            v = inp[((c * H + s * y + i) * W + s * x + j) * B + b]
                            acc += v
                            if v > best:
                                best = v
                                arg = i * k + j
                    if is_max:   # the winner's place in its window: exact in float32 too
                        z[dst + b] = best
                        mask[dst + b] = arg
                    else:
                        z[dst + b] = acc * inv


@njit(**_KW)
def _pool_backward(d, dp, mask, C, H, W, k, s, Ho, Wo, B, is_max):
    for i in range(C * H * W * B):
        dp[i] = 0.0
    inv = 1.0 / (k * k)
    for c in range(C):
        for y in range(Ho):
            for x in range(Wo):
                src = ((c * Ho + y) * Wo + x) * B
                for b in range(B):
                    if is_max:
                        w = np.int64(mask[src + b])
                        i, j = w // k, w % k
                        dp[((c * H + s * y + i) * W + s * x + j) * B + b] += d[src + b]
                    else:
                        g = d[src + b] * inv
                        for i in range(k):
                            for j in range(k):
                                dp[((c * H + s * y + i) * W + s * x + j) * B + b] += g


@njit(**_KW)
def _sums(a, b, r0, n, shift):
    """(sum of a[i], sum of (a[i] - shift) * (b[i] - shift)) over i in [r0, r0 + n), each
    summed in one fixed order: four partial sums over i = r0 + 4j + lane, added pairwise, then
    the tail in order. No fastmath, so every compiled copy rounds alike; the four independent
    chains keep the adder busy as a reassociated sum would. float64 sums for float32 arrays."""
    s0 = s1 = s2 = s3 = 0.0
    p0 = p1 = p2 = p3 = 0.0
    end = r0 + n - n % 4
    for i in range(r0, end, 4):
        a0, a1, a2, a3 = a[i], a[i + 1], a[i + 2], a[i + 3]
        s0 += a0
        s1 += a1
        s2 += a2
        s3 += a3
        p0 += (a0 - shift) * (b[i] - shift)
        p1 += (a1 - shift) * (b[i + 1] - shift)
        p2 += (a2 - shift) * (b[i + 2] - shift)
        p3 += (a3 - shift) * (b[i + 3] - shift)
    s = (s0 + s1) + (s2 + s3)
    p = (p0 + p1) + (p2 + p3)
    for i in range(end, r0 + n):
        s += a[i]
        p += (a[i] - shift) * (b[i] - shift)
    return s, p


# Batch norm runs without fastmath: its sums and running statistics are stored state, and with
# "contract" or "reassoc" LLVM may round a kernel differently in each caller it is compiled
# into (a first run calls the callee's own copy, a run loaded from numba's cache the caller's),
# which moved the running statistics by an ulp between a first and a cached run (issue 9).
@njit(**_KW)
def _batchnorm_forward(inp, z, xhat, params, w, buffers, stats, bo, C, n, train, update,
                       momentum, eps, c0, c1):
    """Per channel c in [c0, c1) of C, its n = H*W*B values inp[c*n:(c+1)*n]:
    z = gamma x^ + beta."""
    for c in range(c0, c1):
        r0 = c * n
        if train:
            m = _sums(inp, inp, r0, n, 0.0)[0] / n
            v = _sums(inp, inp, r0, n, m)[1] / n
            if update:
                unbiased = v * n / (n - 1) if n > 1 else v
                buffers[bo + c] = (1.0 - momentum) * buffers[bo + c] + momentum * m
                buffers[bo + C + c] = (1.0 - momentum) * buffers[bo + C + c] + momentum * unbiased
        else:
            m = buffers[bo + c]
            v = buffers[bo + C + c]
        inv = 1.0 / math.sqrt(v + eps)
        stats[bo + c] = m
        stats[bo + C + c] = inv
        g, beta = params[w + c], params[w + C + c]
        for i in range(r0, r0 + n):
            xh = (inp[i] - m) * inv
            xhat[i] = xh
            z[i] = g * xh + beta


@njit(**_KW)
def _batchnorm_backward(d, dp, xhat, params, grad, w, stats, bo, C, n, need_input, c0, c1):
    """Training-mode batch norm, channels [c0, c1) of C: dgamma = sum d x^, dbeta = sum d,
    and dx = gamma/sqrt(var+eps) / n * (n d - sum d - x^ sum d x^)."""
    for c in range(c0, c1):
        r0 = c * n
        sd, sdx = _sums(d, xhat, r0, n, 0.0)
        grad[w + c] = sdx
        grad[w + C + c] = sd
        if need_input:
            f = params[w + c] * stats[bo + C + c] / n
            for i in range(r0, r0 + n):
                dp[i] = f * (n * d[i] - sd - xhat[i] * sdx)
