"""Counter-based random numbers for kernels: a pure function of (seed, stream, i, j).

Training draws its randomness (the epoch's shuffle, dropout masks) from a hash of counters rather
than from a generator whose state advances. A run is then reproducible however it is chunked
(1000 steps as 1x1000 or 1000x1), and saving "the random state" means saving the seed and the
step and epoch counters. The hash is splitmix64's finaliser (Steele, Lea & Flood 2014).
"""
import numpy as np
from numba import njit

SHUFFLE, DROPOUT, AUGMENT = 1, 2, 3  # streams (AUGMENT: engine/augment.py)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, nogil=True, inline="always")
def mix64(z):
    """splitmix64 finaliser: a bijection on uint64 with good avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, inline="always")
def key(seed, stream, a):
    """A uint64 key for (seed, stream, a); derive element draws from it with ``uniform``."""
    k = mix64(np.uint64(seed) * _GOLDEN + np.uint64(stream))
    return mix64(k + np.uint64(a) * _GOLDEN)


@njit(cache=True, nogil=True, inline="always")
def uniform(k, i):
    """A float64 uniform on [0, 1) for element i under key k (53 random bits)."""
    return np.float64(mix64(k + np.uint64(i) * _GOLDEN) >> _S11) * _INV53


@njit(cache=True, nogil=True)
def shuffled_indices(seed, epoch, perm):
    """Fill perm (int64 (n,)) with a uniformly random permutation of 0..n-1 for this epoch
    (Fisher-Yates driven by the counter hash)."""
    n = perm.size
    for i in range(n):
        perm[i] = i
    k = key(seed, SHUFFLE, epoch)
    for i in range(n - 1, 0, -1):
        j = np.int64(uniform(k, i) * (i + 1))
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
