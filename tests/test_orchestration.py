"""Claims as Prefect work: ids-only parameters, the served deployment and its idempotency key, batches, and
transient failures that are retried from the last completed stage."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from claimflow.errors import OcrTimeoutError
from claimflow.settings import Settings
from db import audit
from db.audit.models import AuditEntryRow
from db.models import Claim
from flows import dispatch, stages
from flows.runtime import sessions_for

REPO = Path(__file__).resolve().parent.parent
DIGITAL = REPO / "sample_docs" / "clinic-digital.pdf"
SCAN = REPO / "sample_docs" / "clinic-scan.png"
DECIDED = {"approved", "partially_approved", "denied", "pending_review"}


def _ctx(settings: Settings, tenant: str = "acme") -> stages.Context:
    return stages.Context(settings=settings, sessions=sessions_for(settings), tenant=tenant, source="cli",
                          submitted_by="tester")


def _entries(settings: Settings) -> list[dict]:
    with sessions_for(settings)() as s:
        rows = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.log, AuditEntryRow.seq)).all()
        return [json.loads(bytes(r.entry)) for r in rows]


def _status(settings: Settings, claim_id: str) -> str:
    with sessions_for(settings)() as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None
        return claim.status


def _copy(src: Path, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / "Jane Doe" / name  # a file name and folder that must never reach Prefect
    dst.parent.mkdir(exist_ok=True)
    shutil.copy(src, dst)
    return dst


def test_flow_run_parameters_and_names_are_ids_only(prefect_harness: None, settings: Settings,
                                                    tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter

    doc = _copy(DIGITAL, tmp_path, "jane-doe-bill.pdf")
    admission = dispatch.admit(_ctx(settings), doc)
    result = dispatch.run_local(settings, admission.ref)
    assert result.status in DECIDED

    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs() if r.parameters.get("claim_id") == admission.ref.claim_id]
        assert len(runs) == 1
        run = client.read_flow_run(runs[0].id)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
                                      task_run_filter=TaskRunFilter())
    assert run.parameters == {"tenant": "acme", "claim_id": admission.ref.claim_id,
                              "document_sha256": admission.ref.document_sha256, "attempt": 0}
    short = admission.ref.claim_id[:8]
    assert run.name == f"claim-{short}"
    assert sorted(t.name for t in tasks) == [f"adjudicate-{short}", f"extract-{short}", f"ocr-{short}"]
    stored = json.dumps({"parameters": run.parameters, "name": run.name, "tasks": [t.name for t in tasks]})
    for forbidden in ("jane", "Jane", ".pdf", str(tmp_path), str(settings.data_dir), "sqlite", "db_url",
                      "database_url", "data_dir"):
        assert forbidden not in stored
    with sessions_for(settings)() as s:  # nor any text of the document
        from db.models import ExtractionRow

        extraction = s.scalar(select(ExtractionRow)).extraction
    for value in (extraction["patient"]["name"], extraction["patient"]["member_id"], extraction["provider"]["name"]
                  if isinstance(extraction.get("provider"), dict) else None):
        if value:
            assert str(value) not in stored


def test_a_batch_decides_many_claims_in_one_flow_run(prefect_harness: None, settings: Settings,
                                                     tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    ctx = _ctx(settings, tenant="batchco")
    admissions = [dispatch.admit(ctx, _copy(src, tmp_path, name))
                  for src, name in ((DIGITAL, "a.pdf"), (SCAN, "b.png"))]
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"<html>not a pdf</html>")
    admissions.append(dispatch.admit(ctx, bad))
    finished: list[tuple[str, str]] = []

    statuses = dispatch.run_batch(settings, admissions, on_done=lambda c, s: finished.append((c, s)))

    ids = [a.ref.claim_id for a in admissions]
    assert set(statuses) == set(ids) and sorted(finished) == sorted(statuses.items())
    assert statuses[ids[0]] in DECIDED and statuses[ids[1]] in DECIDED and statuses[ids[2]] == "failed"
    assert all(_status(settings, c) == statuses[c] for c in ids)
    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs() if r.parameters.get("tenant") == "batchco"]
    assert len(runs) == 1 and runs[0].name == f"batch-{ids[0][:8]}-3"
    assert set(runs[0].parameters) == {"tenant", "claims"}
    assert [c["claim_id"] for c in runs[0].parameters["claims"]] == ids and "bad" not in json.dumps(runs[0].parameters)
    # The failure names the file the submitter gave once the submitter names it; the worker only knew the digest.
    failed = stages.summarize(ctx, admissions[2].received, file="x").named(str(bad))
    assert failed.error_kind == "unsupported_type" and str(bad) in (failed.error or "")
    with sessions_for(settings)() as s:
        assert audit.verify_database(s).ok


def _flaky_read(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    """OCR that times out ``failures`` times, then reads for real. Returns the call log."""
    import flows.claim as claim_module

    calls: list[int] = []
    real = stages.read

    def flaky(ctx: stages.Context, received: stages.Received):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) <= failures:
            raise OcrTimeoutError(f"{received.original_name} page 1: tesseract took longer than 0.1 s")
        return real(ctx, received)

    monkeypatch.setattr(stages, "read", flaky)
    monkeypatch.setattr(claim_module, "ocr_task", claim_module.ocr_task.with_options(retry_delay_seconds=0))
    return calls


def test_a_transient_failure_is_not_final_and_a_resubmission_retries_it(
    prefect_harness: None, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _flaky_read(monkeypatch, failures=3)  # the first run's try and both its retries time out
    doc = _copy(DIGITAL, tmp_path, "bill.pdf")
    first = dispatch.admit(_ctx(settings), doc)
    result = dispatch.run_local(settings, first.ref)
    assert len(calls) == 3 and result.status == "failed_transient" and result.error_kind == "ocr_timeout"

    again = dispatch.admit(_ctx(settings), doc)  # the same file again: a new attempt, not "already processed"
    assert again.ref == first.ref and again.attempt == 1 and again.needs_run
    result = dispatch.run_local(settings, again.ref)
    assert len(calls) == 4 and result.status in DECIDED and result.error is None

    types = [(e["type"], e["data"]) for e in _entries(settings)]
    cid = first.ref.claim_id
    assert [t for t, _ in types] == ["claim.received", "claim.failed", "claim.resubmitted", "claim.retried",
                                     "ocr.completed", "extraction.completed", "claim.adjudicated"]
    assert types[1][1] == {"claim_id": cid, "stage": "ocr", "error_kind": "ocr_timeout", "transient": True}
    assert types[3][1] == {"claim_id": cid, "attempt": 1, "resume_from": "received"}
    # Decided now: a third submission is a plain resubmission and runs nothing.
    third = dispatch.admit(_ctx(settings), doc)
    assert not third.needs_run and third.attempt == 1


def test_retry_resumes_from_the_last_completed_stage(
    prefect_harness: None, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.claim as claim_module
    from sqlalchemy.exc import OperationalError

    real_decide = stages.decide
    down = {"on": True}

    def decide(ctx, received, extraction):  # type: ignore[no-untyped-def]
        if down["on"]:
            raise OperationalError("UPDATE claims", {}, Exception("database is locked"))
        return real_decide(ctx, received, extraction)

    monkeypatch.setattr(stages, "decide", decide)
    monkeypatch.setattr(claim_module, "adjudicate_task",
                        claim_module.adjudicate_task.with_options(retry_delay_seconds=0))
    a = dispatch.admit(_ctx(settings), _copy(DIGITAL, tmp_path, "bill.pdf"))
    assert dispatch.run_local(settings, a.ref).status == "failed_transient"
    assert dispatch.transient_claims(settings) == [a.ref.claim_id]

    down["on"] = False
    retried = dispatch.reopen(settings, a.ref.claim_id, actor="cli:tester")
    assert retried.attempt == 1 and retried.received.status == "extracted"
    assert dispatch.run_batch(settings, [retried])[a.ref.claim_id] in DECIDED
    types = [e["type"] for e in _entries(settings)]
    assert types == ["claim.received", "ocr.completed", "extraction.completed", "claim.failed", "claim.retried",
                     "claim.adjudicated"]  # not read again: it resumed at adjudication
    assert dispatch.transient_claims(settings) == []


def test_invalid_input_stays_failed_and_a_retry_does_not_run_it(prefect_harness: None, settings: Settings,
                                                                tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"<html>not a pdf</html>")
    a = dispatch.admit(_ctx(settings), bad)
    assert dispatch.run_local(settings, a.ref).status == "failed"
    again = dispatch.reopen(settings, a.ref.claim_id, actor="cli:tester")
    assert not again.needs_run and again.attempt == 0
    assert not dispatch.admit(_ctx(settings), bad).needs_run
    assert "claim.retried" not in [e["type"] for e in _entries(settings)]


def test_two_triggers_of_one_document_make_one_run(prefect_harness: None, settings: Settings,
                                                   tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.deployments import deployments

    deployments(settings)[0].apply()  # registered, not served: the runs stay scheduled
    a = dispatch.admit(_ctx(settings, tenant="idem"), _copy(DIGITAL, tmp_path, "bill.pdf"))
    first = dispatch.trigger(a.ref)
    assert dispatch.trigger(a.ref) == first
    retry = dispatch.trigger(a.ref, attempt=1)  # a new attempt is a new run, once
    assert retry != first and dispatch.trigger(a.ref, attempt=1) == retry
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(first)
        runs = [r for r in client.read_flow_runs() if r.parameters.get("tenant") == "idem"]
    assert len(runs) == 2
    assert run.idempotency_key == f"idem:{a.ref.document_sha256}" and run.name == f"claim-{a.ref.short}"
    assert run.parameters == dispatch.parameters(a.ref, 0)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(check, what: str, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.5)
    return value


@pytest.mark.slow
def test_served_deployment_round_trip(prefect_harness: None, settings: Settings, tmp_path: Path) -> None:
    """`claimflow serve` in its own process (its settings from its environment) runs a triggered claim, serves the
    HTTP API, and decides a file dropped into the watched folder through a run of the same deployment."""
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    port = _free_port()
    watch_root = tmp_path / "folder"
    env = {**os.environ, "PREFECT_API_URL": api, "CLAIMFLOW_DATA_DIR": str(settings.data_dir),
           "CLAIMFLOW_WORKERS": "1", "PYTHONPATH": str(REPO), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "CLAIMFLOW_WATCH_DIR": str(watch_root), "CLAIMFLOW_WATCH_SETTLE": "0.5"}
    env.pop("CLAIMFLOW_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "claimflow.cli.main", "serve", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.read_deployment_by_name(dispatch.CLAIM_DEPLOYMENT)
                    break
                except ObjectNotFound:
                    assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                    assert time.monotonic() < deadline, "serve did not register its deployments"
                    time.sleep(0.5)
        a = dispatch.admit(_ctx(settings), _copy(DIGITAL, tmp_path, "bill.pdf"))
        run_id = dispatch.trigger(a.ref)
        assert dispatch.trigger(a.ref) == run_id
        result = dispatch.wait_final(settings, a.ref, timeout=180)
        assert result.status in DECIDED, (tmp_path / "serve.log").read_text()
        with get_client(sync_client=True) as client:
            # the claim is decided in claimflow's database a moment before the run reports its end to Prefect
            _until(lambda: client.read_flow_run(run_id).state.is_completed(), "the run did not complete", 60)

        # The HTTP API answers on the port given, and a claim submitted to it is decided by a deployment run.
        base = f"http://127.0.0.1:{port}"
        assert _until(lambda: _get(httpx, f"{base}/healthz"), "no API", 60).status_code == 200
        from db.api_keys import create_key
        from db.engine import transaction

        with transaction(sessions_for(settings)) as s:
            key = create_key(session=s, tenant="acme", role="submitter").key
        with (REPO / "sample_docs" / "vision-digital.pdf").open("rb") as f:
            submitted = httpx.post(f"{base}/v1/claims", headers={"Authorization": f"Bearer {key}"},
                                   files=[("documents", ("v.pdf", f, "application/pdf"))], timeout=30)
        assert submitted.status_code == 202, submitted.text
        api_claim = submitted.json()["claim_id"]
        status = _until(lambda: (httpx.get(f"{base}/v1/claims/{api_claim}", timeout=10,
                                           headers={"Authorization": f"Bearer {key}"}).json()["status"]
                                 in DECIDED | {"failed"}) and "settled",
                        "the API's claim was not decided: " + (tmp_path / "serve.log").read_text(), 180)
        assert status == "settled"
        with sessions_for(settings)() as s:
            assert s.get(Claim, api_claim).status in DECIDED

        # A file dropped into the watched folder is decided by a run of the claim deployment, filed in done/.
        inbox = watch_root / "inbox"
        _until(inbox.is_dir, "the watcher did not lay out its folder", 60)
        shutil.copy(REPO / "sample_docs" / "pharmacy-digital.pdf", inbox / "dropped.pdf")
        result_file = _until(lambda: next((watch_root / "done").glob("*.result.json"), None),
                             "the dropped file was not decided: " + (tmp_path / "serve.log").read_text(), 180)
        claim_id = json.loads(result_file.read_text())["claim_id"]
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                name=FlowRunFilterName(any_=[f"claim-{claim_id[:8]}"])))
        assert [r.parameters["claim_id"] for r in runs] == [claim_id]
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                name=FlowRunFilterName(any_=[f"claim-{api_claim[:8]}"])))
        assert [r.parameters["claim_id"] for r in runs] == [api_claim]
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _get(httpx, url: str):  # type: ignore[no-untyped-def]
    try:
        return httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None


def test_process_command_json_lines_only_and_retry(prefect_harness: None, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    monkeypatch.setenv("CLAIMFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CLAIMFLOW_SERVER", raising=False)
    docs = tmp_path / "in"
    docs.mkdir()
    shutil.copy(DIGITAL, docs / "a.pdf")
    shutil.copy(DIGITAL, docs / "same-bytes.pdf")  # one claim, run once
    (docs / "bad.pdf").write_bytes(b"<html>no</html>")
    runner = CliRunner()

    result = runner.invoke(app, ["process", str(docs), "--json", "--workers", "2"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_file = {Path(r["file"]).name: r for r in lines}
    assert set(by_file) == {"a.pdf", "same-bytes.pdf", "bad.pdf"}
    assert by_file["a.pdf"]["claim_id"] == by_file["same-bytes.pdf"]["claim_id"]
    assert by_file["a.pdf"]["status"] in DECIDED and by_file["same-bytes.pdf"]["resubmission"]
    assert by_file["bad.pdf"]["status"] == "failed" and str(docs / "bad.pdf") in by_file["bad.pdf"]["error"]

    # Again, not as JSON and not on a terminal: plain progress lines, then the table; every file a resubmission.
    result = runner.invoke(app, ["process", str(docs)])
    assert result.exit_code == 0, result.output
    assert "[3/3]" in result.output and "already processed" in result.output and "{" not in result.stdout

    result = runner.invoke(app, ["retry", "--transient"])
    assert result.exit_code == 0 and "no claims are waiting" in result.output
    result = runner.invoke(app, ["retry", by_file["bad.pdf"]["claim_id"]])  # invalid input: not run again
    assert result.exit_code != 0 and "failed (unsupported_type)" in result.stdout

    # A decided claim is not run again; --json shows what is stored (its member id): an accounted read.
    result = runner.invoke(app, ["retry", by_file["a.pdf"]["claim_id"], "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["member_id"] == by_file["a.pdf"]["member_id"]
    from db.models import AccessRow
    from flows.runtime import sessions_for

    with sessions_for(Settings(data_dir=tmp_path / "var", _env_file=None))() as s:  # type: ignore[call-arg]
        reads = [(r.claim_id, r.purpose, r.actor[:4]) for r in s.scalars(select(AccessRow))]
    assert reads == [(by_file["a.pdf"]["claim_id"], "claimflow retry --json", "cli:")]


def test_deploy_registers_module_entrypoints_for_a_process_pool(prefect_harness: None, settings: Settings) -> None:
    from prefect.client.orchestration import get_client

    from flows.deployments import deploy

    ids = deploy(settings, "claimflow-test-pool")
    assert len(ids) == 2 and deploy(settings, "claimflow-test-pool") == ids  # again: the same deployments, updated
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("claimflow-test-pool")
        claim = client.read_deployment_by_name(dispatch.CLAIM_DEPLOYMENT)
        batch = client.read_deployment_by_name(dispatch.BATCH_DEPLOYMENT)
    assert pool.type == "process"
    assert claim.work_pool_name == "claimflow-test-pool" and claim.entrypoint == "flows.claim.claim_flow"
    assert batch.entrypoint == "flows.claim.batch_flow" and not claim.pull_steps
    assert str(settings.data_dir) not in json.dumps(claim.model_dump(mode="json"))


def test_retention_is_deployed_on_a_daily_schedule_only_when_a_retention_period_is_set(settings: Settings) -> None:
    from flows.deployments import deployments

    assert [d.name for d in deployments(settings)] == ["claim", "claim-batch"]
    with_retention = deployments(settings.model_copy(update={"retention_days": 365}), work_pool="pool")
    retention = next(d for d in with_retention if d.name == "retention")
    assert retention.entrypoint == "flows.retention.retention_flow" and retention.work_pool_name == "pool"
    assert [s.schedule.cron for s in retention.schedules] == ["17 3 * * *"]
    assert retention.parameters == {}  # settings come from each worker's environment
