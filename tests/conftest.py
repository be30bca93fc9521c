"""Shared test fixtures: where the user's reports live, and the databases (SQLite, PostgreSQL) tests run on.

The corpus is not copied into the repo; it sits in ``shared/`` beside the checkout (CI clones main with
shared/ beside it). ``NIANBAO_SHARED`` overrides the location.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pg
import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    for candidate in (os.environ.get("NIANBAO_SHARED"), REPO.parent / "shared", "/work/shared"):
        if candidate and (Path(candidate) / "corpus").is_dir():
            return Path(candidate)
    return REPO.parent / "shared"


SHARED = _shared_dir()
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
GOLD = REPO / "gold"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {SHARED} (set NIANBAO_SHARED)")
    return SHARED


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[pg.Cluster]:
    """One throwaway PostgreSQL for the session; skipped where none can run, unless NIANBAO_TEST_POSTGRES=1."""
    try:
        cluster = pg.start()
    except RuntimeError as exc:
        if os.environ.get("NIANBAO_TEST_POSTGRES") == "1":
            pytest.fail(f"NIANBAO_TEST_POSTGRES=1 but no PostgreSQL: {exc}")
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: pg.Cluster) -> str:
    """A fresh, empty PostgreSQL database."""
    return postgres_cluster.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each engine: SQLite always, PostgreSQL with ``-m postgres``."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'nianbao.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(autouse=True, scope="session")
def _no_ocr_outside_ocr_tests() -> Iterator[None]:
    """With the ocr extra installed, a scanned PDF would be OCR'd (seconds) in every bad-input test; the
    quick tests check the no-text-layer answer, tests/test_converters_ocr.py switches OCR back on."""
    previous = os.environ.get("NIANBAO_OCR")
    os.environ["NIANBAO_OCR"] = "off"
    yield
    if previous is None:
        os.environ.pop("NIANBAO_OCR", None)
    else:
        os.environ["NIANBAO_OCR"] = previous
