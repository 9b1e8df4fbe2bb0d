"""One test per attack, on SQLite and PostgreSQL: the DBA disables the triggers and edits the tables with raw SQL;
verification names the first bad seq and the kind of damage."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

import db.audit as audit
from db.audit import hashing
from db.audit import standalone_verify as sv
from audit_helpers import LOG, Built, build_log, dba, rehash_all, rows, set_entry


@pytest.fixture
def built(any_engine: Engine, tmp_path: Path) -> Built:
    return build_log(any_engine, tmp_path / "var", n=50, every=10)


def verify(b: Built, *, external: bool = True, strict: bool = False) -> sv.Report:
    return audit.verify_database(
        b.engine, log=LOG, pubkey=b.pubkey, checkpoint=b.external if external else None, strict=strict
    )


def first(report: sv.Report) -> tuple[int | None, str]:
    assert not report.ok
    p = report.first_problem
    assert p is not None
    return p.seq, p.damage


def test_intact_log_verifies(built: Built) -> None:
    report = verify(built, strict=True)
    assert report.ok, report.summary()
    assert report.logs[0].entries == 50 and report.logs[0].covered == 50


def test_triggers_reject_update_and_delete(built: Built) -> None:
    for sql in ("UPDATE audit_entry SET entry = entry WHERE seq = 3", "DELETE FROM audit_entry WHERE seq = 50"):
        with pytest.raises(Exception, match="append-only"):
            with built.engine.begin() as c:
                c.execute(text(sql))
    assert verify(built).ok


def test_byte_edit(built: Built) -> None:
    with dba(built.engine) as c:
        entry = dict((r[0], r[1]) for r in rows(c))[17]
        k = entry.index(b'"n":16') + 5
        set_entry(c, 17, entry[:k] + b"9" + entry[k + 1 :])
    assert first(verify(built)) == (17, sv.EDITED)


def test_middle_delete(built: Built) -> None:
    with dba(built.engine) as c:
        c.execute(text("DELETE FROM audit_entry WHERE log = :log AND seq = 23"), {"log": LOG})
    assert first(verify(built)) == (23, sv.MISSING)


def test_tail_delete_caught_by_checkpoint(built: Built) -> None:
    with dba(built.engine) as c:
        c.execute(text("DELETE FROM audit_entry WHERE log = :log AND seq > 40"), {"log": LOG})
        c.execute(text("DELETE FROM audit_checkpoint WHERE log = :log AND size > 40"), {"log": LOG})
        rehash_all(c)  # the head now agrees with the shorter log
    # What a bare chain sees: a perfectly consistent, shorter log.
    assert verify(built, external=False).ok
    # The auditor's checkpoint (size 50) proves the tail was cut.
    assert first(verify(built)) == (41, sv.TRUNCATED)


def test_reorder(built: Built) -> None:
    with dba(built.engine) as c:
        for old, new in ((12, -1), (31, 12), (-1, 31)):
            c.execute(text("UPDATE audit_entry SET seq = :n WHERE log = :log AND seq = :o"), {"n": new, "o": old, "log": LOG})
    assert first(verify(built)) == (12, sv.REORDERED)


def test_insert(built: Built) -> None:
    with dba(built.engine) as c:
        stored = rows(c)
        for seq in range(50, 24, -1):  # make room at 25, highest first (the primary key is checked per row)
            c.execute(text("UPDATE audit_entry SET seq = :n WHERE log = :log AND seq = :o"), {"n": seq + 1, "o": seq, "log": LOG})
        forged = hashing.canonical_entry(
            log=LOG, seq=25, ts="2026-11-24T23:00:00.000000Z", actor="dba", type="claim.reviewed",
            data={"claim_id": "claim-0", "decision": "approve"},
        )
        leaf = hashing.leaf_hash(forged)
        c.execute(
            text("INSERT INTO audit_entry (log, seq, entry, leaf_hash, chain_hash, claim_id) "
                 "VALUES (:log, 25, :e, :l, :c, 'claim-0')"),
            {"log": LOG, "e": forged, "l": leaf, "c": hashing.chain_hash(stored[23][3], leaf)},
        )
    assert first(verify(built)) == (25, sv.INSERTED)


def test_full_rehash_with_forged_chain(built: Built) -> None:
    with dba(built.engine) as c:
        entry = dict((r[0], r[1]) for r in rows(c))[35]
        set_entry(c, 35, entry.replace(b'"n":34', b'"n":99'))
        rehash_all(c)
        # Every leaf and chain hash and the head are consistent again: only a signed root can tell.
        c.execute(text("DELETE FROM audit_checkpoint WHERE log = :log AND size > 30"), {"log": LOG})
    assert verify(built, external=False).ok  # without the auditor's checkpoint the forgery passes
    seq, damage = first(verify(built))
    assert (seq, damage) == (31, sv.REWRITTEN)  # between the last matching checkpoint (30) and the auditor's (50)
    assert "31..50" in verify(built).first_problem.message  # type: ignore[union-attr]


def test_rehash_located_by_database_checkpoints(built: Built) -> None:
    with dba(built.engine) as c:
        entry = dict((r[0], r[1]) for r in rows(c))[35]
        set_entry(c, 35, entry.replace(b'"n":34', b'"n":99'))
        rehash_all(c)
    assert first(verify(built, external=False)) == (31, sv.REWRITTEN)  # checkpoints 10..30 match, 40 does not


def test_forged_checkpoint_signed_by_another_key(built: Built, tmp_path: Path) -> None:
    from db.audit import checkpoint as ckp

    other = tmp_path / "other" / "audit.key"
    ckp.keygen(other)
    with built.engine.connect() as c:
        root = bytes(c.execute(text("SELECT root FROM audit_checkpoint WHERE log = :log AND size = 50"), {"log": LOG}).scalar_one())
    forged = tmp_path / "forged.checkpoint"
    forged.write_text(ckp.sign_note(sv.checkpoint_body(sv.origin_for(LOG), 50, root), ckp.load_private_key(other)))
    report = audit.verify_database(built.engine, log=LOG, pubkey=built.pubkey, checkpoint=forged)
    assert first(report) == (None, sv.FORGED_CHECKPOINT)


def test_no_key_means_no_checkpoint_but_processing_continues(any_engine: Engine, tmp_path: Path) -> None:
    from claimflow.settings import Settings
    from db.engine import session_factory, transaction

    settings = Settings(data_dir=tmp_path / "var", checkpoint_every=1, _env_file=None)  # type: ignore[call-arg]
    with transaction(session_factory(any_engine)) as s:
        audit.append(s, log=LOG, actor="a", type="claim.received", data={"claim_id": "x"})
        assert audit.maybe_checkpoint(s, settings=settings, log=LOG) is None
    report = audit.verify_database(any_engine)
    assert report.ok
    assert any("no checkpoint was found" in w for w in report.logs[0].warnings)
    assert not audit.verify_database(any_engine, strict=True).ok
