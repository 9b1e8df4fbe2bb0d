"""Process-wide resources for flows: one engine per database URL, migrated on first use."""

from __future__ import annotations

import threading

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claimflow.settings import Settings
from db.engine import make_engine, session_factory
from db.migrate import upgrade

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


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


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
