"""`claimflow keys create|list|revoke`: the key is printed once, stored only as a hash, and works until revoked."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from claimflow.cli.main import app
from db.models import ApiKeyRow
from flows.runtime import sessions_for
from claimflow.settings import Settings


def test_create_list_revoke(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLAIMFLOW_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    r = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--role", "reviewer", "--name", "desk", "--json"])
    assert r.exit_code == 0, r.output
    issued = json.loads(r.stdout)
    key = issued["key"]
    prefix, key_id, secret = key.split("_", 2)
    assert prefix == "cfk" and key_id == issued["key_id"] and len(secret) >= 43  # 32 random bytes, base64url
    with sessions_for(Settings(data_dir=tmp_path / "var", _env_file=None))() as s:  # type: ignore[call-arg]
        row = s.scalar(select(ApiKeyRow))
        assert row is not None and row.secret_sha256 == hashlib.sha256(key.encode()).hexdigest()
        assert secret not in (row.name or "") and row.role == "reviewer" and row.tenant == "acme"
    listed = runner.invoke(app, ["keys", "list", "--json"])
    assert listed.exit_code == 0 and secret not in listed.stdout
    assert json.loads(listed.stdout.splitlines()[0])["key_id"] == key_id
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    again = runner.invoke(app, ["keys", "revoke", key_id])
    assert again.exit_code == 17 and "already revoked" in again.output
    bad = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--role", "root"])
    assert bad.exit_code != 0 and "unknown role" in bad.output
