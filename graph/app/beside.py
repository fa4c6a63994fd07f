"""Run one part of the build beside another: ``with run_beside(job, fork=True) as done: ...``.

A big corpus writes its exports and its pages from the same graphs into different files,
so the two can run at once. ``run_beside`` starts ``job`` in a forked process (which
reads the parent's graphs as they are at the fork, without a copy) while the body of the
``with`` runs; on leaving the block it waits for the job and puts what it returned in
``done.result``. A job that fails fails the build, with its own message: a
:class:`~ketamine_kg.errors.KkgError` keeps its file and line. If the body fails, the job
is stopped. Without ``fork`` (or where the platform has no fork, or one core) the job runs
first, in this process, and the body after it.

>>> with run_beside(lambda: {"exports": 1.0}, fork=False) as done:
...     pass
>>> done.result
{'exports': 1.0}
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ketamine_kg.errors import KkgError


@dataclass
class Beside:
    """What the job returned, once the ``with`` block is left."""

    result: Any = None


def can_fork() -> bool:
    """Whether a job can run in a forked process beside this one: fork exists and there are two cores or more."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _child(job: Callable[[], Any], conn: Any) -> None:
    try:
        conn.send(("ok", job()))
    except KkgError as exc:
        conn.send(("kkg", exc.file, exc.line, exc.message))
    except BaseException as exc:  # noqa: BLE001 - sent whole to the parent, which raises it
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        conn.send(("error", last))
    finally:
        conn.close()


@contextmanager
def run_beside(job: Callable[[], Any], *, fork: bool = True, what: str = "the job") -> Iterator[Beside]:
    """Run ``job`` beside the body of the ``with`` (forked), or before it (``fork`` false); see the module docstring.

    ``what`` names the job in the error a failed job gives (``the exports``).
    """
    done = Beside()
    if not (fork and can_fork()):
        done.result = job()
        yield done
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(job, send), daemon=True)
    process.start()
    send.close()
    try:
        yield done
    except BaseException:
        process.terminate()
        process.join()
        raise
    try:
        message = receive.recv()  # what the job sent, as it ends
    except EOFError:
        message = None
    process.join()
    receive.close()
    if message is None:
        raise KkgError(None, None, f"{what} stopped without a word (exit code {process.exitcode}): "
                                   "out of memory? Run again, or with less data")
    if message[0] == "kkg":
        raise KkgError(message[1], message[2], message[3])
    if message[0] == "error":
        raise RuntimeError(f"{what} failed: {message[1]}")
    done.result = message[1]
