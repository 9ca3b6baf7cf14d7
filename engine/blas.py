"""How many threads the BLAS inside the kernels uses.

``np.dot`` inside a numba kernel calls scipy's BLAS (OpenBLAS, through
``scipy.linalg.cython_blas``), which spreads one large product over every core. That is right
for one big product called from one thread (a training step), and wrong when the kernel itself
runs chunks in parallel threads (``engine.predict``): calls from several threads into a
multi-threaded OpenBLAS wait on each other and spin, 8-15x slower than one thread each.
``limited(1)`` sets every loaded BLAS to one thread for the duration of a ``with`` block and
restores it afterwards (through threadpoolctl, which scikit-learn brings; without it the block
changes nothing).

OpenBLAS splits a product between its threads by blocks of the result and never splits a dot
product's sum, so a product's numbers do not depend on the thread count
(``tests/engine/test_blas_paths.py`` checks it on the shapes the engine uses).
"""
from contextlib import contextmanager

_controller = None


def _blas_controller():
    """threadpoolctl's view of the BLAS libraries loaded in this process (None without it)."""
    global _controller
    if _controller is None:
        try:
            import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba's np.dot calls)
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _controller = False
        else:
            _controller = ThreadpoolController()
    return _controller or None


@contextmanager
def limited(threads: int):
    """Run the block with BLAS on at most ``threads`` threads."""
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=int(threads), user_api="blas"):
        yield


def threads() -> int:
    """The BLAS thread count now (the largest over the loaded libraries; 1 if unknown)."""
    controller = _blas_controller()
    if controller is None:
        return 1
    return max([lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
               or [1])
