"""The HTTP service: composes the route modules, the store and the service's own worker processes.

Routes live in ``service/routes/`` grouped by resource (``reports``, ``review``, ``pages``); a new
resource is one APIRouter module and one ``include_router`` line here. OpenAPI at ``/openapi.json``;
no /docs page, which would load Swagger from a CDN.

Storage is ``--database URL`` / ``$NIANBAO_DATABASE_URL`` (PostgreSQL), else SQLite in the data
directory. ``workers`` extraction processes run beside the server (0: the server only queues, and
``nianbao worker`` processes, here or on other machines, do the extraction).

Security: write and review endpoints need ``Authorization: Bearer $NIANBAO_TOKEN``. Without
``NIANBAO_TOKEN`` the service starts read-only (writes answer 403), so a forgotten token never means
an open server. Reading is open. Request bodies over ``max_bytes`` get 413. HTML pages are rendered
with autoescaping and a Content-Security-Policy that allows only the service's own scripts and styles.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service.guard import Guard
from service.ingest import MAX_BYTES
from service.panel import routes as panel_routes
from service.routes import pages, pdf_pages, reports, review
from service.routes.deps import WEB
from service.routes.reports import validation_message
from service.runner import WorkerPool, WorkerSettings
from service.storage import Store, StoreError, database_url

log = logging.getLogger("nianbao.api")

MAX_REQUEST_BYTES = MAX_BYTES + 1024 * 1024
"""Largest request body: the largest report ingest reads, plus room for multipart framing."""
_FROM_ENV: Any = object()
PAGE_CACHE = Path("~/.cache/nianbao/pages").expanduser()
"""Where PDF page images are cached when the store has no data directory (PostgreSQL)."""


def create_app(
    data_dir: Path | str | None = None,
    *,
    database: str | None = None,
    workers: int = 2,
    use_llm: bool = False,
    token: str | None = _FROM_ENV,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    """The service over ``database`` (else SQLite in ``data_dir``), with ``workers`` extraction processes."""
    store = Store(database_url(database, data_dir))
    pool = WorkerPool(WorkerSettings(store.url, use_llm=use_llm), workers) if workers else None
    if token is _FROM_ENV:
        token = os.environ.get("NIANBAO_TOKEN") or None
    if not token:
        log.warning("NIANBAO_TOKEN is not set: the service is read-only (submissions and reviews get 403)")

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        if pool is not None:
            pool.start()
        yield
        if pool is not None:
            await run_in_threadpool(pool.stop)
        store.close()

    app = FastAPI(
        title="nianbao",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Structured metrics from 政府信息公开工作年度报告, with a review workflow.",
    )
    app.state.store, app.state.workers, app.state.token = store, pool, token
    app.state.page_cache = Path(data_dir).expanduser() / "pages" if data_dir else PAGE_CACHE
    app.add_middleware(Guard, max_bytes=max_bytes)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    add_error_handlers(app)
    for module in (reports, review, pages, pdf_pages, panel_routes):  # panel: /issuers, /audit
        app.include_router(module.router)
    return app


def add_error_handlers(app: FastAPI) -> None:
    """Store refusals keep their status; bad requests get one readable line; nothing answers a traceback."""

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        return JSONResponse({"detail": validation_message(errors)}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)


@contextmanager
def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread (tests, benchmarks); yields the base URL."""
    import uvicorn

    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="nianbao-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(60)


def serve(host: str, port: int, data_dir: Path, database: str | None, workers: int, use_llm: bool) -> None:
    """``nianbao serve``: uvicorn in this process, ``workers`` extraction processes beside it."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(data_dir, database=database, workers=workers, use_llm=use_llm)
    except (OSError, SQLAlchemyError, RuntimeError, ValueError) as exc:
        raise SystemExit(f"error: cannot open the database: {exc}") from None
    uvicorn.run(app, host=host, port=port, log_level="info")
