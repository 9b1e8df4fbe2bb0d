"""The append API, checkpoints and proofs from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

import db.audit as audit
from audit_helpers import LOG, build_log
from claimflow.settings import Settings
from db.audit import hashing, merkle, proofs
from db.audit import standalone_verify as sv
from db.engine import session_factory, transaction


def count(engine: Engine) -> list[int]:
    with engine.connect() as c:
        return [r[0] for r in c.execute(text("SELECT seq FROM audit_entry WHERE log = :l ORDER BY seq"), {"l": LOG})]


def test_append_returns_the_stored_canonical_entry(any_engine: Engine) -> None:
    with transaction(session_factory(any_engine)) as s:
        e = audit.append(s, log=LOG, actor="cli:alice", type="claim.received", data={"claim_id": "c1", "b": [1, None, True]})
    obj = json.loads(e.entry)
    assert obj == {"v": 1, "log": LOG, "seq": 1, "ts": obj["ts"], "actor": "cli:alice", "type": "claim.received",
                   "data": {"claim_id": "c1", "b": [1, None, True]}}
    assert e.entry == rfc8785.dumps(obj)
    assert sv.RFC3339_UTC.fullmatch(e.ts) and e.ts.endswith("Z")
    assert e.leaf_hash == hashing.leaf_hash(e.entry)
    assert e.chain_hash == hashing.chain_hash(hashing.GENESIS, e.leaf_hash)
    with any_engine.connect() as c:
        stored = c.execute(text("SELECT entry, claim_id FROM audit_entry WHERE seq = 1")).one()
    assert bytes(stored[0]) == e.entry and stored[1] == "c1"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"payable": 12.5}, TypeError),
        ({"nested": [{"x": 1.0}]}, TypeError),
        ({1: "non-string key"}, TypeError),
        ({"when": __import__("datetime").date(2026, 1, 1)}, TypeError),
        ({"big": 2**60}, ValueError),
    ],
)
def test_bad_payloads_are_refused_before_anything_is_written(any_engine: Engine, data: dict, error: type) -> None:
    with pytest.raises(error):
        with transaction(session_factory(any_engine)) as s:
            audit.append(s, log=LOG, actor="a", type="claim.received", data=data)
    assert count(any_engine) == []


@pytest.mark.parametrize(("log", "type_"), [("bad log", "claim.received"), ("ok", "Claim Received"), ("ok", "claim")])
def test_bad_names_are_refused(any_engine: Engine, log: str, type_: str) -> None:
    with pytest.raises(ValueError):
        with transaction(session_factory(any_engine)) as s:
            audit.append(s, log=log, actor="a", type=type_, data={})


def test_rollback_leaves_no_gap_and_batches_are_contiguous(any_engine: Engine) -> None:
    sessions = session_factory(any_engine)
    with transaction(sessions) as s:
        audit.append(s, log=LOG, actor="a", type="claim.received", data={"claim_id": "1"})
    with pytest.raises(RuntimeError):
        with transaction(sessions) as s:
            audit.append_many(s, log=LOG, items=[("a", "ocr.completed", {"claim_id": "1"})] * 3)
            raise RuntimeError("the claim's own write failed")
    with transaction(sessions) as s:
        batch = audit.append_many(s, log=LOG, items=[("a", "ocr.completed", {"claim_id": str(i)}) for i in range(5)])
        other = audit.append(s, log="other-tenant", actor="a", type="claim.received", data={})
    assert [e.seq for e in batch] == [2, 3, 4, 5, 6] and other.seq == 1
    assert count(any_engine) == [1, 2, 3, 4, 5, 6]
    assert audit.verify_database(any_engine).ok


def test_checkpoint_every_n_and_file_only_after_commit(any_engine: Engine, tmp_path: Path) -> None:
    built = build_log(any_engine, tmp_path / "var", n=25, every=10)
    files = sorted(p.name for p in (built.settings.data_dir / "checkpoints").iterdir())
    assert files == [f"{LOG}-000000000010.checkpoint", f"{LOG}-000000000020.checkpoint"]
    sessions = session_factory(any_engine)
    with pytest.raises(RuntimeError):
        with transaction(sessions) as s:
            assert audit.maybe_checkpoint(s, settings=built.settings, log=LOG, force=True) is not None
            raise RuntimeError("rolled back")
    assert len(list((built.settings.data_dir / "checkpoints").iterdir())) == 2
    with transaction(sessions) as s:
        cp = audit.maybe_checkpoint(s, settings=built.settings, log=LOG, force=True)
    assert cp is not None and cp.size == 25
    assert (built.settings.data_dir / "checkpoints" / cp.filename).read_text() == cp.signed_note


def test_checkpoint_when_the_last_one_is_old(sqlite_engine: Engine, tmp_path: Path) -> None:
    import time

    built = build_log(sqlite_engine, tmp_path / "var", n=3, every=3)
    s = Settings(data_dir=tmp_path / "var", checkpoint_every=1000, checkpoint_seconds=1, _env_file=None)  # type: ignore[call-arg]
    sessions = session_factory(sqlite_engine)
    with transaction(sessions) as session:
        audit.append(session, log=LOG, actor="a", type="claim.received", data={})
        assert audit.maybe_checkpoint(session, settings=s, log=LOG) is None  # 1 new entry, checkpoint still fresh
    time.sleep(1.1)
    with transaction(sessions) as session:
        cp = audit.maybe_checkpoint(session, settings=s, log=LOG)
        assert cp is not None and cp.size == 4
        assert audit.maybe_checkpoint(session, settings=s, log=LOG, force=True) is None  # nothing new to sign
    assert audit.verify_database(sqlite_engine, pubkey=built.pubkey, strict=True).ok


def test_missing_key_skips_checkpoint_with_a_warning(any_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    s = Settings(data_dir=tmp_path / "var", checkpoint_every=1, _env_file=None)  # type: ignore[call-arg]
    with transaction(session_factory(any_engine)) as session:
        audit.append(session, log=LOG, actor="a", type="claim.received", data={})
        assert audit.maybe_checkpoint(session, settings=s, log=LOG) is None
    assert "checkpoint of acme skipped" in caplog.text


def test_proofs_from_stored_nodes_match_the_full_tree(any_engine: Engine, tmp_path: Path) -> None:
    build_log(any_engine, tmp_path / "var", n=20, every=1000)
    sessions = session_factory(any_engine)
    with transaction(sessions) as s:  # 300 entries: stored nodes at levels 6..8
        audit.append_many(s, log=LOG, items=[("a", "claim.received", {"claim_id": f"x{i}"}) for i in range(280)])
    with any_engine.connect() as c:
        leaves = [bytes(r[0]) for r in c.execute(text("SELECT leaf_hash FROM audit_entry ORDER BY seq"))]
        nodes = c.execute(text("SELECT COUNT(*) FROM audit_node")).scalar_one()
    assert nodes == 4 + 2 + 1  # 300 leaves: four level-6, two level-7, one level-8 complete subtrees
    memory = merkle.subtree_from_leaves(leaves)
    from db.audit.source import reader

    with reader(any_engine) as r:
        stored = proofs.db_subtree(r, LOG)
        for size in (1, 63, 64, 65, 128, 200, 256, 299, 300):
            for index in {0, size // 3, size - 1}:
                assert merkle.inclusion_proof(index, size, stored) == merkle.inclusion_proof(index, size, memory)
            for old in {1, size // 2, size - 1} - {0}:
                assert merkle.consistency_proof(old, size, stored) == merkle.consistency_proof(old, size, memory)


def test_prove_claim_and_consistency(any_engine: Engine, tmp_path: Path) -> None:
    built = build_log(any_engine, tmp_path / "var", n=70, every=35)
    key = sv.load_public_key(built.pubkey)
    doc = proofs.prove_claim(any_engine, "claim-3")
    assert [e["seq"] for e in doc["entries"]] == [4, 11, 18, 25, 32, 39, 46, 53, 60, 67] and doc["pending"] == []
    assert len(sv.verify_proof_document(doc, [key])) == 10
    old = (built.settings.data_dir / "checkpoints" / f"{LOG}-000000000035.checkpoint").read_text()
    cons = proofs.prove_consistency(any_engine, old_note=old)
    assert sv.verify_proof_document(cons, [key])


def test_standalone_verifier_needs_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(Path(sv.__file__).read_text())
    roots = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in (n.names if isinstance(n, ast.Import) else [n])
    }
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_standalone_jcs_matches_rfc8785(value: object) -> None:
    assert sv.jcs(value) == rfc8785.dumps(value)


def test_records_must_match_their_logged_digests(any_engine: Engine) -> None:
    import hashlib
    from decimal import Decimal

    from db import claims as repo
    from db.audit.records import verify_records
    from db.models import ExtractionRow

    extraction = {"patient": {"member_id": "M1"}, "total": "120.00", "confidence": 0.93}
    digest = hashlib.sha256(rfc8785.dumps(extraction)).hexdigest()
    sessions = session_factory(any_engine)
    with transaction(sessions) as s:
        repo.ensure_document(s, sha256="a" * 64, size_bytes=1, original_name="x.png", stored_path="x")
        claim = repo.create_claim(s, tenant=LOG, source="cli", submitted_by="t", document_sha256="a" * 64)
        row = ExtractionRow(claim_id=claim.id, extraction=extraction, digest=digest, extractor="t", ocr_engine="t",
                            ocr_confidence=Decimal("0.9"))
        s.add(row)
        audit.append(s, log=LOG, actor="t", type="extraction.completed", data={"claim_id": claim.id, "extraction_digest": digest})
    assert verify_records(any_engine) == []
    with transaction(sessions) as s:
        stored = s.get(ExtractionRow, row.id)
        assert stored is not None
        stored.extraction = {**extraction, "total": "1200.00"}  # a silent edit of the claim data
    problems = verify_records(any_engine)
    assert [(p.seq, p.damage) for p in problems] == [(1, "record_changed")]


def test_verify_reports_progress(sqlite_engine: Engine) -> None:
    with transaction(session_factory(sqlite_engine)) as s:
        audit.append_many(s, log=LOG, items=[("a", "claim.received", {"i": i}) for i in range(7)])
    calls: list[tuple[str, int, int]] = []
    assert audit.verify_database(sqlite_engine, progress=lambda log, done, total: calls.append((log, done, total))).ok
    assert calls[-1] == (LOG, 7, 7)


def test_missing_key_is_warned_about_once_per_log(sqlite_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    s = Settings(data_dir=tmp_path / "var", checkpoint_every=1, _env_file=None)  # type: ignore[call-arg]
    for _ in range(3):
        with transaction(session_factory(sqlite_engine)) as session:
            audit.append(session, log=LOG, actor="a", type="claim.received", data={})
            assert audit.maybe_checkpoint(session, settings=s, log=LOG) is None
    assert caplog.text.count("checkpoint of acme skipped") == 1
