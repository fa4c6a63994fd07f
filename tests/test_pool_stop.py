"""Regression: stopping a worker twice at once (serve's SIGTERM while a request thread held it).

In CI, ``serve`` exited 1 on SIGTERM with ``OSError: [Errno 9] Bad file descriptor`` from
``Connection.close``: :meth:`WorkerPool.close` and the request thread whose worker it had
just killed both closed the same pipe. A second close of a descriptor can also close
whatever file reused its number, so a pipe must be closed once, by one thread.
"""

from __future__ import annotations

import threading
import time

from ketamine_kg.app.server.pool import Worker, WorkerPool


class _Process:
    pid = 4242

    def __init__(self) -> None:
        self.kills = 0

    def kill(self) -> None:
        self.kills += 1
        time.sleep(0.05)  # wide enough for the other thread to arrive while this one is inside

    def join(self, timeout: float | None = None) -> None:
        pass


class _Pipe:
    def __init__(self) -> None:
        self.closes = 0

    def close(self) -> None:
        self.closes += 1
        time.sleep(0.05)


def _worker() -> Worker:
    return Worker(_Process(), _Pipe())  # type: ignore[arg-type]


def test_two_threads_stopping_one_worker_kill_it_and_close_its_pipe_once():
    worker = _worker()
    threads = [threading.Thread(target=WorkerPool._stop, args=(worker,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (worker.process.kills, worker.conn.closes) == (1, 1)  # type: ignore[attr-defined]


def test_close_leaves_a_busy_workers_pipe_to_its_request_thread():
    pool = WorkerPool.__new__(WorkerPool)  # no processes: only close()'s bookkeeping is under test
    pool.cond, pool.closed = threading.Condition(), False
    idle, busy = _worker(), _worker()
    pool.idle, pool.busy = [idle], {busy}
    pool.close()
    assert pool.closed and pool.idle == []
    assert (idle.process.kills, idle.conn.closes) == (1, 1)  # type: ignore[attr-defined]
    assert (busy.process.kills, busy.conn.closes) == (1, 0)  # type: ignore[attr-defined]
    WorkerPool._stop(busy)  # what the request thread does when it sees the pipe end
    assert (busy.process.kills, busy.conn.closes) == (1, 1)  # type: ignore[attr-defined]
