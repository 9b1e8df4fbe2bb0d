"""The scan test (issue 33): after a full pipeline run on a sample bill, the patient's name, member id and the
diagnosis text are nowhere in plaintext — log output, Prefect's database, the document store, any table of
claimflow's database, the database file itself — only inside sealed blobs, which do open to them (so the test can
fail). Member ids are stored as their keyed blind index (db/member_index.py); the scan itself is shown to catch a
plaintext id put back into any table.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from claimflow.settings import Settings
from db import crypto
from db.member_index import member_index, reveal_member_id
from db.models import ExtractionRow, MemberRow
from flows.runtime import sessions_for
from privacy_helpers import files_under, load_members, submit, table_rows, truth

DOC = "clinic-digital.pdf"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scan_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return Settings(data_dir=tmp_path / "var", database_url=url, ocr_workers=1, _env_file=None)  # type: ignore[call-arg]


def _needles() -> dict[str, str]:
    t = truth(DOC)
    return {"name": t["patient"]["name"], "member_id": t["patient"]["member_id"],
            "diagnosis": t["diagnoses"][0]["description"]}


def _prefect_db_files() -> list[Path]:
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    url = url.get_secret_value() if hasattr(url, "get_secret_value") else str(url)
    assert url.startswith("sqlite"), url
    db = Path(url.split("///", 1)[1])
    return [p for p in db.parent.glob(db.name + "*") if p.is_file()]


@pytest.mark.slow
def test_no_phi_in_plaintext_after_a_full_run(
    prefect_harness: None, scan_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    needles = _needles()
    load_members(scan_settings)
    result = submit(scan_settings, DOC, tmp_path, flow=True)
    assert result.claim_id and result.outcome, result

    # Positive control: the data is there, sealed — the extraction and the member open to the needles.
    with sessions_for(scan_settings)() as s:
        ext = s.scalar(select(ExtractionRow).where(ExtractionRow.claim_id == result.claim_id))
        assert ext is not None and ext.sealed is not None
        opened = json.dumps(ext.extraction)
        assert needles["name"] in opened and needles["diagnosis"] in opened and needles["member_id"] in opened
        stored = member_index(s, "default", needles["member_id"])
        assert stored != needles["member_id"]
        member = s.get(MemberRow, ("default", stored))
        assert member is not None and member.sealed is not None and member.name and member.name_stored is None
        assert reveal_member_id(s, "default", stored) == needles["member_id"]

    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    prefect_bytes = b"".join(p.read_bytes() for p in _prefect_db_files())
    assert prefect_bytes, "found no Prefect database to scan"
    store = files_under(scan_settings.documents_dir)
    assert store and all(data[:3] == crypto.MAGIC for data in store.values())

    for what, needle in needles.items():
        assert needle not in logs, f"{what} in log output"
        assert needle.encode() not in prefect_bytes, f"{what} in Prefect's database"
        for path, data in store.items():
            assert needle.encode() not in data, f"{what} in the document store ({path.name})"
    tables = table_rows(scan_settings)
    assert _plaintext_cells(tables, needles) == []
    assert sum(_sealed_cells(tables)) >= 5  # extraction, decision, member, member id, wrapped data keys
    if scan_settings.database_url is None:  # SQLite: the file itself (free pages, WAL) holds no plaintext either
        raw = b"".join(files_under(scan_settings.data_dir).get(p, b"") for p in scan_settings.data_dir.glob("claimflow.db*"))
        assert raw
        for what, needle in needles.items():
            assert needle.encode() not in raw, f"{what} in the SQLite file"

    # The scan can fail: the plaintext member id put back into any one of the cells that hold its index is found.
    holders = set()
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if value == stored:
                    holders.add(f"{table}.{column}")
                    planted = {table: [{**row, column: needles["member_id"]}]}
                    assert _plaintext_cells(planted, needles) == [f"member_id in {table}.{column}"]
    assert {"claims.member_id", "decisions.member_id", "members.member_id"} <= holders, holders


def _sealed_cells(tables: dict[str, list[dict[str, object]]]) -> list[int]:
    return [1 for rows in tables.values() for row in rows for value in row.values()
            if isinstance(value, (bytes, memoryview)) and crypto.is_sealed(bytes(value))]


def _plaintext_cells(tables: dict[str, list[dict[str, object]]], needles: dict[str, str]) -> list[str]:
    """``<needle> in <table>.<column>`` for every cell outside a sealed blob that holds a needle."""
    found = []
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, (bytes, memoryview)) and crypto.is_sealed(bytes(value)):
                    continue  # a sealed blob: ciphertext (opened above)
                text = value.decode("latin-1") if isinstance(value, (bytes, memoryview)) else json.dumps(value, default=str)
                found += [f"{what} in {table}.{column}" for what, needle in needles.items() if needle in text]
    return found
