"""`claimflow review ...` as a reviewer meets it: list, take, decide, confirm, correct, reopen, show; exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimflow.cli.main import app
from claimflow.errors import ExitCode
from claimflow.settings import Settings
from db.models import AccessRow
from flows.runtime import dispose_all, engine_for
from review_helpers import TENANT, make_desk

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAIMFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CLAIMFLOW_TENANT", TENANT)
    monkeypatch.setenv("CLAIMFLOW_FOUR_EYES_ABOVE", "50.00")
    yield tmp_path
    dispose_all()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["review", *args])
    return result.exit_code, result.output


def test_review_commands_end_to_end(cli_env: Path) -> None:
    engine = engine_for(Settings(data_dir=cli_env / "var", _env_file=None))  # type: ignore[call-arg]
    desk = make_desk(engine, cli_env, four_eyes_above="50.00", encrypted=True)
    claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.5}, submitted_by="cli:carol")

    code, out = _run("list", "--json")
    assert code == 0 and [json.loads(line)["claim_id"] for line in out.splitlines()] == [claim]
    with Session(engine) as s:  # the list shows member ids: the read is in the access log
        assert [(r.claim_id, r.purpose) for r in s.scalars(select(AccessRow))] == [(claim, "claimflow review list")]
    code, out = _run("list", "--queue", "coding")
    assert code == 0 and "0 claim(s) waiting" in out

    assert _run("take", claim, "--as", "cli:alice")[0] == 0
    code, out = _run("decide", claim, "--approve", "--as", "cli:bob")
    assert code == ExitCode.conflict and "taken by cli:alice" in out and "Traceback" not in out
    code, out = _run("decide", claim, "--approve", "--deny", "96", "--as", "cli:alice")
    assert code == 2
    code, out = _run("decide", claim, "--adjust", "zero=1", "--as", "cli:alice")
    assert code == 2

    code, out = _run("decide", claim, "--adjust", "0=90.00", "--note", "contract rate", "--as", "cli:alice", "--json")
    assert code == 0, out
    proposed = json.loads(out)
    assert proposed["status"] == "awaiting_confirmation" and proposed["decision"]["payable"] == "65.00"

    code, out = _run("confirm", claim, "--as", "cli:alice")
    assert code == ExitCode.forbidden and "cannot also confirm" in out
    code, out = _run("confirm", claim, "--as", "cli:carol")
    assert code == ExitCode.forbidden and "submitted" in out
    code, out = _run("confirm", claim, "--as", "cli:bob")
    assert code == 0 and "approved" in out

    code, out = _run("reopen", claim, "--reason", "provider appealed", "--as", "cli:bob")
    assert code == 0 and "pending_review" in out
    code, out = _run("correct", claim, "line_items[0].code", "99214", "--as", "cli:bob", "--json")
    assert code == 0, out
    corrected = json.loads(out)
    assert corrected["action"] == "correct" and corrected["extraction_digest"]

    code, out = _run("show", claim, "--json")
    shown = json.loads(out)
    assert [h["action"] for h in shown["history"]][:5] == [None, "adjust", "confirm", "reopen", None]
    assert shown["extraction"]["line_items"][0]["code"] == "99214"
    code, out = _run("show", claim)
    assert code == 0 and claim in out and f"status {shown['status']}" in out and "cli:bob" in out

    code, out = _run("show", "no-such-claim")
    assert code == ExitCode.not_found and "not found" in out
    desk.assert_audit_verifies()
