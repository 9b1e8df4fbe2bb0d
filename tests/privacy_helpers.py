"""Helpers of the privacy tests: run sample claims through the stages, and dump everything claimflow wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import MetaData, select

from claimflow.model import Member
from claimflow.settings import Settings
from db.members import upsert_members
from flows import dispatch, stages
from flows.runtime import engine_for, sessions_for

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_docs"


def truth(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{Path(name).stem}.truth.json").read_text())  # type: ignore[no-any-return]


def load_members(settings: Settings) -> None:
    records = yaml.safe_load((SAMPLES / "members.yaml").read_text())
    records = records["members"] if isinstance(records, dict) else records
    with sessions_for(settings).begin() as s:
        upsert_members(session=s, members=[Member.model_validate(r) for r in records])


def context(settings: Settings, tenant: str = "default") -> stages.Context:
    import datetime as dt

    return stages.Context(settings=settings, sessions=sessions_for(settings), tenant=tenant, source="cli",
                          submitted_by="tester", received_on=dt.date(2025, 12, 1))


def submit(settings: Settings, name: str, tmp: Path, *, flow: bool = False) -> stages.ClaimResult:
    """One sample document through the pipeline: Prefect's flow (``flow``) or the stages in this process."""
    path = tmp / "in" / f"doc-{Path(name).suffix.lstrip('.')}-{abs(hash(name)) % 10_000}{Path(name).suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / name, path)
    ctx = context(settings)
    admission = dispatch.admit(ctx, path)
    if flow:
        dispatch.run_local(settings, admission.ref)
        return stages.summarize(ctx, admission.received, file=str(path))
    return stages.process(ctx, admission.received)


def table_rows(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of claimflow's database (reflected: tables added later are scanned too)."""
    engine = engine_for(settings)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: [dict(r._mapping) for r in conn.execute(select(table))] for name, table in meta.tables.items()}


def files_under(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}
