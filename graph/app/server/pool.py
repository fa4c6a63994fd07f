"""The pool of worker processes that answer the endpoint's queries (see :class:`WorkerPool`), and :class:`Stream`."""

from __future__ import annotations

import ipaddress
import math
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from ketamine_kg.app.server.worker import (CANCEL, DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMORY, END, STREAM, TEXT,
                                           worker_main)
from ketamine_kg.errors import StoreError

DEFAULT_SLOW_AFTER = 1.0  # seconds busy after which a worker counts as stuck and is replaced
DEFAULT_MAX_ROWS = 10_000
CANCEL_GRACE = 2.0  # seconds a streaming worker has to stop after CANCEL before it is killed instead


def client_group(address: str) -> str:
    """The client a per-client cap counts ``address`` as: every loopback address is one client, an IPv6 address its /64.

    One machine can speak from any of 127.0.0.0/8 and ``::1``, and one IPv6 host usually
    holds a whole /64, so counting addresses one by one would let it multiply its share.

    >>> client_group("127.0.0.1") == client_group("127.4.5.6") == client_group("::1") == client_group("::ffff:127.0.0.2")
    True
    >>> client_group("2001:db8::1") == client_group("2001:db8::ffff"), client_group("192.0.2.7")
    (True, '192.0.2.7')
    """
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(eq=False)
class Worker:
    """One worker process, its pipe, and the query it is running (``since`` is None when idle).

    ``lock`` makes stopping it happen once: the request thread that holds a busy worker and
    :meth:`WorkerPool.close` can both stop it, and a pipe closed twice closes whatever file
    took its descriptor number in between (or fails with EBADF).
    """

    process: multiprocessing.process.BaseProcess
    conn: Connection
    since: float | None = None
    deadline: float = 0.0
    client: str = ""
    stopped: bool = False
    retry_after: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)
    killed: bool = False
    pipe_closed: bool = False


