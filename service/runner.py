"""Extraction workers: separate processes that claim jobs from the store and run the pipeline.

Rules-only extraction is CPU-bound, so workers are processes, not threads: N processes use N cores.
Every worker opens the database itself (any number of them, on any number of machines, against one
database). A worker holding a job renews its lease from a side thread while it extracts; if it dies,
the lease runs out and another worker claims the job (``service.storage.jobs``).

- ``work`` is one worker's loop (runs in the worker process);
- ``WorkerPool`` starts and stops N such processes (``nianbao worker``, and ``nianbao serve --workers N``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

from service.ingest import IngestError, read_bytes
from service.pipeline import Assistant, extract
from service.storage import LEASE_SECONDS, Job, LeaseLost, Store

log = logging.getLogger("nianbao.runner")
SPAWN = multiprocessing.get_context("spawn")
"""Fresh interpreters: a fork of a threaded server (uvicorn, pooled connections) is not safe."""


@dataclass
class WorkerSettings:
    url: str
    use_llm: bool = False
    lease_seconds: float = LEASE_SECONDS
    poll_seconds: float = 0.5
    drain: bool = False
    """Exit when nothing is queued or running (batch runs, tests, benchmarks) instead of waiting for more."""


def process_job(store: Store, job: Job, llm: Assistant | None) -> bool:
    """Extract one report and record the outcome; True when this worker finished the job.

    Any extraction failure is recorded on the job, never raised. False means the lease was lost (the
    job was claimed again after this worker was too slow) and the other claim's outcome counts.
    """
    try:
        data, filename = store.reports.content(job.report_id)
        document = read_bytes(data, filename, job.report_id)
        result = extract(document, llm, include_text=True)
    except IngestError as exc:
        outcome: Any = f"{exc.code}: {exc}"
    except Exception as exc:
        log.exception("extraction of %s failed", job.report_id)
        outcome = f"extraction failed: {type(exc).__name__}: {exc}"
    else:
        outcome = result
    try:
        if isinstance(outcome, str):
            store.jobs.fail(job, outcome)
        else:
            store.jobs.finish(job, outcome)
    except LeaseLost as exc:
        log.warning("%s", exc)
        return False
    return True


class _Renewal:
    """Renews a job's lease every third of the lease while the worker extracts it."""

    def __init__(self, store: Store, job: Job, lease_seconds: float) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(store, job, lease_seconds), daemon=True)

    def _run(self, store: Store, job: Job, lease_seconds: float) -> None:
        while not self.stop.wait(lease_seconds / 3):
            try:
                if not store.jobs.renew(job, lease_seconds):
                    return
            except Exception:  # the database is busy or gone: the next renewal may succeed
                log.exception("could not renew the lease of job %d", job.id)

    def __enter__(self) -> _Renewal:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def work(settings: WorkerSettings, name: str, stop: Any, wake: Any = None) -> int:
    """One worker's loop until ``stop`` is set (or, with ``drain``, the queue is empty); returns jobs finished."""
    llm: Assistant | None = None
    if settings.use_llm:
        from service.llm.client import from_env

        llm = from_env()
    store = Store(settings.url, migrate=False)
    finished = 0
    try:
        while not stop.is_set():
            try:
                job = store.jobs.claim(name, settings.lease_seconds)
            except Exception:  # the database is busy or gone: wait and try again
                log.exception("%s could not claim a job", name)
                job = None
            if job is None:
                if settings.drain and store.jobs.idle():
                    break
                if wake is not None:
                    wake.wait(settings.poll_seconds)
                    wake.clear()
                else:
                    stop.wait(settings.poll_seconds)
                continue
            with _Renewal(store, job, settings.lease_seconds):
                try:
                    finished += process_job(store, job, llm)
                except Exception:  # the database went away mid-job: the lease runs out, another takes it
                    log.exception("%s could not record job %d", name, job.id)
    finally:
        store.close()
    return finished


def _worker_main(settings: WorkerSettings, label: str, stop: ProcessEvent, wake: ProcessEvent, counter: Any) -> None:
    """Entry point of a worker process: Ctrl-C and SIGTERM let the current report finish first."""
    name = f"{socket.gethostname()}:{os.getpid()}:{label}"  # recorded on the jobs it claims
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s {name}: %(message)s")
    local_stop = threading.Event()

    def request_stop(*_: object) -> None:
        local_stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    threading.Thread(target=lambda: (stop.wait(), local_stop.set()), daemon=True).start()
    finished = work(settings, name, local_stop, wake)
    with counter.get_lock():
        counter.value += finished


@dataclass
class WorkerPool:
    """``processes`` worker processes over one database; ``wake()`` after a local submission."""

    settings: WorkerSettings
    processes: int = 2
    _stop: ProcessEvent = field(default_factory=SPAWN.Event)
    _wake: ProcessEvent = field(default_factory=SPAWN.Event)
    _children: list[SpawnProcess] = field(default_factory=list)
    finished: Any = field(default_factory=lambda: SPAWN.Value("q", 0))
    """Jobs finished by this pool's processes (shared memory, summed as each process exits)."""

    def start(self) -> None:
        for n in range(self.processes):
            child = SPAWN.Process(
                target=_worker_main,
                args=(self.settings, f"worker-{n}", self._stop, self._wake, self.finished),
                name=f"nianbao-worker-{n}",
                daemon=True,
            )
            child.start()
            self._children.append(child)

    @property
    def pids(self) -> list[int]:
        return [child.pid for child in self._children if child.pid is not None]

    def wake(self) -> None:
        self._wake.set()

    def join(self) -> int:
        """Wait until every worker has exited (with ``drain``: the queue is empty); returns how many crashed."""
        for child in self._children:
            child.join()
        return sum(child.exitcode != 0 for child in self._children)

    def stop(self, timeout: float = 30.0) -> None:
        """Let each worker finish its current report, then return (killing any that do not stop in time)."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for child in self._children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                log.warning("worker %s did not stop in %.0f s; killing it", child.name, timeout)
                child.kill()
                child.join()
        self._children.clear()
