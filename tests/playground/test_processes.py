"""Worker processes: results, progress, failures and crashes reported, cancel leaves none behind."""

import pytest

import process_tasks as tasks
from playground.processes import ProcessPool, threads_per_process


def test_tasks_return_their_results_with_their_progress_in_order():
    pool = ProcessPool(2)
    for i in range(3):
        pool.submit(i, tasks.square, i + 2)
    seen = []
    results = pool.run_all(lambda m: seen.append(m))
    assert results == {0: ("done", 4), 1: ("done", 9), 2: ("done", 16)}
    for i in range(3):
        assert [m.data["i"] for m in seen if m.task_id == i and m.kind == "progress"] == [0, 1, 2]
    assert not pool.busy


def test_each_process_runs_its_share_of_the_cores():
    assert threads_per_process(2, 2) == 1 and threads_per_process(3, 8) == 2
    assert threads_per_process(8, 2) == 1
    pool = ProcessPool(2, threads=1)
    pool.submit("a", tasks.threads, None)
    assert pool.run_all() == {"a": ("done", 1)}


def test_a_task_that_raises_or_dies_is_a_failure_and_the_others_go_on():
    pool = ProcessPool(2)
    pool.submit("raises", tasks.raises, 7)
    pool.submit("dies", tasks.dies, 3)
    pool.submit("fine", tasks.square, 5)
    results = pool.run_all()
    assert results["fine"] == ("done", 25)
    kind, text = results["raises"]
    assert kind == "failed" and "ValueError: bad payload 7" in text
    kind, text = results["dies"]
    assert kind == "failed" and "exit code 3" in text


def test_cancel_stops_every_process_and_starts_no_waiting_task(alive):
    pool = ProcessPool(2)
    for i in range(4):
        pool.submit(i, tasks.sleeps, None)
    pids = set()
    while len(pids) < 2:
        pids |= {m.data["pid"] for m in pool.poll(timeout=1.0) if m.kind == "progress"}
    assert pids == set(pool.pids())
    pool.cancel()
    assert not pool.busy and not any(alive(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="cancelled"):
        pool.submit(9, tasks.square, 1)


def test_a_pool_needs_a_worker_and_distinct_tasks():
    with pytest.raises(ValueError, match="at least 1"):
        ProcessPool(0)
    pool = ProcessPool(1)
    pool.submit("x", tasks.square, 1)
    with pytest.raises(ValueError, match="submitted already"):
        pool.submit("x", tasks.square, 1)
    pool.run_all()
