"""Pipeline benchmark (not a test): `python bench/pipeline_bench.py [--count N]` (``make bench``).

Measures in one run, on the same generated single-page scanned bills (fixed seed, ``claimflow samples generate``):
1. the baseline: the raw ``tesseract FILE stdout`` CLI on every page, two processes at once, OMP_THREAD_LIMIT=1
   (and once with one process: how far two processes scale on this machine at all);
2. the whole pipeline with two workers, as ``claimflow process`` runs it on one box: receipt of every file (store,
   claim row, audit) in this process, then one batch flow run deciding the claims on two worker processes (OCR,
   extraction) while its threads write the stages and the audit log. Prefect's ephemeral server and the worker
   processes (with their models) are started by warm-up claims first and their start-up reported on its own line
   (it is paid once per `claimflow process`, not per claim).
   Printed: wall time, ratio to the baseline (target ≤ 2.6x), claims/hour (target ≥ 5,000), p50/p95 claim latency
   (from the batch's start to the claim's decision);
3. the same pages with one worker: 2 workers vs 1 (target ≥ 1.8x);
4. CPU by process (batch process, worker processes, Prefect's server) and the wall times it implies on 2 idle cores:
   on a shared machine the wall-time ratios say more about the neighbours than about claimflow;
5. orchestration cost per claim with nothing to do: the same files submitted again (every one a resubmission of a
   decided claim: receipt and audit only, no flow run), and the batch flow over decided claims;
6. claims/hour for digital PDFs (text layer, no OCR) with two workers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from claimflow.model.member import members_from_file  # noqa: E402
from claimflow.samples.generate import generate  # noqa: E402
from claimflow.settings import Settings  # noqa: E402
from db.audit.checkpoint import keygen  # noqa: E402
from db.members import upsert_members  # noqa: E402
from flows import dispatch, stages  # noqa: E402
from flows.runtime import sessions_for  # noqa: E402

SCAN_FORMATS = ("png", "jpeg", "tiff")


def bills(out: Path, count: int, seed: int, formats: tuple[str, ...]) -> list[Path]:
    """``count`` single-page bills (generated until that many have one page)."""
    files: list[Path] = []
    start = 0
    while len(files) < count:
        for r in generate(out, count=count, seed=seed, formats=formats, start=start):
            if r.manifest["pages"] == 1 and len(files) < count:
                files.append(out / r.manifest["file"])
        start += count
    return files


def cpu_split() -> dict[str, float]:
    """CPU used so far by this process and every process under it, live or ended, in three groups: ``batch`` (this
    process, all threads, and the children it reaped: raw tesseract runs), ``workers`` (the worker/OCR processes under
    the multiprocessing forkserver, and their tesseract runs) and ``prefect`` (Prefect's ephemeral server). Each live
    process counts its own CPU and that of the children it has reaped (utime, stime, cutime, cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile: its CPU is in its parent's cutime
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))

    def tree(pid: int) -> float:
        own = sum(int(x) for x in stats[pid][11:15]) / tick if pid in stats else 0.0
        return own + sum(tree(c) for c in children.get(pid, []))

    split = {"batch": sum(int(x) for x in stats[os.getpid()][11:15]) / tick, "workers": 0.0, "prefect": 0.0}
    for child in children.get(os.getpid(), []):
        try:
            forkserver = b"multiprocessing.forkserver" in Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        split["workers" if forkserver else "prefect"] += tree(child)
    return split


def cpu_seconds() -> float:
    return sum(cpu_split().values())


def raw_tesseract(paths: list[Path], procs: int = 2) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(p: Path) -> None:
        subprocess.run(["tesseract", str(p), "stdout"], capture_output=True, check=True, env=env)

    t = time.perf_counter()
    with ThreadPoolExecutor(procs) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - t


