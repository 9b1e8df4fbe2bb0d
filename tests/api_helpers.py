"""Shared set-up for the HTTP API tests: the real app over a real database (SQLite, or PostgreSQL where set),
API keys for two tenants and every role, a dispatcher that only records or one that runs claims in-process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.dispatch import ClaimRef, InProcessDispatcher
from api.main import create_app
from claimflow.settings import Settings
from db.api_keys import Role, create_key
from db.engine import session_factory, transaction

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_docs"
TENANTS = ("acme", "globex")


class RecordingDispatcher:
    """Queues nothing: remembers what was dispatched (the work is asynchronous; these tests check the intake)."""

    def __init__(self) -> None:
        self.dispatched: list[ClaimRef] = []

    def dispatch(self, ref: ClaimRef) -> None:
        self.dispatched.append(ref)

    def ready(self) -> str | None:
        return None


@dataclass
class Api:
    client: TestClient
    settings: Settings
    engine: Engine
    dispatcher: object
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, role) -> key

    def auth(self, tenant: str = "acme", role: str = "submitter") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}

    def submit(self, *files: tuple[str, bytes], tenant: str = "acme", metadata: str | None = None,
               headers: dict[str, str] | None = None, role: str = "submitter"):  # type: ignore[no-untyped-def]
        data = {"metadata": metadata} if metadata is not None else None
        return self.client.post("/v1/claims", files=[("documents", (n, b, "application/octet-stream"))
                                                     for n, b in files],
                                data=data, headers={**self.auth(tenant, role), **(headers or {})})


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def make_api(engine: Engine, tmp_path: Path, *, in_process: bool = False, **overrides: object) -> Api:
    settings = Settings(data_dir=tmp_path / "var", database_url=engine_url(engine), ocr_workers=1,
                        _env_file=None, **overrides)  # type: ignore[call-arg]
    sessions = session_factory(engine)
    dispatcher = InProcessDispatcher(settings, sessions) if in_process else RecordingDispatcher()
    app = create_app(settings, dispatcher=dispatcher, sessions=sessions)
    api = Api(TestClient(app, raise_server_exceptions=False), settings, engine, dispatcher)
    with transaction(sessions) as s:
        for tenant in TENANTS:
            for role in Role:
                api.keys[(tenant, role.value)] = create_key(session=s, tenant=tenant, role=role).key
    return api


@pytest.fixture
def api(any_engine: Engine, tmp_path: Path) -> Iterator[Api]:
    a = make_api(any_engine, tmp_path)
    with a.client:
        yield a


def load_sample_members(api: Api, tenant: str = "acme") -> None:
    import yaml

    from claimflow.model import Member
    from db.members import upsert_members

    records = yaml.safe_load((SAMPLES / "members.yaml").read_text())
    records = records["members"] if isinstance(records, dict) else records
    members = [Member.model_validate({**r, "tenant": tenant}) for r in records]
    with transaction(session_factory(api.engine)) as s:
        upsert_members(session=s, members=members)


def stored_files(settings: Settings) -> list[Path]:
    root = settings.documents_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
