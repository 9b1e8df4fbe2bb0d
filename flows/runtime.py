"""Process-wide resources for flows: one engine per database URL (migrated on first use), one document store per
store configuration."""

from __future__ import annotations

import hashlib
import threading

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claimflow.settings import Settings
from db.engine import make_engine, session_factory
from db.migrate import upgrade
from db.store import DocumentStore, open_store

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_stores: dict[tuple[str | None, ...], DocumentStore] = {}


def engine_for(settings: Settings) -> Engine:
    url = settings.db_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            upgrade(engine)
            _engines[url] = engine
        return engine


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    return session_factory(engine_for(settings))


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
        return store


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _stores.clear()
