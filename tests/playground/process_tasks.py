"""Task functions for the worker-process tests (module level, so spawned processes import them)."""
import os
import time


def square(payload, report):
    for i in range(3):
        report({"i": i})
    return payload * payload


def threads(payload, report):
    import numba
    return numba.get_num_threads()


def raises(payload, report):
    raise ValueError(f"bad payload {payload}")


def dies(payload, report):
    os._exit(payload)


def sleeps(payload, report):
    report({"pid": os.getpid()})
    while True:
        time.sleep(0.05)