class WorkerPool:
    """Worker processes, each holding the graph; one query at a time per worker.

    The pool keeps ``size`` workers free for ordinary queries. A worker busy for longer
    than ``slow_after`` seconds counts as stuck: an extra worker is started in its place,
    up to ``max_size`` processes in all, and extras are retired as soon as they are not
    needed (a worker that finishes while ``size`` others are free exits). So two runaway
    queries cost two workers for the timeout, never the ordinary queries' turn.

    One client address may have at most ``per_client`` stuck queries at once: when one
    more of its queries gets stuck, the newest beyond the cap are stopped early with 429
    and ``Retry-After`` (a quick query from the same address is still answered). With
    the defaults (``max_size`` twice ``size``, ``per_client`` equal to ``size``) one
    address can never hold more than half of the processes. Behind a reverse proxy every
    client has the proxy's address, so the cap applies to all of them together.

    Workers start in the background and take queries only once they have loaded the graph.
    """

    def __init__(self, nquads_path: Path, size: int = 2, max_rows: int = DEFAULT_MAX_ROWS, *,
                 max_size: int | None = None, slow_after: float = DEFAULT_SLOW_AFTER,
                 per_client: int | None = None, load_timeout: float = 600.0,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_memory: int | None = DEFAULT_MAX_MEMORY):
        self.nquads_path = str(nquads_path)
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.max_memory = max_memory
        self.context = multiprocessing.get_context("spawn")
        self.size = max(1, size)
        self.max_size = max(self.size, max_size if max_size is not None else 2 * self.size)
        self.slow_after = slow_after
        self.per_client = per_client if per_client is not None else self.size
        self.load_timeout = load_timeout
        self.cond = threading.Condition()
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.starting = 0
        self.failed = 0
        self.closed = False
        with self.cond:
            for _ in range(self.size):
                self._spawn()
            ready = self.cond.wait_for(lambda: self.starting == 0, timeout=load_timeout)
            if not ready or self.failed:
                self.closed = True
                workers, self.idle = self.idle, []
        if not ready or self.failed:
            for worker in workers:
                self._stop(worker)
            raise StoreError(self.nquads_path, None, "the query workers could not load the graph")
        threading.Thread(target=self._supervise, name="kkg-pool", daemon=True).start()

    @property
    def total(self) -> int:
        """Worker processes alive or starting."""
        return len(self.idle) + len(self.busy) + self.starting

    # -- starting and stopping workers (callers hold self.cond unless said otherwise) --

    def _spawn(self) -> None:
        self.starting += 1
        threading.Thread(target=self._boot, daemon=True).start()

    def _boot(self) -> None:
        """Start a process and add it to the idle list once it says it has loaded the graph (no lock held)."""
        parent, child = self.context.Pipe()
        process = self.context.Process(target=worker_main, args=(child, self.nquads_path, self.max_rows, self.max_bytes, self.max_memory),
                                       daemon=True)
        worker = Worker(process, parent)
        try:
            process.start()
            child.close()
            ok = parent.poll(self.load_timeout) and parent.recv() == "ready"
        except Exception as exc:  # noqa: BLE001 (counted as a failed start, never a stuck count)
            sys.stderr.write(f"a query worker did not start: {exc}\n")
            ok = False
        with self.cond:
            self.starting -= 1
            keep = ok and not self.closed
            if keep:
                self.idle.append(worker)
            elif not ok:
                self.failed += 1
            self.cond.notify_all()
        if not keep:
            self._stop(worker)

    @staticmethod
    def _stop(worker: Worker, close_pipe: bool = True) -> None:
        """Kill ``worker``'s process and, if ``close_pipe``, close its pipe; each at most once, whoever asks."""
        with worker.lock:
            if not worker.killed and worker.process.pid is not None:
                worker.process.kill()
                worker.process.join(1)
            worker.killed = True
            if close_pipe and not worker.pipe_closed:
                worker.pipe_closed = True
                worker.conn.close()

    def _stuck(self, now: float) -> list[Worker]:
        return [w for w in self.busy if w.stopped or (w.since is not None and now - w.since >= self.slow_after)]

    def _grow(self, now: float) -> None:
        """Start workers until ``size`` are free or starting (never more than ``max_size`` in all)."""
        stuck = len(self._stuck(now))
        while not self.closed and self.total - stuck < self.size and self.total < self.max_size:
            self._spawn()

    def _supervise(self) -> None:
        """Every 50 ms: stop a client's stuck queries beyond its cap, replace stuck workers."""
        while True:
            stop = []
            time.sleep(0.05)  # not cond.wait: every finished query notifies, and this need not run that often
            with self.cond:
                if self.closed:
                    return
                now = time.monotonic()
                by_client: dict[str, list[Worker]] = {}
                for worker in self._stuck(now):
                    if not worker.stopped:
                        by_client.setdefault(worker.client, []).append(worker)
                for workers in by_client.values():
                    workers.sort(key=lambda w: w.since or 0.0)  # busy: since is set
                    for worker in workers[self.per_client:]:  # the newest beyond the cap
                        worker.stopped = True
                        worker.retry_after = max(1, math.ceil(workers[0].deadline - now))
                        stop.append(worker)
                self._grow(now)
            for worker in stop:
                worker.process.kill()  # the request thread sees the pipe close and answers 429

    # -- answering --

    def run(self, text: str, accept: str, fmt: str | None, timeout: float, client: str = "",
            gone: Callable[[], bool] | None = None) -> tuple[int, str, bytes] | tuple[int, str, bytes, dict]:
        """:meth:`start`, with a streamed answer read whole (at most ``max_bytes``): for answers the server builds itself.

        Returns (status, content type, body), plus extra headers for a 429.
        """
        answer = self.start(text, accept, fmt, timeout, client, gone)
        if not isinstance(answer, Stream):
            return answer
        try:
            body = b"".join(answer)
        finally:
            answer.close()
        if answer.failure is not None:
            return answer.failure[0], TEXT, answer.failure[1]
        return 200, answer.content_type, body

    def start(self, text: str, accept: str, fmt: str | None, timeout: float, client: str = "",
              gone: Callable[[], bool] | None = None) -> tuple[int, str, bytes] | tuple[int, str, bytes, dict] | Stream:
        """Send a query to a free worker; kill the worker if it runs past ``timeout``.

        ``gone()``, checked every 100 ms while the query runs, says whether the client has
        hung up: then the worker is stopped at once (its answer would go nowhere).

        Returns (status, content type, body), plus extra headers for a 429; or, for an
        answer longer than the worker's first buffer, a :class:`Stream` of its pieces
        (status 200), which holds the worker until it is closed.
        """
        started = time.monotonic()
        deadline = started + timeout
        with self.cond:
            while not self.idle:
                if self.closed or not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    if not self.idle:
                        return 503, TEXT, b"all workers are busy; try again\n"
            worker = self.idle.pop()
            worker.since, worker.deadline, worker.client = time.monotonic(), deadline, client_group(client)
            self.busy.add(worker)
        answer = None
        crashed = hung_up = False
        try:
            worker.conn.send((text, accept, fmt))
            while (left := deadline - time.monotonic()) > 0:
                if worker.conn.poll(min(left, 0.1) if gone else left):
                    answer = worker.conn.recv()
                    break
                if gone is not None and gone():
                    hung_up = True  # nobody waits for the answer: stop the worker now
                    break
        except (EOFError, OSError):
            crashed = True  # the pipe closed before the deadline: the worker died (or was stopped below)
        if answer is not None and answer[0] == STREAM:
            return Stream(self, worker, answer[1], deadline, timeout, gone)
        stopped = self._release(worker, answer is not None)
        if answer is not None:
            return answer
        if hung_up:
            return 499, TEXT, b"the client closed the connection; the query was stopped\n"
        return self._lost_answer(worker, stopped, crashed, timeout)

    def _release(self, worker: Worker, reusable: bool) -> bool:
        """Put ``worker`` back among the idle ones if ``reusable`` (and still needed), else stop it; return whether it was stopped early (429)."""
        with self.cond:
            self.busy.discard(worker)
            stopped, worker.since = worker.stopped, None
            now = time.monotonic()
            reuse = reusable and not stopped and not self.closed
            if reuse and self.total - len(self._stuck(now)) >= self.size:
                reuse = False  # an extra that is no longer needed: retire it
            if reuse:
                self.idle.append(worker)
            self.cond.notify_all()
        if not reuse:
            self._stop(worker)
            with self.cond:
                self._grow(time.monotonic())
        return stopped

    def _lost_answer(self, worker: Worker, stopped: bool, crashed: bool, timeout: float) -> tuple[int, str, bytes] | tuple[int, str, bytes, dict]:
        """The answer for a query whose worker gave none: it crashed, was stopped early (429), or ran out of time."""
        if crashed and not stopped and not self.closed:
            code = worker.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            if code == -6 and self.max_memory:  # SIGABRT: the native allocator gives up at RLIMIT_AS
                how += f", most likely at its memory limit of {self.max_memory // 2**20} MiB"
            return 500, TEXT, f"the query crashed its worker ({how}); the worker was replaced\n".encode()
        if stopped:
            return (429, TEXT, f"stopped: this address has {self.per_client} other long-running queries\n".encode(),
                    {"Retry-After": str(worker.retry_after)})
        return 503, TEXT, f"the query ran longer than {timeout:g} s and was stopped\n".encode()

    def close(self) -> None:
        """Stop every worker.

        A busy worker's pipe is left to the request thread that reads it (it sees the pipe
        end and closes it): closing it here would pull it from under that thread.
        """
        with self.cond:
            self.closed = True
            idle, busy = self.idle, list(self.busy)
            self.idle = []
            self.cond.notify_all()
        for worker in idle:
            self._stop(worker)
        for worker in busy:
            self._stop(worker, close_pipe=False)


