"""How many threads the BLAS inside the kernels uses.

``np.dot`` inside a numba kernel calls scipy's BLAS (OpenBLAS, through
``scipy.linalg.cython_blas``), which spreads one large product over every core. That is right
for one big product called from one thread, and wrong when the kernel itself runs in parallel
threads (``engine.predict``, ``engine.batch_split``): calls from several threads into a
multi-threaded OpenBLAS wait on each other and spin, 8-15x slower than one thread each.
``single_threaded()`` sets every loaded BLAS to one thread for the duration of a ``with`` block
and then restores the counts (through threadpoolctl, which scikit-learn brings; without it the
block changes nothing). The BLAS thread count is one setting for the whole process, so the
blocks are counted: when blocks on several threads overlap, the counts come back when the last
one ends.

OpenBLAS splits a product between its threads by blocks of the result and never splits a dot
product's sum, but a product's numbers may still depend on the thread count: on an AMD EPYC with
OpenBLAS's Haswell kernels a float32 product of a 256-row chunk differed in the last bit on two
threads from one. So whatever must not depend on the thread count (``engine.predict``'s rows,
the batch slices, the shared layers) runs its products inside ``single_threaded()``.
"""
import threading
from contextlib import contextmanager

_controller = None
_lock = threading.Lock()
_depth = 0             # blocks inside single_threaded() now, on any thread
_limiter = None        # threadpoolctl's record of the counts to restore


def _blas_controller():
    """threadpoolctl's view of the BLAS libraries loaded in this process (None without it)."""
    global _controller
    if _controller is None:
        try:
            import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS numba's np.dot calls)
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _controller = False
        else:
            _controller = ThreadpoolController()
    return _controller or None


@contextmanager
def single_threaded():
    """Run the block with every BLAS on one thread."""
    global _depth, _limiter
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _limiter = controller.limit(limits=1, user_api="blas")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _limiter.restore_original_limits()
                _limiter = None


def threads() -> int:
    """The BLAS thread count now (the largest over the loaded libraries; 1 if unknown)."""
    controller = _blas_controller()
    if controller is None:
        return 1
    return max([lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
               or [1])
