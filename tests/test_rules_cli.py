"""`claimflow adjudicate`, `claimflow plans check`, `claimflow members load/show`: outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimflow.cli.main import app
from claimflow.errors import ExitCode
from rules import PLANS_DIR
from rules.claimspec import claim_dict

runner = CliRunner()
MEMBERS = """members:
  - {member_id: GLD-1001, plan_id: GOLD-PPO, coverage_start: 2025-01-01}
  - {member_id: SLV-9, plan_id: SILVER-HMO, coverage_start: 2024-01-01, coverage_end: 2025-06-30, status: terminated}
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAIMFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CLAIMFLOW_DATABASE_URL", raising=False)
    monkeypatch.delenv("CLAIMFLOW_PLANS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    (tmp_path / "members.yaml").write_text(MEMBERS)
    claim = claim_dict({"sha": "cli-visit", "member_id": "GLD-1001", "dates": ["2026-03-02"],
                        "diagnoses": ["J06.9"], "lines": ["99213 150.00"]})  # fmt: skip
    (tmp_path / "claim.json").write_text(json.dumps(claim))
    return tmp_path


def test_adjudicate_with_a_members_file_prints_decision_and_eob(env: Path) -> None:
    r = runner.invoke(app, ["adjudicate", str(env / "claim.json"), "--members", str(env / "members.yaml"),
                            "--today", "2026-04-01"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "APPROVED" in r.output and "EXPLANATION OF BENEFITS" in r.output
    assert "CO-45/N381" in r.output and "PR-3" in r.output


def test_adjudicate_json_is_a_decision(env: Path) -> None:
    r = runner.invoke(app, ["adjudicate", str(env / "claim.json"), "--members", str(env / "members.yaml"),
                            "--today", "2026-04-01", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["outcome"] == "APPROVED" and d["payable"] == "80.00" and d["member_responsibility"] == "25.00"
    assert d["plan_id"] == "GOLD-PPO" and d["plan_version"].startswith("sha256:")


def test_adjudicate_unknown_member_is_denied_and_terminated_member_too(env: Path) -> None:
    for member, code in (("NOBODY", "31"), ("SLV-9", "27")):
        r = runner.invoke(app, ["adjudicate", str(env / "claim.json"), "--member", member, "--members",
                                str(env / "members.yaml"), "--today", "2026-04-01", "--json"])  # fmt: skip
        assert r.exit_code == 0, r.output
        d = json.loads(r.output)
        assert d["outcome"] == "DENIED" and {x["code"] for x in d["reasons"]} == {code}


def test_members_load_then_adjudicate_from_the_database(env: Path) -> None:
    r = runner.invoke(app, ["members", "load", str(env / "members.yaml")])
    assert r.exit_code == 0, r.output
    assert "2 member(s) loaded" in r.output
    r = runner.invoke(app, ["members", "show", "GLD-1001"])
    assert r.exit_code == 0 and "GOLD-PPO" in r.output
    r = runner.invoke(app, ["adjudicate", str(env / "claim.json"), "--today", "2026-04-01", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["payable"] == "80.00"
    r = runner.invoke(app, ["members", "show", "NOBODY"])
    assert r.exit_code == ExitCode.member_unknown


def test_bad_inputs_exit_non_zero_with_a_clear_message(env: Path) -> None:
    r = runner.invoke(app, ["adjudicate", str(env / "missing.json"), "--members", str(env / "members.yaml")])
    assert r.exit_code == ExitCode.input_missing
    (env / "bad.json").write_text("{not json")
    r = runner.invoke(app, ["adjudicate", str(env / "bad.json"), "--members", str(env / "members.yaml")])
    assert r.exit_code == ExitCode.bad_input and "not a JSON extraction" in r.output
    (env / "members.txt").write_text("x")
    r = runner.invoke(app, ["adjudicate", str(env / "claim.json"), "--members", str(env / "members.txt")])
    assert r.exit_code == ExitCode.bad_input


def test_plans_check_valid_and_invalid(env: Path) -> None:
    r = runner.invoke(app, ["plans", "check"])
    assert r.exit_code == 0, r.output
    assert "4 plan(s) valid" in r.output
    bad = env / "plans"
    bad.mkdir()
    gold = (PLANS_DIR / "gold-ppo.yaml").read_text()
    (bad / "gold.yaml").write_text(gold.replace("coinsurance: 20 ", "coinsurance: lots "))
    r = runner.invoke(app, ["plans", "check", str(bad)])
    assert r.exit_code == ExitCode.plan_invalid
    assert "gold.yaml:15: coinsurance:" in r.output
