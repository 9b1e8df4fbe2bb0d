"""The member id's blind index (db/member_index.py) and migration 0011: stored ids become their keyed index, the id
is readable only through its sealed copy, rotation keeps lookups working, webhook secrets are sealed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select, text

from typer.testing import CliRunner

from claimflow.cli.main import app
from claimflow.errors import ExitCode, MasterKeyError
from claimflow.model import Member
from claimflow.settings import Settings
from db.engine import make_engine, session_factory, transaction
from db.keys import Keyring, member_subject, provider_for
from db.member_index import INDEX_SUBJECT, member_index, reveal_member_id
from db.members import accumulators, get_member, upsert_members
from db.migrate import upgrade
from db.models import Claim, DataKeyRow, DecisionRow, DocumentRow, MemberRow
from db.webhooks import WebhookEndpoint, endpoint_secret, set_endpoint
from flows.privacy import rotate_master
from flows.runtime import dispose_all, sessions_for

SECRET = "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield request.getfixturevalue("pg_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'cf.db'}"
    dispose_all()


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=url, _env_file=None)  # type: ignore[call-arg]


def _cells(engine: Engine) -> str:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return json.dumps([[dict(r._mapping) for r in conn.execute(select(t))] for t in meta.tables.values()],
                          default=lambda v: bytes(v).hex() if isinstance(v, (bytes, memoryview)) else str(v))


def _seed_0010(engine: Engine, settings: Settings) -> str:
    """A database at 0010 as that release wrote it: plaintext member ids, a sealed member row, a clear webhook secret."""
    upgrade(engine, "0010")
    keyring = Keyring(provider_for(settings))
    with transaction(session_factory(engine, keyring=keyring)) as s:
        blob = keyring.seal(s, member_subject("t", "M-1"), json.dumps({"name": "Ada Plain", "date_of_birth": None}).encode(),
                            "member/t/M-1")
        s.add(MemberRow(tenant="t", member_id="M-1", plan_id="P", coverage_start=dt.date(2026, 1, 1), status="active",
                        relationship="self", sealed=blob))
        s.add(MemberRow(tenant="t", member_id="M-2", plan_id="P", coverage_start=dt.date(2026, 1, 1), status="active",
                        subscriber_id="M-1", relationship="child"))
        s.add(DocumentRow(sha256="a" * 64, size_bytes=1, media_type="application/pdf", original_name="x.pdf",
                          stored_path="aa/x"))
        s.flush()
        claim = Claim(id="c1", tenant="t", source="cli", submitted_by="me", document_sha256="a" * 64, status="approved",
                      member_id="M-1", declared_member_id="M-1")
        s.add(claim)
        s.flush()
        s.add(DecisionRow(claim_id="c1", tenant="t", member_id="M-1", outcome="APPROVED", billed=Decimal("10.00"),
                          payable=Decimal("10.00"), member_responsibility=Decimal("0.00"),
                          service_date=dt.date(2026, 2, 1), stored={"outcome": "APPROVED", "payable": "10.00",
                                                                     "deductible_applied": "1.00"},
                          digest="d" * 64, decided_by="machine"))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO webhook_endpoints (tenant, url, secret, created_at, updated_at) "
                          "VALUES ('t', 'https://example.com/h', :s, :now, :now)"),
                     {"s": SECRET, "now": dt.datetime.now(dt.UTC)})
    return "M-1"


def test_migration_0011_converts_ids_and_secrets_and_needs_the_key(tmp_path: Path, url: str) -> None:
    settings = _settings(tmp_path, url)
    engine = make_engine(url)
    _seed_0010(engine, settings)
    assert "M-1" in _cells(engine) and SECRET in _cells(engine)

    # Without the master key there is no conversion: a clear error, and the database stays at 0010.
    with pytest.raises(MasterKeyError, match="needs the master key"):
        upgrade(engine)
    key = settings.master_key_file
    key.rename(key.with_name("moved"))
    with pytest.raises(MasterKeyError, match="no master key at"):
        upgrade(engine, settings=settings)
    cli = CliRunner().invoke(app, ["db", "upgrade"], env={"CLAIMFLOW_DATA_DIR": str(tmp_path / "var"),
                                                         "CLAIMFLOW_DATABASE_URL": url})
    assert cli.exit_code == ExitCode.master_key and "no master key at" in cli.output and "hint:" in cli.output
    assert "Traceback" not in cli.output
    key.with_name("moved").rename(key)

    upgrade(engine, settings=settings)
    cells = _cells(engine)
    assert "M-1" not in cells and "M-2" not in cells and SECRET not in cells and "Ada Plain" not in cells
    with session_factory(engine, keyring=Keyring(provider_for(settings)))() as s:
        m1 = get_member(session=s, tenant="t", member_id="M-1")
        m2 = get_member(session=s, tenant="t", member_id="M-2")
        assert m1 is not None and m1.name == "Ada Plain" and m1.member_id == "M-1"
        assert m2 is not None and m2.subscriber_id == "M-1"
        claim = s.get(Claim, "c1")
        assert claim is not None and reveal_member_id(s, "t", claim.member_id) == "M-1"
        assert claim.member_id == claim.declared_member_id == member_index(s, "t", "M-1")
        assert accumulators(session=s, tenant="t", member_id="M-1", year=2026).deductible_met == Decimal("1.00")
        endpoint = s.get(WebhookEndpoint, "t")
        assert endpoint is not None and endpoint.secret is None and endpoint_secret(s, endpoint) == SECRET
    engine.dispose()


def test_index_is_keyed_survives_rotation_and_secrets_are_sealed(tmp_path: Path, url: str) -> None:
    settings = _settings(tmp_path, url)
    sessions = sessions_for(settings)
    with transaction(sessions) as s:
        upsert_members(session=s, members=[Member(member_id="  M-9 ", tenant="t", plan_id="P",
                                                  coverage_start=dt.date(2026, 1, 1), name="Bo")])
        _, secret = set_endpoint(s, tenant="t", url="https://example.com/h")
    with sessions() as s:
        stored = member_index(s, "t", "M-9")  # normalised: surrounding blanks do not make another member
        assert stored.startswith("mi1:") and len(stored) == 68
        assert member_index(s, "other", "M-9") != stored  # per tenant
        key_row = s.scalar(select(DataKeyRow).where(DataKeyRow.subject == INDEX_SUBJECT))
        assert key_row is not None and key_row.wrapped is not None
        endpoint = s.get(WebhookEndpoint, "t")
        assert endpoint is not None and endpoint.secret is None and endpoint_secret(s, endpoint) == secret
    assert secret and secret not in _cells(sessions.kw["bind"])

    rotate_master(settings)
    dispose_all()
    with sessions_for(settings)() as s:
        assert member_index(s, "t", "M-9") == stored
        member = get_member(session=s, tenant="t", member_id="M-9")
        assert member is not None and member.name == "Bo" and member.member_id == "M-9"
        endpoint = s.get(WebhookEndpoint, "t")
        assert endpoint is not None and endpoint_secret(s, endpoint) == secret


def test_api_lists_members_by_their_ids_through_opaque_cursors(tmp_path: Path, url: str) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from db.api_keys import Role, create_key

    settings = _settings(tmp_path, url)
    with transaction(sessions_for(settings)) as s:
        key = create_key(session=s, tenant="t", role=Role.admin)
    auth = {"Authorization": f"Bearer {key.key}"}
    with TestClient(create_app(settings)) as client:
        body = {"members": [{"member_id": m, "plan_id": "P", "coverage_start": "2026-01-01"} for m in ("A-1", "B-2", "C-3")]
                + [{"member_id": "D-4", "plan_id": "P", "coverage_start": "2026-01-01", "subscriber_id": "A-1",
                    "relationship": "child"}]}
        assert client.post("/v1/members", json=body, headers=auth).json() == {"written": 4}
        seen, cursor = [], None
        while True:
            page = client.get("/v1/members", params={"limit": 1, **({"cursor": cursor} if cursor else {})},
                              headers=auth).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert cursor.startswith("mi1:")  # the stored order: the index, not the id
    assert sorted(m["member_id"] for m in seen) == ["A-1", "B-2", "C-3", "D-4"]
    assert next(m for m in seen if m["member_id"] == "D-4")["subscriber_id"] == "A-1"
    assert "A-1" not in _cells(make_engine(url))
