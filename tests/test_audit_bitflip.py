"""Hypothesis: a single-bit flip anywhere in any stored entry (its bytes, its leaf hash or its chain hash) fails
verification — on the database rows and on an export bundle."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from audit_helpers import LOG, build_log, flip_bit, rows
from db.audit import standalone_verify as sv
from db.engine import make_engine
from db.migrate import upgrade


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[int, bytes, bytes, bytes]], list[sv.CheckpointSource], sv.TrustedKey]:
    tmp = tmp_path_factory.mktemp("bitflip")
    engine: Engine = make_engine(f"sqlite:///{tmp / 'a.db'}")
    upgrade(engine)
    built = build_log(engine, tmp / "var", n=40, every=8)
    with engine.connect() as c:
        stored_rows = rows(c)
    key = sv.load_public_key(built.pubkey)
    cps = [sv.CheckpointSource(built.external.read_text(), str(built.external))]
    engine.dispose()
    return stored_rows, cps, key


def test_untouched_rows_verify(stored) -> None:  # type: ignore[no-untyped-def]
    stored_rows, cps, key = stored
    assert sv.verify_log(LOG, stored_rows, cps, [key], strict=True).ok


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_bit_flip_fails(stored, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    stored_rows, cps, key = stored
    i = data.draw(st.integers(0, len(stored_rows) - 1), label="row")
    column = data.draw(st.sampled_from([1, 2, 3]), label="column (entry, leaf_hash, chain_hash)")
    row = list(stored_rows[i])
    bit = data.draw(st.integers(0, len(row[column]) * 8 - 1), label="bit")
    row[column] = flip_bit(row[column], bit)
    tampered = stored_rows[:i] + [tuple(row)] + stored_rows[i + 1 :]
    report = sv.verify_log(LOG, tampered, cps, [key])
    assert not report.ok
    assert report.first_problem is not None and report.first_problem.seq == i + 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bit_flip_in_an_exported_entry_fails(stored, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    stored_rows, cps, key = stored
    i = data.draw(st.integers(0, len(stored_rows) - 1), label="row")
    entry = stored_rows[i][1]
    flipped = flip_bit(entry, data.draw(st.integers(0, len(entry) * 8 - 1), label="bit"))
    bundle_rows = [(None, r[1], None, None) for r in stored_rows]  # a bundle has the entries only
    bundle_rows[i] = (None, flipped, None, None)
    assert not sv.verify_log(LOG, bundle_rows, cps, [key]).ok
