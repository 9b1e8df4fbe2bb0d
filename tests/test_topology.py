"""The many-box topology with processes (issue 27, part 8; docs/operations.md "One box and many"): `prefect server
start` on PostgreSQL, claimflow's deployments registered for a process work pool, two `prefect worker start`
processes, originals in S3 (moto's server). 20 documents received here and triggered as deployment runs must all be
decided, by runs spread over both workers, each worker reading the originals from S3 (it has no local copy), and the
audit log must verify. Slow (real processes, real OCR of digital PDFs); CI runs it with CLAIMFLOW_TEST_PG_URL set."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from claimflow.errors import FlowError
from claimflow.settings import Settings
from conftest import PG_URL_ENV, fresh_database, pg_admin_url
from topology_harness import (
    Topology,
    base_env,
    start_prefect_server,
    start_worker,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DOCUMENTS = 20
POOL = "claimflow-topology"
WORKERS = ("worker-a", "worker-b")
RUNS_PER_WORKER = 2  # `--limit`: each worker takes at most this many runs at once, so the other gets its share
TENANT = "default"  # the generator's members.yaml is for this tenant
DECIDED = {"approved", "partially_approved", "denied", "pending_review"}
KEY_ID, SECRET = "topology-test", "topology-test-secret-value"
CLAIMS_TIMEOUT = 1200.0  # 20 flow-run processes on a shared 2-core machine: minutes, bounded


@dataclass(frozen=True)
class Inbox:
    """Generated single-page digital PDFs (cheap to read: a text layer), their members.yaml, and what is known."""

    documents: list[Path]
    members: Path
    ineligible: set[str]  # file names of bills whose member is unknown, lapsed or terminated: never paid
    received_on: dt.date  # a fortnight after the latest service date, so timely filing passes


def generate_inbox(out: Path) -> Inbox:
    from claimflow.samples.generate import generate

    results = generate(out, count=DOCUMENTS, seed=27_08, formats=["digital_pdf"], workers=1)
    docs = sorted(out.glob("*.pdf"))
    assert len(docs) == DOCUMENTS and len({hashlib.sha256(p.read_bytes()).hexdigest() for p in docs}) == DOCUMENTS
    ineligible = {r.manifest["file"] for r in results if r.manifest["membership"] in {"non_member", "lapsed",
                                                                                      "terminated"}}
    served = [dt.date.fromisoformat(d) for p in docs
              for d in json.loads(p.with_suffix(".truth.json").read_text())["service_dates"]]
    return Inbox(docs, out / "members.yaml", ineligible, max(served) + dt.timedelta(days=14))


def make_bucket(endpoint: str) -> str:
    import boto3

    bucket = f"cf-topology-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                 aws_secret_access_key=SECRET).create_bucket(Bucket=bucket)  # fmt: skip
    return bucket


def list_objects(endpoint: str, bucket: str) -> list[str]:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                          aws_secret_access_key=SECRET)  # fmt: skip
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def settings_from(env: dict[str, str]) -> Settings:
    """The Settings a process with environment ``env`` builds (this test process's own, without its environment)."""
    return Settings(_env_file=None, **{k.removeprefix("CLAIMFLOW_").lower(): v for k, v in env.items()
                                       if k.startswith("CLAIMFLOW_")})  # type: ignore[arg-type]


def test_claims_run_on_two_workers_of_a_process_pool_against_postgres_and_s3(
    tmp_path: Path, s3_endpoint: str
) -> None:
    admin = pg_admin_url()
    if not admin:
        pytest.skip(f"{PG_URL_ENV} is not set (CI sets it; see .ci/run)")
    inbox = generate_inbox(tmp_path / "inbox")
    work = tmp_path / "topology"
    work.mkdir()
    with Topology(work, base_env(work)) as top:
        try:
            _run(top, admin, s3_endpoint, inbox, work)
        except BaseException:
            print(top.log_tails())  # shown by pytest with the failure
            raise


def _run(top: Topology, admin: str, endpoint: str, inbox: Inbox, work: Path) -> None:
    from flows import dispatch, runtime, stages

    prefect_db = top.enter(fresh_database(admin, "cf_topo_prefect"))
    claims_db = top.enter(fresh_database(admin, "cf_topo_claims"))
    bucket = make_bucket(endpoint)
    api = start_prefect_server(top, prefect_db)
    # What every claimflow process of the topology reads from its environment (compose.yaml's x-claimflow-env).
    top.env.update(
        PREFECT_API_URL=api,
        CLAIMFLOW_DATABASE_URL=claims_db,
        CLAIMFLOW_DATA_DIR=str(work / "admin"),
        CLAIMFLOW_SIGNING_KEY_PATH=str(work / "keys" / "audit.key"),
        CLAIMFLOW_STORE="s3",
        CLAIMFLOW_S3_ENDPOINT_URL=endpoint,
        CLAIMFLOW_S3_BUCKET=bucket,
        CLAIMFLOW_S3_PREFIX="documents",
        CLAIMFLOW_S3_REGION="us-east-1",
        CLAIMFLOW_S3_ACCESS_KEY_ID=KEY_ID,
        CLAIMFLOW_S3_SECRET_ACCESS_KEY=SECRET,
        CLAIMFLOW_WORKERS=str(RUNS_PER_WORKER),
        CLAIMFLOW_OCR_WORKERS="1",
    )
    top.claimflow("db", "upgrade")
    top.claimflow("audit", "keygen")
    top.claimflow("members", "load", str(inbox.members))
    top.claimflow("deploy", "--work-pool", POOL)
    for name in WORKERS:
        # each worker machine has its own DATA_DIR (no shared filesystem); the signing key is deployed to each
        start_worker(top, POOL, name, RUNS_PER_WORKER, CLAIMFLOW_DATA_DIR=str(work / name))

    def all_alive() -> None:
        for p in top.procs:
            p.alive()

    from prefect.client.orchestration import get_client

    with dispatch.server(api), get_client(sync_client=True) as client:
        wait_for("both workers to report to the pool", lambda: True if {
            w.name for w in client.read_workers_for_work_pool(POOL) if w.status == "ONLINE"
        } >= set(WORKERS) else None, 120, alive=all_alive)  # fmt: skip

    # Receipt in this process (the submitter: CLI, watched folder, API); the runs are triggered on the pool.
    settings = settings_from(top.env)
    top.defer(runtime.engine_for(settings).dispose)  # before its database is dropped
    ctx = stages.Context(settings=settings, sessions=runtime.sessions_for(settings), tenant=TENANT, source="cli",
                         submitted_by="test:topology", received_on=inbox.received_on)
    admissions = [dispatch.admit(ctx, p) for p in inbox.documents]
    assert all(a.needs_run for a in admissions)
    refs = [a.ref for a in admissions]
    started = time.monotonic()
    with dispatch.server(api):
        runs = {a.ref.claim_id: dispatch.trigger(a.ref, attempt=a.attempt) for a in admissions}
        assert dispatch.trigger(refs[0]) == runs[refs[0].claim_id], "a document triggered again: the same run"

    def no_run_broke() -> None:
        """Fail now, not at the timeout, when a flow run crashed or failed (e.g. a worker could not import claimflow)."""
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        with dispatch.server(api), get_client(sync_client=True) as client:
            flow_runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID(r) for r in runs.values()])))
        for fr in flow_runs:
            state = fr.state
            assert state is None or not (state.is_crashed() or state.is_failed() or state.is_cancelled()), (
                f"flow run {fr.name}: {state.type.value} {state.message}")

    deadline = time.monotonic() + CLAIMS_TIMEOUT
    statuses: dict[str, str] = {}
    while not statuses:
        all_alive()
        no_run_broke()
        try:
            statuses = dispatch.wait_all(settings, refs, timeout=10)
        except FlowError:
            if time.monotonic() > deadline:
                raise
    wall = time.monotonic() - started
    assert set(statuses) == {r.claim_id for r in refs}
    undecided = {cid[:8]: s for cid, s in statuses.items() if s not in DECIDED}
    assert not undecided, f"claims not decided: {undecided}"
    # decided by the rules as the bills say, on whichever worker: nothing paid to the ineligible, members paid
    by_file = {p.name: statuses[a.ref.claim_id] for p, a in zip(inbox.documents, admissions, strict=True)}
    paid = {f for f, s in by_file.items() if s in ("approved", "partially_approved")}
    assert inbox.ineligible and not paid & inbox.ineligible, by_file
    assert paid, by_file

    # Prefect's record of the runs: each completed by one of the two workers, parameters ids only.
    with dispatch.server(api), get_client(sync_client=True) as client:
        flow_runs = [client.read_flow_run(run_id) for run_id in runs.values()]
    by_worker = collections.Counter(fr.labels.get("prefect.worker.name") for fr in flow_runs)
    assert set(by_worker) == set(WORKERS) and min(by_worker.values()) >= 2, f"runs per worker: {dict(by_worker)}"
    durations = sorted(fr.total_run_time.total_seconds() for fr in flow_runs)
    print(f"{DOCUMENTS} claims decided in {wall:.0f} s by {dict(by_worker)}; time running per flow run: p50 "
          f"{durations[len(durations) // 2]:.1f} s, max {durations[-1]:.1f} s; "
          f"outcomes {dict(collections.Counter(statuses.values()))}")
    for fr in flow_runs:
        assert fr.state is not None and fr.state.is_completed(), (fr.name, fr.state)
        assert set(fr.parameters) == {"tenant", "claim_id", "document_sha256", "attempt"}
        assert fr.labels.get("prefect.work-pool.name") == POOL

    # The originals live in the bucket only: no worker (nor the submitter) kept a local copy.
    assert sorted(list_objects(endpoint, bucket)) == sorted(
        f"documents/{r.document_sha256[:2]}/{r.document_sha256}" for r in refs)
    for place in (*WORKERS, "admin"):
        assert not (work / place / "documents").exists(), f"{place} stored originals locally"

    # claimflow's database agrees, and the audit log — written by the submitter and by the flow-run processes of
    # both workers — verifies, every entry under a signed checkpoint, the stored decisions matching their digests.
    from db.models import Claim

    with runtime.sessions_for(settings)() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == DOCUMENTS
    top.claimflow("audit", "checkpoint")
    output = top.claimflow("audit", "verify", "--strict", "--records", "--json")
    report = json.loads([line for line in output.splitlines() if line.startswith("{")][-1])
    assert report["ok"] and [lr["log"] for lr in report["logs"]] == [TENANT], report
    (log,) = report["logs"]
    # per claim at least: received, OCR, extraction, adjudication
    assert log["entries"] >= 4 * DOCUMENTS and log["covered_by_checkpoint"] == log["entries"], log
