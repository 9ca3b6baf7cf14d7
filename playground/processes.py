"""Worker processes for comparisons and searches: spawned, fed plain data, cancellable.

``ProcessPool(n)`` runs tasks, each a module-level function and a plain-data payload, in up to
``n`` spawned processes at a time (spawned, not forked: the window's threads and Qt state are
never copied). A task's function is called as ``function(payload, report)`` in its process;
``report(data)`` sends progress back, the return value is its result. ``poll()`` returns what
came back since the last call, as ``Message`` tuples:

    ("progress", task_id, data)   a report
    ("done", task_id, result)     the function returned
    ("failed", task_id, text)     it raised, or its process died (killed, crashed)

Each process runs its compiled kernels on ``threads`` numba threads (cores / processes by
default), so N processes do not oversubscribe the cores. ``cancel()`` terminates every process
and waits for them (killing any that ignore it), so no process outlives it.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import traceback
from collections import deque
from typing import Callable, NamedTuple

CONTEXT = mp.get_context("spawn")
#: Seconds cancel() waits for a terminated process before it kills it.
TERMINATE_GRACE = 0.5


class Message(NamedTuple):
    kind: str          # "progress", "done" or "failed"
    task_id: object
    data: object


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                      # not Linux
        return os.cpu_count() or 1


def threads_per_process(n_processes: int, n_cores: int | None = None) -> int:
    """numba threads for each of n_processes sharing n_cores (at least 1)."""
    return max(1, (n_cores or cores()) // max(1, n_processes))


def _child(function: Callable, task_id, payload, messages, threads: int) -> None:
    """A worker process: limit the kernels' threads, run the task, send what it returned."""
    try:
        import numba
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        result = function(payload, lambda data: messages.put(("progress", task_id, data)))
        messages.put(("done", task_id, result))
    except BaseException as error:  # everything the task raises is reported, not lost
        text = f"{type(error).__name__}: {error}"
        last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
        where = f" (at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
        messages.put(("failed", task_id, text + where))
    finally:
        messages.close()
        messages.join_thread()


class ProcessPool:
    """Up to ``n_workers`` task processes at a time; the rest wait in submission order."""

    def __init__(self, n_workers: int, threads: int | None = None):
        if not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"the number of worker processes must be at least 1, not "
                             f"{n_workers!r}")
        self.n_workers = n_workers
        self.threads = threads or threads_per_process(n_workers)
        self._messages = CONTEXT.Queue()
        self._waiting: deque = deque()
        self._running: dict = {}           # task id -> process
        self._ended: set = set()           # task ids that sent "done" or "failed"
        self.cancelled = False

    # ---- state -----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while a task waits or runs."""
        return bool(self._waiting or self._running)

    def pids(self) -> list[int]:
        return [p.pid for p in self._running.values() if p.pid is not None]

    # ---- verbs -------------------------------------------------------------------------------
    def submit(self, task_id, function: Callable, payload) -> None:
        if self.cancelled:
            raise RuntimeError("this pool was cancelled")
        if task_id in self._running or any(t == task_id for t, _, _ in self._waiting):
            raise ValueError(f"task {task_id!r} was submitted already")
        self._waiting.append((task_id, function, payload))
        self._start_waiting()

    def poll(self, timeout: float = 0.0) -> list[Message]:
        """The messages that arrived (waiting up to ``timeout`` seconds for the first one);
        starts waiting tasks as processes end."""
        out = []
        try:
            out.append(Message(*self._messages.get(timeout=timeout) if timeout > 0
                               else self._messages.get_nowait()))
            while True:
                out.append(Message(*self._messages.get_nowait()))
        except queue.Empty:
            pass
        for m in out:
            if m.kind in ("done", "failed"):
                self._ended.add(m.task_id)
        out.extend(self._reap())
        self._start_waiting()
        return out

    def run_all(self, on_message: Callable[[Message], None] | None = None) -> dict:
        """Block until every task has ended; {task id: ("done", result) or ("failed", text)}."""
        results = {}
        while self.busy:
            for m in self.poll(timeout=0.2):
                if on_message is not None:
                    on_message(m)
                if m.kind != "progress":
                    results[m.task_id] = (m.kind, m.data)
        return results

    def cancel(self) -> None:
        """Stop every task now: waiting ones never start, running processes are terminated
        (killed when they do not stop within TERMINATE_GRACE seconds) and joined."""
        self.cancelled = True
        self._waiting.clear()
        processes = list(self._running.values())
        for p in processes:
            if p.is_alive():
                p.terminate()
        for p in processes:
            p.join(TERMINATE_GRACE)
            if p.is_alive():
                p.kill()
                p.join()
        self._running.clear()
        self._messages.cancel_join_thread()
        self._messages.close()

    def close(self) -> None:
        """Cancel what still runs and release the queue (a pool is used once)."""
        if not self.cancelled:
            self.cancel()

    # ---- inside -------------------------------------------------------------------------------
    def _start_waiting(self) -> None:
        while self._waiting and len(self._running) < self.n_workers:
            task_id, function, payload = self._waiting.popleft()
            p = CONTEXT.Process(target=_child, name=f"nn-playground-task-{task_id}",
                                args=(function, task_id, payload, self._messages,
                                      self.threads), daemon=True)
            p.start()
            self._running[task_id] = p

    def _reap(self) -> list[Message]:
        """Forget processes that ended; a process that died without a word is a failure."""
        out = []
        for task_id, p in list(self._running.items()):
            if p.is_alive():
                continue
            p.join()
            if task_id not in self._ended:
                # its last message may still be in the pipe: look once more before judging
                try:
                    while True:
                        m = Message(*self._messages.get(timeout=0.1))
                        out.append(m)
                        if m.kind in ("done", "failed"):
                            self._ended.add(m.task_id)
                except queue.Empty:
                    pass
            if task_id not in self._ended:
                out.append(Message("failed", task_id,
                                   f"the worker process ended without a result (exit code "
                                   f"{p.exitcode})"))
                self._ended.add(task_id)
            del self._running[task_id]
        return out
