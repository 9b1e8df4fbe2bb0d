"""Privacy by design (issue 33): the sealed format, erasure, rotation, a missing or wrong master key, retention and the
access log — through the CLI and the API as users meet them, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from claimflow.cli.main import app
from claimflow.errors import ErasedError
from claimflow.settings import Settings
from db import crypto
from db.access import verify_access_log
from db.api_keys import Role, create_key
from db.audit.models import AuditEntryRow
from db.engine import transaction
from db.member_index import member_index, reveal_member_id
from db.models import AccessRow, ExtractionRow, MemberRow
from flows.privacy import apply_retention
from flows.runtime import sessions_for, store_for
from privacy_helpers import load_members, submit, truth

runner = CliRunner()
A, B = "clinic-digital.pdf", "pharmacy-digital.pdf"


# --- the sealed format (pure) ----------------------------------------------------------------------------------


def test_sealed_blob_opens_only_with_its_key_and_purpose() -> None:
    key, other = crypto.new_key(), crypto.new_key()
    blob = crypto.seal(key, "k1", b"Bobby Ryan", b"extraction/c1")
    assert blob[:3] == crypto.MAGIC and blob[3] == crypto.FORMAT_VERSION and crypto.key_id_of(blob) == "k1"
    assert b"Bobby" not in blob
    assert crypto.open_blob(key, blob, b"extraction/c1") == b"Bobby Ryan"
    for k, aad, b in [(other, b"extraction/c1", blob), (key, b"extraction/c2", blob),
                      (key, b"extraction/c1", blob[:-1] + bytes([blob[-1] ^ 1])),
                      (key, b"extraction/c1", blob.replace(b"k1", b"k2", 1))]:
        with pytest.raises(crypto.OpenError):
            crypto.open_blob(k, b, aad)
    with pytest.raises(crypto.SealedFormatError):
        crypto.open_blob(key, blob[:3] + b"\x09" + blob[4:], b"extraction/c1")
    master = crypto.new_key()
    wrapped = crypto.wrap(master, "dk1", key)
    assert crypto.key_id_of(wrapped) == crypto.master_key_id(master) and crypto.unwrap(master, "dk1", wrapped) == key
    with pytest.raises(crypto.OpenError):
        crypto.unwrap(master, "dk2", wrapped)  # a wrapped key moved to another id does not unwrap


# --- through the CLI -------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    monkeypatch.setenv("CLAIMFLOW_DATA_DIR", str(tmp_path / "var"))
    if url:
        monkeypatch.setenv("CLAIMFLOW_DATABASE_URL", url)
    else:
        monkeypatch.delenv("CLAIMFLOW_DATABASE_URL", raising=False)
    for name in ("CLAIMFLOW_TENANT", "CLAIMFLOW_KEY_PROVIDER", "CLAIMFLOW_MASTER_KEY", "CLAIMFLOW_MASTER_KEY_PATH",
                 "CLAIMFLOW_ENCRYPT_AT_REST"):
        monkeypatch.delenv(name, raising=False)
    return Settings(data_dir=tmp_path / "var", database_url=url, ocr_workers=1, _env_file=None)  # type: ignore[call-arg]


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    # an error is an exit code and a message, never an exception escaping the CLI
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _extraction(settings: Settings, claim_id: str) -> dict:
    with sessions_for(settings)() as s:
        row = s.scalar(select(ExtractionRow).where(ExtractionRow.claim_id == claim_id))
        assert row is not None
        return row.extraction  # type: ignore[no-any-return]


@pytest.mark.slow
def test_erase_shreds_one_member_and_the_audit_log_still_verifies(db_settings: Settings, tmp_path: Path) -> None:
    load_members(db_settings)
    a, b = submit(db_settings, A, tmp_path), submit(db_settings, B, tmp_path)
    assert a.claim_id and b.claim_id and a.member_id == truth(A)["patient"]["member_id"]
    store = store_for(db_settings)
    assert store.read_bytes(a.sha256 or "") == (Path(__file__).parent.parent / "sample_docs" / A).read_bytes()

    code, out = _cli("privacy", "erase", "--member", a.member_id or "", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["claims"] == [a.claim_id] and report["documents"] == [a.sha256] and report["keys_destroyed"] >= 2

    # The member's original is gone, their extraction and decision unreadable, their record holds no name.
    assert not store.exists(a.sha256 or "")
    with pytest.raises(ErasedError):
        _extraction(db_settings, a.claim_id)
    with sessions_for(db_settings)() as s:
        member = s.get(MemberRow, ("default", member_index(s, "default", a.member_id or "")))
        assert member is not None and member.name is None and member.date_of_birth is None
        # the sealed copy of the member id is gone with the key: the stored index no longer reveals it
        assert reveal_member_id(s, "default", member.member_id) is None
        # what stays: amounts and outcome (the plain projection), readable without any key
        row = s.scalar(select(ExtractionRow).where(ExtractionRow.claim_id == a.claim_id))
        assert row is not None and row.stored.get("total") == truth(A)["total"]
        entry = [json.loads(bytes(e.entry)) for e in s.scalars(select(AuditEntryRow))
                 if b"privacy.erased" in bytes(e.entry)]
    assert len(entry) == 1 and entry[0]["data"]["extraction_digests"] and truth(A)["patient"]["name"] not in str(entry)
    # Another member's claim is untouched and readable.
    assert _extraction(db_settings, b.claim_id)["patient"]["name"].casefold() == truth(B)["patient"]["name"].casefold()
    assert store.exists(b.sha256 or "")

    code, out = _cli("audit", "verify", "--records")
    assert code == 0, out
    assert "erased on request" in out and "no stored" not in out


@pytest.mark.slow
def test_rotation_keeps_claims_readable_and_a_missing_or_wrong_key_fails_clearly(
    db_settings: Settings, tmp_path: Path
) -> None:  # fmt: skip
    load_members(db_settings)
    a = submit(db_settings, A, tmp_path)
    key_file = db_settings.master_key_file
    old = key_file.read_text()
    assert key_file.stat().st_mode & 0o777 == 0o600

    code, out = _cli("keys", "rotate-master")
    assert code == 0 and "rewrapped" in out, out
    assert key_file.read_text() != old and (key_file.stat().st_mode & 0o777) == 0o600
    retired = list(key_file.parent.glob("master.key.retired-*"))
    assert len(retired) == 1 and retired[0].read_text() == old
    assert _extraction(db_settings, a.claim_id or "")["patient"]["name"] == truth(A)["patient"]["name"]
    assert store_for(db_settings).read_bytes(a.sha256 or "")[:4] == b"%PDF"

    # Missing key: exit 19, saying what to do — never garbage, never a traceback, never a new key.
    new = key_file.read_text()
    key_file.unlink()
    code, out = _cli("review", "show", a.claim_id or "")
    assert code == 19 and "error: no master key" in out and "backup" in out, out
    assert not key_file.exists()
    # Wrong key (e.g. the retired one restored by mistake): names both key ids.
    key_file.write_text(old)
    code, out = _cli("review", "show", a.claim_id or "")
    assert code == 19 and "is not the key the data was encrypted under" in out, out
    # The environment provider with the right key reads everything.
    key_file.write_text(new)
    key_file.chmod(0o600)
    code, out = _cli("review", "show", a.claim_id or "")
    assert code == 0, out


@pytest.mark.slow
def test_environment_key_provider_and_its_rotation(db_settings: Settings, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    k1, k2 = (base64.b64encode(crypto.new_key()).decode() for _ in range(2))
    monkeypatch.setenv("CLAIMFLOW_KEY_PROVIDER", "env")
    monkeypatch.setenv("CLAIMFLOW_MASTER_KEY", k1)
    env = Settings(data_dir=db_settings.data_dir, database_url=db_settings.database_url, ocr_workers=1,
                   _env_file=None)  # type: ignore[call-arg]
    load_members(env)
    a = submit(env, A, tmp_path)
    assert not env.master_key_file.exists()  # the env provider never writes a key file
    monkeypatch.setenv("CLAIMFLOW_MASTER_KEY", k2)
    code, out = _cli("review", "show", a.claim_id or "")
    assert code == 19, out
    monkeypatch.setenv("CLAIMFLOW_MASTER_KEY_PREVIOUS", k1)
    code, out = _cli("privacy", "rotate-master")
    assert code == 0, out
    monkeypatch.delenv("CLAIMFLOW_MASTER_KEY_PREVIOUS")
    code, out = _cli("review", "show", a.claim_id or "")
    assert code == 0, out


@pytest.mark.slow
def test_reads_are_accounted_and_the_member_can_ask_who_saw_their_data(db_settings: Settings, tmp_path: Path) -> None:
    from api.main import create_app

    load_members(db_settings)
    a = submit(db_settings, A, tmp_path)
    member = a.member_id or ""
    with transaction(sessions_for(db_settings)) as s:
        key = create_key(session=s, tenant="default", role=Role.reviewer)
    client = TestClient(create_app(db_settings), raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {key.key}"}
    with client:
        got = client.get(f"/v1/claims/{a.claim_id}", headers=auth)
        assert got.status_code == 200 and got.json()["extraction"]["patient"]["name"] == truth(A)["patient"]["name"]
        assert client.get(f"/v1/claims/{a.claim_id}/documents/1", headers=auth).content[:4] == b"%PDF"
    assert _cli("review", "show", a.claim_id or "")[0] == 0

    code, out = _cli("privacy", "accesses", "--member", member, "--json")
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["purpose"] for r in rows] == ["GET /v1/claims/{claim_id}", "GET /v1/claims/{claim_id}/documents/{ordinal}",
                                            "claimflow review show"]
    assert rows[0]["actor"] == f"key:{key.key_id}" and rows[2]["actor"].startswith("cli:")
    assert {r["claim_id"] for r in rows} == {a.claim_id}
    with transaction(sessions_for(db_settings)) as s:
        assert verify_access_log(s) == []
        assert member not in json.dumps([r.__dict__.get("member_key") for r in s.scalars(select(AccessRow))])
        s.execute(update(AccessRow).where(AccessRow.seq == 2).values(actor="key:someone-else"))
    with sessions_for(db_settings)() as s:
        assert any("seq 2" in p for p in verify_access_log(s))


@pytest.mark.slow
def test_retention_erases_what_is_past_it_and_says_so(db_settings: Settings, tmp_path: Path) -> None:
    load_members(db_settings)
    a = submit(db_settings, A, tmp_path)
    assert "off" in apply_retention(db_settings).summary()
    kept = db_settings.model_copy(update={"retention_days": 30})
    # received 2025-12-01: 30 days later it is not yet due, 31 days later it is
    assert apply_retention(kept, today=dt.date(2025, 12, 31)).members == []
    report = apply_retention(kept, today=dt.date(2026, 1, 1))
    with sessions_for(db_settings)() as s:  # retention names members by what is stored: the id's blind index
        stored = member_index(s, "default", a.member_id or "")
    assert stored != a.member_id and report.members == [("default", stored)] and len(report.erasures) == 1
    assert "erased 1 member(s)" in report.summary() and a.member_id not in report.summary()
    assert not store_for(db_settings).exists(a.sha256 or "")
    with pytest.raises(ErasedError):
        _extraction(db_settings, a.claim_id or "")
    assert apply_retention(kept, today=dt.date(2026, 1, 2)).members == []  # erased once, not again


@pytest.mark.slow
def test_admin_erases_through_the_api_and_erased_claims_answer_410(db_settings: Settings, tmp_path: Path) -> None:
    from api.main import create_app

    load_members(db_settings)
    a, b = submit(db_settings, A, tmp_path), submit(db_settings, B, tmp_path)
    with transaction(sessions_for(db_settings)) as s:
        admin = create_key(session=s, tenant="default", role=Role.admin)
        reviewer = create_key(session=s, tenant="default", role=Role.reviewer)
        other = create_key(session=s, tenant="other", role=Role.admin)
    client = TestClient(create_app(db_settings), raise_server_exceptions=False)
    with client:
        assert client.post(f"/v1/members/{a.member_id}/erase",
                           headers={"Authorization": f"Bearer {reviewer.key}"}).status_code == 403
        # another tenant's admin erases nothing of this tenant's member
        nothing = client.post(f"/v1/members/{a.member_id}/erase", headers={"Authorization": f"Bearer {other.key}"})
        assert nothing.status_code == 200 and nothing.json()["claims"] == []
        done = client.post(f"/v1/members/{a.member_id}/erase", headers={"Authorization": f"Bearer {admin.key}"})
        assert done.status_code == 200 and done.json()["claims"] == [a.claim_id]
        assert done.json()["documents_deleted"] == 1 and done.json()["keys_destroyed"] >= 2
        auth = {"Authorization": f"Bearer {reviewer.key}"}
        gone = client.get(f"/v1/claims/{a.claim_id}", headers=auth)
        assert gone.status_code == 410 and "erased" in gone.text and truth(A)["patient"]["name"] not in gone.text
        assert client.get(f"/v1/claims/{b.claim_id}", headers=auth).status_code == 200


def test_processes_starting_at_once_agree_on_one_master_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from db.keys import FileKeyProvider

    path = tmp_path / "keys" / "master.key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: FileKeyProvider(path).current(create=True), range(32)))
    assert len(keys) == 1 and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["master.key"]


def _console(app: object, key: str) -> TestClient:
    import re

    c = TestClient(app, base_url="https://testserver")  # type: ignore[arg-type]
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/console/login").text)
    assert csrf
    assert c.post("/console/login", data={"key": key, "csrf": csrf.group(1)}, follow_redirects=False).status_code == 303
    return c


@pytest.mark.slow
def test_erasure_drops_the_consoles_rendered_pages(db_settings: Settings, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from api.console import pages
    from api.main import create_app
    from flows import privacy

    load_members(db_settings)
    a, b = submit(db_settings, A, tmp_path), submit(db_settings, B, tmp_path)
    with transaction(sessions_for(db_settings)) as s:
        key = create_key(session=s, tenant="default", role=Role.reviewer)
    app = create_app(db_settings)
    with _console(app, key.key) as c:
        for claim in (a, b):
            got = c.get(f"/console/claims/{claim.claim_id}/documents/1/pages/1.png")
            assert got.status_code == 200 and got.content[:4] == b"\x89PNG"
            assert pages.cached(claim.sha256 or "") == 1

        # An erasure in this process (the API's route, a retention run in the server) drops the pages at once.
        assert _cli("privacy", "erase", "--member", a.member_id or "")[0] == 0
        assert pages.cached(a.sha256 or "") == 0
        assert c.get(f"/console/claims/{a.claim_id}/documents/1/pages/1.png").status_code == 410

        # An erasure in another process (no listener here): the next request finds it erased and drops the page.
        monkeypatch.setattr(privacy, "erased_listeners", [])
        assert _cli("privacy", "erase", "--member", b.member_id or "")[0] == 0
        assert pages.cached(b.sha256 or "") == 1
        assert c.get(f"/console/claims/{b.claim_id}/documents/1/pages/1.png").status_code == 410
        assert pages.cached(b.sha256 or "") == 0


@pytest.mark.slow
def test_cli_reads_of_member_data_are_accounted(db_settings: Settings, tmp_path: Path) -> None:
    load_members(db_settings)
    a = submit(db_settings, A, tmp_path)
    member = a.member_id or ""
    extraction = tmp_path / "x.json"
    extraction.write_text(json.dumps(_extraction(db_settings, a.claim_id or "")))
    assert _cli("members", "show", member, "--json")[0] == 0
    code, out = _cli("adjudicate", str(extraction), "--json")
    assert code == 0, out
    code, out = _cli("privacy", "accesses", "--member", member, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["purpose"] for r in rows] == ["claimflow members show", "claimflow adjudicate"]
    assert all(r["actor"].startswith("cli:") and r["claim_id"] is None for r in rows)
    with sessions_for(db_settings)() as s:
        assert verify_access_log(s) == []