def fresh_settings(root: Path, name: str, workers: int, members: list[Path]) -> Settings:
    s = Settings(data_dir=root / name, workers=workers, _env_file=None)  # type: ignore[call-arg]
    keygen(s.signing_key)  # audit checkpoints are signed, as in production
    with sessions_for(s).begin() as session:
        for m in members:
            upsert_members(session=session, members=members_from_file(m, tenant=s.tenant))
    return s


def admit_all(s: Settings, files: list[Path]) -> list[dispatch.Admission]:
    ctx = stages.Context(settings=s, sessions=sessions_for(s), tenant=s.tenant, source="cli", submitted_by="bench")
    return [dispatch.admit(ctx, f) for f in files]


def pipeline(s: Settings, files: list[Path]) -> dict:
    """What `claimflow process` does once Prefect is up: receive every file, then one batch. Wall and latencies."""
    t0, c0 = time.perf_counter(), cpu_split()
    admissions = admit_all(s, files)
    t_batch = time.perf_counter()
    done: dict[str, float] = {}
    statuses = dispatch.run_batch(s, [a for a in admissions if a.needs_run],
                                  on_done=lambda c, _st: done.setdefault(c, time.perf_counter()))
    wall = time.perf_counter() - t0
    split = {k: v - c0[k] for k, v in cpu_split().items()}
    cpu = sum(split.values())
    lat = sorted(t - t_batch for t in done.values())
    counts: dict[str, int] = {}
    for st in statuses.values():
        counts[st] = counts.get(st, 0) + 1
    return {"wall_s": wall, "cpu_s": cpu, "cpu_split_s": split, "receipt_s": t_batch - t0, "claims": len(files),
            "per_hour": len(files) * 3600 / wall,
            "p50_s": statistics.median(lat), "p95_s": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))],
            "statuses": counts}


