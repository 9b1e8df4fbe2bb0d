"""`claimflow audit ...` end to end: exit codes, messages, bundles verified by their own verify.py, proofs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from audit_helpers import LOG, build_log, dba, rows, set_entry
from claimflow.cli.main import app
from claimflow.errors import ExitCode
from db import audit
from db.engine import session_factory, transaction

runner = CliRunner()


def env(engine: Engine, data_dir: Path) -> dict[str, str]:
    return {
        "CLAIMFLOW_DATA_DIR": str(data_dir),
        "CLAIMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }


def run(e: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["audit", *args], env=e)


def test_keygen_writes_a_private_key_only_the_owner_can_read(tmp_path: Path, sqlite_engine: Engine) -> None:
    e = env(sqlite_engine, tmp_path / "var")
    result = run(e, "keygen")
    assert result.exit_code == 0, result.output
    key = tmp_path / "var" / "keys" / "audit.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var" / "keys" / "audit.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert (tmp_path / "var" / "keys" / "audit.vkey").read_text().startswith("claimflow.audit+")
    again = run(e, "keygen")
    assert again.exit_code == ExitCode.audit_key and "already exists" in again.output


def test_checkpoint_without_key_fails_clearly(tmp_path: Path, sqlite_engine: Engine) -> None:
    result = run(env(sqlite_engine, tmp_path / "var"), "checkpoint")
    assert result.exit_code == ExitCode.audit_key
    assert "keygen" in result.output


def test_verify_ok_then_edited(any_engine: Engine, tmp_path: Path) -> None:
    built = build_log(any_engine, tmp_path / "var", n=30, every=10)
    e = env(any_engine, tmp_path / "var")
    ok = run(e, "verify", "--strict")
    assert ok.exit_code == 0, ok.output
    assert "30 entries" in ok.output
    as_json = run(e, "verify", "--json", "--checkpoint", str(built.external))
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["ok"] is True
    with dba(any_engine) as c:
        entry = dict((r[0], r[1]) for r in rows(c))[5]
        set_entry(c, 5, entry.replace(b"claim-4", b"claim-X"))
    bad = run(e, "verify")
    assert bad.exit_code == ExitCode.audit_verification_failed
    assert "first bad seq 5" in bad.output and "edited" in bad.output
    report = json.loads(run(e, "verify", "--json").stdout)
    assert report["first_problem"]["seq"] == 5 and report["first_problem"]["damage"] == "edited"


def test_export_bundle_verifies_offline_and_catches_damage(sqlite_engine: Engine, tmp_path: Path) -> None:
    built = build_log(sqlite_engine, tmp_path / "var", n=30, every=10)
    e = env(sqlite_engine, tmp_path / "var")
    bundle = tmp_path / "bundle"
    result = run(e, "export", str(bundle))
    assert result.exit_code == 0, result.output
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    assert manifest["logs"][0]["size"] == 30
    assert run(e, "verify-bundle", str(bundle), "--pubkey", str(built.pubkey), "--strict").exit_code == 0
    standalone = [sys.executable, str(bundle / "verify.py"), str(bundle), "--pubkey", str(built.pubkey)]
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(standalone, capture_output=True, text=True, cwd=tmp_path, env=clean_env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # The auditor's bundle is cut short, and the manifest is rewritten to match: their own checkpoint catches it.
    entries = bundle / "logs" / LOG / "entries.jsonl"
    lines = entries.read_bytes().splitlines(keepends=True)
    entries.write_bytes(b"".join(lines[:25]))
    for cp in (bundle / "logs" / LOG / "checkpoints").iterdir():
        if cp.name > "000000000025":
            cp.unlink()
    manifest["files"] = {}
    manifest["logs"][0].update(size=25, checkpoints=[c for c in manifest["logs"][0]["checkpoints"] if c < f"logs/{LOG}/checkpoints/000000000025"])
    (bundle / "MANIFEST.json").write_text(json.dumps(manifest))
    done = subprocess.run([*standalone, "--checkpoint", str(built.external), "--json"], capture_output=True, text=True, env=clean_env, check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout)["first_problem"]["damage"] == "truncated"
    assert json.loads(done.stdout)["first_problem"]["seq"] == 26
    # An edited line: the stored hashes in the bundle locate it exactly.
    entries.write_bytes(b"".join(lines[:3] + [lines[3].replace(b"claim-3", b"claim-9")] + lines[4:]))
    result = run(e, "verify-bundle", str(bundle), "--pubkey", str(built.pubkey))
    assert result.exit_code == ExitCode.audit_verification_failed and "first bad seq 4, edited" in result.output
    # A line deleted from the middle.
    entries.write_bytes(b"".join(lines[:6] + lines[7:]))
    result = run(e, "verify-bundle", str(bundle), "--pubkey", str(built.pubkey))
    assert result.exit_code == ExitCode.audit_verification_failed and "first bad seq 7, missing" in result.output
    entries.write_bytes(b"".join(lines[:3] + [lines[3].replace(b"claim-3", b"claim-9")] + lines[4:]))
    # Without them (hashes.txt deleted too), the signed roots still catch it, between checkpoints 0 and 10.
    (bundle / "logs" / LOG / "hashes.txt").unlink()
    manifest["logs"][0].pop("hashes")
    (bundle / "MANIFEST.json").write_text(json.dumps(manifest))
    result = run(e, "verify-bundle", str(bundle), "--pubkey", str(built.pubkey))
    assert result.exit_code == ExitCode.audit_verification_failed
    assert "first bad seq 1, rewritten" in result.output and "1..10" in result.output


def test_prove_and_verify_proof(any_engine: Engine, tmp_path: Path) -> None:
    built = build_log(any_engine, tmp_path / "var", n=40, every=20)
    e = env(any_engine, tmp_path / "var")
    proof = tmp_path / "proof.json"
    assert run(e, "prove", "--claim", "claim-2", "-o", str(proof)).exit_code == 0
    ok = run(e, "verify-proof", str(proof), "--pubkey", str(built.pubkey))
    assert ok.exit_code == 0 and ok.output.count("ok seq") == 6, ok.output
    doc = json.loads(proof.read_text())
    for name, mutate in {
        "entry text": lambda d: d["entries"][0].update(entry=d["entries"][0]["entry"].replace("claim-2", "claim-5")),
        "hash bit": lambda d: d["entries"][1].update(inclusion=[_flip_hex(d["entries"][1]["inclusion"][0])] + d["entries"][1]["inclusion"][1:]),
        "tree size": lambda d: d["entries"][0].update(tree_size=39),
        "leaf index": lambda d: d["entries"][0].update(leaf_index=4),
        "extra hash": lambda d: d["entries"][0]["inclusion"].append("00" * 32),
        "claim id": lambda d: d.update(claim_id="claim-3"),
        "checkpoint": lambda d: d.update(checkpoint=d["checkpoint"].replace("\n40\n", "\n41\n")),
    }.items():
        bad = json.loads(json.dumps(doc))
        mutate(bad)
        path = tmp_path / f"bad-{name.replace(' ', '-')}.json"
        path.write_text(json.dumps(bad))
        result = run(e, "verify-proof", str(path), "--pubkey", str(built.pubkey))
        assert result.exit_code == ExitCode.audit_verification_failed, name
    missing = run(e, "prove", "--claim", "no-such-claim")
    assert missing.exit_code == ExitCode.not_found


def _flip_hex(h: str) -> str:
    return f"{int(h[0], 16) ^ 1:x}" + h[1:]


def test_consistency_between_checkpoints(any_engine: Engine, tmp_path: Path) -> None:
    built = build_log(any_engine, tmp_path / "var", n=40, every=10)
    e = env(any_engine, tmp_path / "var")
    cps = built.settings.data_dir / "checkpoints"
    out = tmp_path / "cons.json"
    result = run(e, "consistency", "--old", str(cps / f"{LOG}-000000000010.checkpoint"), "-o", str(out))
    assert result.exit_code == 0, result.output
    ok = run(e, "verify-proof", str(out), "--pubkey", str(built.pubkey))
    assert ok.exit_code == 0 and "size 10 is a prefix of the tree at size 40" in ok.output
    backwards = run(
        e, "consistency", "--old", str(cps / f"{LOG}-000000000030.checkpoint"),
        "--new", str(cps / f"{LOG}-000000000020.checkpoint"),
    )
    assert backwards.exit_code == ExitCode.audit_verification_failed and "older" in backwards.output


def test_verify_after_a_signing_key_rotation_takes_both_keys(sqlite_engine: Engine, tmp_path: Path) -> None:
    build_log(sqlite_engine, tmp_path / "var", n=20, every=10)  # checkpoints at 10 and 20, signed by the first key
    e = env(sqlite_engine, tmp_path / "var")
    keys = tmp_path / "var" / "keys"
    old = tmp_path / "old.pub"
    old.write_bytes((keys / "audit.pub").read_bytes())
    old_id = (keys / "audit.vkey").read_text().split("+")[1]
    assert run(e, "keygen", "--force").exit_code == 0
    new_id = (keys / "audit.vkey").read_text().split("+")[1]
    assert new_id != old_id
    with transaction(session_factory(sqlite_engine)) as s:  # the log grows after the rotation
        audit.append(s, log=LOG, actor="t", type="claim.received", data={"claim_id": "claim-after-rotation"})
    signed = run(e, "checkpoint")
    assert signed.exit_code == 0, signed.output

    both = run(e, "verify", "--pubkey", str(old), "--pubkey", str(keys / "audit.pub"))
    assert both.exit_code == 0, both.output
    assert f"signed by claimflow.audit+{old_id}" in both.output and f"signed by claimflow.audit+{new_id}" in both.output
    report = json.loads(run(e, "verify", "--json", "--pubkey", str(old), "--pubkey", str(keys / "audit.pub")).stdout)
    signers = {s for lr in report["logs"] for cp in lr["checkpoints"] for s in cp.get("signed_by", [])}
    assert signers == {f"claimflow.audit+{old_id}", f"claimflow.audit+{new_id}"}

    only_new = run(e, "verify", "--pubkey", str(keys / "audit.pub"))
    assert only_new.exit_code == ExitCode.audit_verification_failed
    assert "size 10 is not signed by a trusted key" in only_new.output
    assert f"claimflow.audit+{old_id}, an unknown key" in only_new.output
