"""Encryption-at-rest benchmark (not a test): `python bench/privacy_bench.py [--count N] [--rounds R]`.

Measures in one run the end-to-end time of the same claims (generated bills, fixed seed: digital PDFs — the cheapest
claims, where encryption's share is largest — and scanned PNGs) through the pipeline's stages (receipt, OCR,
extraction, adjudication, audit; ``stages.process``, no Prefect: its overhead is the same either way and would only
dilute the ratio), once with CLAIMFLOW_ENCRYPT_AT_REST on and once off, each on a fresh data directory. Rounds
alternate on/off so that the machine's load hits both alike; the median round counts. Target: on/off ≤ 1.05.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")

from pipeline_bench import bills  # noqa: E402

from claimflow.model.member import members_from_file  # noqa: E402
from claimflow.settings import Settings  # noqa: E402
from db.members import upsert_members  # noqa: E402
from flows import dispatch, stages  # noqa: E402
from flows.runtime import sessions_for  # noqa: E402


def run(root: Path, name: str, files: list[Path], members: list[Path], encrypt: bool) -> float:
    s = Settings(data_dir=root / name, encrypt_at_rest=encrypt, ocr_workers=1, _env_file=None)  # type: ignore[call-arg]
    with sessions_for(s).begin() as session:
        for m in members:
            upsert_members(session=session, members=members_from_file(m, tenant=s.tenant))
    ctx = stages.Context(settings=s, sessions=sessions_for(s), tenant=s.tenant, source="cli", submitted_by="bench")
    t0 = time.perf_counter()
    for f in files:
        admission = dispatch.admit(ctx, f)
        result = stages.process(ctx, admission.received)
        if result.status == "failed":
            raise SystemExit(f"{f.name}: {result.error_kind}")
    return time.perf_counter() - t0


def crypto_per_claim(files: list[Path], reps: int = 50) -> float:
    """Seconds of pure AES-GCM work per claim (the original sealed and opened, a 20 KB extraction and decision
    sealed and opened, a data key wrapped and unwrapped) — the floor under the end-to-end difference."""
    from db import crypto

    master, key = crypto.new_key(), crypto.new_key()
    record = b"x" * 20_000
    t0 = time.perf_counter()
    for _ in range(reps):
        for f in files:
            data = f.read_bytes()
            crypto.open_blob(key, crypto.seal(key, "k", data, b"document/x"), b"document/x")
            for _ in range(2):
                crypto.open_blob(key, crypto.seal(key, "k", record, b"extraction/x"), b"extraction/x")
            crypto.unwrap(master, "k", crypto.wrap(master, "k", key))
    return (time.perf_counter() - t0) / (reps * len(files))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=6, help="bills of each kind (digital PDF, scanned PNG)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimflow-privacy-bench-") as tmp:
        root = Path(tmp)
        files = (bills(root / "pdf", args.count, args.seed, ("digital_pdf",))
                 + bills(root / "png", args.count, args.seed + 1, ("png",)))
        members = sorted(root.rglob("members.yaml"))
        stages.prepare()
        run(root, "warmup", files[:1] + files[args.count : args.count + 1], members, True)  # models, caches
        on, off = [], []
        for r in range(args.rounds):
            order = (True, False) if r % 2 == 0 else (False, True)
            for enc in order:
                (on if enc else off).append(run(root, f"r{r}-{'on' if enc else 'off'}", files, members, enc))
        out = {"claims": len(files), "rounds": args.rounds, "on_s": statistics.median(on),
               "off_s": statistics.median(off), "on_rounds_s": on, "off_rounds_s": off}
        out["ratio"] = out["on_s"] / out["off_s"]
        out["crypto_per_claim_ms"] = crypto_per_claim(files) * 1000
        out["crypto_share"] = out["crypto_per_claim_ms"] / 1000 / (out["off_s"] / len(files))
    if args.json:
        print(json.dumps(out))
        return
    print(f"{out['claims']} claims x {args.rounds} rounds: encryption on {out['on_s']:.2f}s, off {out['off_s']:.2f}s "
          f"(median) -> on/off {out['ratio']:.3f} (target <= 1.05)")
    print(f"  rounds on:  {', '.join(f'{x:.2f}' for x in on)}\n  rounds off: {', '.join(f'{x:.2f}' for x in off)}")
    print(f"  AES-GCM work alone: {out['crypto_per_claim_ms']:.3f} ms a claim = {out['crypto_share']:.4%} of a claim's "
          "time without encryption")


if __name__ == "__main__":
    main()