def idle_wall(run: dict, workers: int) -> float:
    """The wall time ``run`` would take on 2 idle cores, from its CPU by process: ``workers`` worker processes (each
    on at most one core: it waits for its own tesseract runs), the batch process (one core: the GIL) and Prefect's
    server run side by side; nothing finishes before the busiest of them, nor before all their CPU fits on 2 cores."""
    split = run["cpu_split_s"]
    return max(sum(split.values()) / 2, split["workers"] / workers, split["batch"], split["prefect"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=40, help="scanned bills (and digital PDFs)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        root = Path(tmp)
        scans = bills(root / "scans", args.count, args.seed, SCAN_FORMATS)
        digital = bills(root / "digital", args.count, args.seed + 1, ("digital_pdf",))
        members = [root / "scans" / "members.yaml", root / "digital" / "members.yaml"]  # each set writes its own

        # Warm-up: Prefect's ephemeral server, the worker processes of 2 and of 1 worker with their models (paid
        # once per process: `claimflow process` starts one pool).
        t = time.perf_counter()
        pipeline(fresh_settings(root, "warm", 2, members), [digital[0], scans[0]])
        startup = time.perf_counter() - t
        pipeline(fresh_settings(root, "warm1", 1, members), [scans[1]])

        c = cpu_seconds()
        raw = raw_tesseract(scans)
        raw_cpu = cpu_seconds() - c
        two = pipeline(fresh_settings(root, "two", 2, members), scans)
        raw2 = raw_tesseract(scans)  # again after, so load on a shared machine hits both sides alike
        base = min(raw, raw2)
        raw1 = raw_tesseract(scans, procs=1)  # how far two processes scale on this machine at all
        one = pipeline(fresh_settings(root, "one", 1, members), scans)

        s2 = Settings(data_dir=root / "two", workers=2, _env_file=None)  # type: ignore[call-arg]
        t = time.perf_counter()
        again = admit_all(s2, scans)
        resubmit = (time.perf_counter() - t) / len(scans)
        assert not any(a.needs_run for a in again), "every resubmission of a decided claim needs no run"
        t = time.perf_counter()
        dispatch.run_batch(s2, again)
        settled = (time.perf_counter() - t) / len(scans)

        dig = pipeline(fresh_settings(root, "digital", 2, members), digital)

    result = {
        "count": args.count, "seed": args.seed, "raw_tesseract_2proc_s": base, "raw_tesseract_cpu_s": raw_cpu,
        "startup_s": startup, "load_average": os.getloadavg(),
        "cpu_ratio_vs_raw": two["cpu_s"] / raw_cpu, "cpu_per_claim_s": two["cpu_s"] / args.count,
        "two_workers": two, "one_worker": one, "digital_two_workers": dig,
        "ratio_vs_raw": two["wall_s"] / base, "speedup_2_vs_1": one["wall_s"] / two["wall_s"],
        "raw_tesseract_1proc_s": raw1, "raw_speedup_2_vs_1": raw1 / base,
        "idle_estimate": {
            "two_workers_s": idle_wall(two, 2), "one_worker_s": idle_wall(one, 1),
            "ratio_vs_raw": idle_wall(two, 2) / (raw_cpu / 2), "per_hour": args.count * 3600 / idle_wall(two, 2),
            "speedup_2_vs_1": idle_wall(one, 1) / idle_wall(two, 2),
        },
        "resubmission_s_per_claim": resubmit, "batch_task_s_per_settled_claim": settled,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    n = args.count
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    print(f"pipeline benchmark: {n} generated single-page scanned bills (seed {args.seed}), {os.cpu_count()} cores, "
          f"load average {load} (wall-time ratios are only meaningful on an otherwise idle machine)")
    print(f"  raw tesseract, 2 processes:          {base:6.1f} s   ({n * 3600 / base:,.0f} pages/h)")
    print(f"  claimflow, 2 workers:                 {two['wall_s']:6.1f} s   = {result['ratio_vs_raw']:.2f}x raw "
          f"(target <= 2.6x)   {two['per_hour']:,.0f} claims/h (target >= 5,000)")
    print(f"    receipt of {n} files {two['receipt_s']:.1f} s; claim latency p50 {two['p50_s']:.1f} s, "
          f"p95 {two['p95_s']:.1f} s; outcomes {two['statuses']}")
    print(f"    CPU (all processes, Prefect's server included): {two['cpu_s']:.1f} s = "
          f"{result['cpu_ratio_vs_raw']:.2f}x raw tesseract's {raw_cpu:.1f} s; "
          f"{result['cpu_per_claim_s']:.2f} s a claim: on 2 idle cores at most "
          f"{2 * 3600 / result['cpu_per_claim_s']:,.0f} claims/h")
    print(f"  claimflow, 1 worker:                  {one['wall_s']:6.1f} s   2 vs 1 workers: "
          f"{result['speedup_2_vs_1']:.2f}x (target >= 1.8x); raw tesseract 1 process {raw1:.1f} s: 2 vs 1 "
          f"{result['raw_speedup_2_vs_1']:.2f}x")
    est = result["idle_estimate"]
    for label, run in (("2 workers", two), ("1 worker", one)):
        split = ", ".join(f"{k} {v:.1f} s" for k, v in run["cpu_split_s"].items())
        print(f"  CPU by process, {label}: {split}")
    print(f"  on 2 idle cores (from the CPU by process): 2 workers {est['two_workers_s']:.1f} s = "
          f"{est['ratio_vs_raw']:.2f}x raw tesseract's {raw_cpu / 2:.1f} s, {est['per_hour']:,.0f} claims/h; "
          f"1 worker {est['one_worker_s']:.1f} s; 2 vs 1 {est['speedup_2_vs_1']:.2f}x")
    print(f"  orchestration, nothing to do:         {resubmit * 1000:6.1f} ms/claim (resubmission: receipt + audit, "
          f"no flow run); {settled * 1000:.1f} ms/claim (batch flow over decided claims)")
    print(f"  digital PDFs, 2 workers:              {dig['wall_s']:6.1f} s   {dig['per_hour']:,.0f} claims/h")
    print(f"  once per `claimflow process`: Prefect ephemeral server + worker processes' start-up {startup:.1f} s "
          "(a warm-up of 2 claims; not in the figures above)")


if __name__ == "__main__":
    main()
