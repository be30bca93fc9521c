"""Background extraction: worker threads that claim queued jobs from the store and run the pipeline.

The job table is the queue, so nothing is lost when the process stops: at start-up, jobs left
``running`` are queued again (``Store.requeue_interrupted``). One service process per data directory.
"""

from __future__ import annotations

import logging
import threading

from service.ingest import IngestError, read_bytes
from service.pipeline import Assistant, extract
from service.store import Job, Store

log = logging.getLogger("nianbao.jobs")


class Workers:
    """``count`` threads extracting reports; ``wake()`` after a submission so they need not poll."""

    def __init__(self, store: Store, count: int = 2, llm: Assistant | None = None, poll_seconds: float = 0.5):
        self.store = store
        self.count = count
        self.llm = llm
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        requeued = self.store.requeue_interrupted()
        if requeued:
            log.info("re-queued %d interrupted job(s)", requeued)
        for n in range(self.count):
            thread = threading.Thread(target=self._run, args=(f"worker-{n}",), name=f"nianbao-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Let each worker finish its current report, then return."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _run(self, name: str) -> None:
        while not self._stop.is_set():
            try:
                job = self.store.claim_job(name)
            except Exception:  # the database is busy or gone: wait and try again
                log.exception("%s could not claim a job", name)
                job = None
            if job is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                continue
            try:
                self.process(job)
            except Exception as exc:
                log.exception("%s could not record job %d", name, job.id)
                try:
                    self.store.fail_job(job, f"could not store the result: {type(exc).__name__}: {exc}")
                except Exception:  # the database is gone: the job is re-queued at the next start
                    log.exception("%s could not mark job %d failed", name, job.id)

    def process(self, job: Job) -> None:
        """Extract one report; any failure is recorded on the job, never raised."""
        try:
            data, filename = self.store.content(job.report_id)
            document = read_bytes(data, filename, job.report_id)
            result = extract(document, self.llm, include_text=True)
        except IngestError as exc:
            self.store.fail_job(job, f"{exc.code}: {exc}")
        except Exception as exc:
            log.exception("extraction of %s failed", job.report_id)
            self.store.fail_job(job, f"extraction failed: {type(exc).__name__}: {exc}")
        else:
            self.store.finish_job(job, result)