class Stream:
    """An answer that its worker is still writing: iterate over its pieces, then :meth:`close` it (always).

    The query's deadline and ``gone()`` still apply between pieces. When the iteration
    ends, ``complete`` says whether the whole answer came; if not, ``failure`` holds the
    (status, message) it would have had: 413 past the byte cap, 503 past the deadline,
    499 for a client that hung up, 500 for a crash. The handler has sent 200 by then, so
    the client learns it from a cut connection.
    """

    def __init__(self, pool: WorkerPool, worker: Worker, content_type: str, deadline: float, timeout: float,
                 gone: Callable[[], bool] | None):
        self.pool, self.worker, self.content_type = pool, worker, content_type
        self.deadline, self.timeout, self.gone = deadline, timeout, gone
        self.complete = False
        self.failure: tuple[int, bytes] | None = None
        self._ended = False   # the worker sent its last message (END or CUT): it is free
        self._dead = False    # its pipe closed: it died or was stopped
        self._closed = False

    def left(self) -> float:
        """Seconds until the query's deadline."""
        return self.deadline - time.monotonic()

    def __iter__(self) -> Iterator[bytes]:
        conn = self.worker.conn
        while not self._ended and self.failure is None:
            if self.left() <= 0:
                self.failure = (503, f"the query ran longer than {self.timeout:g} s and was stopped\n".encode())
                break
            try:
                if not conn.poll(min(self.left(), 0.1)):
                    if self.gone is not None and self.gone():
                        self.failure = (499, b"the client closed the connection; the query was stopped\n")
                    continue
                message = conn.recv()
            except (EOFError, OSError):
                self._dead = True
                with self.pool.cond:
                    stopped = self.worker.stopped
                status, _, body, *_ = self.pool._lost_answer(self.worker, stopped, True, self.timeout)
                self.failure = (status, body)
                break
            if isinstance(message, bytes):
                yield message
            elif message == END:
                self._ended = self.complete = True
            else:  # (CUT, status, message): an error or the byte cap, part way
                self._ended = True
                self.failure = (message[1], message[2])

    def close(self) -> None:
        """Give the worker back: at once if it has ended, after :meth:`_cancel` if not (or stop it)."""
        if self._closed:
            return
        self._closed = True
        reusable = self._ended or (not self._dead and self._cancel())
        self.pool._release(self.worker, reusable)

    def _cancel(self) -> bool:
        """Ask the worker to stop writing and read what it still sends until it says it stopped: whether it did."""
        conn = self.worker.conn
        until = time.monotonic() + CANCEL_GRACE
        try:
            conn.send(CANCEL)
            while (left := until - time.monotonic()) > 0:
                if conn.poll(left) and not isinstance(conn.recv(), bytes):
                    return True  # CANCELLED, or the END or CUT it had sent before it read CANCEL
        except (EOFError, OSError):
            pass
        return False
