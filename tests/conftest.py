"""Shared fixtures: migrated SQLite and PostgreSQL engines, settings in a temp data dir, one Prefect harness."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from claimflow.settings import Settings
from db.engine import make_engine
from db.migrate import upgrade

PG_URL_ENV = "CLAIMFLOW_TEST_PG_URL"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temp data dir (SQLite database, document store, keys)."""
    return Settings(data_dir=tmp_path / "var", ocr_workers=1, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def pg_admin_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


@contextmanager
def fresh_database(admin_url: str, prefix: str = "cf_test") -> Iterator[str]:
    """A new, empty database on the PostgreSQL of ``admin_url``, dropped afterwards (open connections are cut).
    Yields its URL, with the same driver and credentials."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_engine(admin_url).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(make_engine(admin_url).url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards). Skips unless CLAIMFLOW_TEST_PG_URL is set."""
    base = pg_admin_url()
    if not base:
        pytest.skip(f"{PG_URL_ENV} is not set (CI sets it; see .ci/run)")
    with fresh_database(base) as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """Run a test on SQLite and, where CLAIMFLOW_TEST_PG_URL is set, on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server (a thread of this process) on a free port of 127.0.0.1; create a bucket per test."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test harness (a temporary local API and database) for every flow test in the session."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
