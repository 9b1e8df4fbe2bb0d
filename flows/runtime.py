"""Process-wide resources for flows: one engine per database URL (migrated on first use), one document store per
store configuration, the settings a flow run works with, and the claim worker processes batches share
(``worker_pool``: OCR and extraction, models loaded once per worker process, kept for the next batch).

A flow run's parameters are ids only; everything else a run needs is resolved here, in the process that runs it:
``current_settings()`` is ``Settings()`` from this process's environment (a worker on another machine has its own),
unless the caller runs the flow in its own process under ``using(settings)``.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claimflow.settings import Settings
from db.engine import is_sqlite, make_engine, session_factory
from db.keys import Keyring, provider_for
from db.migrate import upgrade
from db.sealed_store import SealedStore
from db.store import DocumentStore, open_store

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_stores: dict[tuple[str | None, ...], DocumentStore] = {}
_keyrings: dict[tuple[str | None, ...], Keyring] = {}
_readers: dict[str, Engine] = {}
_pools: dict[int, OcrPool] = {}
# Prefect's thread-pool task runner copies context variables into its threads, so tasks see what the flow saw.
_settings: ContextVar[Settings | None] = ContextVar("claimflow_settings", default=None)
_listener: ContextVar[Callable[[str, str], None] | None] = ContextVar("claimflow_listener", default=None)


def engine_for(settings: Settings) -> Engine:
    url = settings.db_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            upgrade(engine, settings=settings)
            _engines[url] = engine
        return engine


def keyring_for(settings: Settings) -> Keyring | None:
    """The keyring of ``settings`` (None when CLAIMFLOW_ENCRYPT_AT_REST is off), built once per key configuration."""
    if not settings.encrypt_at_rest:
        return None
    secrets = [settings.master_key, settings.master_key_previous]
    key = (
        settings.key_provider, str(settings.master_key_file),
        *(hashlib.sha256(x.get_secret_value().encode()).hexdigest() if x is not None else None for x in secrets),
    )  # fmt: skip
    with _lock:
        keyring = _keyrings.get(key)
        if keyring is None:
            keyring = _keyrings[key] = Keyring(provider_for(settings))
        return keyring


def read_sessions_for(settings: Settings) -> sessionmaker[Session]:
    """Sessions for short reads beside a caller's open write transaction (the sealed store's data-key lookups): on
    SQLite a read-only engine whose transactions begin deferred, so they never wait for the write lock."""
    engine = engine_for(settings)
    if not is_sqlite(engine):
        return session_factory(engine, keyring=keyring_for(settings))
    with _lock:
        reader = _readers.get(settings.db_url)
        if reader is None:
            reader = _readers[settings.db_url] = make_engine(settings.db_url, read_only=True)
    return session_factory(reader, keyring=keyring_for(settings))


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the settings' database; personal fields are sealed and opened with ``keyring_for(settings)``."""
    return session_factory(engine_for(settings), keyring=keyring_for(settings))


def store_for(settings: Settings) -> DocumentStore:
    """The document store of ``settings``, built once per configuration (an S3 client is costly to make)."""
    secret = settings.s3_secret_access_key
    key = (
        settings.store, str(settings.documents_dir), settings.s3_endpoint_url, settings.s3_bucket, settings.s3_prefix,
        settings.s3_region, settings.s3_access_key_id,
        hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret is not None else None,
    )  # fmt: skip
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = open_store(settings)
    keyring = keyring_for(settings)
    if keyring is None:
        return store
    return SealedStore(store, keyring, sessions_for(settings), read_sessions_for(settings))


def dispose_all() -> None:
    shutdown_pools()
    with _lock:
        for engine in [*_engines.values(), *_readers.values()]:
            engine.dispose()
        _readers.clear()
        _engines.clear()
        _stores.clear()
        _keyrings.clear()


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """Flow runs started in this process (``run_local``, tests, ``claimflow serve``) use ``settings``."""
    token = _settings.set(settings)
    try:
        yield settings
    finally:
        _settings.reset(token)


@contextmanager
def listening(on_done: Callable[[str, str], None]) -> Iterator[None]:
    """Call ``on_done(claim_id, status)`` as each claim of a batch run in this process is finished (progress)."""
    token = _listener.set(on_done)
    try:
        yield
    finally:
        _listener.reset(token)


def notify(claim_id: str, status: str) -> None:
    listener = _listener.get()
    if listener is not None:
        listener(claim_id, status)


def current_settings() -> Settings:
    """The settings of the process running a flow: those given to ``using``, else this environment's."""
    return _settings.get() or Settings()


def worker_pool(workers: int) -> OcrPool:
    """This process's pool of ``workers`` claim worker processes (``extractors.worker``), shared by every batch run
    here and kept between them, so each worker loads the extraction models once; shut down at exit."""
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = OcrPool(workers)
        return pool


def shutdown_pools() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


class OcrPool(Executor):
    """Claim worker processes shared by a batch's threads (OCR pages, extraction); started on first use and started
    again if a worker dies (one crashed page must not fail the claims queued behind it: the claims whose work was in
    flight get a transient ``WorkerCrashedError`` and their task is retried)."""

    def __init__(self, workers: int, factory: Callable[[int], Executor] | None = None) -> None:
        from extractors.worker import make_pool

        self._workers = workers
        self._factory = factory or make_pool
        self._pool: Executor | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:  # type: ignore[override]
        with self._lock:
            if self._pool is None:
                self._pool = self._factory(self._workers)
            try:
                return self._pool.submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._factory(self._workers)
                return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
                self._pool = None
